package traces

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mysfits/mysfits-questions/contract"
)

// APIPrefix is where the local stack mounts Handler.
const APIPrefix = "/traces/api/"

// Handler serves the console API over store, at APIPrefix:
//
//	GET /traces/api/graph?start=EPOCH&end=EPOCH&stage=N&group=EXPR   GetServiceGraph
//	GET /traces/api/summaries?start=&end=&stage=N&filter=EXPR         GetTraceSummaries
//	GET /traces/api/traces?id=ID&id=ID (1 to 5)                        BatchGetTraces
//	GET /traces/api/slow?start=&end=&stage=N                           the "Slow" quick filter (Slow)
//	GET /traces/api/stages                                             the stages held (Stages)
//
// stage (1, 2 or 3, optional) keeps the traces that ran at that stage, as
// the runner recorded it (Store.RecordSettings); it is the local stack's
// addition, like TraceSummary.Settings, so the page can show one stage's
// map or set two side by side. Mount it with mux.Handle(traces.APIPrefix,
// traces.Handler(store)); it also answers when mounted under
// http.StripPrefix. Bad input answers 400 with
// {"error": "<parameter>: <what is wrong>"}.
func Handler(store *Store) http.Handler {
	return &handler{store: store}
}

type handler struct{ store *Store }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method: "+r.Method+" is not allowed, use GET")
		return
	}
	endpoint := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(APIPrefix, "/")), "/")
	q := r.URL.Query()
	switch endpoint {
	case "graph":
		sc, err := readScope(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		group, err := ParseFilter(q.Get("group"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "group: "+err.Error())
			return
		}
		writeJSON(w, h.store.ServiceGraphIn(sc, group))
	case "summaries":
		sc, err := readScope(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		f, err := ParseFilter(q.Get("filter"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "filter: "+err.Error())
			return
		}
		writeJSON(w, h.store.TraceSummariesIn(sc, f))
	case "traces":
		ids := q["id"]
		if len(ids) == 0 || len(ids) > MaxBatch {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("id: give 1 to %d trace ids, got %d", MaxBatch, len(ids)))
			return
		}
		for _, id := range ids {
			if strings.TrimSpace(id) == "" {
				writeError(w, http.StatusBadRequest, "id: empty trace id")
				return
			}
		}
		writeJSON(w, h.store.BatchGetTraces(ids))
	case "slow":
		sc, err := readScope(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, SlowOf(h.store.TraceSummariesIn(sc, nil).TraceSummaries))
	case "stages":
		writeJSON(w, h.store.Stages())
	default:
		writeError(w, http.StatusNotFound, fmt.Sprintf("path: %q is not an endpoint (graph, summaries, traces, slow, stages)", r.URL.Path))
	}
}

// readScope reads the time window and the optional stage.
func readScope(q url.Values) (Scope, error) {
	start, end, err := window(q)
	if err != nil {
		return Scope{}, err
	}
	sc := Scope{Start: start, End: end}
	if v := q.Get("stage"); v != "" {
		// The deploy's own parse and rule, so the message reads as
		// `pulumi config set stage` would answer.
		t, err := contract.ParseTracing(contract.RawTracing{Stage: v}, contract.TracingNames{Stage: "stage"})
		if err != nil {
			return Scope{}, err
		}
		sc.Stage = int(t.Stage)
	}
	return sc, nil
}

// window reads start and end, epoch seconds with fractions, both optional.
func window(q url.Values) (start, end float64, err error) {
	read := func(name string) (float64, error) {
		s := q.Get(name)
		if s == "" {
			return 0, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return 0, fmt.Errorf("%s: %q is not a time in seconds since the epoch", name, s)
		}
		return v, nil
	}
	if start, err = read("start"); err != nil {
		return 0, 0, err
	}
	if end, err = read("end"); err != nil {
		return 0, 0, err
	}
	if start > 0 && end > 0 && start > end {
		return 0, 0, fmt.Errorf("start: %s is after end %s", q.Get("start"), q.Get("end"))
	}
	return start, end, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b) // the client went away: nothing to do
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg}) // a map of strings always encodes
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
