package devstack

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// instrumentationRun is what one instrumentation shows at one stage.
type instrumentationRun struct {
	nodes  []node
	triage *traces.TriageReport
}

// The same walk with the X-Ray SDK and with OpenTelemetry (the functions'
// spans over OTLP to the daemon's receiver): each stage draws the same
// service map, and at stage 3 triage names the same node and subsegment
// and finds nothing stored.
func TestInstrumentationsShowTheSameWalk(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	const delay = 300 * time.Millisecond
	stages := []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK, contract.StageFaults}
	got := map[contract.Instrumentation]map[contract.TracingStage]instrumentationRun{}
	for _, in := range []contract.Instrumentation{contract.InstrumentationXRaySDK, contract.InstrumentationOpenTelemetry} {
		got[in] = map[contract.TracingStage]instrumentationRun{}
		for _, stage := range stages {
			t.Run(fmt.Sprintf("%s stage %d", in, stage), func(t *testing.T) {
				tr := contract.Tracing{Stage: stage, Faults: contract.Faults{Percent: 100, Delay: delay}, Instrumentation: in}
				stack, obs := startStack(t, tr)
				want := 201
				if stage == contract.StageFaults {
					want = 502
				}
				if a := postQuestion(t, stack, "ada@example.com", "Which mysfit naps most? #"+randomToken(t)); a.status != want {
					t.Fatalf("POST answered %d %s, want %d", a.status, a.body, want)
				}
				run := instrumentationRun{}
				if stage == contract.StageFaults {
					waitFor(t, "the faulted trace", func() bool {
						tr, _, _ := obs.snapshot()
						return slices.ContainsFunc(tr, func(x traces.TraceDocs) bool { return len(x.Find(tracing.HangingSubsegment)) > 0 })
					})
					run.triage = localTriage(t, stack)
				} else {
					waitFor(t, "the process function's trace", func() bool { _, ok := traceWith(obs, stack.Names().ProcessFunction); return ok })
				}
				// The last documents may still be on their way: read the map
				// until it stops changing.
				run.nodes = serviceMap(t, stack)
				for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
					time.Sleep(200 * time.Millisecond)
					again := serviceMap(t, stack)
					if slices.Equal(again, run.nodes) {
						break
					}
					run.nodes = again
				}
				// Each stack has names of its own: compare by role. The
				// OpenTelemetry spans record the table's name, which names
				// X-Ray's DynamoDB node; the X-Ray SDK's middleware records
				// none, so its node is "DynamoDB" (docs/opentelemetry.md).
				n := stack.Names()
				table := stack.Resources().TableName
				if viaOTLP := slices.ContainsFunc(run.nodes, func(x node) bool { return x.name == table }); stage == contract.StageSDK &&
					viaOTLP != (in == contract.InstrumentationOpenTelemetry) {
					t.Errorf("a DynamoDB node named after the table: %v; want it exactly when the spans come over OTLP: %v", viaOTLP, run.nodes)
				}
				run.nodes = byRole(run.nodes, map[string]string{n.PostFunction: "post", n.ProcessFunction: "process",
					table: "DynamoDB", n.API + "/" + contract.StageName: "api"})
				got[in][stage] = run
			})
		}
	}
	xray, otel := got[contract.InstrumentationXRaySDK], got[contract.InstrumentationOpenTelemetry]
	for _, stage := range stages {
		x, o := xray[stage], otel[stage]
		if len(x.nodes) == 0 || !slices.Equal(x.nodes, o.nodes) {
			t.Errorf("stage %d service map:\n X-Ray SDK     %v\n OpenTelemetry %v", stage, x.nodes, o.nodes)
		}
	}
	x, o := xray[contract.StageFaults].triage, otel[contract.StageFaults].triage
	if x == nil || o == nil {
		t.Fatalf("stage 3 triage: X-Ray SDK %v, OpenTelemetry %v", x, o)
	}
	for _, r := range []struct {
		name string
		r    *traces.TriageReport
	}{{"X-Ray SDK", x}, {"OpenTelemetry", o}} {
		if r.r.Node == nil || !strings.HasSuffix(r.r.Node.Name, "-post") {
			t.Errorf("%s: triage names node %+v, want the post function", r.name, r.r.Node)
		}
		if r.r.Fault == nil || r.r.Fault.Name != tracing.HangingSubsegment || !r.r.Fault.HoldsFault ||
			!strings.Contains(r.r.Fault.ExceptionMessage, tracing.HangingSubsegment) {
			t.Errorf("%s: triage fault = %+v, want %s holding the fault with its message", r.name, r.r.Fault, tracing.HangingSubsegment)
		}
		if r.r.Stored != "not stored" {
			t.Errorf("%s: triage says the question was %q, want \"not stored\"", r.name, r.r.Stored)
		}
	}
}

// byRole renames a stack's own names to their roles, so two stacks' maps
// compare.
func byRole(nodes []node, roles map[string]string) []node {
	out := make([]node, 0, len(nodes))
	for _, n := range nodes {
		if role, ok := roles[n.name]; ok {
			n.name = role
		}
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b node) int { return strings.Compare(a.String(), b.String()) })
	return out
}
