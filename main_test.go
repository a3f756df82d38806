package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/components/spec"
	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
)

const (
	testProject = "mysfits-questions"
	testRegion  = "us-east-1"
	testAccount = "123456789012"
	testEmail   = "admin@mysfits.example"
)

// testProgram is the program with a builder that really builds each
// function, once per test binary.
var testProgram program

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mysfits-questions-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testProgram = program{builder: components.Memoize(components.GoBuilder{TempDir: dir})}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ---- the mock cloud -------------------------------------------------------

// mockCloud stands in for the engine and AWS: it records every registered
// resource and fills the attributes AWS computes (ids, ARNs, URLs) in the
// shapes AWS uses. Physical names are generated from the URN, as Pulumi's
// auto-naming does with a random suffix, so they differ between stacks but
// are stable between runs.
type mockCloud struct {
	project, stack string
	// stackOutputs are the outputs of referenced stacks, by stack name.
	stackOutputs map[string]map[string]any

	mu        sync.Mutex
	resources []*mockResource
}

type mockResource struct {
	Type, Name, URN, Parent, ID string
	Inputs, State               map[string]any
	Dependencies                []string
}

func newMockCloud(stack string) *mockCloud {
	return &mockCloud{project: testProject, stack: stack, stackOutputs: map[string]map[string]any{}}
}

func (m *mockCloud) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

func (m *mockCloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	var parent string
	var deps []string
	if rpc := args.RegisterRPC; rpc != nil {
		parent, deps = rpc.GetParent(), rpc.GetDependencies()
	}
	if rpc := args.ReadRPC; rpc != nil {
		parent = rpc.GetParent()
	}
	urn := m.urn(parent, args.TypeToken, args.Name)
	digest := func(salt string, n int) string {
		sum := sha256.Sum256([]byte(urn + "|" + salt))
		return hex.EncodeToString(sum[:])[:n]
	}
	inputs := args.Inputs.Mappable()
	state := args.Inputs.Copy()
	set := func(key string, value any) { state[resource.PropertyKey(key)] = resource.NewPropertyValue(value) }
	name, _ := inputs["name"].(string)
	if name == "" {
		name = args.Name + "-" + digest("name", 7)
	}
	id := digest("id", 10)
	switch args.TypeToken {
	case "aws:apigateway/restApi:RestApi":
		set("name", name)
		set("rootResourceId", digest("root", 10))
		set("executionArn", fmt.Sprintf("arn:aws:execute-api:%s:%s:%s", testRegion, testAccount, id))
		set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/restapis/%s", testRegion, id))
	case "aws:apigateway/resource:Resource":
		set("path", "/"+inputs["pathPart"].(string))
	case "aws:apigateway/stage:Stage":
		set("invokeUrl", fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", inputs["restApi"], testRegion, inputs["stageName"]))
	case "aws:dynamodb/table:Table":
		id = name
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", testRegion, testAccount, name)
		set("name", name)
		set("arn", arn)
		set("streamArn", arn+"/stream/2025-01-01T00:00:00.000")
	case "aws:sns/topic:Topic":
		id = fmt.Sprintf("arn:aws:sns:%s:%s:%s", testRegion, testAccount, name)
		set("name", name)
		set("arn", id)
	case "aws:sqs/queue:Queue":
		id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", testRegion, testAccount, name)
		set("name", name)
		set("url", id)
		set("arn", fmt.Sprintf("arn:aws:sqs:%s:%s:%s", testRegion, testAccount, name))
	case "aws:iam/role:Role":
		id = name
		set("name", name)
		set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", testAccount, name))
	case "aws:iam/rolePolicy:RolePolicy":
		set("name", name)
		id = fmt.Sprintf("%s:%s", inputs["role"], name)
	case "aws:cloudwatch/logGroup:LogGroup":
		id = name
		set("name", name)
		set("arn", fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", testRegion, testAccount, name))
	case "aws:lambda/function:Function":
		id = name
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", testRegion, testAccount, name)
		set("name", name)
		set("arn", arn)
		set("invokeArn", fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", testRegion, arn))
	case "pulumi:pulumi:StackReference":
		id = args.ID
		outputs, ok := m.stackOutputs[args.ID]
		if !ok {
			return "", nil, fmt.Errorf("unknown stack %q", args.ID)
		}
		set("name", args.ID)
		set("outputs", outputs)
	}
	m.mu.Lock()
	m.resources = append(m.resources, &mockResource{
		Type: args.TypeToken, Name: args.Name, URN: urn, Parent: parent, ID: id,
		Inputs: inputs, State: state.Mappable(), Dependencies: deps,
	})
	m.mu.Unlock()
	return id, state, nil
}

func (m *mockCloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == "aws:index/getRegion:getRegion" {
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": testRegion, "id": testRegion, "endpoint": "ec2." + testRegion + ".amazonaws.com",
		}), nil
	}
	return nil, fmt.Errorf("mock: unexpected invoke %s", args.Token)
}

// ofType returns the resources of a type in registration order.
func (m *mockCloud) ofType(typ string) []*mockResource {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*mockResource
	for _, r := range m.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// get returns the one resource with this type and logical name.
func (m *mockCloud) get(t *testing.T, typ, name string) *mockResource {
	t.Helper()
	var found []*mockResource
	for _, r := range m.ofType(typ) {
		if r.Name == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d resources of type %s named %s, want 1", len(found), typ, name)
	}
	return found[0]
}

func (m *mockCloud) byURN(urn string) *mockResource {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.resources {
		if r.URN == urn {
			return r
		}
	}
	return nil
}

// ---- running the program ---------------------------------------------------

type programRun struct {
	cloud   *mockCloud
	exports map[string]any
	err     error
}

// runProgram runs body (testProgram.run when nil) as a stack with the given
// project configuration (keys without the project prefix) and aws:region.
func runProgram(t *testing.T, cloud *mockCloud, cfg map[string]string, body pulumi.RunFunc) programRun {
	t.Helper()
	pctx := newTestContext(t, cloud, cfg)
	if body == nil {
		body = testProgram.run
	}
	err := pulumi.RunWithContext(pctx, body)
	exports := map[string]any{}
	if err == nil {
		for name, input := range pctx.GetCurrentExportMap() {
			res, err := internals.UnsafeAwaitOutput(context.Background(), pulumi.ToOutput(input))
			if err != nil {
				t.Fatalf("export %s: %v", name, err)
			}
			if !res.Known {
				t.Fatalf("export %s is unknown", name)
			}
			exports[name] = res.Value
		}
	}
	return programRun{cloud: cloud, exports: exports, err: err}
}

func newTestContext(t *testing.T, cloud *mockCloud, cfg map[string]string) *pulumi.Context {
	t.Helper()
	full := map[string]string{"aws:region": testRegion}
	for k, v := range cfg {
		full[testProject+":"+k] = v
	}
	pctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{
		Project: cloud.project, Stack: cloud.stack, Config: full, Mocks: cloud,
	})
	if err != nil {
		t.Fatalf("NewContext: %v", err)
	}
	t.Cleanup(func() { pctx.Close() })
	return pctx
}

func mustRun(t *testing.T, stack string, cfg map[string]string) programRun {
	t.Helper()
	run := runProgram(t, newMockCloud(stack), cfg, nil)
	if run.err != nil {
		t.Fatalf("program failed: %v", run.err)
	}
	return run
}

// ---- value helpers ----------------------------------------------------------

// field walks nested maps: field(r.Inputs, "tracingConfig", "mode").
func field(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func str(t *testing.T, v any, path ...string) string {
	t.Helper()
	s, ok := field(v, path...).(string)
	if !ok {
		t.Fatalf("%s is %T (%v), want a string", strings.Join(path, "."), field(v, path...), field(v, path...))
	}
	return s
}

func num(t *testing.T, v any, path ...string) int {
	t.Helper()
	f, ok := field(v, path...).(float64)
	if !ok {
		t.Fatalf("%s is %T (%v), want a number", strings.Join(path, "."), field(v, path...), field(v, path...))
	}
	return int(f)
}

func stringList(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}

func stringMap(t *testing.T, v any, path ...string) map[string]string {
	t.Helper()
	m, ok := field(v, path...).(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want a map", strings.Join(path, "."), field(v, path...))
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// statement is an IAM statement reduced to what is compared.
type statement struct {
	Effect    string
	Action    []string
	Resource  []string
	Principal map[string]any
}

func (s statement) String() string {
	a, r := slices.Clone(s.Action), slices.Clone(s.Resource)
	sort.Strings(a)
	sort.Strings(r)
	return fmt.Sprintf("%s %v on %v", s.Effect, a, r)
}

func parsePolicy(t *testing.T, doc string) []statement {
	t.Helper()
	var p struct {
		Version   string
		Statement []statement
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, doc)
	}
	if p.Version != "2012-10-17" {
		t.Errorf("policy version = %q", p.Version)
	}
	return p.Statement
}

func sameStatements(t *testing.T, what string, got []statement, want []statement) {
	t.Helper()
	g, w := make([]string, len(got)), make([]string, len(want))
	for i := range got {
		g[i] = got[i].String()
	}
	for i := range want {
		w[i] = want[i].String()
	}
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s statements:\n got  %s\n want %s", what, strings.Join(g, "\n      "), strings.Join(w, "\n      "))
	}
}

func allow(resources []string, actions ...string) statement {
	return statement{Effect: "Allow", Action: actions, Resource: resources}
}

// ---- the resource graph per stage -------------------------------------------

// function is a deployed TracedGoFunction as the mock saw it.
type function struct {
	lambda, role, policy, logs *mockResource
}

func findFunction(t *testing.T, c *mockCloud, name string) function {
	t.Helper()
	f := function{
		lambda: c.get(t, "aws:lambda/function:Function", name),
		role:   c.get(t, "aws:iam/role:Role", name+"-role"),
		policy: c.get(t, "aws:iam/rolePolicy:RolePolicy", name+"-policy"),
		logs:   c.get(t, "aws:cloudwatch/logGroup:LogGroup", name+"-logs"),
	}
	if got, want := str(t, f.lambda.Inputs, "role"), str(t, f.role.State, "arn"); got != want {
		t.Errorf("%s runs with role %s, want its own role %s", name, got, want)
	}
	if got, want := str(t, f.policy.Inputs, "role"), str(t, f.role.State, "name"); got != want {
		t.Errorf("%s policy is attached to %s, want %s", name, got, want)
	}
	comp := c.byURN(f.lambda.Parent)
	if comp == nil || comp.Type != components.TracedGoFunctionType || comp.Name != name {
		t.Errorf("%s is not parented to its TracedGoFunction component", name)
	}
	for _, child := range []*mockResource{f.role, f.policy, f.logs} {
		if child.Parent != f.lambda.Parent {
			t.Errorf("%s (%s) is not a child of the %s component", child.Name, child.Type, name)
		}
	}
	return f
}

func baseConfig(stage int) map[string]string {
	return map[string]string{
		keyAdminEmail:         testEmail,
		keyStage:              strconv.Itoa(stage),
		keyFaultPercent:       "30",
		keyFaultDelay:         "7s",
		keyAllowedOrigin:      "https://www.mysfits.example",
		keyThrottleRateLimit:  "25",
		keyThrottleBurstLimit: "50",
		keyLogRetentionDays:   "30",
	}
}

func TestStages(t *testing.T) {
	t.Parallel()
	for _, stage := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("stage %d", stage), func(t *testing.T) {
			t.Parallel()
			run := mustRun(t, "dev", baseConfig(stage))
			c := run.cloud
			const origin = "https://www.mysfits.example"
			tracing := lambdaenv.TracingStage(stage)

			table := c.get(t, "aws:dynamodb/table:Table", "questions-table")
			topic := c.get(t, "aws:sns/topic:Topic", "questions-topic")
			dlq := c.get(t, "aws:sqs/queue:Queue", "questions-dlq")
			tableArn, streamArn := str(t, table.State, "arn"), str(t, table.State, "streamArn")
			topicArn, dlqArn := str(t, topic.State, "arn"), str(t, dlq.State, "arn")
			post := findFunction(t, c, "questions-post")
			process := findFunction(t, c, "questions-process")

			t.Run("api gateway tracing", func(t *testing.T) {
				st := c.get(t, "aws:apigateway/stage:Stage", "questions-api-prod")
				if got := field(st.Inputs, "xrayTracingEnabled"); got != (stage >= 2) {
					t.Errorf("stage %d: xrayTracingEnabled = %v, want on from stage 2", stage, got)
				}
				if got := str(t, st.Inputs, "stageName"); got != "prod" {
					t.Errorf("stage name = %q, want prod", got)
				}
			})

			t.Run("functions", func(t *testing.T) {
				for _, f := range []function{post, process} {
					in := f.lambda.Inputs
					if got := str(t, in, "tracingConfig", "mode"); got != "Active" {
						t.Errorf("%s tracing mode = %q, want Active at every stage", f.lambda.Name, got)
					}
					if str(t, in, "runtime") != "provided.al2023" || str(t, in, "handler") != "bootstrap" ||
						!slices.Equal(stringList(field(in, "architectures")), []string{"arm64"}) {
						t.Errorf("%s runtime/handler/architectures = %v/%v/%v", f.lambda.Name, in["runtime"], in["handler"], in["architectures"])
					}
					if got := str(t, in, "loggingConfig", "logFormat"); got != "JSON" {
						t.Errorf("%s log format = %q", f.lambda.Name, got)
					}
					// Unset levels are stored as INFO by AWS: a diff on every update.
					if app, sys := str(t, in, "loggingConfig", "applicationLogLevel"), str(t, in, "loggingConfig", "systemLogLevel"); app != "INFO" || sys != "INFO" {
						t.Errorf("%s log levels = %q/%q, want INFO/INFO as AWS stores them", f.lambda.Name, app, sys)
					}
					if got, want := str(t, in, "loggingConfig", "logGroup"), str(t, f.logs.State, "name"); got != want {
						t.Errorf("%s logs to %q, want its own group %q", f.lambda.Name, got, want)
					}
					if got := num(t, f.logs.Inputs, "retentionInDays"); got != 30 {
						t.Errorf("%s log retention = %d, want the configured 30", f.lambda.Name, got)
					}
					code, ok := in["code"].(*archive.Archive)
					if !ok || !strings.HasSuffix(code.Path, ".zip") {
						t.Fatalf("%s code = %#v, want a zip file archive", f.lambda.Name, in["code"])
					}
					data, err := os.ReadFile(code.Path)
					if err != nil {
						t.Fatalf("%s code: %v", f.lambda.Name, err)
					}
					sum := sha256.Sum256(data)
					if got := str(t, in, "sourceCodeHash"); got != base64.StdEncoding.EncodeToString(sum[:]) {
						t.Errorf("%s sourceCodeHash %s is not the zip's base64 sha256", f.lambda.Name, got)
					}
					if !slices.Contains(f.lambda.Dependencies, f.policy.URN) || !slices.Contains(f.lambda.Dependencies, f.logs.URN) {
						t.Errorf("%s does not wait for its policy and log group", f.lambda.Name)
					}
				}
			})

			t.Run("environment", func(t *testing.T) {
				stageVars := map[string]string{lambdaenv.Stage: strconv.Itoa(stage)}
				if stage == 3 {
					stageVars[lambdaenv.FaultPercent] = "30"
					stageVars[lambdaenv.FaultDelay] = "7s"
				}
				wantPost := map[string]string{
					lambdaenv.TableName:     str(t, table.State, "name"),
					lambdaenv.AllowedOrigin: origin,
				}
				wantProcess := map[string]string{lambdaenv.TopicARN: topicArn}
				for k, v := range stageVars {
					wantPost[k], wantProcess[k] = v, v
				}
				for _, tt := range []struct {
					f    function
					want map[string]string
				}{{post, wantPost}, {process, wantProcess}} {
					got := stringMap(t, tt.f.lambda.Inputs, "environment", "variables")
					if !maps.Equal(got, tt.want) {
						t.Errorf("%s environment = %v, want %v", tt.f.lambda.Name, got, tt.want)
					}
					if _, has := got[lambdaenv.FaultPercent]; has != (stage == 3) {
						t.Errorf("%s has %s = %v at stage %d", tt.f.lambda.Name, lambdaenv.FaultPercent, has, stage)
					}
					// What the functions will read back must be what was configured.
					loaded, err := lambdaenv.LoadTracing(func(k string) string { return got[k] })
					if err != nil || loaded.Stage != tracing {
						t.Errorf("%s: LoadTracing = %+v, %v", tt.f.lambda.Name, loaded, err)
					}
				}
			})

			t.Run("timeouts", func(t *testing.T) {
				postTimeout := time.Duration(num(t, post.lambda.Inputs, "timeout")) * time.Second
				if postTimeout <= 7*time.Second {
					t.Errorf("post timeout %s does not exceed faultDelay 7s", postTimeout)
				}
				if postTimeout != spec.PostTimeout(7*time.Second) {
					t.Errorf("post timeout %s, want spec.PostTimeout(7s) = %s at every stage", postTimeout, spec.PostTimeout(7*time.Second))
				}
				if got := time.Duration(num(t, process.lambda.Inputs, "timeout")) * time.Second; got != spec.ProcessTimeout {
					t.Errorf("process timeout = %s, want %s", got, spec.ProcessTimeout)
				}
			})

			t.Run("iam", func(t *testing.T) {
				logs := func(f function) statement {
					arn := str(t, f.logs.State, "arn")
					return allow([]string{arn, arn + ":*"}, "logs:CreateLogStream", "logs:PutLogEvents")
				}
				xray := allow([]string{"*"}, "xray:PutTraceSegments", "xray:PutTelemetryRecords")
				sameStatements(t, "post", parsePolicy(t, str(t, post.policy.Inputs, "policy")), []statement{
					allow([]string{tableArn}, "dynamodb:PutItem"),
					logs(post),
					xray,
				})
				sameStatements(t, "process", parsePolicy(t, str(t, process.policy.Inputs, "policy")), []statement{
					allow([]string{streamArn}, "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
					allow([]string{tableArn + "/stream/*"}, "dynamodb:ListStreams"),
					allow([]string{topicArn}, "sns:Publish"),
					allow([]string{dlqArn}, "sqs:SendMessage"),
					logs(process),
					xray,
				})
				for _, f := range []function{post, process} {
					trust := parsePolicy(t, str(t, f.role.Inputs, "assumeRolePolicy"))
					if len(trust) != 1 || trust[0].Effect != "Allow" || !slices.Equal(trust[0].Action, []string{"sts:AssumeRole"}) ||
						field(trust[0].Principal, "Service") != "lambda.amazonaws.com" || trust[0].Resource != nil {
						t.Errorf("%s trust policy = %+v, want lambda.amazonaws.com may sts:AssumeRole", f.role.Name, trust)
					}
				}
				// Only X-Ray writes may use "*", in any policy of the stack.
				for _, p := range c.ofType("aws:iam/rolePolicy:RolePolicy") {
					for _, s := range parsePolicy(t, str(t, p.Inputs, "policy")) {
						if slices.Contains(s.Resource, "*") && !slices.Equal(s.Action, []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}) {
							t.Errorf("%s grants %v on *", p.Name, s.Action)
						}
						for _, a := range s.Action {
							if strings.Contains(a, "*") {
								t.Errorf("%s grants wildcard action %s", p.Name, a)
							}
						}
					}
				}
			})

			t.Run("storage and notification", func(t *testing.T) {
				in := table.Inputs
				if str(t, in, "billingMode") != "PAY_PER_REQUEST" || str(t, in, "hashKey") != "QuestionId" ||
					field(in, "streamEnabled") != true || str(t, in, "streamViewType") != "NEW_IMAGE" ||
					field(in, "serverSideEncryption", "enabled") != true || field(in, "pointInTimeRecovery", "enabled") != true {
					t.Errorf("table inputs = %v", in)
				}
				attrs := field(in, "attributes").([]any)
				if len(attrs) != 1 || field(attrs[0], "name") != "QuestionId" || field(attrs[0], "type") != "S" {
					t.Errorf("table attributes = %v, want only QuestionId (S)", attrs)
				}
				if got := str(t, topic.Inputs, "kmsMasterKeyId"); got != "alias/aws/sns" {
					t.Errorf("topic key = %q", got)
				}
				sub := c.get(t, "aws:sns/topicSubscription:TopicSubscription", "questions-admin-email")
				if str(t, sub.Inputs, "protocol") != "email" || str(t, sub.Inputs, "endpoint") != testEmail || str(t, sub.Inputs, "topic") != topicArn {
					t.Errorf("subscription = %v", sub.Inputs)
				}
				if field(dlq.Inputs, "sqsManagedSseEnabled") != true || num(t, dlq.Inputs, "messageRetentionSeconds") != 14*24*3600 {
					t.Errorf("dead-letter queue = %v", dlq.Inputs)
				}
			})

			t.Run("stream mapping", func(t *testing.T) {
				mappings := c.ofType("aws:lambda/eventSourceMapping:EventSourceMapping")
				if len(mappings) != 1 {
					t.Fatalf("%d event source mappings, want 1", len(mappings))
				}
				in := mappings[0].Inputs
				want := map[string]any{
					"eventSourceArn":                 streamArn,
					"functionName":                   str(t, process.lambda.State, "arn"),
					"startingPosition":               "TRIM_HORIZON",
					"batchSize":                      float64(spec.QuestionsStream.BatchSize),
					"maximumBatchingWindowInSeconds": float64(1),
					"maximumRetryAttempts":           float64(3),
					"maximumRecordAgeInSeconds":      float64(3600),
					"bisectBatchOnFunctionError":     true,
					"parallelizationFactor":          float64(1),
				}
				for k, v := range want {
					if in[k] != v {
						t.Errorf("mapping %s = %v, want %v", k, in[k], v)
					}
				}
				if got := stringList(in["functionResponseTypes"]); !slices.Equal(got, []string{"ReportBatchItemFailures"}) {
					t.Errorf("functionResponseTypes = %v", got)
				}
				if got := str(t, in, "destinationConfig", "onFailure", "destinationArn"); got != dlqArn {
					t.Errorf("on-failure destination = %s, want the dead-letter queue %s", got, dlqArn)
				}
				// Lambda checks the role can read the stream when the mapping is
				// created: the mapping waits for the function, which waits for
				// its policy (checked in "functions").
				if !slices.Contains(mappings[0].Dependencies, process.lambda.URN) {
					t.Errorf("mapping does not wait for the process function: %v", mappings[0].Dependencies)
				}
			})

			t.Run("api", func(t *testing.T) {
				api := c.get(t, "aws:apigateway/restApi:RestApi", "questions-api")
				if got := str(t, api.Inputs, "endpointConfiguration", "types"); got != "REGIONAL" {
					t.Errorf("endpoint type = %q", got)
				}
				res := c.get(t, "aws:apigateway/resource:Resource", "questions-api-questions")
				if str(t, res.Inputs, "pathPart") != "questions" || str(t, res.Inputs, "parentId") != str(t, api.State, "rootResourceId") {
					t.Errorf("resource = %v", res.Inputs)
				}
				methods := map[string]*mockResource{}
				for _, m := range c.ofType("aws:apigateway/method:Method") {
					methods[str(t, m.Inputs, "httpMethod")] = m
					if str(t, m.Inputs, "resourceId") != res.ID {
						t.Errorf("method %s is not on /questions", m.Name)
					}
				}
				if len(methods) != 2 || methods["POST"] == nil || methods["OPTIONS"] == nil {
					t.Fatalf("methods = %v, want POST and OPTIONS", methods)
				}
				validator := c.get(t, "aws:apigateway/requestValidator:RequestValidator", "questions-api-validator")
				model := c.get(t, "aws:apigateway/model:Model", "questions-api-model")
				if str(t, methods["POST"].Inputs, "requestValidatorId") != validator.ID || field(validator.Inputs, "validateRequestBody") != true {
					t.Errorf("POST is not validated: %v / %v", methods["POST"].Inputs, validator.Inputs)
				}
				if got := str(t, methods["POST"].Inputs, "requestModels", "application/json"); got != str(t, model.Inputs, "name") {
					t.Errorf("POST model = %q, want %q", got, str(t, model.Inputs, "name"))
				}
				var schema map[string]any
				if err := json.Unmarshal([]byte(str(t, model.Inputs, "schema")), &schema); err != nil {
					t.Fatalf("model schema: %v", err)
				}
				if schema["additionalProperties"] != false || fmt.Sprint(schema["required"]) != "[email questionText]" ||
					num(t, schema, "properties", "email", "maxLength") != 254 || num(t, schema, "properties", "questionText", "maxLength") != 2000 {
					t.Errorf("model schema = %v", schema)
				}

				integrations := map[string]*mockResource{}
				for _, i := range c.ofType("aws:apigateway/integration:Integration") {
					integrations[str(t, i.Inputs, "httpMethod")] = i
				}
				postInt := integrations["POST"]
				if postInt == nil || str(t, postInt.Inputs, "type") != "AWS_PROXY" || str(t, postInt.Inputs, "integrationHttpMethod") != "POST" ||
					str(t, postInt.Inputs, "uri") != str(t, post.lambda.State, "invokeArn") {
					t.Errorf("POST integration = %v, want a Lambda proxy to the post function", postInt)
				}

				// CORS: the preflight and API Gateway's own errors.
				optInt := integrations["OPTIONS"]
				if optInt == nil || str(t, optInt.Inputs, "type") != "MOCK" {
					t.Fatalf("OPTIONS integration = %v, want MOCK", optInt)
				}
				wantCORS := map[string]string{
					"Access-Control-Allow-Origin":  "'" + origin + "'",
					"Access-Control-Allow-Headers": "'Content-Type'",
					"Access-Control-Allow-Methods": "'OPTIONS,POST'",
				}
				optResp := c.get(t, "aws:apigateway/integrationResponse:IntegrationResponse", "questions-api-options-integration-response")
				declared := c.get(t, "aws:apigateway/methodResponse:MethodResponse", "questions-api-options-response")
				for h, v := range wantCORS {
					if got := str(t, optResp.Inputs, "responseParameters", "method.response.header."+h); got != v {
						t.Errorf("preflight %s = %s, want %s", h, got, v)
					}
					if field(declared.Inputs, "responseParameters", "method.response.header."+h) == nil {
						t.Errorf("preflight method response does not declare %s", h)
					}
				}
				if !slices.Contains(optResp.Dependencies, optInt.URN) {
					t.Error("OPTIONS integration response does not wait for its integration")
				}
				gateway := map[string]*mockResource{}
				for _, g := range c.ofType("aws:apigateway/response:Response") {
					gateway[str(t, g.Inputs, "responseType")] = g
					if str(t, g.Inputs, "restApiId") != api.ID {
						t.Errorf("gateway response %s is on another API", g.Name)
					}
				}
				for _, typ := range []string{"DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY"} {
					g := gateway[typ]
					if g == nil {
						t.Errorf("no %s gateway response", typ)
						continue
					}
					for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers"} {
						if got := str(t, g.Inputs, "responseParameters", "gatewayresponse.header."+h); got != wantCORS[h] {
							t.Errorf("%s %s = %s, want %s", typ, h, got, wantCORS[h])
						}
					}
				}

				perm := c.get(t, "aws:lambda/permission:Permission", "questions-api-invoke")
				if str(t, perm.Inputs, "principal") != "apigateway.amazonaws.com" || str(t, perm.Inputs, "action") != "lambda:InvokeFunction" ||
					str(t, perm.Inputs, "function") != str(t, post.lambda.State, "name") ||
					str(t, perm.Inputs, "sourceArn") != str(t, api.State, "executionArn")+"/*/POST/questions" {
					t.Errorf("invoke permission = %v", perm.Inputs)
				}

				settings := c.get(t, "aws:apigateway/methodSettings:MethodSettings", "questions-api-throttling")
				if str(t, settings.Inputs, "methodPath") != "*/*" || str(t, settings.Inputs, "stageName") != "prod" ||
					num(t, settings.Inputs, "settings", "throttlingRateLimit") != 25 || num(t, settings.Inputs, "settings", "throttlingBurstLimit") != 50 {
					t.Errorf("method settings = %v, want */* throttled at 25/s burst 50", settings.Inputs)
				}

				deployment := c.get(t, "aws:apigateway/deployment:Deployment", "questions-api-deployment")
				if str(t, deployment.Inputs, "triggers", "api") == "" {
					t.Error("deployment has no trigger")
				}
				for _, typ := range []string{"aws:apigateway/method:Method", "aws:apigateway/integration:Integration",
					"aws:apigateway/integrationResponse:IntegrationResponse", "aws:apigateway/methodResponse:MethodResponse",
					"aws:apigateway/response:Response", "aws:apigateway/model:Model"} {
					for _, r := range c.ofType(typ) {
						if !slices.Contains(deployment.Dependencies, r.URN) {
							t.Errorf("deployment does not depend on %s %s", typ, r.Name)
						}
					}
				}
				st := c.get(t, "aws:apigateway/stage:Stage", "questions-api-prod")
				if str(t, st.Inputs, "deployment") != deployment.ID {
					t.Error("stage does not use the deployment")
				}
			})

			t.Run("outputs", func(t *testing.T) {
				api := c.get(t, "aws:apigateway/restApi:RestApi", "questions-api")
				want := map[string]any{
					"questionsApiEndpoint":         fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/prod", api.ID, testRegion),
					"questionsRestApiId":           api.ID,
					"questionsAllowedOrigin":       origin,
					"questionsTableName":           str(t, table.State, "name"),
					"questionsTableArn":            tableArn,
					"questionsTopicArn":            topicArn,
					"questionsTopicName":           str(t, topic.State, "name"),
					"postQuestionFunctionName":     str(t, post.lambda.State, "name"),
					"processQuestionsFunctionName": str(t, process.lambda.State, "name"),
					"deadLetterQueueUrl":           str(t, dlq.State, "url"),
					"tracingStage":                 stage,
				}
				if len(run.exports) != len(want) {
					t.Errorf("exports = %v, want exactly %v", run.exports, want)
				}
				for k, v := range want {
					if run.exports[k] != v {
						t.Errorf("export %s = %v (%T), want %v", k, run.exports[k], run.exports[k], v)
					}
				}
				endpoint := regexp.MustCompile(`^https://[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com/prod$`)
				if e, _ := run.exports["questionsApiEndpoint"].(string); !endpoint.MatchString(e) {
					t.Errorf("endpoint %q does not have the contract's shape", e)
				}
			})

			t.Run("components", func(t *testing.T) {
				svc := c.get(t, "mysfits:questions:QuestionsService", "questions")
				if resource.URN(svc.Parent).QualifiedType() != resource.RootStackType {
					t.Errorf("service parent = %s, want the stack", svc.Parent)
				}
				c.get(t, "mysfits:questions:QuestionsApi", "questions-api")
				// Every AWS resource sits under one of the project's components.
				for _, r := range c.resources {
					if !strings.HasPrefix(r.Type, "aws:") {
						continue
					}
					p := c.byURN(r.Parent)
					if p == nil || !strings.HasPrefix(p.Type, "mysfits:questions:") {
						t.Errorf("%s %s is not parented to a component", r.Type, r.Name)
					}
					if !strings.HasPrefix(r.Name, "questions") {
						t.Errorf("%s %s is not named from the component", r.Type, r.Name)
					}
				}
			})
		})
	}
}

func TestDeploymentTrigger(t *testing.T) {
	t.Parallel()
	trigger := func(cfg map[string]string) string {
		t.Helper()
		run := mustRun(t, "dev", cfg)
		return str(t, run.cloud.get(t, "aws:apigateway/deployment:Deployment", "questions-api-deployment").Inputs, "triggers", "api")
	}
	with := func(stage int, key, value string) map[string]string {
		cfg := baseConfig(stage)
		cfg[key] = value
		return cfg
	}
	base := trigger(baseConfig(1))
	if again := trigger(baseConfig(1)); again != base {
		t.Errorf("the same program gave triggers %s and %s: every up would redeploy", base, again)
	}
	if got := trigger(baseConfig(3)); got != base {
		t.Errorf("changing the stage changed the API trigger (%s -> %s); stage settings need no redeployment", base, got)
	}
	if got := trigger(with(1, keyThrottleRateLimit, "99")); got != base {
		t.Errorf("changing throttling changed the API trigger; it is a stage setting")
	}
	if got := trigger(with(1, keyAllowedOrigin, "https://other.mysfits.example")); got == base {
		t.Errorf("changing the CORS origin (OPTIONS answer, gateway responses) did not change the trigger")
	}
}

// ---- configuration ------------------------------------------------------------

func TestLoadSettingsDefaults(t *testing.T) {
	t.Parallel()
	s, err := loadSettings(newTestContext(t, newMockCloud("dev"), map[string]string{keyAdminEmail: testEmail}))
	if err != nil {
		t.Fatalf("loadSettings: %v", err)
	}
	want := settings{
		Tracing:          lambdaenv.Tracing{Stage: 1, Faults: lambdaenv.Faults{Percent: 50, Delay: 5 * time.Second}},
		AdminEmail:       testEmail,
		AllowedOrigin:    "*",
		Throttle:         components.Throttle{RateLimit: 10, BurstLimit: 20},
		LogRetentionDays: 14,
	}
	if s != want {
		t.Errorf("defaults = %+v, want %+v", s, want)
	}
}

// The origin rules themselves are lambdaenv.ParseOrigin's (tested there);
// this shows the configuration goes through them.
func TestLoadSettingsNormalizesOrigin(t *testing.T) {
	t.Parallel()
	raw, want := "HTTPS://WWW.Mysfits.Example:443/", "https://www.mysfits.example"
	s, err := loadSettings(newTestContext(t, newMockCloud("dev"), map[string]string{keyAdminEmail: testEmail, keyAllowedOrigin: raw}))
	if err != nil || s.AllowedOrigin != want {
		t.Errorf("allowedOrigin %q -> %q, %v; want %q", raw, s.AllowedOrigin, err, want)
	}
}

func TestLoadSettingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  map[string]string // applied over a valid configuration; "-" deletes
		want []string
	}{
		{"stage too high", map[string]string{keyStage: "4"}, []string{"stage: 4 is not allowed (must be 1, 2 or 3)"}},
		{"stage zero", map[string]string{keyStage: "0"}, []string{"stage: 0 is not allowed (must be 1, 2 or 3)"}},
		{"stage not a number", map[string]string{keyStage: "two"}, []string{`stage: "two" is not allowed (must be an integer)`}},
		{"stage empty", map[string]string{keyStage: ""}, []string{`stage: "" is not allowed`}},
		{"fault percent over 100", map[string]string{keyFaultPercent: "150"}, []string{"faultPercent: 150 is not allowed", "between 0 and 100"}},
		{"fault percent negative", map[string]string{keyFaultPercent: "-1"}, []string{"faultPercent: -1 is not allowed"}},
		{"fault percent not a number", map[string]string{keyFaultPercent: "half"}, []string{`faultPercent: "half" is not allowed (must be an integer)`}},
		{"fault delay not a duration", map[string]string{keyFaultDelay: "5 seconds"}, []string{`faultDelay: "5 seconds" is not allowed (must be a duration such as 5s`}},
		{"fault delay too long", map[string]string{keyFaultDelay: "30s"}, []string{`faultDelay: "30s" is not allowed`, "between 100ms and 25s"}},
		{"fault delay too short", map[string]string{keyFaultDelay: "10ms"}, []string{`faultDelay: "10ms" is not allowed`}},
		{"admin e-mail missing", map[string]string{keyAdminEmail: "-"}, []string{"adminEmail: not set (required"}},
		{"admin e-mail empty", map[string]string{keyAdminEmail: ""}, []string{"adminEmail: not set"}},
		{"admin e-mail invalid", map[string]string{keyAdminEmail: "not-an-email"}, []string{`adminEmail: "not-an-email" is not allowed (it must be an e-mail address`}},
		{"admin e-mail with a name", map[string]string{keyAdminEmail: "Admin <admin@mysfits.example>"}, []string{`adminEmail: "Admin <admin@mysfits.example>" is not allowed`}},
		{"origin with a path", map[string]string{keyAllowedOrigin: "https://www.mysfits.example/contact.html"}, []string{`allowedOrigin: "https://www.mysfits.example/contact.html" is not allowed (must be * or an origin`}},
		{"origin not http", map[string]string{keyAllowedOrigin: "ftp://www.mysfits.example"}, []string{`allowedOrigin: "ftp://www.mysfits.example" is not allowed`}},
		{"negative rate", map[string]string{keyThrottleRateLimit: "-5"}, []string{"throttleRateLimit: -5 is not allowed (must be greater than 0)"}},
		{"zero rate", map[string]string{keyThrottleRateLimit: "0"}, []string{"throttleRateLimit: 0 is not allowed"}},
		{"fractional rate", map[string]string{keyThrottleRateLimit: "2.5"}, []string{`throttleRateLimit: "2.5" is not allowed (must be an integer)`}},
		{"negative burst", map[string]string{keyThrottleBurstLimit: "-1"}, []string{"throttleBurstLimit: -1 is not allowed (must be greater than 0)"}},
		{"retention not offered by CloudWatch", map[string]string{keyLogRetentionDays: "10"}, []string{"logRetentionDays: 10 is not allowed (must be one of 1, 3, 5, 7, 14, 30"}},
		{"retention zero", map[string]string{keyLogRetentionDays: "0"}, []string{"logRetentionDays: 0 is not allowed"}},
		{"retention not a number", map[string]string{keyLogRetentionDays: "two weeks"}, []string{`logRetentionDays: "two weeks" is not allowed`}},
		{
			"every error at once",
			map[string]string{keyStage: "9", keyFaultPercent: "200", keyLogRetentionDays: "2"},
			[]string{"stage: 9 is not allowed", "faultPercent: 200 is not allowed", "logRetentionDays: 2 is not allowed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig(1)
			for k, v := range tt.cfg {
				if v == "-" {
					delete(cfg, k)
				} else {
					cfg[k] = v
				}
			}
			_, err := loadSettings(newTestContext(t, newMockCloud("dev"), cfg))
			if err == nil {
				t.Fatal("loadSettings accepted the configuration")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestInvalidConfigurationCreatesNothing(t *testing.T) {
	t.Parallel()
	cfg := baseConfig(1)
	cfg[keyStage] = "4"
	run := runProgram(t, newMockCloud("dev"), cfg, nil)
	if run.err == nil || !strings.Contains(run.err.Error(), "stage: 4 is not allowed") {
		t.Fatalf("program error = %v, want the stage error", run.err)
	}
	if n := len(run.cloud.resources); n != 0 {
		t.Errorf("%d resources registered despite invalid configuration", n)
	}
}

func TestMysfitsStackOrigin(t *testing.T) {
	t.Parallel()
	const mainStack = "mysfits/mysfits-site/dev"
	tests := []struct {
		name    string
		outputs map[string]any
		origin  string
		wantErr []string
	}{
		{name: "site URL with a page", outputs: map[string]any{"websiteUrl": "https://www.mysfits.example/index.html"}, origin: "https://www.mysfits.example"},
		{name: "S3 website URL", outputs: map[string]any{"websiteUrl": "http://mysfits-site.s3-website-us-east-1.amazonaws.com"}, origin: "http://mysfits-site.s3-website-us-east-1.amazonaws.com"},
		{name: "no such output", outputs: map[string]any{"bucketName": "x"}, wantErr: []string{"mysfitsStack", mainStack, "websiteUrl"}},
		{name: "not a URL", outputs: map[string]any{"websiteUrl": "mysfits-site"}, wantErr: []string{"mysfitsStack", "websiteUrl", `"mysfits-site" is not an http(s) URL`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cloud := newMockCloud("dev")
			cloud.stackOutputs[mainStack] = tt.outputs
			cfg := baseConfig(2)
			cfg[keyMysfitsStack] = mainStack // takes precedence over allowedOrigin
			run := runProgram(t, cloud, cfg, nil)
			if tt.wantErr != nil {
				if run.err == nil {
					t.Fatal("program succeeded, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(run.err.Error(), w) {
						t.Errorf("error %q does not contain %q", run.err, w)
					}
				}
				if len(cloud.ofType(components.QuestionsServiceType)) != 0 {
					t.Error("service created without an origin")
				}
				return
			}
			if run.err != nil {
				t.Fatalf("program failed: %v", run.err)
			}
			ref := cloud.get(t, "pulumi:pulumi:StackReference", mainStack)
			if ref.ID != mainStack {
				t.Errorf("stack reference reads %q, want %q", ref.ID, mainStack)
			}
			env := stringMap(t, cloud.get(t, "aws:lambda/function:Function", "questions-post").Inputs, "environment", "variables")
			if env[lambdaenv.AllowedOrigin] != tt.origin {
				t.Errorf("post function origin = %q, want %q", env[lambdaenv.AllowedOrigin], tt.origin)
			}
			preflight := cloud.get(t, "aws:apigateway/integrationResponse:IntegrationResponse", "questions-api-options-integration-response")
			if got := str(t, preflight.Inputs, "responseParameters", "method.response.header.Access-Control-Allow-Origin"); got != "'"+tt.origin+"'" {
				t.Errorf("preflight origin = %s, want '%s'", got, tt.origin)
			}
			for _, g := range cloud.ofType("aws:apigateway/response:Response") {
				if got := str(t, g.Inputs, "responseParameters", "gatewayresponse.header.Access-Control-Allow-Origin"); got != "'"+tt.origin+"'" {
					t.Errorf("%s origin = %s", g.Name, got)
				}
			}
			if run.exports["questionsAllowedOrigin"] != tt.origin {
				t.Errorf("exported origin = %v", run.exports["questionsAllowedOrigin"])
			}
		})
	}
}

// TestTwoStacksDoNotCollide deploys the program as two stacks of one
// account: nothing account-wide may carry a name fixed in code.
func TestTwoStacksDoNotCollide(t *testing.T) {
	t.Parallel()
	dev := mustRun(t, "dev", baseConfig(1)).cloud
	prod := mustRun(t, "prod", baseConfig(1)).cloud

	// Names that live inside one REST API (model, validator) are fine.
	apiScoped := map[string]bool{"aws:apigateway/model:Model": true, "aws:apigateway/requestValidator:RequestValidator": true}
	for _, r := range dev.resources {
		if !strings.HasPrefix(r.Type, "aws:") || apiScoped[r.Type] {
			continue
		}
		for _, key := range []string{"name", "namePrefix", "statementId"} {
			if v, ok := r.Inputs[key]; ok {
				t.Errorf("%s %s sets %s = %v; it must be generated per stack", r.Type, r.Name, key, v)
			}
		}
	}

	physical := func(c *mockCloud) map[string]string {
		names := map[string]string{}
		for _, r := range c.resources {
			if n, ok := r.State["name"].(string); ok && strings.HasPrefix(r.Type, "aws:") && !apiScoped[r.Type] {
				names[n] = r.Type + " " + r.Name
			}
		}
		return names
	}
	devNames, prodNames := physical(dev), physical(prod)
	if len(devNames) < 8 {
		t.Fatalf("only %d named resources seen: %v", len(devNames), devNames)
	}
	for n, what := range devNames {
		if other, clash := prodNames[n]; clash {
			t.Errorf("physical name %q used by dev %s and prod %s", n, what, other)
		}
	}
	urns := map[string]bool{}
	for _, r := range dev.resources {
		urns[r.URN] = true
	}
	for _, r := range prod.resources {
		if urns[r.URN] {
			t.Errorf("URN %s in both stacks", r.URN)
		}
	}
}

// TestRunBuildsFunctions runs the program with the builder main uses, not
// memoized: each function gets its own fresh folder and a zip whose hash
// is declared.
func TestRunBuildsFunctions(t *testing.T) {
	t.Parallel()
	buildDir := t.TempDir()
	run := runProgram(t, newMockCloud("dev"), baseConfig(1), program{builder: components.GoBuilder{TempDir: buildDir}}.run)
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	dirs := map[string]bool{}
	for _, name := range []string{"questions-post", "questions-process"} {
		fn := run.cloud.get(t, "aws:lambda/function:Function", name)
		code, ok := fn.Inputs["code"].(*archive.Archive)
		if !ok {
			t.Fatalf("%s code = %#v", name, fn.Inputs["code"])
		}
		dir := filepath.Dir(code.Path)
		if filepath.Dir(dir) != buildDir {
			t.Errorf("%s was built in %s, not in a fresh folder under %s", name, dir, buildDir)
		}
		dirs[dir] = true
		data, err := os.ReadFile(code.Path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sum := sha256.Sum256(data)
		if got := str(t, fn.Inputs, "sourceCodeHash"); got != base64.StdEncoding.EncodeToString(sum[:]) {
			t.Errorf("%s sourceCodeHash does not match its zip", name)
		}
	}
	if len(dirs) != 2 {
		t.Errorf("the two functions were built into %d folders, want one fresh folder each", len(dirs))
	}
}

// ---- Pulumi.yaml and Pulumi.dev.yaml ------------------------------------------

// TestProjectFiles loads the project and the dev stack with Pulumi's own
// loaders, checks the config schema, and runs the program with the
// configuration the CLI would pass: project defaults under stack values.
func TestProjectFiles(t *testing.T) {
	t.Parallel()
	project, err := workspace.LoadProject("Pulumi.yaml")
	if err != nil {
		t.Fatalf("LoadProject: %v", err)
	}
	if err := project.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if project.Name.String() != testProject || project.Runtime.Name() != "go" {
		t.Errorf("project %s runtime %s, want %s on go", project.Name, project.Runtime.Name(), testProject)
	}
	if project.Description == nil || *project.Description == "" {
		t.Error("project has no description")
	}

	wantTypes := map[string]string{
		keyStage: "integer", keyAdminEmail: "string", keyFaultPercent: "integer", keyFaultDelay: "string",
		keyAllowedOrigin: "string", keyMysfitsStack: "string", keyThrottleRateLimit: "integer",
		keyThrottleBurstLimit: "integer", keyLogRetentionDays: "integer",
	}
	if len(project.Config) != len(wantTypes) {
		t.Errorf("project declares %d keys, want %d", len(project.Config), len(wantTypes))
	}
	for key, typ := range wantTypes {
		ct, ok := project.Config[key]
		if !ok {
			t.Errorf("Pulumi.yaml does not declare %s", key)
			continue
		}
		if ct.TypeName() != typ || ct.Description == "" {
			t.Errorf("%s: type %q description %q, want type %s and a description", key, ct.TypeName(), ct.Description, typ)
		}
		// The CLI treats a typed key without default as required: only
		// adminEmail may lack one, and the program's defaults must match.
		if key == keyAdminEmail {
			if ct.Default != nil {
				t.Errorf("adminEmail has default %v; it must be required", ct.Default)
			}
			continue
		}
		if ct.Default == nil {
			t.Errorf("%s has no default: the CLI would require it", key)
			continue
		}
		if got := fmt.Sprint(ct.Default); got != defaults[key] {
			t.Errorf("%s default: Pulumi.yaml says %q, the program %q", key, got, defaults[key])
		}
	}

	stack, err := workspace.LoadProjectStack(nil, project, "Pulumi.dev.yaml")
	if err != nil {
		t.Fatalf("LoadProjectStack: %v", err)
	}
	cfg := map[string]string{}
	for key, ct := range project.Config {
		if ct.Default != nil {
			cfg[key] = fmt.Sprint(ct.Default)
		}
	}
	region := ""
	for key, value := range stack.Config {
		v, err := value.Value(config.NopDecrypter)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		switch {
		case key.Namespace() == "aws" && key.Name() == "region":
			region = v
		case key.Namespace() == testProject:
			ct, declared := project.Config[key.Name()]
			if !declared {
				t.Errorf("Pulumi.dev.yaml sets undeclared key %s", key)
				continue
			}
			if !workspace.ValidateConfigValue(ct.TypeName(), ct.Items, v) {
				t.Errorf("Pulumi.dev.yaml %s = %q is not a valid %s", key, v, ct.TypeName())
			}
			cfg[key.Name()] = v
		default:
			t.Errorf("Pulumi.dev.yaml sets unexpected key %s", key)
		}
	}
	if region != testRegion {
		t.Errorf("dev stack region = %q, want %s", region, testRegion)
	}
	s, err := loadSettings(newTestContext(t, newMockCloud("dev"), cfg))
	if err != nil {
		t.Fatalf("the dev stack's configuration is rejected: %v", err)
	}
	if s.AdminEmail != testEmail || s.Tracing.Stage != 1 {
		t.Errorf("dev stack settings = %+v, want %s at stage 1", s, testEmail)
	}
}

// ---- security -----------------------------------------------------------------

// TestLeastPrivilege: the only IAM in the stack is one role per function
// with one inline policy; every resource a policy names is an exact ARN of
// this stack's resources (or, where AWS has no exact ARN to name, the
// sub-resources of one: a log group's streams, a table's streams for
// ListStreams); only X-Ray writes use "*"; no action has a wildcard.
func TestLeastPrivilege(t *testing.T) {
	t.Parallel()
	c := mustRun(t, "dev", baseConfig(3)).cloud
	for _, typ := range []string{"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policy:Policy",
		"aws:iam/policyAttachment:PolicyAttachment", "aws:iam/user:User", "aws:iam/group:Group", "aws:iam/instanceProfile:InstanceProfile"} {
		if rs := c.ofType(typ); len(rs) != 0 {
			t.Errorf("%d %s resources, want none: permissions come from each function's inline policy", len(rs), typ)
		}
	}
	roles, policies := c.ofType("aws:iam/role:Role"), c.ofType("aws:iam/rolePolicy:RolePolicy")
	if len(roles) != 2 || len(policies) != 2 {
		t.Fatalf("%d roles and %d role policies, want one of each per function", len(roles), len(policies))
	}
	for _, r := range roles {
		for _, k := range []string{"managedPolicyArns", "inlinePolicies", "permissionsBoundary"} {
			if v, ok := r.Inputs[k]; ok && v != nil && fmt.Sprint(v) != "[]" {
				t.Errorf("role %s sets %s = %v", r.Name, k, v)
			}
		}
	}

	table := c.get(t, "aws:dynamodb/table:Table", "questions-table")
	tableArn := str(t, table.State, "arn")
	exact := map[string]bool{
		tableArn:                         true,
		str(t, table.State, "streamArn"): true,
		str(t, c.get(t, "aws:sns/topic:Topic", "questions-topic").State, "arn"): true,
		str(t, c.get(t, "aws:sqs/queue:Queue", "questions-dlq").State, "arn"):   true,
	}
	subResources := map[string]bool{tableArn + "/stream/*": true}
	for _, g := range c.ofType("aws:cloudwatch/logGroup:LogGroup") {
		arn := str(t, g.State, "arn")
		exact[arn] = true
		subResources[arn+":*"] = true
	}
	xray := []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
	for _, p := range policies {
		for _, s := range parsePolicy(t, str(t, p.Inputs, "policy")) {
			if s.Effect != "Allow" || s.Principal != nil {
				t.Errorf("%s: statement %s, want Allow statements without a principal", p.Name, s)
			}
			for _, a := range s.Action {
				if strings.Contains(a, "*") {
					t.Errorf("%s grants wildcard action %s", p.Name, a)
				}
			}
			for _, r := range s.Resource {
				switch {
				case r == "*":
					if !slices.Equal(s.Action, xray) {
						t.Errorf("%s grants %v on *: only X-Ray writes may", p.Name, s.Action)
					}
				case exact[r]:
				case subResources[r]:
					if !slices.Contains(s.Action, "dynamodb:ListStreams") && !slices.Contains(s.Action, "logs:PutLogEvents") {
						t.Errorf("%s grants %v on %s", p.Name, s.Action, r)
					}
				default:
					t.Errorf("%s names %s, not an exact ARN of this stack", p.Name, r)
				}
			}
		}
	}
}

// TestCORSOriginAgrees: wherever the stack states the CORS origin (the
// preflight's MOCK answer and its declared headers, every gateway response,
// the post function's ALLOWED_ORIGIN, the export), it is the same one: the
// main site's when mysfitsStack or allowedOrigin says so, "*" otherwise.
func TestCORSOriginAgrees(t *testing.T) {
	t.Parallel()
	const mainStack = "mysfits/mysfits-site/prod"
	tests := []struct {
		name   string
		change func(cfg map[string]string, c *mockCloud)
		want   string
	}{
		{"default", func(cfg map[string]string, _ *mockCloud) { delete(cfg, keyAllowedOrigin) }, "*"},
		{"allowedOrigin", func(cfg map[string]string, _ *mockCloud) { cfg[keyAllowedOrigin] = "https://www.mysfits.example/" }, "https://www.mysfits.example"},
		{"mysfitsStack", func(cfg map[string]string, c *mockCloud) {
			delete(cfg, keyAllowedOrigin)
			cfg[keyMysfitsStack] = mainStack
			c.stackOutputs[mainStack] = map[string]any{"websiteUrl": "https://site.mysfits.example/index.html"}
		}, "https://site.mysfits.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newMockCloud("dev")
			cfg := baseConfig(2)
			tt.change(cfg, c)
			run := runProgram(t, c, cfg, nil)
			if run.err != nil {
				t.Fatalf("program failed: %v", run.err)
			}
			stated := map[string]string{
				"export questionsAllowedOrigin": fmt.Sprint(run.exports["questionsAllowedOrigin"]),
				"post function " + lambdaenv.AllowedOrigin: stringMap(t, c.get(t, "aws:lambda/function:Function", "questions-post").Inputs,
					"environment", "variables")[lambdaenv.AllowedOrigin],
			}
			const header = "Access-Control-Allow-Origin"
			preflight := c.get(t, "aws:apigateway/integrationResponse:IntegrationResponse", "questions-api-options-integration-response")
			stated["preflight"] = strings.Trim(str(t, preflight.Inputs, "responseParameters", "method.response.header."+header), "'")
			declared := c.get(t, "aws:apigateway/methodResponse:MethodResponse", "questions-api-options-response")
			if field(declared.Inputs, "responseParameters", "method.response.header."+header) != true {
				t.Errorf("the preflight method response does not declare %s", header)
			}
			responses := c.ofType("aws:apigateway/response:Response")
			if len(responses) == 0 {
				t.Fatal("no gateway responses")
			}
			for _, g := range responses {
				v, _ := field(g.Inputs, "responseParameters", "gatewayresponse.header."+header).(string)
				stated["gateway response "+str(t, g.Inputs, "responseType")] = strings.Trim(v, "'")
			}
			for where, got := range stated {
				if got != tt.want {
					t.Errorf("%s states origin %q, want %q", where, got, tt.want)
				}
			}
		})
	}
}
