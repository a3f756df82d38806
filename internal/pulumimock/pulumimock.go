// Package pulumimock is the mock cloud the deploy's tests run the Pulumi
// program and its components on: it records every registered resource and
// fills in what AWS computes (ids, ARNs, URLs) in the shapes AWS uses, by
// the rules of internal/awsfake, which the stand-in AWS plugin the real
// engine runs shares. Tests only; it imports nothing else of the project.
package pulumimock

import (
	"context"
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

	"github.com/mysfits/mysfits-questions/internal/awsfake"
)

// The account the mock cloud pretends to be (see internal/awsfake).
const (
	Region  = awsfake.Region
	Account = awsfake.Account
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
	inputs := args.Inputs.Mappable()
	state := args.Inputs.Copy()
	var id string
	if args.TypeToken == "pulumi:pulumi:StackReference" {
		id = args.ID
		outputs, ok := m.StackOutputs[args.ID]
		if !ok {
			return "", nil, fmt.Errorf("unknown stack %q", args.ID)
		}
		state["name"] = resource.NewPropertyValue(args.ID)
		state["outputs"] = resource.NewPropertyValue(outputs)
	} else {
		var computed map[string]any
		id, computed = awsfake.Compute(awsfake.Resource{Type: args.TypeToken, Name: args.Name, URN: urn, Inputs: inputs})
		for k, v := range computed {
			state[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
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
		return resource.NewPropertyMapFromMap(awsfake.GetRegion(Region)), nil
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
