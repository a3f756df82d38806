package devstack

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// node is a service-map node as the console and cmd/traces show it.
type node struct{ name, typ string }

func (n node) String() string { return n.name + " (" + n.typ + ")" }

// serviceMap reads the stack's service graph through the console API, the
// way `cmd/traces --local` does.
func serviceMap(t *testing.T, stack *Stack) []node {
	t.Helper()
	src, err := traces.NewLocalSource(stack.Endpoint(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := src.ServiceGraph(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatalf("service graph: %v", err)
	}
	var nodes []node
	for _, s := range g.Services {
		nodes = append(nodes, node{s.Name, s.Type})
	}
	slices.SortFunc(nodes, func(a, b node) int { return strings.Compare(a.String(), b.String()) })
	// X-Ray draws a client node in front of each entry point (the API and
	// the stream's invocations); as a set they are one.
	return slices.Compact(nodes)
}

// localTriage runs triage over the stack's console API, as `make traces
// ARGS=triage` does.
func localTriage(t *testing.T, stack *Stack) *traces.TriageReport {
	t.Helper()
	src, err := traces.NewLocalSource(stack.Endpoint(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := traces.Triage(context.Background(), src, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatalf("triage: %v", err)
	}
	return r
}

// The service map grows with the stages as the X-Ray console's does: the
// functions alone at stage 1, API Gateway, DynamoDB and SNS from stage 2.
func TestServiceMapPerStage(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK} {
		t.Run(fmt.Sprintf("stage %d", stage), func(t *testing.T) {
			stack, obs := startStack(t, atStage(stage))
			if a := postQuestion(t, stack, "ada@example.com", "Which mysfit sleeps most? #"+randomToken(t)); a.status != 201 {
				t.Fatalf("POST answered %d %s", a.status, a.body)
			}
			n := stack.Names()
			waitFor(t, "the process function's trace", func() bool { _, ok := traceWith(obs, n.ProcessFunction); return ok })
			functions := []node{
				{"client", "client"},
				{n.PostFunction, "AWS::Lambda"}, {n.PostFunction, "AWS::Lambda::Function"},
				{n.ProcessFunction, "AWS::Lambda"}, {n.ProcessFunction, "AWS::Lambda::Function"},
			}
			want := functions
			if stage >= contract.StageSDK {
				want = append(slices.Clone(functions),
					node{n.API + "/" + contract.StageName, "AWS::ApiGateway::Stage"},
					node{"DynamoDB", "AWS::DynamoDB::Table"},
					node{"SNS", "AWS::SNS"})
			}
			slices.SortFunc(want, func(a, b node) int { return strings.Compare(a.String(), b.String()) })
			var got []node
			deadline := time.Now().Add(10 * time.Second)
			for got = serviceMap(t, stack); !slices.Equal(got, want) && time.Now().Before(deadline); got = serviceMap(t, stack) {
				time.Sleep(100 * time.Millisecond) // the last segments may still be on their way
			}
			if !slices.Equal(got, want) {
				t.Errorf("stage %d service map:\n got  %v\n want %v", stage, got, want)
			}
		})
	}
}

// The stage-3 exercise, answered: triage names the post function, the
// failing share, the hangingException subsegment that holds the time and
// the fault, its message, and that the questions were not stored. Then the
// console page shows it: the red node, a 502 trace's timeline with the
// hangingException bar and its exception.
func TestStage3Triage(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	const delay = 400 * time.Millisecond
	stack, obs := startStack(t, contract.Tracing{Stage: contract.StageFaults, Faults: contract.Faults{Percent: 100, Delay: delay}})
	const posted = 3
	for i := range posted {
		if a := postQuestion(t, stack, "ada@example.com", fmt.Sprintf("Question %d #%s", i, randomToken(t))); a.status != 502 {
			t.Fatalf("POST %d answered %d %s, want the injected 502", i, a.status, a.body)
		}
	}
	waitFor(t, "three faulted traces", func() bool {
		tr, _, _ := obs.snapshot()
		n := 0
		for _, x := range tr {
			if len(x.Find(tracing.HangingSubsegment)) > 0 {
				n++
			}
		}
		return n == posted
	})

	r := localTriage(t, stack)
	t.Logf("triage: %+v", r)
	post := stack.Names().PostFunction
	if r.Node == nil || r.Node.Name != post {
		t.Errorf("triage names node %+v, want the post function %s", r.Node, post)
	}
	if r.Requests != posted || r.Failing != posted || r.FailingShare != 100 {
		t.Errorf("triage counts %d failing of %d (%.0f%%), want %d of %d (100%%)", r.Failing, r.Requests, r.FailingShare, posted, posted)
	}
	if r.Fault == nil || r.Fault.Name != tracing.HangingSubsegment || !r.Fault.HoldsFault || !strings.Contains(r.Fault.ExceptionMessage, tracing.HangingSubsegment) {
		t.Errorf("triage fault subsegment = %+v, want %s holding the fault with its message", r.Fault, tracing.HangingSubsegment)
	}
	if r.Fault != nil && (r.Fault.Duration < delay.Seconds() || r.Fault.Duration > delay.Seconds()+0.5) {
		t.Errorf("hangingException lasted %.3f s, want about the fault delay %s", r.Fault.Duration, delay)
	}
	if r.FailingLatency.Count != posted || r.FailingLatency.P50 < delay.Seconds() {
		t.Errorf("failing latency %+v, want %d requests slower than the delay %s", r.FailingLatency, posted, delay)
	}
	if r.Stored != "not stored" {
		t.Errorf("triage says the questions were %q (%s), want \"not stored\"", r.Stored, r.StoredDetail)
	}
	if items := storedItems(t, stack.Resources().TableName); len(items) != 0 {
		t.Errorf("the table holds %d questions, want none: triage must match the table", len(items))
	}

	t.Run("console page", func(t *testing.T) {
		browser := startBrowser(t)
		ctx, cancel := context.WithTimeout(browser, time.Minute)
		defer cancel()
		tab, closeTab := chromedp.NewContext(ctx)
		defer closeTab()
		watchPage(t, tab)
		redNode := fmt.Sprintf(`#map-canvas svg [data-node=%q][data-type="AWS::Lambda::Function"][data-health="fault"]`, post)
		faultRow := `#trace-list [data-trace-id][data-status="502"]`
		hanging := fmt.Sprintf(`#timeline [data-segment-name=%q][data-fault="true"]`, tracing.HangingSubsegment)
		err := chromedp.Do(tab,
			chromedp.Navigate(stack.TraceConsole()),
			chromedp.WaitVisible(chromedp.CSS(redNode)),
			chromedp.WaitVisible(chromedp.CSS(faultRow)),
			chromedp.Click(chromedp.CSS(faultRow)),
			chromedp.WaitVisible(chromedp.CSS(hanging)),
			chromedp.Click(chromedp.CSS(hanging)),
			chromedp.WaitVisible(chromedp.CSS(`#segment-detail [data-exception-message]`)),
		)
		shot := saveScreenshot(t, tab, "trace-console-stage3.png")
		t.Logf("screenshot %s", shot)
		if err != nil {
			t.Fatalf("the console did not show the faulted trace: %v", err)
		}
		message, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(`#segment-detail [data-exception-message]`)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(message, tracing.HangingSubsegment) {
			t.Errorf("the hangingException bar's detail says %q, want its exception message", message)
		}

		// The Slow quick filter follows the data, so with this faultDelay it
		// lists the faulted requests and nothing else (a fixed 4 s found none).
		type slowList struct {
			Label, Expression string
			Rows              int
		}
		listed := fmt.Sprintf(`(() => {
			const b = document.querySelector('[data-quick="slow"]');
			const rows = [...document.querySelectorAll("#trace-list [data-trace-id]")];
			const shown = document.getElementById("trace-list").dataset.filter;
			return b.getAttribute("aria-pressed") === "true" && shown === b.dataset.expression &&
				rows.length === %d && rows.every((r) => r.dataset.status === "502")
				? {label: b.textContent, expression: b.dataset.expression, rows: rows.length} : null;
		})()`, posted)
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`[data-quick="slow"]:not([disabled])`))); err != nil {
			t.Fatalf("pressing Slow: %v", err)
		}
		slow, err := chromedp.Run(tab, chromedp.Poll[slowList](listed, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(15*time.Second)))
		shot = saveScreenshot(t, tab, "trace-console-slow.png")
		if err != nil {
			now, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-quick="slow"]').outerHTML + " " +
				document.querySelectorAll("#trace-list [data-trace-id]").length + " rows"`))
			t.Fatalf("Slow did not list the %d faulted requests (screenshot %s): %v; the page shows %s", posted, shot, err, now)
		}
		t.Logf("Slow: %q (%s)", slow.Label, slow.Expression)
		// The threshold sits under the fault delay, whatever a cold start
		// adds to one of the faulted requests.
		if v, err := strconv.ParseFloat(strings.TrimPrefix(slow.Expression, "responsetime > "), 64); err != nil || v >= delay.Seconds() {
			t.Errorf("Slow filters %q, want responsetime above a threshold under the fault delay %s", slow.Expression, delay)
		}
	})
}
