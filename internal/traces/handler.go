package traces

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// APIPrefix is where the local stack mounts Handler.
const APIPrefix = "/traces/api/"

// Handler serves the console API over store, at APIPrefix:
//
//	GET /traces/api/graph?start=EPOCH&end=EPOCH&group=EXPR   GetServiceGraph
//	GET /traces/api/summaries?start=&end=&filter=EXPR         GetTraceSummaries
//	GET /traces/api/traces?id=ID&id=ID (1 to 5)                BatchGetTraces
//	GET /traces/api/slow?start=&end=                           the "Slow" quick filter (Slow)
//
// Mount it with mux.Handle(traces.APIPrefix, traces.Handler(store)); it
// also answers when mounted under http.StripPrefix. Bad input answers 400
// with {"error": "<parameter>: <what is wrong>"}.
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
		start, end, err := window(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		group, err := ParseFilter(q.Get("group"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "group: "+err.Error())
			return
		}
		writeJSON(w, h.store.ServiceGraph(start, end, group))
	case "summaries":
		start, end, err := window(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		f, err := ParseFilter(q.Get("filter"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "filter: "+err.Error())
			return
		}
		writeJSON(w, h.store.TraceSummaries(start, end, f))
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
		start, end, err := window(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, SlowOf(h.store.TraceSummaries(start, end, nil).TraceSummaries))
	default:
		writeError(w, http.StatusNotFound, fmt.Sprintf("path: %q is not an endpoint (graph, summaries, traces, slow)", r.URL.Path))
	}
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
