package traces

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/xray"
)

// fakeXRay stands in for the X-Ray endpoint with recorded responses
// (testdata/traces/aws), and keeps every request it was sent.
type fakeXRay struct {
	t *testing.T

	destination string // the GetTraceSegmentDestination file's suffix
	// unprocessedOnce is reported unprocessed the first time it is asked for.
	unprocessedOnce string
	// running is how many ListRetrievedTraces polls answer RUNNING first.
	running     int
	retrievalTo string // "" or a final status other than COMPLETE
	failPath    string // answered with InvalidRequestException

	mu       sync.Mutex
	calls    []xrayCall
	traces   map[string]Trace
	retrieve map[string][]string // token -> trace ids
	tokens   int
}

type xrayCall struct {
	path string
	body map[string]any
}

func awsFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "traces", "aws", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFakeXRay(t *testing.T) *fakeXRay {
	t.Helper()
	return newFakeXRayWith(t, "traces.json")
}

// newFakeXRayWith answers BatchGetTraces and ListRetrievedTraces from the
// recorded traces file name (testdata/traces/aws).
func newFakeXRayWith(t *testing.T, name string) *fakeXRay {
	t.Helper()
	var all Traces
	if err := json.Unmarshal(awsFixture(t, name), &all); err != nil {
		t.Fatal(err)
	}
	f := &fakeXRay{t: t, destination: "xray", traces: map[string]Trace{}, retrieve: map[string][]string{}}
	for _, tr := range all.Traces {
		f.traces[tr.ID] = tr
	}
	return f
}

func (f *fakeXRay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	body := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			f.t.Errorf("%s: body %s: %v", r.URL.Path, b, err)
		}
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		f.t.Errorf("%s %s not a signed POST", r.Method, r.URL.Path)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, xrayCall{path: r.URL.Path, body: body})
	token, _ := body["NextToken"].(string)
	if r.URL.Path == f.failPath {
		f.fail(w, "InvalidRequestException", "refused for the test")
		return
	}
	switch r.URL.Path {
	case "/ServiceGraph":
		f.file(w, map[string]string{"": "GetServiceGraph-page1.json", "graph-page-2": "GetServiceGraph-page2.json"}[token])
	case "/TraceSummaries":
		// X-Ray refuses a range longer than GetTraceSummaries takes.
		if from, to := body["StartTime"].(float64), body["EndTime"].(float64); to-from > APIWindow.Seconds() {
			f.fail(w, "InvalidRequestException", "time range longer than 6 hours")
			return
		}
		f.file(w, map[string]string{"": "GetTraceSummaries-page1.json", "summaries-page-2": "GetTraceSummaries-page2.json"}[token])
	case "/GetTraceSegmentDestination":
		f.file(w, "GetTraceSegmentDestination-"+f.destination+".json")
	case "/Traces":
		ids := stringsOf(body["TraceIds"])
		if len(ids) > MaxBatch {
			f.t.Errorf("BatchGetTraces with %d ids", len(ids))
			f.fail(w, "InvalidRequestException", "too many ids")
			return
		}
		out := Traces{Traces: []Trace{}, UnprocessedTraceIDs: []string{}}
		for _, id := range ids {
			tr, ok := f.traces[id]
			switch {
			case id == f.unprocessedOnce:
				f.unprocessedOnce = ""
				out.UnprocessedTraceIDs = append(out.UnprocessedTraceIDs, id)
			case ok:
				out.Traces = append(out.Traces, tr)
			default:
				out.UnprocessedTraceIDs = append(out.UnprocessedTraceIDs, id)
			}
		}
		f.json(w, out)
	case "/StartTraceRetrieval":
		var started struct{ RetrievalToken string }
		_ = json.Unmarshal(awsFixture(f.t, "StartTraceRetrieval.json"), &started)
		f.tokens++
		token := started.RetrievalToken + "-" + string(rune('0'+f.tokens))
		f.retrieve[token] = stringsOf(body["TraceIds"])
		f.json(w, map[string]string{"RetrievalToken": token})
	case "/ListRetrievedTraces":
		ids, ok := f.retrieve[body["RetrievalToken"].(string)]
		switch {
		case !ok:
			f.fail(w, "InvalidRequestException", "unknown retrieval token")
		case f.running > 0:
			f.running--
			f.file(w, "ListRetrievedTraces-running.json")
		case f.retrievalTo != "":
			f.json(w, map[string]any{"RetrievalStatus": f.retrievalTo, "Traces": []any{}})
		default:
			type span struct{ Id, Document string }
			type retrieved struct {
				Id       string
				Duration float64
				Spans    []span
			}
			var traces []retrieved
			for _, id := range ids {
				if tr, ok := f.traces[id]; ok {
					rt := retrieved{Id: tr.ID, Duration: tr.Duration}
					for _, s := range tr.Segments {
						rt.Spans = append(rt.Spans, span{s.ID, s.Document})
					}
					traces = append(traces, rt)
				}
			}
			f.json(w, map[string]any{"RetrievalStatus": "COMPLETE", "TraceFormat": "XRAY", "Traces": traces})
		}
	default:
		f.t.Errorf("unexpected call %s", r.URL.Path)
		f.fail(w, "InvalidRequestException", "unknown operation")
	}
}

func stringsOf(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func (f *fakeXRay) file(w http.ResponseWriter, name string) {
	if name == "" {
		f.fail(w, "InvalidRequestException", "unknown NextToken")
		return
	}
	f.write(w, awsFixture(f.t, name))
}

// write sends a whole body with its length, as X-Ray does.
func (f *fakeXRay) write(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func (f *fakeXRay) json(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		f.t.Error(err)
	}
	f.write(w, b)
}

func (f *fakeXRay) fail(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func (f *fakeXRay) callsTo(path string) []xrayCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []xrayCall
	for _, c := range f.calls {
		if c.path == path {
			out = append(out, c)
		}
	}
	return out
}

// awsSource is the AWS source on the SDK's real client, pointed at fake.
func awsSource(t *testing.T, fake *fakeXRay) *AWSSource {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client := xray.New(xray.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:       bufferingClient{srv.Client()},
		RetryMaxAttempts: 1,
	})
	return NewAWSSource(client, AWSOptions{PollInterval: time.Millisecond, RetryDelay: time.Millisecond,
		Now: func() time.Time { return time.Unix(1796155560, 0) }})
}

// bufferingClient hands the transport a copy of the request body. The SDK
// closes the body it built as soon as the response headers are in, which
// can fail the transport's last read of it and close the connection under
// the response (aws/aws-sdk-go-v2#2737): the SDK's default retryer retries
// that, but these tests count every request, so they make one attempt.
type bufferingClient struct{ c *http.Client }

func (b bufferingClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return b.c.Do(r)
}

var (
	awsStart = time.Unix(1796155552, 0)
	awsEnd   = time.Unix(1796155560, 0)
)

func TestAWSServiceGraphPages(t *testing.T) {
	fake := newFakeXRay(t)
	g, err := awsSource(t, fake).ServiceGraph(context.Background(), awsStart, awsEnd)
	if err != nil {
		t.Fatal(err)
	}
	calls := fake.callsTo("/ServiceGraph")
	if len(calls) != 2 || calls[1].body["NextToken"] != "graph-page-2" {
		t.Fatalf("calls %+v, want two pages", calls)
	}
	if calls[0].body["StartTime"] != float64(1796155552) || calls[0].body["EndTime"] != float64(1796155560) {
		t.Errorf("window sent %v - %v", calls[0].body["StartTime"], calls[0].body["EndTime"])
	}
	// The recorded graph is the seed's: the same nodes the local stack shows.
	local := graphOf(t, "stage3.jsonl")
	if len(g.Services) != len(local.Services) {
		t.Fatalf("%d services, want %d: %s", len(g.Services), len(local.Services), nodeList(*g))
	}
	for i, s := range g.Services {
		l := local.Services[i]
		if s.Name != l.Name || s.Type != l.Type || countsOf(s.SummaryStatistics) != countsOf(l.SummaryStatistics) ||
			!reflect.DeepEqual(s.ResponseTimeHistogram, l.ResponseTimeHistogram) || len(s.Edges) != len(l.Edges) {
			t.Errorf("service %d: %+v, want %+v", i, s, l)
		}
		if s.Type != TypeClient && s.AccountID != "000000000000" {
			t.Errorf("%s: AccountId %q", s.Name, s.AccountID)
		}
	}
	fn := node(t, *g, post, TypeLambdaFunction)
	if got := countsOf(fn.SummaryStatistics); got != (counts{9, 4, 0, 0, 5}) {
		t.Errorf("post function counts %+v", got)
	}
}

func TestAWSTraceSummariesPagesAndFilter(t *testing.T) {
	fake := newFakeXRay(t)
	sums, err := awsSource(t, fake).TraceSummaries(context.Background(), awsStart, awsEnd, "fault AND responsetime > 4")
	if err != nil {
		t.Fatal(err)
	}
	calls := fake.callsTo("/TraceSummaries")
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2 pages", len(calls))
	}
	for _, c := range calls {
		if c.body["FilterExpression"] != "fault AND responsetime > 4" {
			t.Errorf("FilterExpression sent %v", c.body["FilterExpression"])
		}
	}
	if calls[1].body["NextToken"] != "summaries-page-2" {
		t.Errorf("second call NextToken %v", calls[1].body["NextToken"])
	}
	// The recorded pages answer whatever the filter: X-Ray evaluates it.
	if len(sums.TraceSummaries) != 11 || sums.TracesProcessedCount != 11 {
		t.Errorf("%d summaries, %d processed; want 11 and 11", len(sums.TraceSummaries), sums.TracesProcessedCount)
	}
	local := fixtureStore(t, "stage3.jsonl").TraceSummaries(0, 0, nil).TraceSummaries
	for i, s := range sums.TraceSummaries {
		l := local[i]
		if s.ID != l.ID || s.HasFault != l.HasFault || s.ResponseTime != l.ResponseTime || s.HTTP.HTTPStatus != l.HTTP.HTTPStatus ||
			len(s.ServiceIDs) != len(l.ServiceIDs) || len(s.FaultRootCauses) != len(l.FaultRootCauses) {
			t.Errorf("summary %d: %+v, want %+v", i, s, l)
		}
		// Root causes read from the SDK's fault and error types alike; the
		// local store knows no account.
		for _, rc := range []struct {
			name      string
			got, want []RootCause
		}{{"fault", s.FaultRootCauses, l.FaultRootCauses}, {"error", s.ErrorRootCauses, l.ErrorRootCauses}} {
			if got, want := mustJSON(t, withoutAccount(rc.got)), mustJSON(t, rc.want); got != want {
				t.Errorf("summary %d %s root causes:\n got %s\nwant %s", i, rc.name, got, want)
			}
		}
	}
	// No filter: none sent.
	fake2 := newFakeXRay(t)
	if _, err := awsSource(t, fake2).TraceSummaries(context.Background(), awsStart, awsEnd, ""); err != nil {
		t.Fatal(err)
	}
	if _, sent := fake2.callsTo("/TraceSummaries")[0].body["FilterExpression"]; sent {
		t.Errorf("FilterExpression sent without a filter")
	}
}

func allTraceIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, s := range fixtureStore(t, "stage3.jsonl").TraceSummaries(0, 0, nil).TraceSummaries {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestAWSBatchGetTraces(t *testing.T) {
	fake := newFakeXRay(t)
	ids := allTraceIDs(t)
	fake.unprocessedOnce = ids[2]
	got, err := awsSource(t, fake).BatchGetTraces(context.Background(), append(ids, "1-00000000-000000000000000000000000"))
	if err != nil {
		t.Fatal(err)
	}
	calls := fake.callsTo("/Traces")
	// 12 ids: three calls of at most 5, then the two unprocessed ones asked
	// for again (the missing one twice more: it stays unprocessed).
	sent := 0
	for i, c := range calls {
		n := len(stringsOf(c.body["TraceIds"]))
		if n > MaxBatch {
			t.Errorf("call %d: %d ids", i, n)
		}
		sent += n
	}
	if len(calls) != 5 || sent != 12+2+1 {
		t.Errorf("%d calls with %d ids; want 5 calls, 15 ids", len(calls), sent)
	}
	if retry := stringsOf(calls[3].body["TraceIds"]); !reflect.DeepEqual(retry, []string{ids[2], "1-00000000-000000000000000000000000"}) {
		t.Errorf("retry asked for %v", retry)
	}
	if len(got.Traces) != 11 || !reflect.DeepEqual(got.UnprocessedTraceIDs, []string{"1-00000000-000000000000000000000000"}) {
		t.Errorf("%d traces, unprocessed %v", len(got.Traces), got.UnprocessedTraceIDs)
	}
	if len(fake.callsTo("/GetTraceSegmentDestination")) != 1 {
		t.Errorf("destination not asked once")
	}
	// The recorded documents nest the subsegments, as X-Ray stores them,
	// and add inferred segments; the model reads them like the local ones.
	for _, tr := range got.Traces {
		if tr.ID != "1-6b0f28a2-fce7446e840c54ff95e1a29f" {
			continue
		}
		docs, err := ParseTrace(tr)
		if err != nil {
			t.Fatal(err)
		}
		aws := Summarize(&docs)
		local := summaryOf(t, "stage3.jsonl", tr.ID)
		if !reflect.DeepEqual(aws, local) {
			t.Errorf("summary from AWS documents %+v, want %+v", aws, local)
		}
	}
}

func TestAWSTransactionSearch(t *testing.T) {
	fake := newFakeXRay(t)
	fake.destination = "cloudwatchlogs"
	fake.running = 2
	ids := allTraceIDs(t)[:7]
	got, err := awsSource(t, fake).BatchGetTraces(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fake.callsTo("/Traces")); n != 0 {
		t.Errorf("BatchGetTraces called %d times with Transaction Search on", n)
	}
	starts := fake.callsTo("/StartTraceRetrieval")
	if len(starts) != 2 || len(stringsOf(starts[0].body["TraceIds"])) != 5 || len(stringsOf(starts[1].body["TraceIds"])) != 2 {
		t.Fatalf("StartTraceRetrieval calls %+v, want 5 then 2 ids", starts)
	}
	// The window holds the traces: from a minute before the earliest id's
	// second (0x6b0f28a3) to now (the clock is 1796155560).
	if s, e := starts[0].body["StartTime"].(float64), starts[0].body["EndTime"].(float64); s != 1796155495 || e != 1796155560 {
		t.Errorf("retrieval window %v - %v", s, e)
	}
	lists := fake.callsTo("/ListRetrievedTraces")
	if len(lists) != 4 { // RUNNING, RUNNING, COMPLETE; then COMPLETE for the second
		t.Errorf("%d ListRetrievedTraces calls, want 4", len(lists))
	}
	for _, c := range lists {
		if c.body["TraceFormat"] != "XRAY" {
			t.Errorf("TraceFormat %v", c.body["TraceFormat"])
		}
	}
	if len(got.Traces) != 7 || len(got.UnprocessedTraceIDs) != 0 {
		t.Errorf("%d traces, unprocessed %v", len(got.Traces), got.UnprocessedTraceIDs)
	}
	if got.Traces[0].ID != ids[0] || len(got.Traces[0].Segments) == 0 {
		t.Errorf("first trace %+v", got.Traces[0])
	}

	failed := newFakeXRay(t)
	failed.destination = "cloudwatchlogs"
	failed.retrievalTo = "FAILED"
	if _, err := awsSource(t, failed).BatchGetTraces(context.Background(), ids[:1]); err == nil || !strings.Contains(err.Error(), "retrieval FAILED") {
		t.Errorf("failed retrieval: %v", err)
	}
}

func TestAWSErrorsAreWrapped(t *testing.T) {
	fake := newFakeXRay(t)
	fake.failPath = "/ServiceGraph"
	src := awsSource(t, fake)
	_, err := src.ServiceGraph(context.Background(), awsStart, awsEnd)
	if err == nil || !strings.HasPrefix(err.Error(), "X-Ray GetServiceGraph: ") || !strings.Contains(err.Error(), "InvalidRequestException") {
		t.Errorf("refused: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.TraceSummaries(ctx, awsStart, awsEnd, ""); err == nil || !strings.HasPrefix(err.Error(), "X-Ray GetTraceSummaries: ") {
		t.Errorf("cancelled: %v", err)
	}
}

// A --since longer than one GetTraceSummaries call takes is read as
// consecutive ranges the API accepts, no older than X-Ray keeps; the
// graphs of the ranges are merged.
func TestAWSLongWindowIsSplit(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		since  time.Duration
		ranges int
		from   time.Duration // how far back the first range starts
	}{
		{time.Hour, 1, time.Hour},
		{APIWindow, 1, APIWindow},
		{13 * time.Hour, 3, 13 * time.Hour},
		{40 * day, 120, Retention - retentionMargin},
	}
	for _, tt := range tests {
		t.Run(tt.since.String(), func(t *testing.T) {
			fake := newFakeXRay(t)
			src := awsSource(t, fake)
			ctx := context.Background()
			end := src.opt.Now()
			start := end.Add(-tt.since)
			sums, err := src.TraceSummaries(ctx, start, end, "")
			if err != nil {
				t.Fatalf("summaries of %s: %v", tt.since, err)
			}
			g, err := src.ServiceGraph(ctx, start, end)
			if err != nil {
				t.Fatalf("graph of %s: %v", tt.since, err)
			}
			for _, path := range []string{"/TraceSummaries", "/ServiceGraph"} {
				var firsts []xrayCall // the first page of each range
				for _, c := range fake.callsTo(path) {
					if c.body["NextToken"] == nil {
						firsts = append(firsts, c)
					}
				}
				if len(firsts) != tt.ranges {
					t.Fatalf("%s: %d ranges, want %d", path, len(firsts), tt.ranges)
				}
				at := float64(end.Add(-tt.from).Unix())
				for i, c := range firsts {
					from, to := c.body["StartTime"].(float64), c.body["EndTime"].(float64)
					if from != at || to <= from || to-from > APIWindow.Seconds() {
						t.Errorf("%s range %d: %v - %v, want from %v, at most %s", path, i, from, to, at, APIWindow)
					}
					at = to
				}
				if at != float64(end.Unix()) {
					t.Errorf("%s: the ranges end at %v, want %v", path, at, float64(end.Unix()))
				}
			}
			// Every range answers the recording: each trace once, each
			// count once per range.
			if len(sums.TraceSummaries) != 11 || sums.TracesProcessedCount != int64(11*tt.ranges) {
				t.Errorf("%d summaries, %d processed; want 11 and %d", len(sums.TraceSummaries), sums.TracesProcessedCount, 11*tt.ranges)
			}
			one := graphOf(t, "stage3.jsonl")
			if len(g.Services) != len(one.Services) {
				t.Fatalf("%d services, want %d: %s", len(g.Services), len(one.Services), nodeList(*g))
			}
			n := int64(tt.ranges)
			if got, want := countsOf(node(t, *g, post, TypeLambdaFunction).SummaryStatistics), (counts{9 * n, 4 * n, 0, 0, 5 * n}); got != want {
				t.Errorf("post function counts %+v, want %+v", got, want)
			}
			for _, s := range g.Services {
				for _, e := range s.Edges {
					if e.ReferenceID < 0 || e.ReferenceID >= len(g.Services) || e.SummaryStatistics.Total() == 0 {
						t.Errorf("%s: edge %+v", s.Name, e)
					}
				}
			}
			if got, want := edgeNames(*g), edgeNames(one); !reflect.DeepEqual(got, want) {
				t.Errorf("edges %v, want %v", got, want)
			}
		})
	}

	// A window that ended before X-Ray's retention is named as such.
	src := awsSource(t, newFakeXRay(t))
	end := src.opt.Now().Add(-Retention - time.Hour)
	if _, err := src.TraceSummaries(context.Background(), end.Add(-time.Hour), end, ""); err == nil || !strings.Contains(err.Error(), "X-Ray keeps traces 30 days") {
		t.Errorf("a window older than the retention: %v", err)
	}
}

// edgeNames lists a graph's edges as "from type -> to type", sorted.
func edgeNames(g ServiceGraph) []string {
	name := map[int]string{}
	for _, s := range g.Services {
		name[s.ReferenceID] = s.Name + " " + s.Type
	}
	var out []string
	for _, s := range g.Services {
		for _, e := range s.Edges {
			out = append(out, name[s.ReferenceID]+" -> "+name[e.ReferenceID])
		}
	}
	slices.Sort(out)
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func withoutAccount(causes []RootCause) []RootCause {
	if causes == nil {
		return nil
	}
	out := make([]RootCause, len(causes))
	for i, c := range causes {
		out[i] = c
		out[i].Services = make([]RootCauseService, len(c.Services))
		for j, s := range c.Services {
			s.AccountID = ""
			out[i].Services[j] = s
		}
	}
	return out
}
