package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"golang.org/x/mod/modfile"

	"github.com/mysfits/mysfits-questions/internal/awsfake"
)

const (
	tableType        = "aws:dynamodb/table:Table"
	functionType     = "aws:lambda/function:Function"
	stageType        = "aws:apigateway/stage:Stage"
	restAPIType      = "aws:apigateway/restApi:RestApi"
	deploymentType   = "aws:apigateway/deployment:Deployment"
	permissionType   = "aws:lambda/permission:Permission"
	bucketType       = "aws:s3/bucketV2:BucketV2"
	samplingRuleType = "aws:xray/samplingRule:SamplingRule"
	methodType       = "aws:apigateway/method:Method"
	subscriptionType = "aws:sns/topicSubscription:TopicSubscription"
	eventTargetType  = "aws:cloudwatch/eventTarget:EventTarget"
	unmodelledType   = "aws:ec2/instance:Instance"
)

func newServer(t *testing.T) integration.Server {
	t.Helper()
	s, err := integration.NewServer(t.Context(), pluginName, semver.MustParse(pluginVersion), integration.WithProvider(newProvider()))
	if err != nil {
		t.Fatalf("starting the provider: %v", err)
	}
	return s
}

// urnOf is the URN of a resource inside the questions service component.
func urnOf(typ, name string) resource.URN {
	return resource.NewURN("dev", "mysfits-questions", "mysfits:questions:QuestionsService", tokens.Type(typ), name)
}

// props builds inputs from plain values (maps, slices, strings ...).
func props(m map[string]any) property.Map {
	return resource.FromResourcePropertyMap(resource.NewPropertyMapFromMap(m))
}

func with(m property.Map, key string, v property.Value) property.Map { return m.Set(key, v) }

func check(t *testing.T, s integration.Server, urn resource.URN, olds, news property.Map) property.Map {
	t.Helper()
	resp, err := s.Check(p.CheckRequest{Urn: urn, State: olds, Inputs: news})
	if err != nil {
		t.Fatalf("Check %s: %v", urn.Name(), err)
	}
	if len(resp.Failures) > 0 {
		t.Fatalf("Check %s: failures %v", urn.Name(), resp.Failures)
	}
	return resp.Inputs
}

func create(t *testing.T, s integration.Server, urn resource.URN, inputs property.Map, preview bool) p.CreateResponse {
	t.Helper()
	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: inputs, DryRun: preview})
	if err != nil {
		t.Fatalf("Create %s (preview %v): %v", urn.Name(), preview, err)
	}
	return resp
}

func str(t *testing.T, m property.Map, key string) string {
	t.Helper()
	v := m.Get(key)
	if !v.IsString() {
		t.Fatalf("%s is %v, want a string", key, v.GoString())
	}
	return v.AsString()
}

func TestCheckAutoNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, logical, prop string
		want               string // regexp of the generated name; "" if none is generated
	}{
		{tableType, "questions-table", "name", `^questions-table-[0-9a-f]{7}$`},
		{functionType, "questions-post", "name", `^questions-post-[0-9a-f]{7}$`},
		{restAPIType, "questions-api", "name", `^questions-api-[0-9a-f]{7}$`},
		{bucketType, "Questions-Failures", "bucket", `^questions-failures-[0-9a-f]{7}$`},
		{samplingRuleType, "questions-sampling", "ruleName", `^questions-sampling-[0-9a-f]{7}$`},
		{methodType, "questions-api-post", "name", ""},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			urn := urnOf(tt.typ, tt.logical)
			news := props(map[string]any{"description": "d"})
			first := check(t, s, urn, property.Map{}, news)
			if tt.want == "" {
				if v, ok := first.GetOk(tt.prop); ok {
					t.Fatalf("%s was given %s = %v", tt.typ, tt.prop, v.GoString())
				}
				return
			}
			name := str(t, first, tt.prop)
			if !regexp.MustCompile(tt.want).MatchString(name) {
				t.Fatalf("generated %s = %q, want a match of %s", tt.prop, name, tt.want)
			}
			if !generated(first, tt.prop) {
				t.Errorf("%s = %v, want it to list %s", defaultsKey, first.Get(defaultsKey).GoString(), tt.prop)
			}
			// An update: the engine passes the old inputs.
			second := check(t, s, urn, first, news)
			if got := str(t, second, tt.prop); got != name {
				t.Errorf("Check with old inputs: %s = %q, want the generated %q kept", tt.prop, got, name)
			}
			// A name the program gives is kept and not a default.
			given := check(t, s, urn, first, with(news, tt.prop, property.New("given")))
			if got := str(t, given, tt.prop); got != "given" || generated(given, tt.prop) {
				t.Errorf("given name: %s = %q, defaults %v", tt.prop, got, given.Get(defaultsKey).GoString())
			}
		})
	}
}

// TestCheckKeepsOldGeneratedName: the old generated name is kept even if
// this URN would generate another (a resource renamed with an alias), and
// a name the program gave and then dropped is generated afresh.
func TestCheckKeepsOldGeneratedName(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	urn := urnOf(tableType, "questions-table")
	fresh, _ := awsfake.AutoName(tableType, "questions-table", string(urn))
	tests := []struct {
		name string
		olds property.Map
		want string
	}{
		{"generated before", props(map[string]any{"name": "legacy-1234567", defaultsKey: []any{"name"}}), "legacy-1234567"},
		{"given before", props(map[string]any{"name": "given", defaultsKey: []any{}}), fresh},
		{"no old inputs", property.Map{}, fresh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := check(t, s, urn, tt.olds, props(map[string]any{"hashKey": "id"}))
			if name := str(t, got, "name"); name != tt.want {
				t.Errorf("name = %q, want %q", name, tt.want)
			}
		})
	}
}

func archiveAt(path, hash string) property.Value {
	return property.New(&archive.Archive{Sig: archive.ArchiveSig, Path: path, Hash: hash})
}

func TestDiff(t *testing.T) {
	t.Parallel()
	function := props(map[string]any{
		"name": "questions-post-1234567", defaultsKey: []any{"name"},
		"runtime": "provided.al2023", "environment": map[string]any{"variables": map[string]any{"TABLE": "t"}},
		"tracingConfig": map[string]any{"mode": "Active"},
	}).Set("code", archiveAt("/tmp/one/post.zip", "abc"))
	table := props(map[string]any{
		"name": "questions-table-1234567", defaultsKey: []any{"name"}, "hashKey": "id",
		"attributes": []any{map[string]any{"name": "id", "type": "S"}},
	})
	givenTable := table.Set("name", property.New("questions")).Set(defaultsKey, property.New([]property.Value{}))
	stage := props(map[string]any{"restApi": "abc", "stageName": "prod", "deployment": "d1", "xrayTracingEnabled": false})
	deployment := props(map[string]any{"restApi": "abc", "description": "questions API", "triggers": map[string]any{"api": "h1"}})
	permission := props(map[string]any{"action": "lambda:InvokeFunction", "function": "f", "principal": "apigateway.amazonaws.com", "sourceArn": "arn:a"})
	const (
		upd  = p.Update
		updR = p.UpdateReplace
	)
	tests := []struct {
		name       string
		typ        string
		olds, news property.Map
		ignore     []string
		want       map[string]p.DiffKind
		deleteFrst bool
	}{
		{name: "identical function", typ: functionType, olds: function, news: function},
		{name: "one environment variable", typ: functionType, olds: function,
			news: function.Set("environment", props(map[string]any{"e": map[string]any{"variables": map[string]any{"TABLE": "u"}}}).Get("e")),
			want: map[string]p.DiffKind{"environment": upd}},
		{name: "same archive elsewhere", typ: functionType, olds: function, news: function.Set("code", archiveAt("/tmp/two/post.zip", "abc"))},
		{name: "new archive", typ: functionType, olds: function, news: function.Set("code", archiveAt("/tmp/one/post.zip", "def")),
			want: map[string]p.DiffKind{"code": upd}},
		{name: "secret of the same value", typ: functionType, olds: function, news: function.Set("runtime", property.New("provided.al2023").WithSecret(true))},
		{name: "null equals missing", typ: functionType, olds: function, news: function.Set("description", property.New(property.Null))},
		{name: "empty list equals missing", typ: functionType, olds: function, news: function.Set("layers", property.New([]property.Value{}))},
		{name: "added", typ: functionType, olds: function, news: function.Set("description", property.New("d")),
			want: map[string]p.DiffKind{"description": p.Add}},
		{name: "deleted", typ: functionType, olds: function, news: function.Delete("tracingConfig"),
			want: map[string]p.DiffKind{"tracingConfig": p.Delete}},
		{name: "unknown during preview", typ: functionType, olds: function, news: function.Set("runtime", property.New(property.Computed)),
			want: map[string]p.DiffKind{"runtime": upd}},
		{name: "ignored", typ: functionType, olds: function, news: function.Set("runtime", property.New("go1.x")), ignore: []string{"runtime"}},
		{name: "function renamed", typ: functionType, olds: function, news: function.Set("name", property.New("post")),
			want: map[string]p.DiffKind{"name": updR}},
		{name: "stage tracing", typ: stageType, olds: stage, news: stage.Set("xrayTracingEnabled", property.New(true)),
			want: map[string]p.DiffKind{"xrayTracingEnabled": upd}},
		{name: "stage to a new deployment", typ: stageType, olds: stage, news: stage.Set("deployment", property.New("d2")),
			want: map[string]p.DiffKind{"deployment": upd}},
		{name: "stage of another API", typ: stageType, olds: stage, news: stage.Set("restApi", property.New("xyz")),
			want: map[string]p.DiffKind{"restApi": updR}},
		{name: "deployment triggers", typ: deploymentType, olds: deployment, news: deployment.Set("triggers", props(map[string]any{"t": map[string]any{"api": "h2"}}).Get("t")),
			want: map[string]p.DiffKind{"triggers": updR}},
		{name: "deployment description", typ: deploymentType, olds: deployment, news: deployment.Set("description", property.New("v2")),
			want: map[string]p.DiffKind{"description": upd}},
		{name: "permission", typ: permissionType, olds: permission, news: permission.Set("sourceArn", property.New("arn:b")),
			want: map[string]p.DiffKind{"sourceArn": updR}},
		{name: "table hash key", typ: tableType, olds: table, news: table.Set("hashKey", property.New("key")).Set("attributes", props(map[string]any{"a": []any{map[string]any{"name": "key", "type": "S"}}}).Get("a")),
			want: map[string]p.DiffKind{"hashKey": updR, "attributes": updR}},
		{name: "table key type", typ: tableType, olds: table, news: table.Set("attributes", props(map[string]any{"a": []any{map[string]any{"name": "id", "type": "N"}}}).Get("a")),
			want: map[string]p.DiffKind{"attributes": updR}},
		{name: "table index attribute", typ: tableType, olds: table,
			news: table.Set("attributes", props(map[string]any{"a": []any{map[string]any{"name": "id", "type": "S"}, map[string]any{"name": "at", "type": "N"}}}).Get("a")),
			want: map[string]p.DiffKind{"attributes": upd}},
		{name: "table with a given name replaced", typ: tableType, olds: givenTable, news: givenTable.Set("hashKey", property.New("key")),
			want: map[string]p.DiffKind{"hashKey": updR}, deleteFrst: true},
		{name: "table renamed", typ: tableType, olds: givenTable, news: givenTable.Set("name", property.New("answers")),
			want: map[string]p.DiffKind{"name": updR}},
		{name: "bookkeeping only", typ: tableType, olds: table, news: table.Set(defaultsKey, property.New([]property.Value{})).Set("__pulumi-go-provider-version", property.New("1.5.0"))},
	}
	s := newServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := s.Diff(p.DiffRequest{Urn: urnOf(tt.typ, "r"), ID: "id", OldInputs: tt.olds, State: tt.olds, Inputs: tt.news, IgnoreChanges: tt.ignore})
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			got := map[string]p.DiffKind{}
			for k, d := range resp.DetailedDiff {
				got[k] = d.Kind
			}
			if tt.want == nil {
				tt.want = map[string]p.DiffKind{}
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("detailed diff = %v, want %v", got, tt.want)
			}
			if resp.HasChanges != (len(tt.want) > 0) {
				t.Errorf("HasChanges = %v with %d changes", resp.HasChanges, len(tt.want))
			}
			if resp.DeleteBeforeReplace != tt.deleteFrst {
				t.Errorf("DeleteBeforeReplace = %v, want %v", resp.DeleteBeforeReplace, tt.deleteFrst)
			}
		})
	}
}

func TestReplaceTableCoversTheModelledTypes(t *testing.T) {
	t.Parallel()
	got := slices.Sorted(maps.Keys(replaceOnChange))
	if want := awsfake.Types(); !slices.Equal(got, want) {
		t.Errorf("replace-on-change table types:\n got  %v\n want %v", got, want)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, logical string
		inputs       map[string]any
		id           string            // regexp
		outputs      map[string]string // regexps of outputs known after creation, unknown in a preview
		known        []string          // outputs known in a preview too (inputs)
	}{
		{
			typ: tableType, logical: "questions-table", inputs: map[string]any{"hashKey": "id"},
			id:      `^questions-table-[0-9a-f]{7}$`,
			outputs: map[string]string{"arn": `^arn:aws:dynamodb:us-east-1:123456789012:table/questions-table-[0-9a-f]{7}$`, "streamArn": `/stream/`},
			known:   []string{"name", "hashKey"},
		},
		{
			typ: restAPIType, logical: "questions-api", inputs: map[string]any{"description": "d"},
			id: `^[0-9a-f]{10}$`,
			outputs: map[string]string{
				"rootResourceId": `^[0-9a-f]{10}$`, "executionArn": `^arn:aws:execute-api:us-east-1:123456789012:[0-9a-f]{10}$`,
				"arn": `^arn:aws:apigateway:us-east-1::/restapis/[0-9a-f]{10}$`,
			},
			known: []string{"name", "description"},
		},
		{
			typ: subscriptionType, logical: "questions-admin-email",
			inputs:  map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:t", "protocol": "email", "endpoint": "a@example.com"},
			id:      `^arn:aws:sns:us-east-1:123456789012:t:[0-9a-f-]{36}$`,
			outputs: map[string]string{"arn": `^arn:aws:sns:`, "ownerId": `^123456789012$`},
			known:   []string{"topic", "protocol", "endpoint"},
		},
		{typ: methodType, logical: "questions-api-post", inputs: map[string]any{"httpMethod": "POST"}, id: `^[0-9a-f]{10}$`, known: []string{"httpMethod"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			urn := urnOf(tt.typ, tt.logical)
			inputs := check(t, s, urn, property.Map{}, props(tt.inputs))

			preview := create(t, s, urn, inputs, true)
			if preview.ID != "" {
				t.Errorf("preview id = %q, want none yet", preview.ID)
			}
			for k := range tt.outputs {
				if v := preview.Properties.Get(k); !v.IsComputed() {
					t.Errorf("preview %s = %v, want unknown", k, v.GoString())
				}
			}
			for _, k := range tt.known {
				if v := preview.Properties.Get(k); !v.IsString() {
					t.Errorf("preview %s = %v, want the input", k, v.GoString())
				}
			}
			if _, ok := preview.Properties.GetOk(defaultsKey); ok {
				t.Errorf("state has %s", defaultsKey)
			}

			created := create(t, s, urn, inputs, false)
			if !regexp.MustCompile(tt.id).MatchString(created.ID) {
				t.Errorf("id = %q, want a match of %s", created.ID, tt.id)
			}
			for k, re := range tt.outputs {
				if got := str(t, created.Properties, k); !regexp.MustCompile(re).MatchString(got) {
					t.Errorf("%s = %q, want a match of %s", k, got, re)
				}
			}
			for k, v := range inputs.All {
				if !reserved(k) && !equal(created.Properties.Get(k), v) {
					t.Errorf("state %s = %v, want the input %v", k, created.Properties.Get(k).GoString(), v.GoString())
				}
			}
			if again := create(t, s, urn, inputs, false); again.ID != created.ID {
				t.Errorf("the same inputs created %q, then %q: want it deterministic", created.ID, again.ID)
			}
		})
	}
}

// TestReplacementGetsNewIDs: a replacement, made because inputs changed,
// gets a new id from AWS (a stage then points at the new deployment), while
// the generated name stays.
func TestReplacementGetsNewIDs(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	urn := urnOf(deploymentType, "questions-api-deployment")
	one := create(t, s, urn, check(t, s, urn, property.Map{}, props(map[string]any{"restApi": "abc", "triggers": map[string]any{"api": "h1"}})), false)
	two := create(t, s, urn, check(t, s, urn, property.Map{}, props(map[string]any{"restApi": "abc", "triggers": map[string]any{"api": "h2"}})), false)
	if one.ID == two.ID {
		t.Errorf("the replacement deployment has the old id %s", one.ID)
	}

	urn = urnOf(tableType, "questions-table")
	t1 := create(t, s, urn, check(t, s, urn, property.Map{}, props(map[string]any{"hashKey": "id"})), false)
	t2 := create(t, s, urn, check(t, s, urn, property.Map{}, props(map[string]any{"hashKey": "key"})), false)
	if t1.ID != t2.ID {
		t.Errorf("a table's id is its generated name, from the URN: %s then %s", t1.ID, t2.ID)
	}
}

func TestConfiguredRegion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  p.ConfigureRequest
		want string
	}{
		{"default", p.ConfigureRequest{}, "us-east-1"},
		{"args", p.ConfigureRequest{Args: props(map[string]any{"region": "eu-west-1", "version": pluginVersion})}, "eu-west-1"},
		{"JSON string", p.ConfigureRequest{Args: props(map[string]any{"region": `"us-west-2"`})}, "us-west-2"},
		{"variables", p.ConfigureRequest{Variables: map[string]string{"aws:region": "eu-central-1"}}, "eu-central-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			if err := s.Configure(tt.req); err != nil {
				t.Fatalf("Configure: %v", err)
			}
			resp, err := s.Invoke(p.InvokeRequest{Token: getRegionToken})
			if err != nil {
				t.Fatalf("getRegion: %v", err)
			}
			want := props(awsfake.GetRegion(tt.want))
			if !resp.Return.Equals(want) {
				t.Errorf("getRegion = %v, want %v", resp.Return.GoString(), want.GoString())
			}
			if desc := str(t, resp.Return, "description"); desc == "" {
				t.Error("getRegion has no description")
			}
			urn := urnOf(tableType, "questions-table")
			created := create(t, s, urn, check(t, s, urn, property.Map{}, property.Map{}), false)
			if arn := str(t, created.Properties, "arn"); !strings.HasPrefix(arn, "arn:aws:dynamodb:"+tt.want+":") {
				t.Errorf("arn = %s, want one in %s", arn, tt.want)
			}
		})
	}
}

func TestInvoke(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	resp, err := s.Invoke(p.InvokeRequest{Token: getRegionToken, Args: props(map[string]any{"name": "ap-southeast-2"})})
	if err != nil {
		t.Fatalf("getRegion: %v", err)
	}
	if got := str(t, resp.Return, "endpoint"); got != "ec2.ap-southeast-2.amazonaws.com" {
		t.Errorf("getRegion(ap-southeast-2) endpoint = %s", got)
	}
	const unknown = "aws:index/getCallerIdentity:getCallerIdentity"
	if _, err := s.Invoke(p.InvokeRequest{Token: unknown}); err == nil || !strings.Contains(err.Error(), unknown) {
		t.Errorf("invoke of %s: %v, want an error naming it", unknown, err)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	urn := urnOf(restAPIType, "questions-api")
	olds := check(t, s, urn, property.Map{}, props(map[string]any{"description": "one"}))
	created := create(t, s, urn, olds, false)
	news := check(t, s, urn, olds, props(map[string]any{"description": "two"}))

	for _, preview := range []bool{true, false} {
		resp, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: created.Properties, OldInputs: olds, Inputs: news, DryRun: preview})
		if err != nil {
			t.Fatalf("Update (preview %v): %v", preview, err)
		}
		for _, k := range []string{"rootResourceId", "executionArn", "arn", "name"} {
			if got, was := resp.Properties.Get(k), created.Properties.Get(k); !equal(got, was) {
				t.Errorf("update (preview %v) changed %s: %v, was %v", preview, k, got.GoString(), was.GoString())
			}
		}
		if got := str(t, resp.Properties, "description"); got != "two" {
			t.Errorf("description = %q after the update", got)
		}
	}

	// An output computed from an input not known yet is unknown in a preview.
	stageURN := urnOf(stageType, "questions-api-prod")
	stageInputs := check(t, s, stageURN, property.Map{}, props(map[string]any{"restApi": "abc", "stageName": "prod"}))
	stage := create(t, s, stageURN, stageInputs, false)
	unknownAPI := stageInputs.Set("restApi", property.New(property.Computed))
	resp, err := s.Update(p.UpdateRequest{ID: stage.ID, Urn: stageURN, State: stage.Properties, OldInputs: stageInputs, Inputs: unknownAPI, DryRun: true})
	if err != nil {
		t.Fatalf("Update stage: %v", err)
	}
	if v := resp.Properties.Get("invokeUrl"); !v.IsComputed() {
		t.Errorf("invokeUrl = %v with the API unknown, want unknown", v.GoString())
	}

	// A target the provider named keeps its name.
	targetURN := urnOf(eventTargetType, "questions-failure-notices-queue")
	targetInputs := check(t, s, targetURN, property.Map{}, props(map[string]any{"rule": "r", "arn": "arn:q1"}))
	target := create(t, s, targetURN, targetInputs, false)
	updated, err := s.Update(p.UpdateRequest{ID: target.ID, Urn: targetURN, State: target.Properties, OldInputs: targetInputs,
		Inputs: targetInputs.Set("arn", property.New("arn:q2"))})
	if err != nil {
		t.Fatalf("Update target: %v", err)
	}
	if got, was := str(t, updated.Properties, "targetId"), str(t, target.Properties, "targetId"); got != was {
		t.Errorf("targetId = %s after an update, was %s", got, was)
	}
}

func TestReadAndDelete(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	urn := urnOf(tableType, "questions-table")
	inputs := check(t, s, urn, property.Map{}, props(map[string]any{"hashKey": "id"}))
	created := create(t, s, urn, inputs, false)
	read, err := s.Read(p.ReadRequest{ID: created.ID, Urn: urn, Properties: created.Properties, Inputs: inputs})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if read.ID != created.ID || !read.Properties.Equals(created.Properties) || !read.Inputs.Equals(inputs) {
		t.Errorf("Read = %s %v %v, want the state unchanged", read.ID, read.Properties.GoString(), read.Inputs.GoString())
	}
	if err := s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: created.Properties}); err != nil {
		t.Errorf("Delete: %v", err)
	}
}

func TestUnmodelledType(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	urn := urnOf(unmodelledType, "web")
	inputs := props(map[string]any{"ami": "ami-1"})
	calls := map[string]func() error{
		"Check": func() error { _, err := s.Check(p.CheckRequest{Urn: urn, Inputs: inputs}); return err },
		"Diff": func() error {
			_, err := s.Diff(p.DiffRequest{Urn: urn, ID: "i", OldInputs: inputs, Inputs: inputs})
			return err
		},
		"Create": func() error { _, err := s.Create(p.CreateRequest{Urn: urn, Properties: inputs}); return err },
		"Update": func() error {
			_, err := s.Update(p.UpdateRequest{Urn: urn, ID: "i", State: inputs, Inputs: inputs})
			return err
		},
		"Read": func() error { _, err := s.Read(p.ReadRequest{Urn: urn, ID: "i", Properties: inputs}); return err },
	}
	for name, call := range calls {
		err := call()
		if err == nil || !strings.Contains(err.Error(), "the stand-in AWS plugin does not model "+unmodelledType) {
			t.Errorf("%s of %s: %v, want an error naming the type", name, unmodelledType, err)
		}
	}
}

func TestProviderConfig(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	config := props(map[string]any{"region": "us-east-1", "skipCredentialsValidation": "true", "version": pluginVersion})
	checked, err := s.CheckConfig(p.CheckRequest{Urn: "urn:pulumi:dev::mysfits-questions::pulumi:providers:aws::default_6_83_4", Inputs: config})
	if err != nil || len(checked.Failures) > 0 {
		t.Fatalf("CheckConfig: %v %v", err, checked.Failures)
	}
	if !properties(checked.Inputs).Equals(config) {
		t.Errorf("CheckConfig = %v, want the config back", checked.Inputs.GoString())
	}
	bad, err := s.CheckConfig(p.CheckRequest{Inputs: props(map[string]any{"region": 1.0})})
	if err != nil || len(bad.Failures) != 1 {
		t.Errorf("CheckConfig of a numeric region: %v, failures %v", err, bad.Failures)
	}

	tests := []struct {
		name string
		news property.Map
		want map[string]p.DiffKind
	}{
		{"same", config, map[string]p.DiffKind{}},
		{"another profile", config.Set("profile", property.New("ops")), map[string]p.DiffKind{"profile": p.Add}},
		{"another region", config.Set("region", property.New("eu-west-1")), map[string]p.DiffKind{"region": p.UpdateReplace}},
		{"the default region unset", config.Delete("region"), map[string]p.DiffKind{}},
	}
	for _, tt := range tests {
		resp, err := s.DiffConfig(p.DiffRequest{OldInputs: checked.Inputs, State: checked.Inputs, Inputs: tt.news})
		if err != nil {
			t.Fatalf("DiffConfig %s: %v", tt.name, err)
		}
		got := map[string]p.DiffKind{}
		for k, d := range resp.DetailedDiff {
			got[k] = d.Kind
		}
		if !maps.Equal(got, tt.want) || resp.HasChanges != (len(tt.want) > 0) {
			t.Errorf("DiffConfig %s = %v (changes %v), want %v", tt.name, got, resp.HasChanges, tt.want)
		}
	}
}

func TestSchema(t *testing.T) {
	t.Parallel()
	resp, err := newServer(t).GetSchema(p.GetSchemaRequest{})
	if err != nil {
		t.Fatalf("GetSchema: %v", err)
	}
	var spec struct{ Name, Version string }
	if err := json.Unmarshal([]byte(resp.Schema), &spec); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if spec.Name != "aws" || spec.Version != pluginVersion {
		t.Errorf("schema name %q version %q, want aws %s", spec.Name, spec.Version, pluginVersion)
	}
}

// TestPluginVersionIsTheSDKs: the stand-in answers as the plugin version
// the pulumi-aws SDK in go.mod asks the engine for.
func TestPluginVersionIsTheSDKs(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range mod.Require {
		if req.Mod.Path == awsSDK {
			if want := strings.TrimPrefix(req.Mod.Version, "v"); pluginVersion != want {
				t.Errorf("pluginVersion = %s, want %s (go.mod)", pluginVersion, want)
			}
			return
		}
	}
	t.Fatalf("go.mod does not require %s", awsSDK)
}
