package traces

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

func tracing(stage int) contract.Tracing {
	t := contract.DefaultTracing()
	t.Stage = contract.TracingStage(stage)
	return t
}

// at is epoch seconds as a time.
func at(sec float64) time.Time { return time.Unix(0, int64(sec*float64(time.Second))) }

// stagedStore holds traces 1-6 started at 100..600 s, with stage 1 from
// 50 s, stage 2 from 250 s and stage 3 from 450 s.
func stagedStore(t *testing.T) *Store {
	t.Helper()
	s := NewStore(0)
	for i := 1; i <= 6; i++ {
		if err := s.Add([]byte(segDoc(traceID(i), fmt.Sprintf("%016x", i), float64(i*100)))); err != nil {
			t.Fatal(err)
		}
	}
	s.RecordSettings(at(50), tracing(1))
	s.RecordSettings(at(250), tracing(2))
	s.RecordSettings(at(450), tracing(3))
	return s
}

func TestSettingsByRootStart(t *testing.T) {
	s := stagedStore(t)
	want := map[string]int{traceID(1): 1, traceID(2): 1, traceID(3): 2, traceID(4): 2, traceID(5): 3, traceID(6): 3}
	for _, sum := range s.TraceSummaries(0, 0, nil).TraceSummaries {
		if sum.Settings == nil || sum.Settings.Stage != want[sum.ID] {
			t.Errorf("%s: settings %+v, want stage %d", sum.ID, sum.Settings, want[sum.ID])
		}
	}
	if _, sum, _ := s.Trace(traceID(5)); sum.Settings == nil || *sum.Settings != (RunSettings{Stage: 3, FaultPercent: 50, FaultDelay: "5s"}) {
		t.Errorf("Trace settings %+v", sum.Settings)
	}

	// A request that started before the switch to stage 3 and whose
	// documents arrive after it ran at stage 2: its subsegment comes first,
	// its root later, and both after the switch was recorded.
	id := traceID(7)
	sub := `{"name":"DynamoDB","id":"00000000000000aa","trace_id":"` + id + `","parent_id":"0000000000000007","type":"subsegment","start_time":449.5,"end_time":449.6}`
	if err := s.Add([]byte(sub)); err != nil {
		t.Fatal(err)
	}
	if err := s.Add([]byte(segDoc(id, "0000000000000007", 449))); err != nil {
		t.Fatal(err)
	}
	if _, sum, _ := s.Trace(id); sum.Settings == nil || sum.Settings.Stage != 2 {
		t.Errorf("in-flight trace settings %+v, want stage 2", sum.Settings)
	}

	// Before the first mark, and in a store told nothing: unknown.
	if err := s.Add([]byte(segDoc(traceID(8), "0000000000000008", 10))); err != nil {
		t.Fatal(err)
	}
	if _, sum, _ := s.Trace(traceID(8)); sum.Settings != nil {
		t.Errorf("trace before any settings: %+v", sum.Settings)
	}
	plain := fixtureStore(t, "stage1.jsonl")
	for _, sum := range plain.TraceSummaries(0, 0, nil).TraceSummaries {
		if sum.Settings != nil {
			t.Fatalf("no settings recorded, got %+v", sum.Settings)
		}
	}
}

func TestRecordSettingsTimeline(t *testing.T) {
	s := NewStore(0)
	s.RecordSettings(at(100), tracing(1))
	s.RecordSettings(at(200), tracing(1)) // a restart at the same stage
	s.RecordSettings(at(300), tracing(2))
	if len(s.timeline) != 2 {
		t.Fatalf("timeline %+v, want the two changes", s.timeline)
	}
	// Out of order (a mark read back from the state folder): it lands in
	// time order, and the stage-2 mark that now repeats it goes.
	s.RecordSettings(at(250), tracing(2))
	if len(s.timeline) != 2 || s.timeline[1].At != 250 {
		t.Fatalf("timeline %+v", s.timeline)
	}
	if got := s.Stages().Current; got == nil || got.Stage != 2 {
		t.Errorf("Current %+v", got)
	}
	if got := NewStore(0).Stages(); got.Current != nil || got.Stages == nil || len(got.Stages) != 0 {
		t.Errorf("empty store stages %+v", got)
	}
}

func TestStagesAndStageScope(t *testing.T) {
	s := stagedStore(t)
	got := s.Stages()
	want := []StageTraces{{1, 2, 100, 200}, {2, 2, 300, 400}, {3, 2, 500, 600}}
	if fmt.Sprint(got.Stages) != fmt.Sprint(want) || got.Current == nil || got.Current.Stage != 3 {
		t.Errorf("Stages %+v, want %+v", got, want)
	}
	sums := s.TraceSummariesIn(Scope{Stage: 2}, nil)
	if len(sums.TraceSummaries) != 2 || sums.TraceSummaries[0].ID != traceID(4) || sums.TracesProcessedCount != 2 {
		t.Errorf("stage 2 summaries %+v", sums)
	}
	if g := s.ServiceGraphIn(Scope{Start: 350, Stage: 2}, nil); gwTotal(g) != 1 {
		t.Errorf("stage 2 graph from 350 s: %+v", g)
	}
}

func TestHandlerStage(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle(APIPrefix, Handler(stagedStore(t)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	var st Stages
	if code := getJSON(t, srv.URL+"/traces/api/stages", &st); code != 200 || len(st.Stages) != 3 || st.Stages[2].TraceCount != 2 {
		t.Errorf("stages: %d %+v", code, st)
	}
	var sums TraceSummaries
	if code := getJSON(t, srv.URL+"/traces/api/summaries?stage=3", &sums); code != 200 || len(sums.TraceSummaries) != 2 ||
		sums.TraceSummaries[0].Settings.Stage != 3 {
		t.Errorf("summaries?stage=3: %d %+v", code, sums)
	}
	var g ServiceGraph
	if code := getJSON(t, srv.URL+"/traces/api/graph?stage=1&start=150", &g); code != 200 || gwTotal(g) != 1 {
		t.Errorf("graph?stage=1: %d %+v", code, g)
	}
	var slow Slow
	if code := getJSON(t, srv.URL+"/traces/api/slow?stage=2", &slow); code != 200 {
		t.Errorf("slow?stage=2: %d", code)
	}
	for _, bad := range []string{"4", "0", "x", "1.5"} {
		for _, ep := range []string{"graph", "summaries", "slow"} {
			var e struct{ Error string }
			u := srv.URL + "/traces/api/" + ep + "?" + url.Values{"stage": {bad}}.Encode()
			if code := getJSON(t, u, &e); code != 400 || !strings.HasPrefix(e.Error, "stage: ") {
				t.Errorf("%s: %d %q", u, code, e.Error)
			}
		}
	}
}

// gwTotal is how many requests the graph's "gw" node served.
func gwTotal(g ServiceGraph) int64 {
	for _, n := range g.Services {
		if n.Name == "gw" {
			return n.SummaryStatistics.Total()
		}
	}
	return -1
}
