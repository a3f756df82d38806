package traces

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTriageSameFromBothSources(t *testing.T) {
	ctx := context.Background()
	srv := serveFixture(t, "stage3.jsonl")
	local, err := NewLocalSource(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	fromLocal, err := Triage(ctx, local, awsStart, awsEnd)
	if err != nil {
		t.Fatal(err)
	}
	fake := newFakeXRay(t)
	fromAWS, err := Triage(ctx, awsSource(t, fake), awsStart, awsEnd)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromLocal, fromAWS) {
		t.Errorf("local and AWS disagree:\nlocal %+v\naws   %+v", fromLocal, fromAWS)
	}
	var a, b strings.Builder
	if err := fromLocal.WriteText(&a); err != nil {
		t.Fatal(err)
	}
	if err := fromAWS.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("texts differ:\n%s\n%s", a.String(), b.String())
	}
	for _, c := range fake.callsTo("/Traces") {
		if n := len(stringsOf(c.body["TraceIds"])); n > MaxBatch {
			t.Errorf("%d ids in one BatchGetTraces", n)
		}
	}
}

func TestTriageStage3(t *testing.T) {
	srv := serveFixture(t, "stage3.jsonl")
	src, _ := NewLocalSource(srv.URL, nil)
	r, err := Triage(context.Background(), src, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	wantNode := TriageNode{Name: post, Type: TypeLambdaFunction, Requests: 9, Faults: 5, FaultShare: 55.6}
	if r.Node == nil || *r.Node != wantNode {
		t.Fatalf("node %+v, want %+v", r.Node, wantNode)
	}
	if r.Requests != 9 || r.Failing != 5 || r.Good != 3 || r.FailingShare != 55.6 {
		t.Errorf("requests %d failing %d good %d share %v", r.Requests, r.Failing, r.Good, r.FailingShare)
	}
	if want := (Latency{Count: 5, P50: 1.001449, P99: 1.00225}); r.FailingLatency != want {
		t.Errorf("failing latency %+v, want %+v", r.FailingLatency, want)
	}
	if want := (Latency{Count: 3, P50: 0.02, P99: 0.119008}); r.GoodLatency != want {
		t.Errorf("good latency %+v, want %+v", r.GoodLatency, want)
	}
	if r.RatioP50 != 50.1 || r.RatioP99 != 8.4 {
		t.Errorf("ratios %v/%v, want 50.1/8.4", r.RatioP50, r.RatioP99)
	}
	if r.SlowerThan != 0.8 { // the failing requests hang for --fault-delay 1s
		t.Errorf("slower than %v, want 0.8", r.SlowerThan)
	}
	f := r.Fault
	if f == nil || f.Name != "hangingException" || f.Traces != 5 || !f.HoldsFault || !f.HoldsTime || r.Slowest != nil {
		t.Fatalf("fault %+v, slowest %+v", f, r.Slowest)
	}
	if f.Duration < 1 || f.Duration > 1.01 || f.Share < 99 {
		t.Errorf("hangingException %vs, %v%% of the request", f.Duration, f.Share)
	}
	if f.ExceptionType != "fmt.wrapError" || !strings.Contains(f.ExceptionMessage, "hangingException hung for 1s") {
		t.Errorf("exception %q: %q", f.ExceptionType, f.ExceptionMessage)
	}
	if r.Stored != "not stored" || r.TracesRead != 8 {
		t.Errorf("stored %q (%s), %d traces read", r.Stored, r.StoredDetail, r.TracesRead)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"Failing node  mysfits-questions-post (AWS::Lambda::Function): 5 of 9 requests fault (55.6%)",
		"How often     5 of 9 traces through it failed (55.6%)",
		"failing p50 1.001s p99 1.002s; good p50 20ms p99 119ms; failing/good 50.1x at p50, 8.4x at p99",
		"subsegment hangingException: 1.001s, 99.9% of the request (5 failing traces), holds the time and the fault",
		"Exception     fmt.wrapError: injected fault (tracing stage 3 exercise): hangingException hung for 1s",
		"Stored        not stored: no DynamoDB PutItem in the 5 failing traces; 3 of 3 good ones have one",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n"); n != 6 {
		t.Errorf("%d lines, want 6", n)
	}
}

func TestTriageWithoutFaults(t *testing.T) {
	srv := serveFixture(t, "stage2.jsonl")
	src, _ := NewLocalSource(srv.URL, nil)
	r, err := Triage(context.Background(), src, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = r.WriteText(&b)
	if r.Node != nil || r.TracesRead != 0 || !strings.Contains(b.String(), "No node has faults") {
		t.Errorf("report %+v: %s", r, b.String())
	}
}

func TestStoredVerdict(t *testing.T) {
	tests := []struct {
		failing, failingPut, failingSDK, good, goodPut int
		want                                           string
	}{
		{5, 0, 5, 3, 3, "not stored"},
		{5, 0, 0, 0, 0, "unknown"},    // stage 1: no SDK subsegments at all
		{5, 0, 5, 0, 0, "not stored"}, // 100% faults: no good trace, but the SDK traced the function
		{5, 0, 4, 0, 0, "unknown"},    // one function not traced by the SDK
		{0, 0, 0, 3, 3, "unknown"},
		{2, 2, 2, 1, 1, "stored"},
		{4, 1, 4, 1, 1, "partly stored"},
	}
	for _, tt := range tests {
		if got, detail := storedVerdict(tt.failing, tt.failingPut, tt.failingSDK, tt.good, tt.goodPut); got != tt.want || detail == "" {
			t.Errorf("storedVerdict(%d, %d, %d, %d, %d) = %q, %q; want %q", tt.failing, tt.failingPut, tt.failingSDK, tt.good, tt.goodPut, got, detail, tt.want)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	for in, want := range map[float64]string{1.00225: "1.002s", 0.119008: "119ms", 0.02: "20ms", 0.005351: "5.4ms", 0.000114: "0.1ms", 0: "0.0ms"} {
		if got := FormatSeconds(in); got != want {
			t.Errorf("FormatSeconds(%v) = %q, want %q", in, got, want)
		}
	}
}

// lambdaRuntimeNames are the subsegments Lambda records on its function
// segment; triage must never name one.
var lambdaRuntimeNames = []string{"Initialization", "Invocation", "Overhead"}

// On AWS the function segment carries Lambda's own subsegments, Invocation
// wrapping the handler's: triage answers as on the local stack, with one
// "Where" line on hangingException, in both retrieval modes.
func TestTriageAWSLambdaRuntimeSubsegments(t *testing.T) {
	ctx := context.Background()
	srv := serveFixture(t, "stage3.jsonl")
	local, err := NewLocalSource(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Triage(ctx, local, awsStart, awsEnd)
	if err != nil {
		t.Fatal(err)
	}
	for _, destination := range []string{"xray", "cloudwatchlogs"} {
		t.Run(destination, func(t *testing.T) {
			fake := newFakeXRayWith(t, "traces-lambda-runtime.json")
			fake.destination = destination
			r, err := Triage(ctx, awsSource(t, fake), awsStart, awsEnd)
			if err != nil {
				t.Fatal(err)
			}
			if destination == "cloudwatchlogs" && len(fake.callsTo("/StartTraceRetrieval")) == 0 {
				t.Fatal("the Transaction Search retrieval was not used")
			}
			if r.Fault == nil || r.Fault.Name != "hangingException" || !r.Fault.HoldsTime || !r.Fault.HoldsFault || r.Slowest != nil {
				t.Errorf("fault %+v, slowest %+v; want hangingException holding the time and the fault, alone", r.Fault, r.Slowest)
			}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("report differs from the local stack's:\n got  %+v\n want %+v", r, want)
			}
			var b strings.Builder
			if err := r.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			text := b.String()
			if n := strings.Count(text, "\nWhere "); n != 1 {
				t.Errorf("%d Where lines, want 1:\n%s", n, text)
			}
			for _, name := range lambdaRuntimeNames {
				if strings.Contains(text, name) {
					t.Errorf("the report names Lambda's %s subsegment:\n%s", name, text)
				}
			}
		})
	}
}

// functionSegment is the AWS::Lambda::Function segment of a recorded trace.
func functionSegment(t *testing.T, file, traceID string) Document {
	t.Helper()
	var all Traces
	if err := json.Unmarshal(awsFixture(t, file), &all); err != nil {
		t.Fatal(err)
	}
	for _, tr := range all.Traces {
		if tr.ID != traceID {
			continue
		}
		docs, err := ParseTrace(tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range docs.Segments {
			if s.Origin == TypeLambdaFunction {
				return s
			}
		}
	}
	t.Fatalf("%s: no function segment in trace %s", file, traceID)
	return Document{}
}

// runtimeSub is the function segment's top-level subsegment named name.
func runtimeSub(t *testing.T, fn *Document, name string) *Document {
	t.Helper()
	for i := range fn.Subsegments {
		if fn.Subsegments[i].Name == name {
			return &fn.Subsegments[i]
		}
	}
	t.Fatalf("no %s subsegment in %s", name, fn.ID)
	return nil
}

// The function's own code is what is below Lambda's subsegments: the
// deepest fault and the longest subsegment are found there, whatever
// Lambda's subsegments carry.
func TestTriageLooksThroughLambdaRuntimeSubsegments(t *testing.T) {
	const coldStart = "1-6b0f28a0-22cc7e8d6c2dba7b5ad5b175" // fault, with Initialization
	tests := []struct {
		name    string
		edit    func(t *testing.T, fn *Document)
		fault   string // "" for none
		longest string
		sdk     bool // the X-Ray SDK recorded in the function
	}{
		{"as recorded", func(*testing.T, *Document) {}, "hangingException", "hangingException", true},
		{"Invocation not flagged", func(t *testing.T, fn *Document) {
			inv := runtimeSub(t, fn, "Invocation")
			inv.Fault, inv.Cause = false, nil
		}, "hangingException", "hangingException", true},
		{"a cold start longer than the fault", func(t *testing.T, fn *Document) {
			runtimeSub(t, fn, "Initialization").StartTime -= 3
		}, "hangingException", "hangingException", true},
		{"stage 1: Lambda's subsegments only", func(t *testing.T, fn *Document) {
			runtimeSub(t, fn, "Invocation").Subsegments = nil
		}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := functionSegment(t, "traces-lambda-runtime.json", coldStart)
			tt.edit(t, &fn)
			name := func(d *Document) string {
				if d == nil {
					return ""
				}
				return d.Name
			}
			if got := name(deepestFault(&fn)); got != tt.fault {
				t.Errorf("deepest fault %q, want %q", got, tt.fault)
			}
			if got := name(longestSubsegment(&fn)); got != tt.longest {
				t.Errorf("longest subsegment %q, want %q", got, tt.longest)
			}
			if got := sdkInFunction(&TraceDocs{Segments: []Document{fn}}); got != tt.sdk {
				t.Errorf("X-Ray SDK in the function: %v, want %v", got, tt.sdk)
			}
		})
	}
}

// serveWithout serves a capture without the traces ids.
func serveWithout(t *testing.T, fixture string, ids ...string) *httptest.Server {
	t.Helper()
	s := NewStore(0)
	for i, d := range fixtureDocs(t, fixture) {
		doc, err := ParseDocument(d)
		if err != nil {
			t.Fatalf("%s line %d: %v", fixture, i+1, err)
		}
		if slices.Contains(ids, doc.TraceID) {
			continue
		}
		if err := s.Add(d); err != nil {
			t.Fatalf("%s line %d: %v", fixture, i+1, err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle(APIPrefix, Handler(s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// With every request through the node failing there is nothing to compare
// with: the report says so instead of a good latency of 0.
func TestTriageHowSlow(t *testing.T) {
	good := []string{"1-6b0f28a3-0cb92821679280557c9a7486", "1-6b0f28a3-23490a0cbe6d0753b2123b7b", "1-6b0f28a2-fce7446e840c54ff95e1a29f"}
	tests := []struct {
		name    string
		without []string
		want    string
		wantNot []string
	}{
		{"good requests to compare", nil,
			"How slow      failing p50 1.001s p99 1.002s; good p50 20ms p99 119ms; failing/good 50.1x at p50, 8.4x at p99\n", nil},
		{"every request fails", good,
			"How slow      failing p50 1.001s p99 1.002s; no good requests to compare\n", []string{"good p50", "0.0ms", "failing/good"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewLocalSource(serveWithout(t, "stage3.jsonl", tt.without...).URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Triage(context.Background(), src, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := r.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("report lacks %q:\n%s", tt.want, b.String())
			}
			for _, no := range tt.wantNot {
				if strings.Contains(b.String(), no) {
					t.Errorf("report says %q:\n%s", no, b.String())
				}
			}
		})
	}
}

// A window that holds stage 1 and stage 3 (the local history keeps every
// stage; X-Ray keeps 30 days): the API Gateway stage, there only at stage
// 3, carries a higher share of faults than the post function, which served
// stage 1 too. Triage still points where the faults start, as their root
// causes say.
func TestTriageAcrossStagesFollowsRootCauses(t *testing.T) {
	s := NewStore(0)
	for _, name := range []string{"stage1.jsonl", "stage3.jsonl"} {
		for i, d := range fixtureDocs(t, name) {
			if err := s.Add(d); err != nil {
				t.Fatalf("%s line %d: %v", name, i+1, err)
			}
		}
	}
	g := s.ServiceGraph(0, 0, nil)
	sums := s.TraceSummaries(0, 0, nil)
	share := map[string]float64{} // by type, of the API and the post function
	for _, svc := range g.Services {
		if st := svc.SummaryStatistics; st.Total() > 0 && (svc.Type == TypeAPIGateway || svc.Name == post && svc.Type == TypeLambdaFunction) {
			share[svc.Type] = percent(st.Faults(), st.Total())
		}
	}
	if share[TypeAPIGateway] <= share[TypeLambdaFunction] {
		t.Fatalf("fault shares %v: the fixture no longer has the upstream node ahead, the case this test is about", share)
	}
	r, err := Analyze(&g, &sums, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Node == nil || r.Node.Name != post || r.Node.Type != TypeLambdaFunction {
		t.Errorf("triage names %+v, want the post function %s where the root causes end (shares %v)", r.Node, post, share)
	}
}
