package load

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/internal/testkit/audit"
	"github.com/mysfits/mysfits-questions/questions"
)

// The rules are written once here; each error names the setting as the
// caller knows it (cmd/load's TestFlags checks them under its flags).
func TestValidate(t *testing.T) {
	ok := Options{Questions: 10, Clients: 2, InvalidPercent: 5}
	cases := []struct {
		name  string
		opts  Options
		stack Stack
		want  []string // every one in the error; none: valid
	}{
		{name: "valid", opts: ok, stack: Stack{Stage: 1}},
		{name: "running stack", opts: ok, stack: Stack{Stage: 2, Endpoint: "http://127.0.0.1:8080", DynamoDB: "http://localhost:8000", SNS: "http://[::1]:4100"}},
		{name: "every bad option", opts: Options{Questions: 0, Clients: MaxClients + 1, InvalidPercent: -1}, stack: Stack{Stage: 1},
			want: []string{"Questions 0: must be 1 to 100000", "Clients 257: must be 1 to 256", "InvalidPercent -1: must be 0 to 100"}},
		{name: "stage 3", opts: ok, stack: Stack{Stage: 3}, want: []string{"Stack.Stage 3: must be 1 or 2"}},
		{name: "not loopback", opts: ok, stack: Stack{Stage: 1, Endpoint: "http://192.0.2.10:8080", DynamoDB: "http://localhost:8000", SNS: "localhost:4100"},
			want: []string{"Stack.Endpoint http://192.0.2.10:8080: not a loopback address", "Stack.SNS localhost:4100: not an http(s) URL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := errors.Join(tc.opts.Validate(fieldNames()), tc.stack.Validate(fieldNames()))
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v, want one containing %q", err, w)
				}
			}
		})
	}
}

// The plan's requests are what the service's own decoder accepts or
// refuses: valid ones decode, each invalid kind fails as intended.
func TestPlan(t *testing.T) {
	reqs := plan("run1", 100, 8)
	count := map[kind]int{}
	texts := map[string]bool{}
	for i, r := range reqs {
		count[r.kind]++
		if texts[r.text] {
			t.Fatalf("request %d repeats a text: the audit could not tell the questions apart", i)
		}
		texts[r.text] = true
		_, err := questions.DecodeSubmission(r.body)
		switch r.kind {
		case valid, wrongContentType:
			if err != nil {
				t.Errorf("request %d (%s): body refused: %v", i, kindNames[r.kind], err)
			}
			if want := map[kind]string{valid: "application/json", wrongContentType: "text/plain"}[r.kind]; r.contentType != want {
				t.Errorf("request %d (%s): content type %q, want %q", i, kindNames[r.kind], r.contentType, want)
			}
		default:
			if !errors.Is(err, questions.ErrInvalid) {
				t.Errorf("request %d (%s): decoder said %v, want it refused", i, kindNames[r.kind], err)
			}
		}
	}
	if count[valid] != 92 {
		t.Errorf("%d valid of 100 at 8%% invalid, want 92", count[valid])
	}
	for k := badEmail; k < kinds; k++ {
		if count[k] != 2 {
			t.Errorf("%d %s requests, want 2: the invalid kinds take turns", count[k], kindNames[k])
		}
	}
	if n := len(plan("run1", 50, 0)); n != 50 {
		t.Errorf("plan(50) made %d requests", n)
	}
}

// Nearest rank: the rule the report prints and the benchmark compares by.
func TestPercentilesOf(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		ds := make([]time.Duration, len(vs))
		for i, v := range vs {
			ds[i] = time.Duration(v) * time.Millisecond
		}
		return ds
	}
	var hundred []int
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, i)
	}
	cases := []struct {
		name string
		ds   []time.Duration
		want Percentiles
	}{
		{"1..100", ms(hundred...), Percentiles{N: 100, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}},
		{"odd", ms(3, 1, 2), Percentiles{N: 3, P50: 2 * time.Millisecond, P90: 3 * time.Millisecond, P99: 3 * time.Millisecond, Max: 3 * time.Millisecond}},
		{"even", ms(4, 1, 3, 2), Percentiles{N: 4, P50: 2 * time.Millisecond, P90: 4 * time.Millisecond, P99: 4 * time.Millisecond, Max: 4 * time.Millisecond}},
		{"one", ms(7), Percentiles{N: 1, P50: 7 * time.Millisecond, P90: 7 * time.Millisecond, P99: 7 * time.Millisecond, Max: 7 * time.Millisecond}},
		{"none", nil, Percentiles{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.ds)
			if got := PercentilesOf(tc.ds); got != tc.want {
				t.Errorf("PercentilesOf = %+v, want %+v", got, tc.want)
			}
			if !slices.Equal(in, tc.ds) {
				t.Errorf("PercentilesOf reordered its input: %v", tc.ds)
			}
		})
	}
}

// Feed hands every index out once, to at most clients calls at a time, and
// stops handing out when the context ends.
func TestFeed(t *testing.T) {
	cases := []struct {
		name       string
		n, clients int
		cancelAt   int // cancel once this many calls began; 0: never
	}{
		{name: "more work than clients", n: 200, clients: 8},
		{name: "more clients than work", n: 3, clients: 16},
		{name: "no clients still works", n: 5, clients: 0},
		{name: "nothing to do", n: 0, clients: 4},
		{name: "cancelled", n: 1000, clients: 4, cancelAt: 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			seen := map[int]int{}
			var running, peak, began atomic.Int64
			_, elapsed := Feed(ctx, tc.n, tc.clients, func(client, i int) {
				if client < 0 || client >= max(tc.clients, 1) {
					t.Errorf("client %d of %d", client, tc.clients)
				}
				now := running.Add(1)
				for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
				}
				if b := began.Add(1); tc.cancelAt > 0 && b == int64(tc.cancelAt) {
					cancel()
				}
				time.Sleep(time.Millisecond)
				mu.Lock()
				seen[i]++
				mu.Unlock()
				running.Add(-1)
			})
			if elapsed <= 0 && tc.n > 0 {
				t.Errorf("elapsed %s", elapsed)
			}
			if p := peak.Load(); p > int64(max(tc.clients, 1)) {
				t.Errorf("%d calls at once, want at most %d", p, tc.clients)
			}
			for i, n := range seen {
				if n != 1 || i < 0 || i >= tc.n {
					t.Errorf("index %d handed out %d times", i, n)
				}
			}
			switch {
			case tc.cancelAt == 0 && len(seen) != tc.n:
				t.Errorf("%d of %d indexes handed out", len(seen), tc.n)
			case tc.cancelAt > 0 && len(seen) >= tc.n:
				t.Errorf("all %d indexes handed out after the cancel", tc.n)
			}
		})
	}
}

// A lost question is a problem: cmd/load fails the run on it.
func TestLostQuestionFailsTheRun(t *testing.T) {
	res := Result{
		SentValid: 1, Elapsed: time.Second,
		Audit: audit.Check([]audit.Request{{Text: "q", Status: 201, QuestionID: "id"}}, audit.Evidence{}),
	}
	if len(res.Problems()) == 0 {
		t.Fatal("a lost question is no problem")
	}
	if len(res.Audit.Lost) != 1 {
		t.Errorf("%d lost, want 1", len(res.Audit.Lost))
	}
	if p := (Result{NotSent: 2, StackFailed: errors.New("GoAWS exited")}).Problems(); len(p) != 2 || !strings.Contains(p[1], "GoAWS exited") {
		t.Errorf("problems %q, want the questions not sent and the stack failure", p)
	}
}

// The load test, small: a local stack of its own, 100 questions from 8
// clients, every one accounted for. Speed is reported, never asserted.
func TestLoadOnALocalStack(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts DynamoDB Local (Java 17+, npm) and GoAWS; `make test` runs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log bytes.Buffer
	target, err := Connect(ctx, Stack{StateDir: t.TempDir()}, &log)
	if err != nil {
		t.Fatalf("starting the stack: %v\n%s", err, log.String())
	}
	t.Cleanup(func() {
		if err := target.Close(); err != nil {
			t.Error(err)
		}
	})
	res, err := Run(ctx, target, Options{Questions: 100, Clients: 8, InvalidPercent: 8})
	t.Logf("%s: %.1f req/s, 2xx latency %+v, 2xx to inbox %+v", target.Description, res.Throughput, res.Latency2xx, res.NotifyDelay)
	if err != nil {
		t.Fatalf("load test failed: %v\n%s", err, log.String())
	}
	if p := res.Problems(); len(p) > 0 {
		t.Errorf("the promise is broken: %q", p)
	}
	rep := res.Audit
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"sent", rep.Sent, 100},
		{"sent valid", res.SentValid, 92},
		{"sent invalid", res.SentInvalid, 8},
		{"not sent", res.NotSent, 0},
		{"answers", res.Answers, 100},
		{"accepted", rep.Accepted, 92},
		{"201 answers", rep.ByStatus[201], 92},
		{"rejected", rep.Sent - rep.Accepted - rep.ByStatus[0], 8},
		{"400 answers", rep.ByStatus[400], 6},
		{"415 answers", rep.ByStatus[415], 2},
		{"stored", rep.Stored, 92},
		{"lost", len(rep.Lost), 0},
		{"duplicates", rep.Duplicates, 0},
		{"refused but stored", len(rep.RefusedButStored), 0},
		{"2xx latencies", res.Latency2xx.N, 92},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	// Every stored question reached the inbox or the dead-letter queue.
	if n, d := rep.Notified, rep.DeadLettered; n+d < 92 {
		t.Errorf("%d notified + %d dead-lettered, want all 92 stored questions", n, d)
	}
	if res.Throughput <= 0 || res.Elapsed <= 0 || res.Started.IsZero() {
		t.Errorf("throughput %v over %s from %v: the sending phase went unmeasured", res.Throughput, res.Elapsed, res.Started)
	}
}
