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

		var s TraceSummaries
		if err := json.Unmarshal(sums, &s); err != nil {
			t.Fatalf("%s summaries: %v", st.dir, err)
		}
		for _, sum := range s.TraceSummaries {
			out[st.dir+"/traces/"+sum.ID+".json"] = pageGet(t, h, "traces?"+url.Values{"id": {sum.ID}}.Encode(), http.StatusOK)
		}
	}
	h := Handler(fixtureStore(t, "stage3.jsonl"))
	out["filter-error.json"] = pageGet(t, h, "summaries?"+url.Values{"filter": {"fault AND"}}.Encode(), http.StatusBadRequest)
	out["not-held.json"] = pageGet(t, h, "traces?"+url.Values{"id": {"1-00000000-000000000000000000000000"}}.Encode(), http.StatusOK)
	return out
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
