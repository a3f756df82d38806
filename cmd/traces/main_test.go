package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

const faultTrace = "1-6b0f28a0-22cc7e8d6c2dba7b5ad5b175"

func mustRun(t *testing.T, e env, args ...string) string {
	t.Helper()
	code, out, errOut := runCmd(t, e, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return out
}

func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// fields is a line's words, so the tests do not depend on column widths.
func lineWith(t *testing.T, out, start string) []string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), start) {
			return strings.Fields(l)
		}
	}
	t.Fatalf("no line starting %q in:\n%s", start, out)
	return nil
}

func TestMap(t *testing.T) {
	srv, _ := fixtureServer(t, "stage3.jsonl")
	out := mustRun(t, testEnv(stage3Now), "map", "--local", srv.URL)
	wantLines(t, out, "Service map 2026-12-01 19:06:00 - 2026-12-01 20:06:00 UTC: 7 nodes", "NODE", "EDGE")
	lines := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		lines[strings.Join(strings.Fields(l), " ")] = true
	}
	for _, want := range []string{
		"mysfits-questions/prod (root) AWS::ApiGateway::Stage 10 10.0% 50.0% 0.0% 119ms 1.002s",
		"mysfits-questions-post AWS::Lambda::Function 9 0.0% 55.6% 0.0% 1.001s 1.002s",
		"mysfits-questions-post AWS::Lambda 9 0.0% 0.0% 0.0% 1.001s 1.002s",
		"DynamoDB AWS::DynamoDB::Table 3 0.0% 0.0% 0.0% 20ms 118ms",
		"SNS AWS::SNS 3 0.0% 0.0% 0.0% 1.0ms 2.0ms",
		"client -> mysfits-questions/prod 10 10.0% 50.0% 0.0% 119ms 1.002s",
		"mysfits-questions-post (AWS::Lambda) -> mysfits-questions-post (AWS::Lambda::Function) 9 0.0% 55.6% 0.0% 1.001s 1.002s",
		"mysfits-questions/prod -> mysfits-questions-post (AWS::Lambda) 9 0.0% 0.0% 0.0% 1.001s 1.002s",
	} {
		if !lines[want] {
			t.Errorf("no line %q in:\n%s", want, out)
		}
	}

	var g traces.ServiceGraph
	if err := json.Unmarshal([]byte(mustRun(t, testEnv(stage3Now), "map", "--json", "--local", srv.URL)), &g); err != nil || len(g.Services) != 9 {
		t.Errorf("--json: %v, %d services", err, len(g.Services))
	}
	// Nothing in the window.
	out = mustRun(t, testEnv(stage3Now.Add(48*time.Hour)), "map", "--local", srv.URL)
	wantLines(t, out, "0 nodes", "No traces in this window.")
}

func TestList(t *testing.T) {
	srv, _ := fixtureServer(t, "stage3.jsonl")
	e := testEnv(stage3Now)
	out := mustRun(t, e, "list", "--local", srv.URL)
	wantLines(t, out, "START (UTC)", "11 traces (11 scanned)")
	if got := strings.Join(lineWith(t, out, "2026-12-01 20:05:52  "+faultTrace), " "); got !=
		"2026-12-01 20:05:52 "+faultTrace+" POST 502 1.002s 1.002s fault mysfits-questions/prod" {
		t.Errorf("fault row %q", got)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--faults"}, "5 traces (11 scanned)"},
		{[]string{"--errors"}, "1 traces (11 scanned)"},
		{[]string{"--faults", "--errors"}, "6 traces (11 scanned)"},
		{[]string{"--slower-than", "500ms"}, "5 traces (11 scanned)"},
		{[]string{"--faults", "--slower-than", "1.001s", "--filter", `http.method = "POST"`}, "4 traces (11 scanned)"},
		{[]string{"--filter", `service("SNS")`}, "1 traces (11 scanned)"},
		{[]string{"--since", "5s"}, "6 traces (6 scanned)"},
		{[]string{"--filter", "throttle"}, "No traces match (11 scanned)."},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out := mustRun(t, e, append([]string{"list", "--local", srv.URL}, tt.args...)...)
			wantLines(t, out, tt.want)
		})
	}
	var sums traces.TraceSummaries
	if err := json.Unmarshal([]byte(mustRun(t, e, "list", "--json", "--faults", "--local", srv.URL)), &sums); err != nil || len(sums.TraceSummaries) != 5 {
		t.Errorf("--json: %v, %d", err, len(sums.TraceSummaries))
	}
	// A filter the console cannot read: its error, exit status 1.
	code, _, errOut := runCmd(t, e, "list", "--local", srv.URL, "--filter", "responsetime >")
	if code != 1 || !strings.Contains(errOut, "filter: at position 15: expected a number after responsetime >") {
		t.Errorf("bad filter: exit %d, %s", code, errOut)
	}
}

func TestListFilter(t *testing.T) {
	tests := []struct {
		o    options
		want string
	}{
		{options{}, ""},
		{options{faults: true}, "fault"},
		{options{errors: true}, "error"},
		{options{faults: true, errors: true}, "(fault OR error)"},
		{options{slowerThan: 4 * time.Second}, "responsetime > 4"},
		{options{slowerThan: 1500 * time.Millisecond, faults: true}, "fault AND responsetime > 1.5"},
		{options{filter: "ok OR partial"}, "ok OR partial"},
		{options{filter: "ok OR partial", faults: true}, "fault AND (ok OR partial)"},
	}
	for _, tt := range tests {
		if got := tt.o.listFilter(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.o, got, tt.want)
		}
		if _, err := traces.ParseFilter(tt.o.listFilter()); err != nil {
			t.Errorf("%q does not parse: %v", tt.o.listFilter(), err)
		}
	}
}

func TestShow(t *testing.T) {
	srv, _ := fixtureServer(t, "stage3.jsonl")
	e := testEnv(stage3Now)
	// Flags after the trace id work too.
	out := mustRun(t, e, "show", faultTrace, "--local", srv.URL)
	wantLines(t, out,
		"Trace "+faultTrace+"  2026-12-01 20:05:52 UTC",
		"POST http://127.0.0.1:18080/prod/questions -> 502, response 1.002s, duration 1.002s, fault",
		"|0                                 1.002s|",
		"! fmt.wrapError: injected fault (tracing stage 3 exercise): hangingException hung for 1s",
	)
	// The tree: API Gateway, its Invoke, the Lambda service and function
	// segments, the hanging subsegment, each one level deeper.
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "|") && !strings.HasPrefix(l, "NAME") {
			rows = append(rows, l)
		}
	}
	wantNames := []string{"mysfits-questions/prod", "Lambda", "mysfits-questions-post", "mysfits-questions-post", "hangingException"}
	if len(rows) != len(wantNames) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(wantNames), out)
	}
	for i, r := range rows {
		if f := strings.Fields(r); f[0] != wantNames[i] || indent(r) != 2*i {
			t.Errorf("row %d %q: want %s indented %d", i, r, wantNames[i], 2*i)
		}
	}
	if f := strings.Fields(rows[4]); f[len(f)-1] != "FAULT" || !strings.Contains(rows[4], "|####") {
		t.Errorf("hangingException row %q lacks its fault", rows[4])
	}
	if !strings.Contains(rows[1], "aws Invoke") || !strings.Contains(rows[1], "|====") {
		t.Errorf("Invoke row %q", rows[1])
	}

	// A good trace: the DynamoDB PutItem under the function.
	out = mustRun(t, e, "show", "--local", srv.URL, "1-6b0f28a2-fce7446e840c54ff95e1a29f")
	wantLines(t, out, "-> 201, response 119ms", "DynamoDB", "aws PutItem", "118ms")

	var got traces.Traces
	if err := json.Unmarshal([]byte(mustRun(t, e, "show", "--json", "--local", srv.URL, faultTrace)), &got); err != nil || len(got.Traces) != 1 {
		t.Errorf("--json: %v %+v", err, got)
	}
	code, _, errOut := runCmd(t, e, "show", "--local", srv.URL, "1-00000000-000000000000000000000000")
	if code != 1 || !strings.Contains(errOut, "trace 1-00000000-000000000000000000000000 not found") {
		t.Errorf("missing trace: exit %d, %s", code, errOut)
	}
}

func TestTriage(t *testing.T) {
	srv, _ := fixtureServer(t, "stage3.jsonl")
	e := testEnv(stage3Now)
	out := mustRun(t, e, "triage", "--local", srv.URL)
	wantLines(t, out,
		"Failing node  mysfits-questions-post (AWS::Lambda::Function): 5 of 9 requests fault (55.6%)",
		"subsegment hangingException: 1.001s",
		"Stored        not stored",
	)
	var r traces.TriageReport
	if err := json.Unmarshal([]byte(mustRun(t, e, "triage", "--json", "--local", srv.URL)), &r); err != nil {
		t.Fatal(err)
	}
	if r.Node == nil || r.Node.Name != "mysfits-questions-post" || r.Fault == nil || r.Fault.Name != "hangingException" || r.Stored != "not stored" {
		t.Errorf("--json report %+v", r)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no subcommand"},
		{[]string{"graph"}, `unknown subcommand "graph"`},
		{[]string{"list", "--since", "yesterday"}, `-since`},
		{[]string{"list", "--since", "-5m"}, "--since -5m0s: must be positive"},
		{[]string{"list", "--slower-than", "fast"}, "-slower-than"},
		{[]string{"list", "--slower-than", "-1s"}, "--slower-than -1s: must not be negative"},
		{[]string{"map", "--faults"}, "map: --faults goes with list"},
		{[]string{"--tail", "triage"}, "triage: --tail goes with list"},
		{[]string{"show", faultTrace, "--since", "5m"}, "show: --since goes with map, list and triage"},
		{[]string{"list", "--nope"}, "list: flag provided but not defined: -nope"},
		{[]string{"--aws"}, "no subcommand"},
		{[]string{"show"}, "show: give exactly one TRACE_ID, got 0"},
		{[]string{"show", faultTrace, faultTrace}, "got 2"},
		{[]string{"show", "abc"}, `"abc" is not a trace id`},
		{[]string{"map", "extra"}, `unexpected argument "extra"`},
		{[]string{"map", "--aws", "--local", "http://x"}, "--local and --aws: choose one source"},
		{[]string{"map", "--region", "us-east-1"}, "--region and --endpoint-url go with --aws"},
		{[]string{"map", "--aws", "--endpoint-url", "localhost:4566"}, "--endpoint-url"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, testEnv(stage3Now), tt.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tt.want) || !strings.Contains(errOut, "-h' for usage") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, out, errOut, tt.want)
			}
		})
	}
	code, _, errOut := runCmd(t, testEnv(stage3Now), "map", "--local", "127.0.0.1:8080")
	if code != 1 || !strings.Contains(errOut, "--local: ") {
		t.Errorf("bad --local: exit %d, %s", code, errOut)
	}
	for _, help := range [][]string{{"-h"}, {"help"}, {"list", "-h"}} {
		if code, out, _ := runCmd(t, testEnv(stage3Now), help...); code != 0 || !strings.Contains(out, "Usage: go run ./cmd/traces") {
			t.Errorf("%v: exit %d, %q", help, code, out)
		}
	}
}

// syncBuffer is written by the tail while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestListTail(t *testing.T) {
	srv, store := fixtureServer(t, "stage1.jsonl")
	e := testEnv(time.Unix(1796155520, 0))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"list", "--tail", "--local", srv.URL}, &out, io.Discard, e)
	}()
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("tail never printed %q:\n%s", s, out.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("1-6b0f287c-5b77ecdfd44ffc5d18ab04ec")
	// A new trace arrives at the daemon while tailing.
	const fresh = "1-6b0f2880-000000000000000000000001"
	doc := `{"name":"mysfits-questions-post","id":"00000000000000aa","trace_id":"` + fresh + `","start_time":1796155519,"end_time":1796155519.5,"origin":"AWS::Lambda","http":{"response":{"status":200}}}`
	if err := store.Add([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	waitFor(fresh)
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("tail ended with %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tail did not stop on cancel")
	}
	text := out.String()
	if strings.Count(text, "TRACE ID") != 1 || strings.Count(text, "1-6b0f287a-232f9528a941eb10b1343b64") != 1 || strings.Count(text, fresh) != 1 {
		t.Errorf("each trace once, one header:\n%s", text)
	}
}

// TestAWSMap runs the command against a stand-in X-Ray endpoint with the
// default configuration chain fed from the environment.
func TestAWSMap(t *testing.T) {
	awsTestCredentials(t)
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ NextToken string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		paths = append(paths, r.URL.Path+"?"+body.NextToken)
		mu.Unlock()
		page := "GetServiceGraph-page1.json"
		if body.NextToken == "graph-page-2" {
			page = "GetServiceGraph-page2.json"
		}
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "traces", "aws", page))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	out := mustRun(t, testEnv(stage3Now), "map", "--aws", "--region", "eu-west-1", "--endpoint-url", srv.URL)
	wantLines(t, out, "7 nodes", "mysfits-questions/prod (root)", "client -> mysfits-questions/prod")
	mu.Lock()
	defer mu.Unlock()
	// The SDK's retryer may repeat a request whose connection closed under
	// it (aws/aws-sdk-go-v2#2737); what matters is both pages, in order.
	if strings.Join(slices.Compact(paths), " ") != "/ServiceGraph? /ServiceGraph?graph-page-2" {
		t.Errorf("requests %v", paths)
	}
}

func TestListTailJSON(t *testing.T) {
	srv, _ := fixtureServer(t, "stage1.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"list", "--tail", "--json", "--local", srv.URL}, &out, io.Discard, testEnv(time.Unix(1796155520, 0)))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out.String(), "\n") < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want one summary per trace:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		var s traces.TraceSummary
		if err := json.Unmarshal([]byte(l), &s); err != nil || s.ID == "" {
			t.Errorf("line %q: %v", l, err)
		}
	}
}

// Flags go before or after the subcommand, and after the trace id.
func TestFlagsAnywhere(t *testing.T) {
	srv, _ := fixtureServer(t, "stage3.jsonl")
	e := testEnv(stage3Now)
	tests := []struct {
		name string
		args [][]string // every spelling gives the same output
		want string
	}{
		{"map", [][]string{{"map", "--local", srv.URL}, {"--local", srv.URL, "map"}}, "7 nodes"},
		{"triage", [][]string{{"triage", "--local", srv.URL}, {"--local", srv.URL, "triage"}}, "Where         subsegment hangingException"},
		{"list", [][]string{
			{"list", "--local", srv.URL, "--faults", "--slower-than", "1s"},
			{"--slower-than", "1s", "--faults", "list", "--local", srv.URL},
			{"--local", srv.URL, "--faults", "list", "--slower-than", "1s"},
		}, "5 traces (11 scanned)"},
		{"show", [][]string{
			{"show", faultTrace, "--local", srv.URL},
			{"show", "--local", srv.URL, faultTrace},
			{"--local", srv.URL, "show", faultTrace},
		}, "hangingException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first string
			for i, args := range tt.args {
				out := mustRun(t, e, args...)
				wantLines(t, out, tt.want)
				if i == 0 {
					first = out
				} else if out != first {
					t.Errorf("%v prints\n%s\nwhile %v prints\n%s", args, out, tt.args[0], first)
				}
			}
		})
	}
	// --aws before the subcommand is the same source as after it.
	for _, args := range [][]string{{"--aws", "triage"}, {"triage", "--aws"}, {"--aws", "--region", "eu-west-1", "triage", "--since", "15m"}} {
		o, err := parse(args)
		if err != nil || o.sub != "triage" || !o.aws {
			t.Errorf("%v: %+v, %v", args, o, err)
		}
	}
}

// A duration flag without a unit says which unit to write.
func TestDurationFlagsNeedAUnit(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list", "--slower-than", "4"}, "--slower-than 4: give a unit, e.g. 4s"},
		{[]string{"--slower-than", "0.8", "list"}, "--slower-than 0.8: give a unit, e.g. 0.8s"},
		{[]string{"triage", "--since", "15"}, "--since 15: give a unit, e.g. 15m"},
		{[]string{"list", "--slower-than", "fast"}, `--slower-than "fast": not a duration: write it like 800ms, 4s, 15m or 2h`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, testEnv(stage3Now), tt.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, out, errOut, tt.want)
			}
		})
	}
}

// Triage ends with the list command that shows the failing requests, its
// --slower-than from their response times (the stage's faultDelay, 1 s
// here), and that command lists exactly them.
func TestTriageSuggestsSlowerThan(t *testing.T) {
	srv, _ := fixtureServer(t, "stage3.jsonl")
	e := testEnv(stage3Now)
	out := mustRun(t, e, "triage", "--local", srv.URL, "--since", "15m")
	want := "Next          go run ./cmd/traces list --local " + srv.URL + " --since 15m --faults --slower-than 800ms, then show one\n"
	if !strings.HasSuffix(out, want) {
		t.Fatalf("triage does not end with %q:\n%s", want, out)
	}
	args := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(want, "Next          go run ./cmd/traces "), ", then show one\n"))
	wantLines(t, mustRun(t, e, args...), "5 traces (11 scanned)")
	for _, l := range strings.Split(mustRun(t, e, args...), "\n") {
		if strings.Contains(l, " POST ") && !strings.Contains(l, " 502 ") {
			t.Errorf("the suggested list shows %q, not a failing request", l)
		}
	}
}

// list --tail lines fit a terminal: fixed columns as wide as their widest
// value (under 80 columns together), then the entry point's name.
func TestTailLinesFit(t *testing.T) {
	for _, fixture := range []string{"stage1.jsonl", "stage2.jsonl", "stage3.jsonl"} {
		t.Run(fixture, func(t *testing.T) {
			_, store := fixtureServer(t, fixture)
			sums := store.TraceSummaries(0, 0, nil).TraceSummaries
			var b bytes.Buffer
			if err := printTail(&b, sums, false, true); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if len(lines) != len(sums)+1 {
				t.Fatalf("%d lines for %d traces:\n%s", len(lines), len(sums), b.String())
			}
			for _, l := range lines {
				f := strings.Fields(l)
				entry := f[len(f)-1]
				if !strings.HasSuffix(l, "  "+entry) || len(l)-len(entry) > 79 {
					t.Errorf("line of %d columns before its entry point %q, want at most 79:\n%s", len(l)-len(entry), entry, l)
				}
			}
			// The columns line up: every trace id starts where the header's does.
			at := strings.Index(lines[0], "TRACE ID")
			for _, s := range sums {
				for _, l := range lines[1:] {
					if i := strings.Index(l, s.ID); i >= 0 && i != at {
						t.Errorf("trace id at column %d, header at %d:\n%s\n%s", i, at, lines[0], l)
					}
				}
			}
		})
	}
}

// A --since longer than X-Ray takes in one call is read in the ranges it
// does take, through the command and the SDK's configuration chain.
func TestAWSLongSince(t *testing.T) {
	awsTestCredentials(t)
	var mu sync.Mutex
	var longest float64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			NextToken          string
			StartTime, EndTime float64
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		longest = max(longest, body.EndTime-body.StartTime)
		mu.Unlock()
		pages := map[string]string{"/ServiceGraph": "GetServiceGraph-page1.json", "/ServiceGraph graph-page-2": "GetServiceGraph-page2.json",
			"/TraceSummaries": "GetTraceSummaries-page1.json", "/TraceSummaries summaries-page-2": "GetTraceSummaries-page2.json"}
		page := pages[strings.TrimSpace(r.URL.Path+" "+body.NextToken)]
		if page == "" || body.EndTime-body.StartTime > traces.APIWindow.Seconds() {
			w.Header().Set("X-Amzn-ErrorType", "InvalidRequestException")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"refused for the test"}`))
			return
		}
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "traces", "aws", page))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	tests := []struct {
		args []string
		want string
		note string
	}{
		{[]string{"list", "--since", "13h"}, "11 traces (33 scanned)", ""},
		{[]string{"map", "--since", "1000h"}, "7 nodes", "traces: --since 1000h: X-Ray keeps traces 30 days; reading those"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, testEnv(stage3Now), append([]string{"--aws", "--region", "eu-west-1", "--endpoint-url", srv.URL}, tt.args...)...)
			if code != 0 || !strings.Contains(out, tt.want) || !strings.Contains(errOut, tt.note) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 0, %q and %q", code, out, errOut, tt.want, tt.note)
			}
		})
	}
	if longest > traces.APIWindow.Seconds() {
		t.Errorf("a range of %v s was sent", longest)
	}
}

// awsTestCredentials feeds the SDK's default configuration chain from the
// environment alone: example keys, no profile or config file, no instance
// metadata, so the command runs as it would for a user.
func awsTestCredentials(t *testing.T) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
