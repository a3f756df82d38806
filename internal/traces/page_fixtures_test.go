package traces

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

var update = flag.Bool("update", false, "rewrite testdata/traces/page from the handler's answers (TestPageFixturesUpToDate)")

// pageDir holds the trace console page's fixtures: see its README.md.
var pageDir = filepath.Join("..", "..", "testdata", "traces", "page")

// pageReadme is the one file of pageDir that is not an answer.
const pageReadme = "README.md"

// approximateTime is GetTraceSummaries' ApproximateTime line, top level of
// an indented answer: the store's clock when it answered, the one value of
// the answers no input decides.
var approximateTime = regexp.MustCompile(`(?m)^(  "ApproximateTime": )(-?[0-9][0-9.eE+-]*)(,?)$`)

// TestPageFixturesUpToDate rebuilds every file of testdata/traces/page through
// Handler over a Store fed the recorded captures, and checks each is on
// disk byte for byte, and that disk holds no other file. With -update it
// rewrites them instead:
//
//	go test ./internal/traces -run TestPageFixturesUpToDate -update
//
// ApproximateTime is the clock at the time of the request: the test checks
// the answer's is that clock and compares the rest, keeping the file's value
// (-update keeps it too, so regenerating does not churn it).
func TestPageFixturesUpToDate(t *testing.T) {
	got := pageAnswers(t)

	onDisk := map[string][]byte{}
	err := filepath.WalkDir(pageDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(pageDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == pageReadme {
			return nil
		}
		b, err := os.ReadFile(p)
		onDisk[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range slices.Sorted(maps.Keys(got)) {
		body := got[name]
		disk, held := onDisk[name]
		if held {
			body = keepApproximateTime(body, disk)
		}
		if held && bytes.Equal(body, disk) {
			continue
		}
		if *update {
			p := filepath.Join(pageDir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, body, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", name)
			continue
		}
		if !held {
			t.Errorf("%s: the handler answers it but it is not on disk (run with -update to write it)", name)
			continue
		}
		t.Errorf("%s differs from the handler's answer (run with -update to rewrite it): %s", name, diffHint(disk, body))
	}
	for _, name := range slices.Sorted(maps.Keys(onDisk)) {
		if _, ok := got[name]; ok {
			continue
		}
		if *update {
			if err := os.Remove(filepath.Join(pageDir, filepath.FromSlash(name))); err != nil {
				t.Fatal(err)
			}
			t.Logf("removed %s", name)
			continue
		}
		t.Errorf("%s is on disk but no answer of the handler is it: orphaned (run with -update to remove it)", name)
	}
}

// pageAnswers are the files of pageDir as the handler answers them, by
// slash-separated path: each answer indented by two spaces, with a final
// newline.
func pageAnswers(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	stores := []struct{ dir, capture string }{
		{"empty", ""},
		{"stage1", "stage1.jsonl"},
		{"stage3", "stage3.jsonl"},
	}
	for _, st := range stores {
		// No settings recorded: these read as an API that tells none (AWS),
		// which the page must handle too; walk/ below has them.
		store := NewStore(0)
		if st.capture != "" {
			store = fixtureStore(t, st.capture)
		}
		h := Handler(store)
		// No window: the whole capture, whenever the test runs.
		out[st.dir+"/graph.json"] = pageGet(t, h, "graph", http.StatusOK)
		sums := pageGet(t, h, "summaries", http.StatusOK)
		out[st.dir+"/summaries.json"] = sums
		out[st.dir+"/slow.json"] = pageGet(t, h, "slow", http.StatusOK)
		if st.capture == "" {
			out[st.dir+"/stages.json"] = pageGet(t, h, "stages", http.StatusOK)
		}

		var s TraceSummaries
		if err := json.Unmarshal(sums, &s); err != nil {
			t.Fatalf("%s summaries: %v", st.dir, err)
		}
		for _, sum := range s.TraceSummaries {
			out[st.dir+"/traces/"+sum.ID+".json"] = pageGet(t, h, "traces?"+url.Values{"id": {sum.ID}}.Encode(), http.StatusOK)
		}
	}
	// The walk: one store through stages 1, 2 and 3 with the runner's
	// settings, each stage's answers on their own, for the stage filter and
	// the compare view.
	h := Handler(pageStore(t, "stage1.jsonl", "stage2.jsonl", "stage3.jsonl"))
	out["walk/stages.json"] = pageGet(t, h, "stages", http.StatusOK)
	for _, n := range []string{"1", "2", "3"} {
		q := url.Values{"stage": {n}}.Encode()
		out["walk/stage"+n+"/graph.json"] = pageGet(t, h, "graph?"+q, http.StatusOK)
		out["walk/stage"+n+"/summaries.json"] = pageGet(t, h, "summaries?"+q, http.StatusOK)
	}
	h = Handler(fixtureStore(t, "stage3.jsonl"))
	out["filter-error.json"] = pageGet(t, h, "summaries?"+url.Values{"filter": {"fault AND"}}.Encode(), http.StatusBadRequest)
	out["stage-error.json"] = pageGet(t, h, "graph?"+url.Values{"stage": {"4"}}.Encode(), http.StatusBadRequest)
	out["not-held.json"] = pageGet(t, h, "traces?"+url.Values{"id": {"1-00000000-000000000000000000000000"}}.Encode(), http.StatusOK)
	return out
}

// captureSettings are the settings each capture ran under (see
// testdata/traces/README.md).
var captureSettings = map[string]contract.Tracing{
	"stage1.jsonl": {Stage: contract.StageLambdaOnly, Faults: contract.DefaultTracing().Faults},
	"stage2.jsonl": {Stage: contract.StageSDK, Faults: contract.DefaultTracing().Faults},
	"stage3.jsonl": {Stage: contract.StageFaults, Faults: contract.Faults{Percent: 50, Delay: time.Second}},
}

// pageStore is a store fed the captures in turn, the runner's settings
// recorded just before each one's first document started, as the local
// runner records them when it starts and at each stage switch.
func pageStore(t *testing.T, captures ...string) *Store {
	t.Helper()
	s := NewStore(0)
	for _, c := range captures {
		docs := fixtureDocs(t, c)
		first := 0.0
		for _, d := range docs {
			doc, err := ParseDocument(d)
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			if first == 0 || doc.StartTime < first {
				first = doc.StartTime
			}
		}
		s.RecordSettings(time.Unix(int64(first)-1, 0), captureSettings[c])
		for _, d := range docs {
			if err := s.Add(d); err != nil {
				t.Fatalf("%s: %v", c, err)
			}
		}
	}
	return s
}

// pageGet is the handler's answer to GET APIPrefix+endpoint, indented, after
// checking its status and, when it has one, that its ApproximateTime is the
// clock's.
func pageGet(t *testing.T, h http.Handler, endpoint string, status int) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	before := Epoch(time.Now())
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, APIPrefix+endpoint, nil))
	after := Epoch(time.Now())
	if rec.Code != status {
		t.Fatalf("GET %s: %d %s, want %d", endpoint, rec.Code, rec.Body, status)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, rec.Body.Bytes(), "", "  "); err != nil {
		t.Fatalf("GET %s: %v in %s", endpoint, err, rec.Body)
	}
	b.WriteByte('\n')
	if m := approximateTime.FindSubmatch(b.Bytes()); m != nil {
		var at float64
		if err := json.Unmarshal(m[2], &at); err != nil || at < before-1e-3 || at > after+1e-3 {
			t.Errorf("GET %s: ApproximateTime %s is not the time of the request (%f to %f)", endpoint, m[2], before, after)
		}
	}
	return b.Bytes()
}

// keepApproximateTime is body with the ApproximateTime of disk, when both
// have one.
func keepApproximateTime(body, disk []byte) []byte {
	d := approximateTime.FindSubmatch(disk)
	if d == nil || approximateTime.FindIndex(body) == nil {
		return body
	}
	return approximateTime.ReplaceAllFunc(body, func(line []byte) []byte {
		m := approximateTime.FindSubmatch(line)
		return slices.Concat(m[1], d[2], m[3])
	})
}

// diffHint says where want and got first differ, by line.
func diffHint(disk, handler []byte) string {
	a := strings.Split(string(disk), "\n")
	b := strings.Split(string(handler), "\n")
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y || i >= len(a) || i >= len(b) {
			return fmt.Sprintf("first at line %d: disk %q, handler %q (%d lines on disk, %d from the handler)",
				i+1, strings.TrimSpace(x), strings.TrimSpace(y), len(a), len(b))
		}
	}
	return fmt.Sprintf("%d bytes on disk, %d from the handler", len(disk), len(handler))
}
