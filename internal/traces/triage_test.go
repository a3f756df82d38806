package traces

import (
	"context"
	"reflect"
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
