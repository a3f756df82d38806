// Package pulumimock is the mock cloud the deploy's tests run the Pulumi
// program and its components on: it records every registered resource and
// fills in what AWS computes (ids, ARNs, URLs) in the shapes AWS uses.
// Tests only; it imports nothing of the project.
package pulumimock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// The account the mock cloud pretends to be.
const (
	Region  = "us-east-1"
	Account = "123456789012"
)

// Cloud stands in for the engine and AWS: it records every registered
// resource and fills the attributes AWS computes (ids, ARNs, URLs) in the
// shapes AWS uses. Physical names are generated from the URN, as Pulumi's
// auto-naming does with a random suffix, so they differ between stacks but
// are stable between runs.
type Cloud struct {
	Project, Stack string
	// stackOutputs are the outputs of referenced stacks, by stack name.
	StackOutputs map[string]map[string]any

	mu        sync.Mutex
	resources []*Resource
}

type Resource struct {
	Type, Name, URN, Parent, ID string
	Inputs, State               map[string]any
	Dependencies                []string
}

func NewCloud(project, stack string) *Cloud {
	return &Cloud{Project: project, Stack: stack, StackOutputs: map[string]map[string]any{}}
}

func (m *Cloud) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.Stack), tokens.PackageName(m.Project), parentType, tokens.Type(typ), name))
}

func (m *Cloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
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
		set("executionArn", fmt.Sprintf("arn:aws:execute-api:%s:%s:%s", Region, Account, id))
		set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/restapis/%s", Region, id))
	case "aws:apigateway/resource:Resource":
		set("path", "/"+inputs["pathPart"].(string))
	case "aws:apigateway/stage:Stage":
		set("invokeUrl", fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", inputs["restApi"], Region, inputs["stageName"]))
	case "aws:dynamodb/table:Table":
		id = name
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", Region, Account, name)
		set("name", name)
		set("arn", arn)
		set("streamArn", arn+"/stream/2025-01-01T00:00:00.000")
	case "aws:sns/topic:Topic":
		id = fmt.Sprintf("arn:aws:sns:%s:%s:%s", Region, Account, name)
		set("name", name)
		set("arn", id)
	case "aws:sqs/queue:Queue":
		id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", Region, Account, name)
		set("name", name)
		set("url", id)
		set("arn", fmt.Sprintf("arn:aws:sqs:%s:%s:%s", Region, Account, name))
	case "aws:iam/role:Role":
		id = name
		set("name", name)
		set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", Account, name))
	case "aws:iam/rolePolicy:RolePolicy":
		set("name", name)
		id = fmt.Sprintf("%s:%s", inputs["role"], name)
	case "aws:cloudwatch/logGroup:LogGroup":
		id = name
		set("name", name)
		set("arn", fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", Region, Account, name))
	case "aws:lambda/function:Function":
		id = name
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", Region, Account, name)
		set("name", name)
		set("arn", arn)
		set("invokeArn", fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", Region, arn))
	case "aws:s3/bucketV2:BucketV2":
		// Auto-named as the bucket input: lower case, globally unique.
		bucket, _ := inputs["bucket"].(string)
		if bucket == "" {
			bucket = strings.ToLower(args.Name) + "-" + digest("bucket", 7)
		}
		id = bucket
		set("bucket", bucket)
		set("arn", "arn:aws:s3:::"+bucket)
		set("bucketDomainName", bucket+".s3.amazonaws.com")
		set("region", Region)
	case "aws:s3/bucketPolicy:BucketPolicy", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
		"aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketNotification:BucketNotification",
		"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
		"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":
		id, _ = inputs["bucket"].(string) // a bucket's sub-resources are known by the bucket
	case "aws:sqs/queuePolicy:QueuePolicy":
		id, _ = inputs["queueUrl"].(string)
	case "aws:sns/topicSubscription:TopicSubscription":
		// An e-mail subscription waits for its confirmation; AWS gives it
		// an ARN of the topic and a UUID (ReturnSubscriptionArn).
		id = fmt.Sprintf("%s:%s-%s-%s-%s-%s", inputs["topic"], digest("s", 8), digest("s", 12)[8:12], digest("s", 16)[12:16], digest("s", 20)[16:20], digest("s", 32)[20:32])
		set("arn", id)
		protocol, _ := inputs["protocol"].(string)
		set("pendingConfirmation", protocol == "email" || protocol == "email-json")
		set("confirmationWasAuthenticated", false)
		set("ownerId", Account)
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		id = name
		set("name", name)
		set("arn", fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", Region, Account, name))
	case "aws:cloudwatch/eventRule:EventRule":
		id = name
		set("name", name)
		set("arn", fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", Region, Account, name))
	case "aws:cloudwatch/eventTarget:EventTarget":
		target := "terraform-" + digest("target", 20)
		set("targetId", target)
		id = fmt.Sprintf("%s-%s", inputs["rule"], target)
	case "aws:xray/group:Group":
		id = fmt.Sprintf("arn:aws:xray:%s:%s:group/%s/%s", Region, Account, inputs["groupName"], strings.ToUpper(digest("group", 32)))
		set("arn", id)
	case "aws:xray/samplingRule:SamplingRule":
		rule, _ := inputs["ruleName"].(string)
		if rule == "" {
			rule = args.Name + "-" + digest("name", 7)
		}
		id = rule
		set("ruleName", rule)
		set("arn", fmt.Sprintf("arn:aws:xray:%s:%s:sampling-rule/%s", Region, Account, rule))
	case "pulumi:pulumi:StackReference":
		id = args.ID
		outputs, ok := m.StackOutputs[args.ID]
		if !ok {
			return "", nil, fmt.Errorf("unknown stack %q", args.ID)
		}
		set("name", args.ID)
		set("outputs", outputs)
	}
	m.mu.Lock()
	m.resources = append(m.resources, &Resource{
		Type: args.TypeToken, Name: args.Name, URN: urn, Parent: parent, ID: id,
		Inputs: inputs, State: state.Mappable(), Dependencies: deps,
	})
	m.mu.Unlock()
	return id, state, nil
}

func (m *Cloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == "aws:index/getRegion:getRegion" {
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": Region, "id": Region, "endpoint": "ec2." + Region + ".amazonaws.com",
		}), nil
	}
	return nil, fmt.Errorf("mock: unexpected invoke %s", args.Token)
}

// ofType returns the resources of a type in registration order.
func (m *Cloud) OfType(typ string) []*Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Resource
	for _, r := range m.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// get returns the one resource with this type and logical name.
func (m *Cloud) Get(t *testing.T, typ, name string) *Resource {
	t.Helper()
	var found []*Resource
	for _, r := range m.OfType(typ) {
		if r.Name == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d resources of type %s named %s, want 1", len(found), typ, name)
	}
	return found[0]
}

func (m *Cloud) ByURN(urn string) *Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.resources {
		if r.URN == urn {
			return r
		}
	}
	return nil
}

// ---- running a program ------------------------------------------------------

// Context is a Pulumi context on cloud with config (full keys, such as
// "mysfits-questions:stage"; aws:region is set to Region), closed when the
// test (or benchmark) ends.
func Context(t testing.TB, cloud *Cloud, config map[string]string) *pulumi.Context {
	t.Helper()
	full := map[string]string{"aws:region": Region}
	maps.Copy(full, config)
	pctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{
		Project: cloud.Project, Stack: cloud.Stack, Config: full, Mocks: cloud,
	})
	if err != nil {
		t.Fatalf("NewContext: %v", err)
	}
	t.Cleanup(func() { pctx.Close() })
	return pctx
}

// Run runs body as a stack on cloud and returns its exports, awaited.
func Run(t testing.TB, cloud *Cloud, config map[string]string, body pulumi.RunFunc) (map[string]any, error) {
	t.Helper()
	pctx := Context(t, cloud, config)
	if err := pulumi.RunWithContext(pctx, body); err != nil {
		return nil, err
	}
	exports := map[string]any{}
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
	return exports, nil
}

// Memoize returns a builder that builds each package once, for a test
// binary that deploys the same functions many times; concurrent callers
// wait for the first build, and a failed build is tried again.
func Memoize[B any](next Builder[B]) Builder[B] {
	return &memo[B]{next: next, built: map[string]*memoEntry[B]{}}
}

// Builder is components.Builder with its bundle type as a parameter, so
// this package needs no import of the components it tests.
type Builder[B any] interface {
	Build(ctx context.Context, pkg string) (B, error)
}

type memo[B any] struct {
	next  Builder[B]
	mu    sync.Mutex
	built map[string]*memoEntry[B]
}

type memoEntry[B any] struct {
	mu     sync.Mutex
	done   bool
	bundle B
}

func (m *memo[B]) Build(ctx context.Context, pkg string) (B, error) {
	m.mu.Lock()
	e, ok := m.built[pkg]
	if !ok {
		e = &memoEntry[B]{}
		m.built[pkg] = e
	}
	m.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return e.bundle, nil
	}
	bundle, err := m.next.Build(ctx, pkg)
	if err != nil {
		var zero B
		return zero, err
	}
	e.bundle, e.done = bundle, true
	return bundle, nil
}

// ---- value helpers ----------------------------------------------------------

// field walks nested maps: field(r.Inputs, "tracingConfig", "mode").
func Field(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func Str(t *testing.T, v any, path ...string) string {
	t.Helper()
	s, ok := Field(v, path...).(string)
	if !ok {
		t.Fatalf("%s is %T (%v), want a string", strings.Join(path, "."), Field(v, path...), Field(v, path...))
	}
	return s
}

func Num(t *testing.T, v any, path ...string) int {
	t.Helper()
	f, ok := Field(v, path...).(float64)
	if !ok {
		t.Fatalf("%s is %T (%v), want a number", strings.Join(path, "."), Field(v, path...), Field(v, path...))
	}
	return int(f)
}

func StringList(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}

func StringMap(t *testing.T, v any, path ...string) map[string]string {
	t.Helper()
	m, ok := Field(v, path...).(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want a map", strings.Join(path, "."), Field(v, path...))
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// statement is an IAM statement reduced to what is compared.
type Statement struct {
	Effect    string
	Action    []string
	Resource  []string
	Principal map[string]any
}

func (s Statement) String() string {
	a, r := slices.Clone(s.Action), slices.Clone(s.Resource)
	sort.Strings(a)
	sort.Strings(r)
	return fmt.Sprintf("%s %v on %v", s.Effect, a, r)
}

func ParsePolicy(t *testing.T, doc string) []Statement {
	t.Helper()
	var p struct {
		Version   string
		Statement []Statement
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, doc)
	}
	if p.Version != "2012-10-17" {
		t.Errorf("policy version = %q", p.Version)
	}
	return p.Statement
}

func SameStatements(t *testing.T, what string, got []Statement, want []Statement) {
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

func Allow(resources []string, actions ...string) Statement {
	return Statement{Effect: "Allow", Action: actions, Resource: resources}
}

// Resources are all registered resources, in registration order.
func (m *Cloud) Resources() []*Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.resources)
}
