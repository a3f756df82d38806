package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// The trace console over a stack switched live from stage 1 to 2 to 3
// (Stack.Apply, what `pulumi config set stage N` does to a running `make
// dev`), in Chromium: the stage filter shows one stage's map and traces,
// the compare view marks the nodes stage 2 added, a click on an edge opens
// its response-time histogram, and a drag across the list's latency chart
// narrows the list to the slow, faulted requests.
func TestConsoleStages(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on a stack of its own
	const delay = 400 * time.Millisecond
	stack, obs := startStack(t, atStage(contract.StageLambdaOnly))
	n := stack.Names()
	ask := func(want int) {
		t.Helper()
		if a := postQuestion(t, stack, "ada@example.com", "Which mysfit likes stages? #"+randomToken(t)); a.status != want {
			t.Fatalf("POST answered %d %v, want %d", a.status, a.body, want)
		}
	}
	switchTo := func(tr contract.Tracing) {
		t.Helper()
		if _, err := stack.Apply(contract.Settings{Tracing: tr, AllowedOrigin: stack.AllowedOrigin()}); err != nil {
			t.Fatalf("switching to stage %d: %v", tr.Stage, err)
		}
	}
	// Each stage's questions are notified (the stream's invocation done)
	// before the switch, so every trace belongs to the stage it was sent at.
	notified := func(want int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%d notifications", want), func() bool { _, notes, _ := obs.snapshot(); return len(notes) >= want })
		waitFor(t, "the stream's traces", func() bool { return countTraces(obs, n.ProcessFunction) >= 1 && pendingNone(stack) })
	}
	ask(http.StatusCreated)
	ask(http.StatusCreated)
	notified(2)
	switchTo(atStage(contract.StageSDK))
	ask(http.StatusCreated)
	ask(http.StatusCreated)
	notified(4)
	switchTo(contract.Tracing{Stage: contract.StageFaults, Faults: contract.Faults{Percent: 100, Delay: delay}})
	const faulted = 2
	for range faulted {
		ask(http.StatusBadGateway)
	}
	waitFor(t, "the faulted traces", func() bool { return countTraces(obs, tracing.HangingSubsegment) == faulted })
	held := stagesOf(t, stack)
	t.Logf("stages held: %+v", held)
	for _, stage := range []int{1, 2, 3} {
		if held[stage] == 0 {
			t.Fatalf("api/stages holds no trace of stage %d: %+v", stage, held)
		}
	}

	browser := startBrowser(t)
	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	defer cancel()
	tab, closeTab := chromedp.NewContext(ctx)
	defer closeTab()
	watchPage(t, tab)
	if err := chromedp.Do(tab,
		chromedp.EmulateViewport(1280, 1000),
		chromedp.Navigate(stack.TraceConsole()),
		chromedp.WaitVisible(chromedp.CSS(`#map-canvas[data-scope=""] svg [data-node]`)),
	); err != nil {
		t.Fatalf("opening the console: %v", err)
	}

	apiNode := node{n.API + "/" + contract.StageName, traces.TypeAPIGateway}
	added := []node{apiNode, {"DynamoDB", traces.TypeDynamoDBTable}, {"SNS", traces.TypeSNS}}
	functionNodes := []node{
		{"client", traces.TypeClient},
		{n.PostFunction, traces.TypeLambda}, {n.PostFunction, traces.TypeLambdaFunction},
		{n.ProcessFunction, traces.TypeLambda}, {n.ProcessFunction, traces.TypeLambdaFunction},
	}
	sortNodes(added)
	sortNodes(functionNodes)

	t.Run("stage filter", func(t *testing.T) {
		want := map[int][]node{1: functionNodes, 2: sortNodes(append(slices.Clone(functionNodes), added...))}
		for _, stage := range []int{1, 2} {
			shown := showStage(t, tab, stage)
			saveScreenshot(t, tab, fmt.Sprintf("console-stage%d.png", stage))
			if !slices.Equal(shown.nodes(), want[stage]) {
				t.Errorf("stage %d map:\n got  %v\n want %v", stage, shown.nodes(), want[stage])
			}
			if len(shown.RowStages) != held[stage] {
				t.Errorf("stage %d lists %d traces, want the %d api/stages counts", stage, len(shown.RowStages), held[stage])
			}
			for _, s := range shown.RowStages {
				if s != fmt.Sprint(stage) {
					t.Errorf("stage %d lists a trace of stage %q", stage, s)
				}
			}
			if shown.Count != fmt.Sprint(held[stage]) {
				t.Errorf("the stage %d button counts %q traces, want %d", stage, shown.Count, held[stage])
			}
		}
	})

	t.Run("compare view", func(t *testing.T) {
		// From stage 2's filter, the view opens on stage 1 beside stage 2.
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#compare-toggle`))); err != nil {
			t.Fatal(err)
		}
		type compared struct {
			Added, Same, Listed, Removed []string
		}
		const js = `(() => {
			const b = document.querySelector('#compare-view [data-compare-side="b"][data-stage="2"]');
			const a = document.querySelector('#compare-view [data-compare-side="a"][data-stage="1"]');
			if (!a || !b || !a.querySelector("svg") || !b.querySelector("svg")) return null;
			const nodes = (root, sel) => [...root.querySelectorAll(sel)].map((g) => g.dataset.node + " (" + g.dataset.type + ")");
			return {
				added: nodes(b, "[data-node][data-diff=added]"),
				same: nodes(a, "[data-node][data-diff=same]"),
				removed: nodes(document, "#compare-view [data-node][data-diff=removed]"),
				listed: [...document.querySelectorAll("#compare-summary [data-added-node]")].map((li) => li.dataset.addedNode + " (" + li.dataset.type + ")"),
			};
		})()`
		got, err := chromedp.Run(tab, chromedp.Poll[compared](js, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(20*time.Second)))
		shot := saveScreenshot(t, tab, "console-compare.png")
		if err != nil {
			t.Fatalf("the compare view did not show stages 1 and 2 (screenshot %s): %v", shot, err)
		}
		want := nodeStrings(added)
		for what, list := range map[string][]string{"marked on stage 2's map": got.Added, "listed": got.Listed} {
			slices.Sort(list)
			if !slices.Equal(slices.Compact(list), want) {
				t.Errorf("nodes %s as added: %v, want %v", what, list, want)
			}
		}
		if len(got.Removed) != 0 {
			t.Errorf("nodes marked removed: %v, want none (stage 2 keeps stage 1's)", got.Removed)
		}
		slices.Sort(got.Same)
		if !slices.Equal(slices.Compact(got.Same), nodeStrings(functionNodes)) {
			t.Errorf("stage 1's map marks %v as kept, want %v", got.Same, nodeStrings(functionNodes))
		}
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#compare-toggle`)), chromedp.WaitNotPresent(chromedp.CSS(`#compare-view svg`))); err != nil {
			t.Fatalf("closing the compare view: %v", err)
		}
	})

	t.Run("edge histogram", func(t *testing.T) {
		edge := fmt.Sprintf(`#map-canvas[data-scope="stage=2"] svg [data-edge=%q][data-to-type=%q]`, n.PostFunction+"->DynamoDB", traces.TypeDynamoDBTable)
		x, y := pointOnPath(t, tab, edge+" .edge-line")
		if err := chromedp.Do(tab, chromedp.MouseClickXY(x, y)); err != nil {
			t.Fatal(err)
		}
		type opened struct {
			Heading       string
			Requests, Sum int
			Pressed       string
		}
		js := fmt.Sprintf(`(() => {
			const edge = document.querySelector(%q);
			const bins = [...document.querySelectorAll('#histogram[data-of="edge"] svg [data-bin-start][data-count]')];
			if (!edge || !bins.length) return null;
			return {heading: document.getElementById("node-heading").textContent, requests: Number(edge.dataset.requests),
				sum: bins.reduce((a, b) => a + Number(b.dataset.count), 0), pressed: edge.getAttribute("aria-pressed")};
		})()`, edge)
		got, err := chromedp.Run(tab, chromedp.Poll[opened](js, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(15*time.Second)))
		shot := saveScreenshot(t, tab, "console-edge.png")
		if err != nil {
			t.Fatalf("a click on the edge to DynamoDB opened no histogram (screenshot %s): %v", shot, err)
		}
		if !strings.HasSuffix(got.Heading, "→ DynamoDB") || got.Pressed != "true" {
			t.Errorf("the side panel is headed %q and the edge aria-pressed %q, want the edge selected", got.Heading, got.Pressed)
		}
		if got.Requests != 2 || got.Sum != got.Requests {
			t.Errorf("the edge's histogram counts %d requests, the edge %d, want both the 2 stored questions of stage 2", got.Sum, got.Requests)
		}
		if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("clear-node")), chromedp.WaitNotPresent(chromedp.CSS(`#histogram svg`))); err != nil {
			t.Fatalf("dropping the edge selection: %v", err)
		}
	})

	t.Run("latency drag", func(t *testing.T) {
		// Every stage: the fast answers of stages 1 and 2 and the slow 502s.
		if err := chromedp.Do(tab,
			chromedp.Click(chromedp.CSS(`[data-stage-filter="all"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#trace-list[data-scope=""] [data-stage="3"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#trace-list [data-stage="1"]`)),
		); err != nil {
			t.Fatal(err)
		}
		before := rowIDs(t, tab)
		// From under the fault delay to past the slowest bar.
		from, to, y := dragSpan(t, tab, "#latency svg", delay.Seconds()*0.75)
		drag(t, tab, from, to, y)
		type narrowed struct {
			Latency string
			IDs     []string
			Shown   bool
		}
		got, err := chromedp.Run(tab, chromedp.Poll[narrowed](`(() => {
			const table = document.getElementById("trace-list");
			if (!table.dataset.latency) return null;
			return {latency: table.dataset.latency, ids: [...table.querySelectorAll("[data-trace-id]")].map((r) => r.dataset.traceId),
				shown: !document.getElementById("latency-scope").hidden};
		})()`, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(15*time.Second)))
		shot := saveScreenshot(t, tab, "console-latency.png")
		if err != nil {
			t.Fatalf("the drag across the latency chart did not narrow the list (screenshot %s): %v", shot, err)
		}
		t.Logf("dragged latency=%s: %d of %d traces", got.Latency, len(got.IDs), len(before))
		var lo, hi float64
		if _, err := fmt.Sscanf(got.Latency, "%g-%g", &lo, &hi); err != nil || lo >= delay.Seconds() || lo <= 0 {
			t.Errorf("latency range %q, want one starting between the fast answers and the %s fault delay", got.Latency, delay)
		}
		sums := summariesByID(t, stack)
		var faults int
		for _, id := range got.IDs {
			s := sums[id]
			if s.ResponseTime < lo || s.ResponseTime >= hi {
				t.Errorf("trace %s (%.3f s) is listed outside the range %s", id, s.ResponseTime, got.Latency)
			}
			if s.HasFault {
				faults++
			}
		}
		if faults != faulted || len(got.IDs) >= len(before) || !got.Shown {
			t.Errorf("the drag lists %d traces (%d faulted) of %d, #latency-scope shown %v; want the %d faulted ones, fewer than before, and said so",
				len(got.IDs), faults, len(before), got.Shown, faulted)
		}
		if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("clear-latency")), chromedp.WaitNotPresent(chromedp.CSS(`#trace-list[data-latency]`))); err != nil {
			t.Fatal(err)
		}
		if after := rowIDs(t, tab); len(after) != len(before) {
			t.Errorf("after dropping the range the list holds %d traces, want the %d of before", len(after), len(before))
		}
	})

	t.Run("node histogram drag", func(t *testing.T) {
		// The post function's own response times: a drag writes X-Ray's
		// service filter, which the stack's API evaluates.
		fn := fmt.Sprintf(`#map-canvas[data-scope=""] svg [data-node=%q][data-type=%q]`, n.PostFunction, traces.TypeLambdaFunction)
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(fn)), chromedp.WaitVisible(chromedp.CSS(`#histogram[data-of="node"] svg [data-bin-start]`))); err != nil {
			t.Fatalf("selecting the post function: %v", err)
		}
		before := rowIDs(t, tab)
		from, to, y := dragSpan(t, tab, "#histogram svg", delay.Seconds()*0.75)
		drag(t, tab, from, to, y)
		type filtered struct {
			Filter, Rejected string
			IDs              []string
		}
		got, err := chromedp.Run(tab, chromedp.Poll[filtered](`(() => {
			const table = document.getElementById("trace-list");
			const f = table.dataset.filter;
			if (!f || !f.startsWith("service(")) return null;
			return {filter: f, rejected: document.getElementById("filter-error").hidden ? "" : document.getElementById("filter-error").textContent,
				ids: [...table.querySelectorAll("[data-trace-id]")].map((r) => r.dataset.traceId)};
		})()`, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(15*time.Second)))
		shot := saveScreenshot(t, tab, "console-node-drag.png")
		if err != nil {
			t.Fatalf("the drag across the post function's histogram set no service filter (screenshot %s): %v", shot, err)
		}
		t.Logf("filter %s: %d of %d traces", got.Filter, len(got.IDs), len(before))
		if got.Rejected != "" {
			t.Fatalf("the stack rejected the filter %q: %s", got.Filter, got.Rejected)
		}
		sums := summariesByID(t, stack)
		var faults int
		for _, id := range got.IDs {
			if sums[id].HasFault {
				faults++
			}
		}
		if faults != faulted || len(got.IDs) >= len(before) {
			t.Errorf("the service filter lists %d traces (%d faulted) of %d, want the %d faulted ones among fewer", len(got.IDs), faults, len(before), faulted)
		}
	})
}

// countTraces counts the finished traces holding a segment named name.
func countTraces(o *observed, name string) int {
	finished, _, _ := o.snapshot()
	count := 0
	for _, tr := range finished {
		if len(tr.Find(name)) > 0 {
			count++
		}
	}
	return count
}

// pendingNone reports whether the stack's trace store holds no trace with
// a segment still in progress.
func pendingNone(stack *Stack) bool {
	var body traces.TraceSummaries
	if getAPI(stack, "summaries", &body) != nil {
		return false
	}
	for _, s := range body.TraceSummaries {
		if s.IsPartial {
			return false
		}
	}
	return true
}

// getAPI reads the console API's endpoint into v.
func getAPI(stack *Stack, endpoint string, v any) error {
	resp, err := http.Get(stack.Endpoint() + traces.APIPrefix + endpoint)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", endpoint, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// stagesOf is api/stages' trace count by stage.
func stagesOf(t *testing.T, stack *Stack) map[int]int {
	t.Helper()
	var body traces.Stages
	if err := getAPI(stack, "stages", &body); err != nil {
		t.Fatal(err)
	}
	out := map[int]int{}
	for _, s := range body.Stages {
		out[s.Stage] = s.TraceCount
	}
	return out
}

func summariesByID(t *testing.T, stack *Stack) map[string]traces.TraceSummary {
	t.Helper()
	var body traces.TraceSummaries
	if err := getAPI(stack, "summaries", &body); err != nil {
		t.Fatal(err)
	}
	out := map[string]traces.TraceSummary{}
	for _, s := range body.TraceSummaries {
		out[s.ID] = s
	}
	return out
}

func sortNodes(nodes []node) []node {
	slices.SortFunc(nodes, func(a, b node) int { return strings.Compare(a.String(), b.String()) })
	return nodes
}

func nodeStrings(nodes []node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.String()
	}
	return out
}

// stageShown is what the page shows with a stage filter on.
type stageShown struct {
	Nodes     [][2]string // name, type
	RowStages []string
	Count     string // the stage button's data-count
}

func (s stageShown) nodes() []node {
	var out []node
	for _, n := range s.Nodes {
		out = append(out, node{n[0], n[1]})
	}
	// One client per entry point: as a set they are one.
	return slices.Compact(sortNodes(out))
}

// showStage presses the stage filter's button and waits until the map and
// the list answer that stage.
func showStage(t *testing.T, tab context.Context, stage int) stageShown {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-stage-filter="%d"]`, stage)))); err != nil {
		t.Fatal(err)
	}
	js := fmt.Sprintf(`(() => {
		const map = document.querySelector('#map-canvas[data-scope="stage=%[1]d"]');
		const list = document.querySelector('#trace-list[data-scope="stage=%[1]d"]');
		const button = document.querySelector('[data-stage-filter="%[1]d"][aria-pressed="true"]');
		if (!map || !list || !button || !map.querySelector("svg [data-node]")) return null;
		return {
			nodes: [...map.querySelectorAll("svg [data-node]")].map((g) => [g.dataset.node, g.dataset.type]),
			rowStages: [...list.querySelectorAll("[data-trace-id]")].map((r) => r.dataset.stage),
			count: button.dataset.count || "",
		};
	})()`, stage)
	got, err := chromedp.Run(tab, chromedp.Poll[stageShown](js, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		shot := saveScreenshot(t, tab, fmt.Sprintf("console-stage%d-missing.png", stage))
		t.Fatalf("the page did not show stage %d on its own (screenshot %s): %v", stage, shot, err)
	}
	return got
}

func rowIDs(t *testing.T, tab context.Context) []string {
	t.Helper()
	ids, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#trace-list [data-trace-id]")].map((r) => r.dataset.traceId)`))
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

type point struct{ X, Y float64 }

// pointOnPath scrolls the path into view and returns the middle of its
// length in viewport pixels: a click there lands on the line itself.
func pointOnPath(t *testing.T, tab context.Context, selector string) (x, y float64) {
	t.Helper()
	p, err := chromedp.Run(tab, chromedp.Poll[point](fmt.Sprintf(`(() => {
		const path = document.querySelector(%q);
		if (!path) return null;
		path.scrollIntoView({block: "center"});
		const mid = path.getPointAtLength(path.getTotalLength() / 2);
		const at = new DOMPoint(mid.x, mid.y).matrixTransform(path.getScreenCTM());
		return {x: at.x, y: at.y};
	})()`, selector), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("finding %s: %v", selector, err)
	}
	return p.X, p.Y
}

// dragSpan scrolls the chart (an SVG) into view and returns where a drag
// from response time `from` (seconds) past the slowest bar runs, in
// viewport pixels, from the bars' positions and their data-bin-start.
func dragSpan(t *testing.T, tab context.Context, chart string, from float64) (x0, x1, y float64) {
	t.Helper()
	type span struct{ X0, X1, Y float64 }
	s, err := chromedp.Run(tab, chromedp.Poll[span](fmt.Sprintf(`(() => {
		const svg = document.querySelector(%q);
		const bins = svg ? [...svg.querySelectorAll("g.bin")] : [];
		if (bins.length < 2) return null;
		svg.scrollIntoView({block: "center"});
		const left = (g) => g.querySelector("rect").getBoundingClientRect().left;
		const first = bins[0], last = bins.at(-1);
		const perSecond = (left(last) - left(first)) / (Number(last.dataset.binStart) - Number(first.dataset.binStart));
		const box = svg.getBoundingClientRect();
		return {x0: left(first) + (%g - Number(first.dataset.binStart)) * perSecond,
			x1: last.querySelector("rect").getBoundingClientRect().right + 2, y: box.top + box.height * 0.45};
	})()`, chart, from), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("finding the bars of %s: %v", chart, err)
	}
	return s.X0, s.X1, s.Y
}

// drag presses the left button at x0, moves to x1 and releases it there,
// as a hand on a mouse would.
func drag(t *testing.T, tab context.Context, x0, x1, y float64) {
	t.Helper()
	held := func(p *input.DispatchMouseEventParams) {
		p.Button = input.MouseButtonLeft
		p.Buttons = 1
		p.ClickCount = 1
	}
	actions := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MouseMoved, x0, y), chromedp.MouseEvent(chromedp.MousePressed, x0, y, held)}
	for i := 1; i <= 5; i++ {
		actions = append(actions, chromedp.MouseEvent(chromedp.MouseMoved, x0+(x1-x0)*float64(i)/5, y, held))
	}
	actions = append(actions, chromedp.MouseEvent(chromedp.MouseReleased, x1, y, held))
	if err := chromedp.Do(tab, actions...); err != nil {
		t.Fatalf("dragging across the latency chart: %v", err)
	}
}
