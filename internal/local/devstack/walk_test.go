package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/stackconfig"
	"github.com/mysfits/mysfits-questions/internal/traces"
	"github.com/mysfits/mysfits-questions/questions"
)

// The learner's walk as on AWS, without a restart: the stack starts at
// stage 1 from its config file, and each change of the file (what `pulumi
// config set` writes) switches it while it runs. Each stage's map, read
// from the trace store by stage, has that stage's nodes; a bad value is
// refused with the deploy's message and the stage stays; a request that
// started before a switch ends on its old configuration; and every
// stage's traces are still there after the switches and after a restart
// on the same state folder.
func TestWalkThroughTheStagesLive(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on a stack of its own

	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	project, err := stackconfig.LoadProject(root)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "Pulumi.walk.yaml")
	set := func(keysAndValues ...string) {
		t.Helper()
		var b strings.Builder
		b.WriteString("config:\n  aws:region: us-east-1\n")
		for i := 0; i+1 < len(keysAndValues); i += 2 {
			fmt.Fprintf(&b, "  %s:%s: %q\n", project.Name, keysAndValues[i], keysAndValues[i+1])
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	admin := []string{"adminEmail", "admin@mysfits.example"}
	set(append(admin, "stage", "1", "faultDelay", "300ms")...)

	resolver := stackconfig.Resolver{Project: project}
	from, err := resolver.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := startStackWith(t, services, from.Settings.Tracing, func(c *Config) { c.AllowedOrigin = from.Settings.AllowedOrigin })
	stack := d.Stack
	w := follow(t, stack, resolver, file, from)

	n := stack.Names()
	lambdaNodes := []node{
		{"client", traces.TypeClient},
		{n.PostFunction, traces.TypeLambda}, {n.PostFunction, traces.TypeLambdaFunction},
		{n.ProcessFunction, traces.TypeLambda}, {n.ProcessFunction, traces.TypeLambdaFunction},
	}
	apiStage := node{n.API + "/" + contract.StageName, traces.TypeAPIGateway}
	want := map[contract.TracingStage][]node{
		1: lambdaNodes,
		2: append(slices.Clone(lambdaNodes), apiStage, node{"DynamoDB", "AWS::DynamoDB::Table"}, node{"SNS", "AWS::SNS"}),
		// Every POST faults: nothing is stored, so nothing is notified.
		3: {{"client", traces.TypeClient}, apiStage, {n.PostFunction, traces.TypeLambda}, {n.PostFunction, traces.TypeLambdaFunction}},
	}

	t.Log("stage 1, as the stack started")
	postAt(t, stack, 1, http.StatusCreated)
	waitForMap(t, stack.traces, 1, want[1])

	set(append(admin, "stage", "2", "faultDelay", "300ms")...)
	got := w.wait(t, `stage "1" -> "2"; applied`)
	checkReport(t, got, map[string][]string{
		"~ function " + n.PostFunction + "  environment:":    {contract.EnvStage + " 1 -> 2"},
		"~ function " + n.ProcessFunction + "  environment:": {contract.EnvStage + " 1 -> 2"},
		"    new invocations start":                          {"fresh execution environments"},
		"~ API stage " + n.API + "/" + contract.StageName:    {"X-Ray tracing: off -> on"},
	})
	postAt(t, stack, 2, http.StatusCreated)
	waitForMap(t, stack.traces, 2, want[2])

	set(append(admin, "stage", "3", "faultPercent", "100", "faultDelay", "300ms")...)
	got = w.wait(t, `stage "2" -> "3"; applied`)
	faults := []string{contract.EnvStage + " 2 -> 3", "+" + contract.EnvFaultDelay + "=300ms", "+" + contract.EnvFaultPercent + "=100"}
	checkReport(t, got, map[string][]string{
		"~ function " + n.PostFunction + "  environment:":    faults,
		"~ function " + n.ProcessFunction + "  environment:": faults,
		"    on AWS the alarm":                               {"no alarms run locally"},
	})
	if strings.Contains(got, "API stage") {
		t.Errorf("the switch to stage 3 changes the API stage:\n%s\nwant the functions only, as `pulumi up` changes", got)
	}
	postAt(t, stack, 3, http.StatusBadGateway)
	g := waitForMap(t, stack.traces, 3, want[3])
	if i := slices.IndexFunc(g.Services, func(s traces.Service) bool {
		return s.Name == n.PostFunction && s.Type == traces.TypeLambdaFunction
	}); i < 0 || g.Services[i].SummaryStatistics.Faults() == 0 {
		t.Errorf("stage 3 map: the post function shows no fault")
	}

	t.Log("a bad value: refused with the deploy's message, the stage stays")
	set(append(admin, "stage", "7", "faultPercent", "100", "faultDelay", "300ms")...)
	got = w.wait(t, "refused")
	for _, says := range []string{"invalid configuration:\nstage: 7 is not allowed (must be 1, 2 or 3)", "the stack keeps running stage 3"} {
		if !strings.Contains(got, says) {
			t.Errorf("the refusal says\n%s\nwant it to say %q", got, says)
		}
	}
	if s := stack.Tracing().Stage; s != 3 {
		t.Errorf("after a bad value the stack runs stage %d, want 3 still", s)
	}
	postAt(t, stack, 3, http.StatusBadGateway)

	t.Log("a request that started on stage 3 ends on it after a switch to stage 1")
	inFlight := stack.live.Load() // the configuration a request arriving now holds
	ended := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		inFlight.api.ServeHTTP(rec, questionRequest(t, "Still hanging? #"+randomToken(t)))
		ended <- rec.Code
	}()
	set(append(admin, "stage", "1")...)
	got = w.wait(t, `stage "3" -> "1"; applied`)
	checkReport(t, got, map[string][]string{
		"~ function " + n.PostFunction + "  environment:": {contract.EnvStage + " 3 -> 1", "-" + contract.EnvFaultPercent},
		"~ API stage " + n.API + "/" + contract.StageName: {"X-Ray tracing: on -> off"},
	})
	if code := <-ended; code != http.StatusBadGateway {
		t.Errorf("the request in flight ended %d, want the 502 of the stage-3 fault it started with", code)
	}
	postAt(t, stack, 1, http.StatusCreated)

	t.Log("every stage's map, after the switches")
	for stage := contract.StageLambdaOnly; stage <= contract.StageFaults; stage++ {
		waitForMap(t, stack.traces, stage, want[stage])
	}

	t.Log("and after a restart on the same state folder")
	w.stop()
	failureDir := stack.cfg.FailureDir
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	again, _ := startStackWith(t, services, atStage(contract.StageSDK), func(c *Config) { c.FailureDir = failureDir })
	for stage := contract.StageLambdaOnly; stage <= contract.StageFaults; stage++ {
		waitForMap(t, again.traces, stage, want[stage])
	}
}

// watch is a Follower on a stack, as cmd/local runs it, with the reports
// kept for the test.
type watch struct {
	mu      sync.Mutex
	reports []string
	stop    func()
}

// follow follows file for stack with a short interval, applying each
// change with Apply and printing each report on the stack's console.
func follow(t *testing.T, stack *Stack, r stackconfig.Resolver, file string, from stackconfig.Resolved) *watch {
	t.Helper()
	w := &watch{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&stackconfig.Follower{
			Resolver: r, Path: file, Interval: 20 * time.Millisecond,
			Apply: func(r stackconfig.Resolved) (string, error) {
				ch, err := stack.Apply(r.Settings)
				return ch.String(), err
			},
			Report: func(msg string) {
				stack.Print(msg)
				w.mu.Lock()
				defer w.mu.Unlock()
				w.reports = append(w.reports, msg)
			},
		}).Run(ctx, from)
	}()
	var once sync.Once
	w.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(w.stop)
	return w
}

// wait returns the first report saying says, and drops it and the ones
// before it; a switch is due within about 2 s.
func (w *watch) wait(t *testing.T, says string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		w.mu.Lock()
		i := slices.IndexFunc(w.reports, func(r string) bool { return strings.Contains(r, says) })
		var got string
		if i >= 0 {
			got = w.reports[i]
			w.reports = w.reports[i+1:]
		}
		seen := slices.Clone(w.reports)
		w.mu.Unlock()
		if i >= 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("no report saying %q within 2s of the change; reports: %q", says, seen)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkReport checks that the report has a line starting with each
// prefix and saying each of its phrases.
func checkReport(t *testing.T, report string, lines map[string][]string) {
	t.Helper()
	all := strings.Split(report, "\n")
	for prefix, phrases := range lines {
		prefix = strings.TrimSpace(prefix)
		i := slices.IndexFunc(all, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), prefix) })
		if i < 0 {
			t.Errorf("report\n%s\nhas no line starting %q", report, prefix)
			continue
		}
		line := all[i]
		for _, p := range phrases {
			if !strings.Contains(line, p) {
				t.Errorf("report line %q does not say %q", line, p)
			}
		}
	}
}

// postAt posts a question, checking the stack runs stage and answers status.
func postAt(t *testing.T, stack *Stack, stage contract.TracingStage, status int) {
	t.Helper()
	if s := stack.Tracing().Stage; s != stage {
		t.Fatalf("the stack runs stage %d, want %d", s, stage)
	}
	if a := postQuestion(t, stack, "ada@example.com", fmt.Sprintf("Which mysfit sleeps most at stage %d? #%s", stage, randomToken(t))); a.status != status {
		t.Fatalf("POST at stage %d answered %d %v, want %d", stage, a.status, a.body, status)
	}
}

// questionRequest is a POST /questions as the Contact Us page sends it.
func questionRequest(t *testing.T, text string) *http.Request {
	t.Helper()
	body, err := json.Marshal(map[string]string{questions.FieldEmail: "ada@example.com", questions.FieldQuestionText: text})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, contract.ResourcePath, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// waitForMap waits for the map of one stage's traces to have the nodes
// want (client nodes counted once) and returns it.
func waitForMap(t *testing.T, store *traces.Store, stage contract.TracingStage, want []node) traces.ServiceGraph {
	t.Helper()
	want = slices.SortedFunc(slices.Values(want), compareNodes)
	var g traces.ServiceGraph
	var got []node
	deadline := time.Now().Add(10 * time.Second)
	for {
		g = store.ServiceGraphIn(traces.Scope{Stage: int(stage)}, nil)
		seen := map[node]bool{}
		for _, s := range g.Services {
			seen[node{s.Name, s.Type}] = true
		}
		got = slices.SortedFunc(maps.Keys(seen), compareNodes)
		if slices.Equal(got, want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // the last segments may still be on their way
	}
	if !slices.Equal(got, want) {
		t.Errorf("stage %d map:\n got  %v\n want %v", stage, got, want)
	}
	return g
}

func compareNodes(a, b node) int { return strings.Compare(a.String(), b.String()) }
