package traces

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// summariesOf are summaries with these response times, the faulted ones
// first.
func summariesOf(faulted, ok []float64) []TraceSummary {
	var out []TraceSummary
	for _, rt := range faulted {
		out = append(out, TraceSummary{ResponseTime: rt, HasFault: true})
	}
	for _, rt := range ok {
		out = append(out, TraceSummary{ResponseTime: rt})
	}
	return out
}

func TestSlowThreshold(t *testing.T) {
	tests := []struct {
		name string
		sums []TraceSummary
		want time.Duration
	}{
		{"stage 3, --fault-delay 1s", fixtureStore(t, "stage3.jsonl").TraceSummaries(0, 0, nil).TraceSummaries, 800 * time.Millisecond},
		{"stage 3, the default faultDelay 5s", summariesOf([]float64{5.004, 5.0031}, []float64{0.119, 0.02, 0.0004}), 4 * time.Second},
		{"the README's triage run, 2s", summariesOf([]float64{2.001, 2.0012}, []float64{0.273, 0.011}), 1600 * time.Millisecond},
		{"every POST faults, the first on a cold start", summariesOf([]float64{0.618357, 0.405404, 0.407642}, []float64{0.0001}), 320 * time.Millisecond},
		{"stage 2, no faults: the slowest", summariesOf(nil, []float64{0.243, 0.003, 0.0001}), 190 * time.Millisecond},
		{"sub-millisecond only", summariesOf(nil, []float64{0.000114}), 91 * time.Microsecond},
		{"nothing", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SlowThreshold(TypicalSlow(tt.sums)); got != tt.want {
				t.Errorf("SlowThreshold = %s, want %s", got, tt.want)
			}
		})
	}
}

// The console's Slow button asks the store for its threshold: what it
// finds are the slow traces of the data, the faulted ones at stage 3.
func TestSlowEndpoint(t *testing.T) {
	good := []string{"1-6b0f28a3-0cb92821679280557c9a7486", "1-6b0f28a3-23490a0cbe6d0753b2123b7b", "1-6b0f28a2-fce7446e840c54ff95e1a29f"}
	tests := []struct {
		name    string
		fixture string
		without []string
		want    Slow
		matches int
		faults  bool // every match is a fault
	}{
		{"stage 3, half the POSTs fault after 1s", "stage3.jsonl", nil, Slow{0.8, "800ms", "responsetime > 0.8"}, 5, true},
		{"stage 3, every POST faults", "stage3.jsonl", good, Slow{0.8, "800ms", "responsetime > 0.8"}, 5, true},
		{"stage 2: the slowest", "stage2.jsonl", nil, Slow{}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveWithout(t, tt.fixture, tt.without...)
			var got Slow
			if code := getJSON(t, srv.URL+"/traces/api/slow", &got); code != 200 {
				t.Fatalf("slow: %d", code)
			}
			if tt.want != (Slow{}) && got != tt.want {
				t.Errorf("slow %+v, want %+v", got, tt.want)
			}
			if got.Threshold <= 0 || got.FilterExpression != SlowerThanFilter(time.Duration(got.Threshold*float64(time.Second))) {
				t.Fatalf("slow %+v: no usable threshold", got)
			}
			var sums TraceSummaries
			if code := getJSON(t, srv.URL+"/traces/api/summaries?"+url.Values{"filter": {got.FilterExpression}}.Encode(), &sums); code != 200 {
				t.Fatalf("summaries: %d", code)
			}
			if len(sums.TraceSummaries) != tt.matches {
				t.Errorf("%q matches %d traces, want %d", got.FilterExpression, len(sums.TraceSummaries), tt.matches)
			}
			for _, s := range sums.TraceSummaries {
				if tt.faults && !s.HasFault {
					t.Errorf("%q matches %s, which did not fault", got.FilterExpression, s.ID)
				}
			}
		})
	}

	var empty Slow
	if code := getJSON(t, serveWithout(t, "stage1.jsonl", allIDs(t, "stage1.jsonl")...).URL+"/traces/api/slow", &empty); code != 200 || empty != (Slow{}) {
		t.Errorf("an empty store: %d %+v, want the zero Slow", code, empty)
	}
}

// allIDs are the trace ids of a capture.
func allIDs(t *testing.T, fixture string) []string {
	t.Helper()
	var ids []string
	for _, s := range fixtureStore(t, fixture).TraceSummaries(0, 0, nil).TraceSummaries {
		ids = append(ids, s.ID)
	}
	return ids
}

// The page fixtures' slow.json is what the handler answers for their
// summaries.
func TestPageFixturesSlow(t *testing.T) {
	for _, dir := range []string{"stage3", "stage1", "empty"} {
		t.Run(dir, func(t *testing.T) {
			read := func(name string, out any) {
				t.Helper()
				b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "traces", "page", dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, out); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			var sums TraceSummaries
			var slow Slow
			read("summaries.json", &sums)
			read("slow.json", &slow)
			if want := SlowOf(sums.TraceSummaries); slow != want {
				t.Errorf("slow.json %+v, want %+v", slow, want)
			}
		})
	}
}
