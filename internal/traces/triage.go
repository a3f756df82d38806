package traces

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// TriageReport answers, from a graph, summaries and full traces: which
// node fails, how often, how slow its failing requests are against the
// good ones, which subsegment holds the time and the fault, its exception,
// and whether the question was stored.
type TriageReport struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	// Node is the node with the highest fault share; nil when none faults.
	Node *TriageNode `json:"node,omitempty"`
	// Requests are the traces through Node, Failing those with a fault.
	Requests     int     `json:"requests"`
	Failing      int     `json:"failing"`
	FailingShare float64 `json:"failingShare"` // percent
	Good         int     `json:"good"`         // without fault, error or throttle
	// Latencies are the traces' response times, in seconds.
	FailingLatency Latency `json:"failingLatency"`
	GoodLatency    Latency `json:"goodLatency"`
	RatioP50       float64 `json:"ratioP50,omitempty"` // failing over good
	RatioP99       float64 `json:"ratioP99,omitempty"`
	// SlowerThan is the response time, in seconds, above which the failing
	// requests typically answer: the SlowThreshold of their TypicalSlow,
	// the value to give list --slower-than.
	SlowerThan float64 `json:"slowerThan,omitempty"`
	// Fault is the deepest faulted subsegment of the failing traces;
	// Slowest the one that takes longest, when it is another.
	Fault   *TriageSubsegment `json:"fault,omitempty"`
	Slowest *TriageSubsegment `json:"slowest,omitempty"`
	// Stored is "not stored", "stored", "partly stored" or "unknown".
	Stored       string `json:"stored"`
	StoredDetail string `json:"storedDetail"`
	// TracesRead is how many full traces the answer rests on.
	TracesRead int `json:"tracesRead"`
}

// TriageNode is the failing node with its own counts from the graph.
type TriageNode struct {
	Name       string  `json:"name"`
	Type       string  `json:"type"`
	Requests   int64   `json:"requests"`
	Faults     int64   `json:"faults"`
	FaultShare float64 `json:"faultShare"` // percent
}

// Latency is the median and 99th percentile, in seconds, of Count values.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
}

// TriageSubsegment is a subsegment of the failing node, over the failing
// traces that have it: its median duration and median share of the
// request's response time.
type TriageSubsegment struct {
	Name       string  `json:"name"`
	Traces     int     `json:"traces"`
	Duration   float64 `json:"duration"`
	Share      float64 `json:"share"` // percent of the response time
	HoldsFault bool    `json:"holdsFault"`
	HoldsTime  bool    `json:"holdsTime"`
	// Exception is the type and message recorded on it, if any.
	ExceptionType    string `json:"exceptionType,omitempty"`
	ExceptionMessage string `json:"exceptionMessage,omitempty"`
}

// triageSample caps the full traces read per kind (failing, good).
const triageSample = 20

// Triage reads the window [start, end] from src and analyses it.
func Triage(ctx context.Context, src Source, start, end time.Time) (*TriageReport, error) {
	g, err := src.ServiceGraph(ctx, start, end)
	if err != nil {
		return nil, fmt.Errorf("triage: %w", err)
	}
	sums, err := src.TraceSummaries(ctx, start, end, "")
	if err != nil {
		return nil, fmt.Errorf("triage: %w", err)
	}
	var traces []Trace
	if node := failingNode(g, sums.TraceSummaries); node != nil {
		failing, good := through(node, sums.TraceSummaries)
		var ids []string
		for _, s := range append(head(failing, triageSample), head(good, triageSample)...) {
			ids = append(ids, s.ID)
		}
		if len(ids) > 0 {
			got, err := src.BatchGetTraces(ctx, ids)
			if err != nil {
				return nil, fmt.Errorf("triage: %w", err)
			}
			traces = got.Traces
		}
	}
	r, err := Analyze(g, sums, traces)
	if err != nil {
		return nil, fmt.Errorf("triage: %w", err)
	}
	if !start.IsZero() {
		r.Start = Epoch(start)
	}
	if !end.IsZero() {
		r.End = Epoch(end)
	}
	return r, nil
}

func head[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// failingNode is the node the faults start at: the one the summaries' fault
// root causes end at most often, as X-Ray's console points at it. A fault
// shows on every node up the call path too, and over a window that holds
// several stages (the local history keeps them, X-Ray keeps 30 days) an
// upstream node can carry the higher share: the API Gateway stage exists
// from stage 2 on, the post function from stage 1. Without root causes it
// is the node with the highest share of faults; more faults break a tie,
// then the name.
func failingNode(g *ServiceGraph, sums []TraceSummary) *TriageNode {
	causes := rootCauseCounts(sums)
	var best *TriageNode
	bestCauses := 0
	for _, s := range g.Services {
		st := s.SummaryStatistics
		if s.Type == TypeClient || st.Total() == 0 || st.Faults() == 0 {
			continue
		}
		n := &TriageNode{Name: s.Name, Type: s.Type, Requests: st.Total(), Faults: st.Faults(),
			FaultShare: percent(st.Faults(), st.Total())}
		c := causes[nodeKey{name: s.Name, typ: s.Type}]
		if best == nil || c > bestCauses || c == bestCauses && (n.FaultShare > best.FaultShare ||
			n.FaultShare == best.FaultShare && (n.Faults > best.Faults || n.Faults == best.Faults && n.Name < best.Name)) {
			best, bestCauses = n, c
		}
	}
	return best
}

// rootCauseCounts counts, by service name and type, the fault root causes
// that end at it: the last service of each root cause's path.
func rootCauseCounts(sums []TraceSummary) map[nodeKey]int {
	counts := map[nodeKey]int{}
	for _, s := range sums {
		for _, rc := range s.FaultRootCauses {
			if len(rc.Services) > 0 {
				last := rc.Services[len(rc.Services)-1]
				counts[nodeKey{name: last.Name, typ: last.Type}]++
			}
		}
	}
	return counts
}

func percent[T int | int64](n, of T) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(of)*1000) / 10
}

// through splits the summaries of traces through node into failing and
// good ones, newest first as given.
func through(node *TriageNode, sums []TraceSummary) (failing, good []TraceSummary) {
	for _, s := range sums {
		if !slices.ContainsFunc(s.ServiceIDs, func(id ServiceID) bool { return id.Name == node.Name && id.Type == node.Type }) {
			continue
		}
		switch {
		case s.HasFault:
			failing = append(failing, s)
		case !s.HasError && !s.HasThrottle:
			good = append(good, s)
		}
	}
	return failing, good
}

// Analyze is Triage on what was read: the graph, the summaries of the
// window and the full traces to look inside (failing and good ones).
func Analyze(g *ServiceGraph, sums *TraceSummaries, traces []Trace) (*TriageReport, error) {
	r := &TriageReport{Start: g.StartTime, End: g.EndTime, Stored: "unknown"}
	r.Node = failingNode(g, sums.TraceSummaries)
	if r.Node == nil {
		r.StoredDetail = "no faults in this window"
		return r, nil
	}
	failing, good := through(r.Node, sums.TraceSummaries)
	for _, s := range sums.TraceSummaries {
		if slices.ContainsFunc(s.ServiceIDs, func(id ServiceID) bool { return id.Name == r.Node.Name && id.Type == r.Node.Type }) {
			r.Requests++
		}
	}
	r.Failing, r.Good = len(failing), len(good)
	r.FailingShare = percent(r.Failing, r.Requests)
	r.FailingLatency = latency(failing)
	r.GoodLatency = latency(good)
	r.SlowerThan = SlowThreshold(TypicalSlow(failing)).Seconds()
	if r.GoodLatency.P50 > 0 {
		r.RatioP50 = math.Round(r.FailingLatency.P50/r.GoodLatency.P50*10) / 10
	}
	if r.GoodLatency.P99 > 0 {
		r.RatioP99 = math.Round(r.FailingLatency.P99/r.GoodLatency.P99*10) / 10
	}

	kind := map[string]string{} // trace id -> "failing" | "good"
	respTime := map[string]float64{}
	for _, s := range failing {
		kind[s.ID], respTime[s.ID] = "failing", s.ResponseTime
	}
	for _, s := range good {
		kind[s.ID], respTime[s.ID] = "good", s.ResponseTime
	}
	faults := map[string]*subAcc{}
	slowest := map[string]*subAcc{}
	var failingRead, goodRead, failingPut, goodPut, failingSDK int
	for _, tr := range traces {
		k := kind[tr.ID]
		if k == "" {
			continue
		}
		docs, err := ParseTrace(tr)
		if err != nil {
			return nil, err
		}
		r.TracesRead++
		put := storedQuestion(&docs)
		if k == "good" {
			goodRead++
			if put {
				goodPut++
			}
			continue
		}
		failingRead++
		if put {
			failingPut++
		}
		if sdkInFunction(&docs) {
			failingSDK++
		}
		rt := respTime[tr.ID]
		if rt == 0 {
			if root, ok := docs.Root(); ok {
				rt = root.Duration()
			}
		}
		for _, d := range nodeDocs(&docs, r.Node) {
			if f := deepestFault(d); f != nil {
				accumulate(faults, f, rt)
			}
			if s := longestSubsegment(d); s != nil {
				accumulate(slowest, s, rt)
			}
		}
	}
	r.Fault = pick(faults)
	r.Slowest = pick(slowest)
	if r.Fault != nil {
		r.Fault.HoldsFault = true
		if r.Slowest == nil || r.Slowest.Name == r.Fault.Name || r.Slowest.Duration <= r.Fault.Duration {
			r.Fault.HoldsTime, r.Slowest = true, nil
		}
	}
	if r.Slowest != nil {
		r.Slowest.HoldsTime = true
	}
	r.Stored, r.StoredDetail = storedVerdict(failingRead, failingPut, failingSDK, goodRead, goodPut)
	return r, nil
}

func latency(sums []TraceSummary) Latency {
	v := make([]float64, len(sums))
	for i, s := range sums {
		v[i] = s.ResponseTime
	}
	return Latency{Count: len(v), P50: PercentileOf(v, 50), P99: PercentileOf(v, 99)}
}

// nodeDocs are the documents of a trace that belong to node: its segments,
// or, for a node X-Ray infers, the subsegments that call it.
func nodeDocs(t *TraceDocs, node *TriageNode) []*Document {
	x := newTraceIndex(t)
	var out []*Document
	for i := range t.Segments {
		seg := &t.Segments[i]
		if k := segmentKey(seg); k.name == node.Name && k.typ == node.Type {
			out = append(out, seg)
		}
		x.downstream(seg, func(sub *Document) {
			if k := inferredKey(sub); k.name == node.Name && k.typ == node.Type {
				out = append(out, sub)
			}
		})
	}
	return out
}

// lambdaRuntimeSubsegments are the subsegments Lambda itself records on an
// AWS::Lambda::Function segment, around the function's code rather than in
// it (AWS Lambda Developer Guide, "Visualize Lambda function invocations
// using AWS X-Ray"): Initialization (a cold start's init phase, before the
// handler), Invocation (the handler: the X-Ray SDK's subsegments nest in
// it) and Overhead (after the response). Invocation always lasts a little
// longer than the code it wraps, so it must never be the answer to "where".
var lambdaRuntimeSubsegments = []string{LambdaInitialization, LambdaInvocation, LambdaOverhead}

// The names of Lambda's own subsegments, which the local Lambda emulator
// records as Lambda does.
const (
	LambdaInitialization = "Initialization"
	LambdaInvocation     = "Invocation"
	LambdaOverhead       = "Overhead"
)

// IsLambdaRuntime reports whether d is one of Lambda's own subsegments of a
// function segment: part of the function node, not a call to another
// service.
func IsLambdaRuntime(d *Document) bool {
	return d.Namespace == "" && slices.Contains(lambdaRuntimeSubsegments, d.Name)
}

// codeView is d as the function's code sees it: on a Lambda function
// segment, Lambda's own subsegments give way to the subsegments they hold.
// Any other document is returned as is.
func codeView(d *Document) *Document {
	if d.Origin != TypeLambdaFunction {
		return d
	}
	v := *d
	v.Subsegments = nil
	for _, s := range d.Subsegments {
		if IsLambdaRuntime(&s) {
			v.Subsegments = append(v.Subsegments, s.Subsegments...)
			continue
		}
		v.Subsegments = append(v.Subsegments, s)
	}
	return &v
}

// deepestFault is the deepest faulted subsegment of the code under d (d
// itself for a faulted downstream call with nothing faulted below it).
func deepestFault(d *Document) *Document {
	d = codeView(d)
	path := deepestPath(d, func(s *Document) bool { return outcomeOf(s) == outcomeFault })
	if len(path) > 1 {
		return path[len(path)-1]
	}
	if d.Downstream() && outcomeOf(d) == outcomeFault {
		return d
	}
	return nil
}

// longestSubsegment is the longest subsegment of the code at any depth
// under d.
func longestSubsegment(d *Document) *Document {
	var best *Document
	codeView(d).walk(0, func(s *Document, depth int) bool {
		if depth > 0 && (best == nil || s.Duration() > best.Duration()) {
			best = s
		}
		return true
	})
	return best
}

type subAcc struct {
	name      string
	durations []float64
	shares    []float64
	exType    string
	exMessage string
}

func accumulate(m map[string]*subAcc, d *Document, responseTime float64) {
	a := m[d.Name]
	if a == nil {
		a = &subAcc{name: d.Name}
		m[d.Name] = a
	}
	a.durations = append(a.durations, d.Duration())
	if responseTime > 0 {
		a.shares = append(a.shares, min(d.Duration()/responseTime*100, 100))
	}
	if a.exMessage == "" && d.Cause != nil && len(d.Cause.Exceptions) > 0 {
		a.exType, a.exMessage = d.Cause.Exceptions[0].Type, d.Cause.Exceptions[0].Message
	}
}

// pick is the subsegment seen in the most traces (the longer one on a tie).
func pick(m map[string]*subAcc) *TriageSubsegment {
	var all []*subAcc
	for _, a := range m {
		all = append(all, a)
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortFunc(all, func(a, b *subAcc) int {
		if c := cmp.Compare(len(b.durations), len(a.durations)); c != 0 {
			return c
		}
		if c := cmp.Compare(PercentileOf(b.durations, 50), PercentileOf(a.durations, 50)); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	a := all[0]
	return &TriageSubsegment{Name: a.name, Traces: len(a.durations),
		Duration: round6(PercentileOf(a.durations, 50)), Share: math.Round(PercentileOf(a.shares, 50)*10) / 10,
		ExceptionType: a.exType, ExceptionMessage: a.exMessage}
}

// storedQuestion reports a successful DynamoDB PutItem in the trace: the
// write of the question.
func storedQuestion(t *TraceDocs) bool {
	for d := range t.All() {
		if d.Namespace == "aws" && d.Name == "DynamoDB" && d.Operation() == "PutItem" && outcomeOf(d) == outcomeOK {
			return true
		}
	}
	return false
}

// sdkInFunction reports a function segment with subsegments of its code
// (Lambda's own do not count): the X-Ray SDK records in that function
// (stage 2 and up), so a PutItem it made would be in the trace too.
func sdkInFunction(t *TraceDocs) bool {
	for d := range t.All() {
		if d.Origin == TypeLambdaFunction && len(codeView(d).Subsegments) > 0 {
			return true
		}
	}
	return false
}

// storedVerdict says whether the failing requests' questions were stored:
// failingSDK counts the failing traces whose function the SDK traced.
func storedVerdict(failing, failingPut, failingSDK, good, goodPut int) (verdict, detail string) {
	switch {
	case failing == 0:
		return "unknown", "no failing trace could be read"
	case failingPut == 0 && goodPut > 0:
		return "not stored", fmt.Sprintf("no DynamoDB PutItem in the %d failing traces; %d of %d good ones have one", failing, goodPut, good)
	case failingPut == 0 && failingSDK == failing:
		return "not stored", fmt.Sprintf("no DynamoDB PutItem in the %d failing traces, though the X-Ray SDK traced their function", failing)
	case failingPut == 0:
		return "unknown", "no DynamoDB subsegments in these traces (the X-Ray SDK records them from stage 2)"
	case failingPut == failing:
		return "stored", fmt.Sprintf("all %d failing traces have a DynamoDB PutItem", failing)
	}
	return "partly stored", fmt.Sprintf("%d of %d failing traces have a DynamoDB PutItem", failingPut, failing)
}

// FormatSeconds prints seconds for people: 1.002s, 119ms, 0.4ms.
func FormatSeconds(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.3fs", s)
	case s >= 0.0095:
		return fmt.Sprintf("%.0fms", s*1000)
	}
	return fmt.Sprintf("%.1fms", s*1000)
}

// WriteText writes the report in a few lines.
func (r *TriageReport) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Node == nil {
		b.WriteString("No node has faults in this window.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	n := r.Node
	fmt.Fprintf(&b, "Failing node  %s (%s): %d of %d requests fault (%.1f%%)\n", n.Name, n.Type, n.Faults, n.Requests, n.FaultShare)
	fmt.Fprintf(&b, "How often     %d of %d traces through it failed (%.1f%%)\n", r.Failing, r.Requests, r.FailingShare)
	fmt.Fprintf(&b, "How slow      failing p50 %s p99 %s", FormatSeconds(r.FailingLatency.P50), FormatSeconds(r.FailingLatency.P99))
	if r.Good == 0 {
		b.WriteString("; no good requests to compare\n")
	} else {
		fmt.Fprintf(&b, "; good p50 %s p99 %s", FormatSeconds(r.GoodLatency.P50), FormatSeconds(r.GoodLatency.P99))
		if r.RatioP50 > 0 {
			fmt.Fprintf(&b, "; failing/good %.1fx at p50, %.1fx at p99", r.RatioP50, r.RatioP99)
		}
		b.WriteString("\n")
	}
	for _, s := range []*TriageSubsegment{r.Fault, r.Slowest} {
		if s == nil {
			continue
		}
		holds := "holds the time and the fault"
		switch {
		case s.HoldsFault && !s.HoldsTime:
			holds = "holds the fault"
		case !s.HoldsFault:
			holds = "holds the time"
		}
		fmt.Fprintf(&b, "Where         subsegment %s: %s, %.1f%% of the request (%d failing traces), %s\n",
			s.Name, FormatSeconds(s.Duration), s.Share, s.Traces, holds)
		if s.ExceptionMessage != "" {
			fmt.Fprintf(&b, "Exception     %s: %s\n", s.ExceptionType, s.ExceptionMessage)
		}
	}
	if r.Fault == nil && r.Slowest == nil {
		b.WriteString("Where         no subsegment in the failing traces read\n")
	}
	fmt.Fprintf(&b, "Stored        %s: %s\n", r.Stored, r.StoredDetail)
	_, err := io.WriteString(w, b.String())
	return err
}
