package traces

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func serveFixture(t *testing.T, fixture string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(APIPrefix, Handler(fixtureStore(t, fixture)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func getJSON(t *testing.T, u string, out any) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", u, ct)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v in %s", u, err, b)
	}
	return resp.StatusCode
}

func TestHandlerEndpoints(t *testing.T) {
	srv := serveFixture(t, "stage3.jsonl")

	var g ServiceGraph
	if code := getJSON(t, srv.URL+"/traces/api/graph", &g); code != 200 || len(g.Services) != 9 {
		t.Errorf("graph: %d, %d services", code, len(g.Services))
	}
	// The window and the group narrow it: only the stream batch.
	q := url.Values{"start": {"1796155556"}, "end": {"1796155556.5"}, "group": {`service("mysfits-questions-process")`}}
	if code := getJSON(t, srv.URL+"/traces/api/graph?"+q.Encode(), &g); code != 200 || len(g.Services) != 4 || g.StartTime != 1796155556 {
		t.Errorf("graph of the stream batch: %d, %s", code, nodeList(g))
	}

	var sums TraceSummaries
	q = url.Values{"filter": {"http.status = 502"}}
	if code := getJSON(t, srv.URL+"/traces/api/summaries?"+q.Encode(), &sums); code != 200 || len(sums.TraceSummaries) != 5 || sums.TracesProcessedCount != 11 {
		t.Errorf("summaries: %d, %d of %d", code, len(sums.TraceSummaries), sums.TracesProcessedCount)
	}
	for i := 1; i < len(sums.TraceSummaries); i++ {
		if sums.TraceSummaries[i].StartTime > sums.TraceSummaries[i-1].StartTime {
			t.Errorf("summaries not newest first")
		}
	}

	var tr Traces
	q = url.Values{"id": {"1-6b0f28a0-22cc7e8d6c2dba7b5ad5b175", "1-00000000-000000000000000000000000"}}
	if code := getJSON(t, srv.URL+"/traces/api/traces?"+q.Encode(), &tr); code != 200 || len(tr.Traces) != 1 ||
		len(tr.UnprocessedTraceIDs) != 1 || tr.UnprocessedTraceIDs[0] != "1-00000000-000000000000000000000000" {
		t.Fatalf("traces: %d %+v", code, tr)
	}
	if got := tr.Traces[0]; got.Duration != 1.00225 || len(got.Segments) != 3 {
		t.Errorf("trace duration %v, %d segments; want 1.00225 and 3 (API Gateway, Lambda, function with its subsegment)", got.Duration, len(got.Segments))
	}
	// Answers are the X-Ray wire shapes: PascalCase, arrays never null.
	resp, err := http.Get(srv.URL + "/traces/api/traces?id=1-00000000-000000000000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `{"Traces":[],"UnprocessedTraceIds":["1-00000000-000000000000000000000000"]}`; string(b) != want {
		t.Errorf("body %s, want %s", b, want)
	}
}

func TestHandlerErrors(t *testing.T) {
	srv := serveFixture(t, "stage3.jsonl")
	six := "id=1&id=2&id=3&id=4&id=5&id=6"
	tests := []struct {
		path   string
		status int
		prefix string
	}{
		{"/traces/api/graph?start=yesterday", 400, "start: "},
		{"/traces/api/graph?end=-1", 400, "end: "},
		{"/traces/api/graph?start=20&end=10", 400, "start: 20 is after end 10"},
		{"/traces/api/graph?group=fault+AND", 400, "group: at position 10: "},
		{"/traces/api/summaries?filter=responsetime+%3E", 400, "filter: at position 15: expected a number"},
		{"/traces/api/summaries?start=NaN", 400, "start: "},
		{"/traces/api/traces", 400, "id: give 1 to 5 trace ids, got 0"},
		{"/traces/api/traces?" + six, 400, "id: give 1 to 5 trace ids, got 6"},
		{"/traces/api/traces?id=", 400, "id: empty trace id"},
		{"/traces/api/nothing", 404, "path: "},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var e struct {
				Error string `json:"error"`
			}
			if code := getJSON(t, srv.URL+tt.path, &e); code != tt.status || !strings.HasPrefix(e.Error, tt.prefix) {
				t.Errorf("%d %q, want %d %q...", code, e.Error, tt.status, tt.prefix)
			}
		})
	}
	resp, err := http.Post(srv.URL+"/traces/api/graph", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestHandlerUnderStripPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/traces/api/", http.StripPrefix("/traces/api", Handler(fixtureStore(t, "stage1.jsonl"))))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var sums TraceSummaries
	if code := getJSON(t, srv.URL+"/traces/api/summaries", &sums); code != 200 || len(sums.TraceSummaries) != 5 {
		t.Errorf("%d, %d summaries", code, len(sums.TraceSummaries))
	}
}

func TestLocalSource(t *testing.T) {
	store := fixtureStore(t, "stage3.jsonl")
	var requests atomic.Int32
	inner := Handler(store)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/traces/api/traces" {
			requests.Add(1)
			if n := len(r.URL.Query()["id"]); n > MaxBatch {
				t.Errorf("%d ids in one request", n)
			}
		}
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	src, err := NewLocalSource(srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sums, err := src.TraceSummaries(ctx, time.Unix(1796155552, 0), time.Unix(1796155560, 0), "fault OR error")
	if err != nil || len(sums.TraceSummaries) != 6 {
		t.Fatalf("summaries: %v, %+v", err, sums)
	}
	var ids []string
	for _, s := range store.TraceSummaries(0, 0, nil).TraceSummaries {
		ids = append(ids, s.ID)
	}
	ids = append(ids, ids[0], "1-00000000-000000000000000000000000") // a duplicate, and one not held
	got, err := src.BatchGetTraces(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Traces) != 11 || len(got.UnprocessedTraceIDs) != 1 || requests.Load() != 3 {
		t.Errorf("%d traces, unprocessed %v, %d requests; want 11, one, 3", len(got.Traces), got.UnprocessedTraceIDs, requests.Load())
	}
	g, err := src.ServiceGraph(ctx, time.Time{}, time.Time{})
	if err != nil || len(g.Services) != 9 {
		t.Errorf("graph: %v, %d services", err, len(g.Services))
	}

	_, err = src.TraceSummaries(ctx, time.Time{}, time.Time{}, "responsetime >")
	if !errors.Is(err, ErrBadRequest) || !strings.HasPrefix(err.Error(), "filter: at position 15") {
		t.Errorf("bad filter: %v", err)
	}
	for _, bad := range []string{"", "127.0.0.1:8080", "ftp://x"} {
		if _, err := NewLocalSource(bad, nil); err == nil {
			t.Errorf("NewLocalSource(%q) accepted", bad)
		}
	}
	down, _ := NewLocalSource("http://127.0.0.1:1", nil)
	if _, err := down.ServiceGraph(ctx, time.Time{}, time.Time{}); err == nil || !strings.Contains(err.Error(), "is the local stack running") {
		t.Errorf("unreachable stack: %v", err)
	}
}
