//go:build engine

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/enginetest"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

// The engine tier: the program as users run it, through the real Pulumi
// CLI and engine (v3.274.1, built by make test-engine), with the program's
// own run function as an Automation API inline program (Pulumi's Go
// language host cannot be had here) and the stand-in AWS plugin in place of
// AWS. State, config (Pulumi.yaml's typed schema, Pulumi.dev.yaml),
// diffs, stack references and destroy are the engine's own.

// engineTimeout bounds each CLI operation: a cold build of the two
// functions on a busy two-core machine is the slow part.
const engineTimeout = 10 * time.Minute

// devRegion is Pulumi.dev.yaml's aws:region.
const devRegion = "us-east-1"

// siteWebsiteURL is what the stand-in main Mysfits stack exports.
const siteWebsiteURL = "http://mysfits-site-web.s3-website-us-east-1.amazonaws.com/index.html"

// TestEngineWalk walks one stack through what the README tells a user to
// do: up at stage 1, an unchanged preview, stages 2 and 3 and back, bad
// configuration, a stack reference to the main site, destroy. The steps
// build on each other, so the first failure stops the walk.
func TestEngineWalk(t *testing.T) {
	e := enginetest.New(t)
	ctx := context.Background()
	stack := questionsStack(t, e, "dev")

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	var created map[string]resourceState
	step("up at stage 1 creates the service", func(t *testing.T) {
		res := up(t, stack)
		if res.Summary.ResourceChanges == nil || (*res.Summary.ResourceChanges)["create"] == 0 {
			t.Fatalf("up created nothing: %+v", res.Summary)
		}
		created = deployed(t, stack)
		checkOutputs(t, stack, created, 1, contract.AnyOrigin)
	})

	step("an unchanged preview shows no changes", func(t *testing.T) {
		// The functions are built again into a fresh folder: byte-identical
		// archives are what keeps this preview empty.
		if res := preview(t, stack, optpreview.ExpectNoChanges()); len(res.changes) != 0 {
			t.Errorf("unchanged preview wants to change %v", res.changes)
		}
	})

	// What each stage switch changes, by resource (its logical name) and
	// property: the functions' environment and the API stage's X-Ray flag
	// (README, "Deploy to AWS and walk through the stages"), plus, at the
	// fault stage, the alarms the exercise sets off on purpose stop
	// notifying (contract.Alarm.Notifies).
	tracingChange := map[string][]string{
		"questions-post":     {"environment"},
		"questions-process":  {"environment"},
		"questions-api-prod": {"xrayTracingEnabled"},
	}
	functionsOnly := map[string][]string{
		"questions-post":    {"environment"},
		"questions-process": {"environment"},
	}
	instrumentationChange := map[string][]string{
		"questions-post":           {"code", "environment", "sourceCodeHash"},
		"questions-process":        {"code", "environment", "sourceCodeHash"},
		"questions-post-policy":    {"policy"},
		"questions-process-policy": {"policy"},
	}
	faultAlarms := map[string][]string{}
	for _, a := range contract.Alarms() {
		if a.Notifies(contract.StageLambdaOnly) != a.Notifies(contract.StageFaults) {
			faultAlarms["questions-"+string(a.Key)] = []string{"actionsEnabled"}
		}
	}
	for _, sw := range []struct {
		stage int
		want  map[string][]string
	}{
		{2, tracingChange},
		{3, merge(functionsOnly, faultAlarms)},
		{1, merge(tracingChange, faultAlarms)},
	} {
		step(fmt.Sprintf("config set stage %d changes exactly what the stage table says", sw.stage), func(t *testing.T) {
			setConfig(t, stack, keyStage, fmt.Sprint(sw.stage))
			res := preview(t, stack)
			if got := res.updates(); !sameChanges(got, sw.want) {
				t.Errorf("preview of stage %d:\n got  %v\n want %v\n(all steps: %v)", sw.stage, got, sw.want, res.changes)
			}
			up(t, stack)
			checkOutputs(t, stack, created, sw.stage, contract.AnyOrigin)
			for _, fn := range []string{"questions-post", "questions-process"} {
				env := deployed(t, stack)[fn].Outputs["environment"]
				if got := fmt.Sprint(pm.Field(env, "variables", contract.EnvStage)); got != fmt.Sprint(sw.stage) {
					t.Errorf("%s runs with %s=%s, want %d", fn, contract.EnvStage, got, sw.stage)
				}
			}
		})
	}

	// instrumentation switches both functions to their OpenTelemetry build
	// and wiring and back, at any stage: the code and environment of each
	// function and the roles' X-Ray policy; nothing is replaced.
	for _, sw := range []struct {
		value string
		otel  bool
	}{{contract.InstrumentationOpenTelemetry.String(), true}, {contract.InstrumentationXRaySDK.String(), false}} {
		step("config set instrumentation "+sw.value, func(t *testing.T) {
			setConfig(t, stack, configNames.Tracing.Instrumentation, sw.value)
			res := preview(t, stack)
			if got := res.updates(); !sameChanges(got, instrumentationChange) {
				t.Errorf("preview of instrumentation %s:\n got  %v\n want %v", sw.value, got, instrumentationChange)
			}
			res2 := up(t, stack)
			// Transaction Search is an account setting the provider cannot
			// read: up says so, with OpenTelemetry only.
			if warned := strings.Contains(res2.StdOut, "Transaction Search"); warned != sw.otel {
				t.Errorf("up with instrumentation %s: warning about Transaction Search %v, want %v\n%s", sw.value, warned, sw.otel, res2.StdOut)
			}
			state := deployed(t, stack)
			for _, fn := range []string{"questions-post", "questions-process"} {
				vars := state[fn].Outputs["environment"]
				gotIn := fmt.Sprint(pm.Field(vars, "variables", contract.EnvInstrumentation))
				gotEndpoint := fmt.Sprint(pm.Field(vars, "variables", contract.EnvOTLPTracesEndpoint))
				wantIn, wantEndpoint := "<nil>", "<nil>"
				if sw.otel {
					wantIn, wantEndpoint = sw.value, contract.XRayOTLPTracesEndpoint(devRegion)
				}
				if gotIn != wantIn || gotEndpoint != wantEndpoint {
					t.Errorf("%s runs with %s=%s and %s=%s, want %s and %s", fn, contract.EnvInstrumentation, gotIn,
						contract.EnvOTLPTracesEndpoint, gotEndpoint, wantIn, wantEndpoint)
				}
			}
		})
	}

	step("bad configuration fails before anything changes", func(t *testing.T) {
		before := deployed(t, stack)
		for _, bad := range []struct{ key, value, says string }{
			{keyStage, "7", "stage: 7 is not allowed (must be 1, 2 or 3)"},
			{keyFaultDelay, "soon", "faultDelay"},
		} {
			setConfig(t, stack, bad.key, bad.value)
			_, err := stack.Preview(ctx, optpreview.ProgressStreams(nopWriter{}))
			if err == nil || !strings.Contains(err.Error(), bad.says) {
				t.Errorf("preview with %s=%s: %v; want an error saying %q", bad.key, bad.value, err, bad.says)
			}
			if _, err := stack.Up(ctx, optup.ProgressStreams(nopWriter{})); err == nil {
				t.Errorf("up with %s=%s succeeded", bad.key, bad.value)
			}
			if after := deployed(t, stack); !sameState(before, after) {
				t.Errorf("a failed up with %s=%s changed the stack", bad.key, bad.value)
			}
			removeConfig(t, stack, bad.key)
		}
		setConfig(t, stack, keyStage, "1")
		if res := preview(t, stack, optpreview.ExpectNoChanges()); len(res.changes) != 0 {
			t.Errorf("after the bad values, preview wants %v", res.changes)
		}
	})

	step("mysfitsStack: the CORS origin comes from the main site's stack", func(t *testing.T) {
		site := siteStack(t, e)
		setConfig(t, stack, keyMysfitsStack, site)
		up(t, stack)
		const origin = "http://mysfits-site-web.s3-website-us-east-1.amazonaws.com"
		state := deployed(t, stack)
		checkOutputs(t, stack, state, 1, origin)
		// What the engine recorded for the API: the preflight answer and the
		// gateway's own error responses carry the site's origin.
		var answering []string
		for name, r := range state {
			if strings.Contains(jsonText(t, r.Outputs), "'"+origin+"'") {
				answering = append(answering, name)
			}
		}
		sort.Strings(answering)
		if len(answering) == 0 || !slices.ContainsFunc(answering, func(n string) bool { return strings.Contains(n, "options") }) {
			t.Errorf("resources answering CORS with %s: %v; want the OPTIONS integration response among them", origin, answering)
		}
	})

	step("destroy removes everything", func(t *testing.T) {
		if _, err := stack.Destroy(ctx, optdestroy.ProgressStreams(nopWriter{})); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		if left := deployed(t, stack); len(left) != 0 {
			t.Errorf("after destroy the stack still holds %d resources: %v", len(left), keys(left))
		}
		outs, err := stack.Outputs(ctx)
		if err != nil || len(outs) != 0 {
			t.Errorf("after destroy the outputs are %v, %v", outs, err)
		}
	})
}

// ---- the stacks ------------------------------------------------------------------

// questionsStack is this project's stack `name` as a user makes it: the
// project is Pulumi.yaml (its typed config schema applies), the stack
// settings Pulumi.dev.yaml, the program this package's run function.
func questionsStack(t *testing.T, e *enginetest.Engine, name string) auto.Stack {
	t.Helper()
	root := enginetest.RepoRoot(t)
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	settings, err := workspace.LoadProjectStack(nil, proj, filepath.Join(root, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	run := program{builder: components.GoBuilder{Dir: root, TempDir: t.TempDir()}}.run
	stack, err := auto.UpsertStackInlineSource(context.Background(), name, proj.Name.String(), run,
		auto.Pulumi(e.Command(t)), auto.EnvVars(e.Env()), auto.PulumiHome(e.Env()["PULUMI_HOME"]),
		auto.Project(*proj), auto.Stacks(map[string]workspace.ProjectStack{name: *settings}),
		auto.SecretsProvider("passphrase"))
	if err != nil {
		t.Fatalf("creating stack %s: %v", name, err)
	}
	return stack
}

// siteStack is the main Mysfits project, as far as this service cares: a
// stack exporting websiteUrl, on the same backend. It returns its fully
// qualified name, what `pulumi config set mysfitsStack` takes.
func siteStack(t *testing.T, e *enginetest.Engine) string {
	t.Helper()
	ctx := context.Background()
	stack, err := auto.UpsertStackInlineSource(ctx, "dev", "mysfits-site", func(ctx *pulumi.Context) error {
		ctx.Export(websiteURLOutput, pulumi.String(siteWebsiteURL))
		return nil
	}, auto.Pulumi(e.Command(t)), auto.EnvVars(e.Env()), auto.PulumiHome(e.Env()["PULUMI_HOME"]),
		auto.SecretsProvider("passphrase"))
	if err != nil {
		t.Fatalf("creating the site stack: %v", err)
	}
	if _, err := stack.Up(ctx, optup.ProgressStreams(nopWriter{})); err != nil {
		t.Fatalf("up of the site stack: %v", err)
	}
	return "organization/mysfits-site/dev"
}

func setConfig(t *testing.T, stack auto.Stack, key, value string) {
	t.Helper()
	if err := stack.SetConfig(context.Background(), key, auto.ConfigValue{Value: value}); err != nil {
		t.Fatalf("config set %s %s: %v", key, value, err)
	}
}

func removeConfig(t *testing.T, stack auto.Stack, key string) {
	t.Helper()
	if err := stack.RemoveConfig(context.Background(), key); err != nil {
		t.Fatalf("config rm %s: %v", key, err)
	}
}

// ---- operations --------------------------------------------------------------------

func up(t *testing.T, stack auto.Stack) auto.UpResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
	defer cancel()
	var out strings.Builder
	res, err := stack.Up(ctx, optup.ProgressStreams(&out))
	if err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	return res
}

// previewResult is what a preview would do: each resource step other than
// "same", by logical name, with the properties it changes.
type previewResult struct {
	changes []change
}

type change struct {
	op, name string
	keys     []string
}

func (c change) String() string { return fmt.Sprintf("%s %s %v", c.op, c.name, c.keys) }

// updates are the in-place updates by logical name; any other step
// (create, replace, delete) makes it fail to compare, on purpose.
func (r previewResult) updates() map[string][]string {
	out := map[string][]string{}
	for _, c := range r.changes {
		key := c.name
		if c.op != string(apitype.OpUpdate) {
			key = c.op + " " + c.name
		}
		out[key] = c.keys
	}
	return out
}

func preview(t *testing.T, stack auto.Stack, opts ...optpreview.Option) previewResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
	defer cancel()
	evs := make(chan events.EngineEvent)
	var res previewResult
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range evs {
			pre := ev.ResourcePreEvent
			if pre == nil || pre.Metadata.Op == apitype.OpSame || pre.Metadata.Type == string(resource.RootStackType) {
				continue
			}
			if pre.Metadata.Op == apitype.OpRead && pre.Metadata.Type == "pulumi:pulumi:StackReference" {
				continue // reading the main site's outputs changes nothing
			}
			keys := slices.Clone(pre.Metadata.Diffs)
			sort.Strings(keys)
			res.changes = append(res.changes, change{string(pre.Metadata.Op), resource.URN(pre.Metadata.URN).Name(), keys})
		}
	}()
	var out strings.Builder
	_, err := stack.Preview(ctx, append(opts, optpreview.Diff(), optpreview.EventStreams(evs), optpreview.ProgressStreams(&out))...)
	<-done
	if err != nil {
		t.Fatalf("preview: %v\n%s", err, out.String())
	}
	sort.Slice(res.changes, func(i, j int) bool { return res.changes[i].name < res.changes[j].name })
	return res
}

// resourceState is a resource as the engine recorded it.
type resourceState struct {
	Type    string
	ID      string
	Outputs map[string]any
}

// deployed is the stack's resources, by logical name, from `stack export`:
// custom resources only (the stack, components and providers aside).
func deployed(t *testing.T, stack auto.Stack) map[string]resourceState {
	t.Helper()
	exported, err := stack.Export(context.Background())
	if err != nil {
		t.Fatalf("stack export: %v", err)
	}
	var d apitype.DeploymentV3
	if err := json.Unmarshal(exported.Deployment, &d); err != nil {
		t.Fatalf("reading the deployment: %v", err)
	}
	out := map[string]resourceState{}
	for _, r := range d.Resources {
		if !r.Custom || strings.HasPrefix(string(r.Type), "pulumi:") {
			continue
		}
		name := r.URN.Name()
		if _, dup := out[name]; dup {
			t.Fatalf("two resources named %s", name)
		}
		out[name] = resourceState{Type: string(r.Type), ID: string(r.ID), Outputs: r.Outputs}
	}
	return out
}

// checkOutputs: every documented output, with the contract's endpoint
// shape and the values of the resources the engine recorded.
func checkOutputs(t *testing.T, stack auto.Stack, state map[string]resourceState, stage int, origin string) {
	t.Helper()
	outs, err := stack.Outputs(context.Background())
	if err != nil {
		t.Fatalf("stack output: %v", err)
	}
	get := func(name string) any { return outs[name].Value }
	api := state["questions-api"]
	endpoint := fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", api.ID, devRegion, contract.StageName)
	want := map[string]any{
		contract.OutputAPIEndpoint:      endpoint,
		contract.OutputRestAPIID:        api.ID,
		contract.OutputAllowedOrigin:    origin,
		contract.OutputTableName:        state["questions-table"].Outputs["name"],
		contract.OutputTableARN:         state["questions-table"].Outputs["arn"],
		contract.OutputTopicARN:         state["questions-topic"].Outputs["arn"],
		contract.OutputTopicName:        state["questions-topic"].Outputs["name"],
		contract.OutputPostFunction:     state["questions-post"].Outputs["name"],
		contract.OutputProcessFunction:  state["questions-process"].Outputs["name"],
		contract.OutputNoticeQueueURL:   state["questions-dlq"].Outputs["url"],
		contract.OutputTracingStage:     float64(stage),
		contract.OutputFailureBucket:    state["questions-failures"].Outputs["bucket"],
		contract.OutputOperationsTopic:  state["questions-operations-topic"].Outputs["arn"],
		contract.OutputXRayGroupName:    state["questions-faults"].Outputs["groupName"],
		contract.OutputXRayGroupARN:     state["questions-faults"].Outputs["arn"],
		contract.OutputSamplingRuleName: state["questions-sampling"].Outputs["ruleName"],
		contract.OutputAlarmNames:       nil, // checked below
		contract.OutputAdminPending:     true,
		contract.OutputAlarmPending:     true,
	}
	if len(outs) != len(want) {
		t.Errorf("outputs %v, want exactly %v", keys(outs), keys(want))
	}
	for name, w := range want {
		if w == nil {
			continue
		}
		if got := get(name); fmt.Sprint(got) != fmt.Sprint(w) || got == nil {
			t.Errorf("output %s = %v, want %v", name, got, w)
		}
	}
	if !regexp.MustCompile(`^https://[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com/prod$`).MatchString(fmt.Sprint(get(contract.OutputAPIEndpoint))) {
		t.Errorf("questionsApiEndpoint %v does not have the contract's shape", get(contract.OutputAPIEndpoint))
	}
	alarms, _ := get(contract.OutputAlarmNames).(map[string]any)
	for _, a := range contract.Alarms() {
		if got := alarms[string(a.Key)]; got == nil || got != state["questions-"+string(a.Key)].Outputs["name"] {
			t.Errorf("alarmNames[%s] = %v, want the alarm's name", a.Key, got)
		}
	}
}

// ---- small helpers --------------------------------------------------------------

func merge(ms ...map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = append(slices.Clone(out[k]), v...)
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

func sameChanges(got, want map[string][]string) bool {
	return len(got) == len(want) && !slices.ContainsFunc(keys(want), func(k string) bool {
		return !slices.Equal(got[k], want[k])
	})
}

// sameState: the same resources with the same ids and outputs.
func sameState(a, b map[string]resourceState) bool {
	if len(a) != len(b) {
		return false
	}
	for name, r := range a {
		o, ok := b[name]
		if !ok || o.ID != r.ID || o.Type != r.Type || fmt.Sprint(o.Outputs) != fmt.Sprint(r.Outputs) {
			return false
		}
	}
	return true
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
