package traces

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// historyLog collects what the store reports.
type historyLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *historyLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *historyLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// openHistory opens a store on dir with a clock at now and its log.
func openHistory(t *testing.T, dir string, limit int, now time.Time) (*Store, *historyLog) {
	t.Helper()
	var l historyLog
	s := OpenStore(StoreOptions{Limit: limit, Dir: dir, Log: slog.New(slog.NewTextHandler(&l, nil)), Now: func() time.Time { return now }})
	t.Cleanup(func() { _ = s.Close() })
	return s, &l
}

// captureNow is a time just after the recorded captures.
var captureNow = time.Unix(1796155600, 0)

func TestHistoryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, l := openHistory(t, dir, 0, captureNow)
	s.RecordSettings(time.Unix(1796155500, 0), tracing(3))
	for _, d := range fixtureDocs(t, "stage3.jsonl") {
		if err := s.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	want := fixtureStore(t, "stage3.jsonl")
	ids := func(st *Store) []string {
		var out []string
		for _, sum := range st.TraceSummaries(0, 0, nil).TraceSummaries {
			out = append(out, sum.ID)
		}
		return out
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart on the same folder brings back every trace as it was,
	// byte for byte, with the settings it ran under.
	again, l2 := openHistory(t, dir, 0, captureNow)
	if !reflect.DeepEqual(again.BatchGetTraces(ids(want)), want.BatchGetTraces(ids(want))) {
		t.Errorf("traces differ after a restart")
	}
	if !reflect.DeepEqual(again.ServiceGraph(0, 0, nil), want.ServiceGraph(0, 0, nil)) {
		t.Errorf("graph differs after a restart")
	}
	for _, sum := range again.TraceSummaries(0, 0, nil).TraceSummaries {
		if sum.Settings == nil || sum.Settings.Stage != 3 {
			t.Fatalf("%s settings after a restart: %+v", sum.ID, sum.Settings)
		}
	}
	if st := again.Stages(); len(st.Stages) != 1 || st.Stages[0].TraceCount != want.Len() {
		t.Errorf("stages after a restart %+v", st)
	}
	if l.String() != "" || l2.String() != "" {
		t.Errorf("reported %q %q", l, l2)
	}
}

func TestHistoryKeepsStagesAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	// Run 1 at stage 1, a live switch to stage 2, a restart at stage 3.
	s, _ := openHistory(t, dir, 0, captureNow)
	s.RecordSettings(at(50), tracing(1))
	add := func(s *Store, n int) {
		if err := s.Add([]byte(segDoc(traceID(n), fmt.Sprintf("%016x", n), float64(n*100)))); err != nil {
			t.Fatal(err)
		}
	}
	add(s, 1)
	add(s, 2)
	s.RecordSettings(at(250), tracing(2))
	add(s, 3)
	_ = s.Close()
	s, _ = openHistory(t, dir, 0, at(600))
	s.RecordSettings(at(350), tracing(3))
	add(s, 4)
	_ = s.Close()

	s, _ = openHistory(t, dir, 0, at(600))
	want := []StageTraces{{1, 2, 100, 200}, {2, 1, 300, 300}, {3, 1, 400, 400}}
	if got := s.Stages().Stages; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stages after restarts %+v, want %+v", got, want)
	}
}

func TestHistoryBounds(t *testing.T) {
	dir := t.TempDir()
	day := 24 * time.Hour
	t0 := time.Unix(1_800_000_000, 0)
	now := t0
	var l historyLog
	open := func(maxAge time.Duration) *Store {
		s := OpenStore(StoreOptions{Limit: 7, MaxAge: maxAge, Dir: dir, Log: slog.New(slog.NewTextHandler(&l, nil)), Now: func() time.Time { return now }})
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	add := func(s *Store, n int, start time.Time) {
		t.Helper()
		if err := s.Add([]byte(segDoc(traceID(n), fmt.Sprintf("%016x", n), Epoch(start)))); err != nil {
			t.Fatal(err)
		}
	}
	held := func(s *Store) string {
		var ids []string
		for _, sum := range s.TraceSummaries(0, 0, nil).TraceSummaries {
			ids = append(ids, strings.TrimLeft(sum.ID[len("1-00000001-"):], "0"))
		}
		slices.Reverse(ids)
		return strings.Join(ids, ",")
	}

	s := open(0)
	s.RecordSettings(t0.Add(-30*day), tracing(1))
	s.RecordSettings(t0.Add(-20*day), tracing(2))
	// Traces 1-3 are 10, 9 and 8 days old, 4 a week less an hour, 5-8 hours.
	for n, age := range []time.Duration{10 * day, 9 * day, 8 * day, 7*day - time.Hour, 4 * time.Hour, 3 * time.Hour, 2 * time.Hour, time.Hour} {
		add(s, n+1, t0.Add(-age))
	}
	// The count bound: the oldest go first.
	if got := held(s); got != "2,3,4,5,6,7,8" {
		t.Errorf("held %s", got)
	}
	// The age bound, checked as documents come in: 3 is past a week.
	now = t0.Add(2 * time.Minute)
	add(s, 9, now)
	if got := held(s); got != "4,5,6,7,8,9" {
		t.Errorf("held after the age check %s", got)
	}
	now = t0.Add(2 * time.Hour)
	add(s, 10, now)
	if got := held(s); got != "5,6,7,8,9,a" {
		t.Errorf("held two hours on %s", got)
	}
	_ = s.Close()

	// A restart reads back the same; with a shorter bound, fewer.
	if got := held(open(0)); got != "5,6,7,8,9,a" {
		t.Errorf("held after a restart %s", got)
	}
	if got := held(open(time.Hour)); got != "a" {
		t.Errorf("held with a one-hour bound %s", got)
	}
	b, err := os.ReadFile(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	// The rewrite on opening: the header, the settings trace 10 ran under
	// (the stage-1 mark is needed by no trace held) and its document.
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 3 || !strings.Contains(lines[1], `"Stage":2`) {
		t.Errorf("file after the one-hour bound:\n%s", b)
	}
	if l.String() != "" {
		t.Errorf("reported %q", l.String())
	}
}

func TestHistoryCompacts(t *testing.T) {
	dir := t.TempDir()
	s, _ := openHistory(t, dir, 10, captureNow)
	// Each trace replaced in progress then completed, 3000 traces through a
	// store of 10: without rewrites the file would have 6000 lines.
	for n := 1; n <= 3000; n++ {
		id := fmt.Sprintf("%016x", n)
		inProgress := fmt.Sprintf(`{"name":"gw","id":%q,"trace_id":%q,"start_time":%d,"in_progress":true}`, id, traceID(n), 1796155000+n)
		for _, d := range []string{inProgress, segDoc(traceID(n), id, float64(1796155000+n))} {
			if err := s.Add([]byte(d)); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = s.Close()
	b, err := os.ReadFile(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "\n"); lines > 2*minCompaction+2 {
		t.Errorf("history has %d lines for 10 traces", lines)
	}
	s, _ = openHistory(t, dir, 10, captureNow)
	sums := s.TraceSummaries(0, 0, nil).TraceSummaries
	if len(sums) != 10 || sums[0].ID != traceID(3000) || sums[0].IsPartial {
		t.Errorf("after compactions: %d traces, newest %+v", len(sums), sums[0])
	}
}

func TestHistorySetsAsideABadFile(t *testing.T) {
	good := segDoc(traceID(1), "0000000000000001", 1796155500)
	header := `{"Format":"mysfits-questions trace history","Version":1}`
	cases := []struct {
		name, content, problem string
		held                   int
		setAside               bool
	}{
		{"foreign", "hello, world\n", "not a trace history", 0, true},
		{"empty", "", "empty file", 0, true},
		{"newer version", `{"Format":"mysfits-questions trace history","Version":2}` + "\n", "version 2", 0, true},
		{"damaged line", header + "\n" + `{"Document":` + "\n" + historyLine{Document: &good}.String() + `{"Document":"{\"id\":\"x\"}"}` + "\n" + `{"Other":1}` + "\n",
			"damaged, the readable lines were kept: line 2: not JSON", 1, true},
		{"torn last line", header + "\n" + historyLine{Document: &good}.String() + `{"Document":"{\"na`, "", 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, HistoryFile)
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			s, l := openHistory(t, dir, 0, captureNow)
			if s.Len() != c.held {
				t.Errorf("held %d traces, want %d", s.Len(), c.held)
			}
			aside, _ := filepath.Glob(path + ".corrupt-*")
			if c.setAside {
				if len(aside) != 1 {
					t.Fatalf("set aside: %v", aside)
				}
				if b, _ := os.ReadFile(aside[0]); string(b) != c.content {
					t.Errorf("the file set aside is not the original")
				}
				if !strings.Contains(l.String(), "file="+path) || !strings.Contains(l.String(), c.problem) || !strings.Contains(l.String(), aside[0]) {
					t.Errorf("report %q does not name the file, %q and where it went", l, c.problem)
				}
			} else if len(aside) != 0 || l.String() != "" {
				t.Errorf("set aside %v, reported %q", aside, l)
			}
			// The store goes on and keeps history from there.
			if err := s.Add([]byte(segDoc(traceID(2), "0000000000000002", 1796155501))); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			again, l2 := openHistory(t, dir, 0, captureNow)
			if again.Len() != c.held+1 || l2.String() != "" {
				t.Errorf("after a restart: %d traces, reported %q", again.Len(), l2)
			}
		})
	}

	t.Run("folder is a file", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "traces")
		if err := os.WriteFile(dir, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		s, l := openHistory(t, dir, 0, captureNow)
		if err := s.Add([]byte(good)); err != nil {
			t.Fatal(err)
		}
		if aside, _ := filepath.Glob(dir + ".corrupt-*"); len(aside) != 1 || !strings.Contains(l.String(), "not a folder") {
			t.Errorf("set aside %v, reported %q", aside, l)
		}
		if _, err := os.Stat(filepath.Join(dir, HistoryFile)); err != nil {
			t.Error(err)
		}
	})

	t.Run("unwritable folder", func(t *testing.T) {
		parent := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(parent, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		// A folder under a file cannot be made: memory only, reported.
		s, l := openHistory(t, filepath.Join(parent, "traces"), 0, captureNow)
		if err := s.Add([]byte(good)); err != nil || s.Len() != 1 {
			t.Fatalf("memory only store: %v, %d", err, s.Len())
		}
		if !strings.Contains(l.String(), "memory only") {
			t.Errorf("reported %q", l)
		}
	})
}

// String is the line as written, for building test files.
func (l historyLine) String() string { return string(l.encode()) }

func TestHistoryConcurrentAdds(t *testing.T) {
	dir := t.TempDir()
	s, _ := openHistory(t, dir, 200, captureNow)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				n := w*1000 + i + 1
				if err := s.Add([]byte(segDoc(traceID(n), fmt.Sprintf("%016x", n), float64(1796155000+n)))); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					s.RecordSettings(time.Unix(int64(1796155000+n), 0), tracing(1+i%3))
					_ = s.TraceSummaries(0, 0, nil)
					_ = s.Stages()
				}
			}
		}()
	}
	wg.Wait()
	before := s.TraceSummaries(0, 0, nil).TraceSummaries
	_ = s.Close()
	again, l := openHistory(t, dir, 200, captureNow)
	after := again.TraceSummaries(0, 0, nil).TraceSummaries
	if len(after) != 200 || !reflect.DeepEqual(before, after) {
		t.Errorf("after a restart %d summaries, want the %d held (equal: %v)", len(after), len(before), reflect.DeepEqual(before, after))
	}
	if l.String() != "" {
		t.Errorf("reported %q", l)
	}
}
