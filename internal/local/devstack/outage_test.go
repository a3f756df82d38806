package devstack

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/testkit/audit"
)

// The outage tests run the stack exactly as `make dev` does, with the
// stream mapping's settings from components/spec and the poller's default
// backoff (0.5s doubling): a failing batch is retried after 0.5, 1 and 2
// seconds and given up to the failure store after MaxRetryAttempts (3),
// about 3.5 seconds after its first failure. That is the local retry
// budget the SNS outage tests are measured against.
const (
	retryBudget = 3500 * time.Millisecond
	// settleTimeout bounds the wait for the notifications after an outage:
	// the longest wait is a stream read retried with backoff until the
	// service is back, at most 30s between tries.
	settleTimeout = 90 * time.Second
)

// quietPeriod is how long the tests keep watching once every question is
// accounted for, so a late duplicate shows up: three batching windows.
var quietPeriod = 3 * contract.QuestionsStream().MaxBatchingWindow

// outageServices starts DynamoDB Local and GoAWS for one test alone: the
// test stops and restarts them, which the shared services must not see.
// dataDir keeps DynamoDB Local's table on disk ("" = in memory).
func outageServices(t *testing.T, dataDir string) *Services {
	t.Helper()
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	svc, err := StartServices(ctx, ServicesConfig{Root: root, StateDir: t.TempDir(), DataDir: dataDir})
	if err != nil {
		t.Fatalf("starting the local services: %v", err)
	}
	t.Cleanup(func() {
		select {
		case err := <-svc.Died():
			t.Errorf("a service died during the test: %v", err)
		default:
		}
		if err := svc.Stop(); err != nil {
			t.Errorf("stopping the services: %v", err)
		}
	})
	return svc
}

// client posts questions with unique texts and keeps what they got back.
type client struct {
	t     *testing.T
	stack *Stack
	reqs  []audit.Request
	n     int
}

// post sends one question and returns its answer and how long it took.
func (c *client) post(label string) (answer, time.Duration) {
	c.t.Helper()
	c.n++
	email := fmt.Sprintf("visitor%d@example.com", c.n)
	text := fmt.Sprintf("%s question %d of %s: are the mysfits still there?", label, c.n, c.t.Name())
	start := time.Now()
	a := postQuestion(c.t, c.stack, email, text)
	took := time.Since(start)
	c.reqs = append(c.reqs, audit.Request{Email: email, Text: text, Status: a.status, QuestionID: a.body["questionId"]})
	return a, took
}

// postAccepted posts and requires the 201.
func (c *client) postAccepted(label string) {
	c.t.Helper()
	if a, _ := c.post(label); a.status != http.StatusCreated || a.body["questionId"] == "" {
		c.t.Fatalf("%s: POST answered %d %v, want 201 with a questionId", label, a.status, a.body)
	}
}

// audit gathers the evidence from the services and checks every request.
func (c *client) audit(svc *Services, obs *observed) audit.Report {
	c.t.Helper()
	ctx := context.Background()
	cfg := AWSConfig(svc.DynamoDBEndpoint)
	items, err := audit.ScanTable(ctx, dynamodb.NewFromConfig(cfg), c.stack.Resources().TableName)
	if err != nil {
		c.t.Fatal(err)
	}
	_, notes, dead := obs.snapshot()
	ev := audit.Evidence{Items: items, Notifications: notes}
	for _, rec := range dead {
		ids, err := audit.DeadLetteredIDs(ctx, dynamodbstreams.NewFromConfig(cfg), rec)
		if err != nil {
			c.t.Fatal(err)
		}
		ev.DeadLettered = append(ev.DeadLettered, ids...)
	}
	return audit.Check(c.reqs, ev)
}

// settle waits until every question is accounted for, returns when that
// was, then keeps watching for the quiet period and returns the final report.
func (c *client) settle(svc *Services, obs *observed) (audit.Report, time.Time) {
	c.t.Helper()
	deadline := time.Now().Add(settleTimeout)
	for {
		r := c.audit(svc, obs)
		if len(r.Lost) == 0 {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("after %s, still not accounted for:\n  %s", settleTimeout, strings.Join(r.Problems(), "\n  "))
		}
		time.Sleep(100 * time.Millisecond)
	}
	settled := time.Now()
	time.Sleep(quietPeriod)
	r := c.audit(svc, obs)
	if !r.OK() {
		c.t.Errorf("the promise is broken:\n  %s", strings.Join(r.Problems(), "\n  "))
	}
	if r.Duplicates != 0 || r.NotifiedAndDeadLettered != 0 {
		c.t.Errorf("%d duplicate notification(s), %d question(s) both notified and dead-lettered; want none", r.Duplicates, r.NotifiedAndDeadLettered)
	}
	return r, settled
}

// waitUntil sleeps until t.
func waitUntil(t time.Time) { time.Sleep(time.Until(t)) }

// snsOutage stops GoAWS (SNS and both queues) for outage while a visitor
// posts every spacing. Storing needs only DynamoDB, so every POST is
// accepted; the process function fails to publish and the mapping retries.
// GoAWS comes back with the topic, the inbox and its subscription in place
// (Services.KeepResources), as SNS would: nothing is made again.
func snsOutage(t *testing.T, outage, spacing time.Duration) (c *client, obs *observed, svc *Services, down, up time.Time) {
	t.Helper()
	svc = outageServices(t, "")
	stack, obs := startStackOn(t, svc, atStage(contract.StageLambdaOnly), "")
	c = &client{t: t, stack: stack}

	// The notification of a question from before the outage is read first:
	// a message still in GoAWS's queue when it stops is gone with the
	// process (an emulator artifact: SNS delivers the e-mail).
	c.postAccepted("before the outage")
	c.settleQuietly(svc, obs)

	down = time.Now()
	if err := svc.StopService(GoAWS); err != nil {
		t.Fatal(err)
	}
	for time.Since(down) < outage-spacing/2 {
		c.postAccepted("during the SNS outage")
		time.Sleep(spacing)
	}
	waitUntil(down.Add(outage))
	ctx := context.Background()
	if err := svc.StartService(ctx, GoAWS); err != nil {
		t.Fatal(err)
	}
	up = time.Now()
	c.postAccepted("after the outage")
	return c, obs, svc, down, up
}

// settleQuietly waits until every question so far is accounted for.
func (c *client) settleQuietly(svc *Services, obs *observed) {
	c.t.Helper()
	waitFor(c.t, "the questions so far to be notified", func() bool { return len(c.audit(svc, obs).Lost) == 0 })
}

// An SNS outage shorter than the retry budget: every question reaches the
// inbox once it is back, none only in the dead-letter queue, none twice.
func TestSNSOutageShorterThanTheRetryBudget(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on services of its own
	const outage = 2 * time.Second
	c, obs, svc, down, up := snsOutage(t, outage, 400*time.Millisecond)
	r, settled := c.settle(svc, obs)
	if r.Accepted != len(c.reqs) || r.Notified != r.Accepted || r.DeadLettered != 0 {
		t.Errorf("%d accepted, %d notified, %d dead-lettered of %d; want every question notified and none dead-lettered after a %s outage (retry budget %s)",
			r.Accepted, r.Notified, r.DeadLettered, len(c.reqs), outage, retryBudget)
	}
	t.Logf("MEASURED sns-outage-short: GoAWS down %s, %d questions posted during it all answered 201; all %d notified %s after GoAWS was back, %d dead-lettered, %d lost, %d duplicates",
		up.Sub(down).Round(10*time.Millisecond), len(c.reqs)-2, r.Notified, settled.Sub(up).Round(10*time.Millisecond), r.DeadLettered, len(r.Lost), r.Duplicates)
}

// An SNS outage longer than the retry budget: the first questions' batch
// runs out of retries while SNS is down and goes to the failure store,
// which needs no SNS (S3 on AWS, a folder here), and so may the next ones.
// Every question ends in the inbox or the failure store, once.
func TestSNSOutageLongerThanTheRetryBudget(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on services of its own
	// The first batch of the outage is given up about 5s in: 1s batching
	// window, then the retry budget.
	const outage = 10 * time.Second
	c, obs, svc, down, up := snsOutage(t, outage, 2*time.Second)
	r, settled := c.settle(svc, obs)
	if r.Accepted != len(c.reqs) || r.Notified+r.DeadLettered != r.Accepted {
		t.Errorf("%d accepted, %d notified, %d dead-lettered; want each accepted question in exactly one place", r.Accepted, r.Notified, r.DeadLettered)
	}
	// Which questions went where: the first one of the outage ran out of
	// retries; the one after it could be published.
	single := func(req audit.Request) audit.Report { return c.audit1(svc, obs, req) }
	if first := single(c.reqs[1]); first.DeadLettered != 1 {
		t.Errorf("the first question of the outage: notified %d, dead-lettered %d; want it in the failure store (its retries ended %s into a %s outage)",
			first.Notified, first.DeadLettered, retryBudget, outage)
	}
	if last := single(c.reqs[len(c.reqs)-1]); last.Notified != 1 {
		t.Errorf("the question after the outage was not notified: %+v", last)
	}
	_, _, dead := obs.snapshot()
	t.Logf("MEASURED sns-outage-long: GoAWS down %s, %d questions posted during it all answered 201; %d notified, %d dead-lettered in %d batch(es), %d lost, %d duplicates; all accounted for %s after GoAWS was back",
		up.Sub(down).Round(10*time.Millisecond), len(c.reqs)-2, r.Notified, r.DeadLettered, len(dead), len(r.Lost), r.Duplicates, settled.Sub(up).Round(10*time.Millisecond))
}

// audit1 is the report for one of the client's requests.
func (c *client) audit1(svc *Services, obs *observed, req audit.Request) audit.Report {
	c.t.Helper()
	one := &client{t: c.t, stack: c.stack, reqs: []audit.Request{req}}
	return one.audit(svc, obs)
}

// DynamoDB Local stopped: every POST answers 503 with a JSON error at once
// (a refused connection fails fast, far inside API Gateway's 29s), nothing
// of it is stored; once DynamoDB Local is back (its table on disk, as with
// `make dev --data-dir`) the API stores again and the stream mapping
// catches up by itself: every accepted question notified, once.
func TestDynamoDBOutage(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on services of its own
	const outage = 3 * time.Second
	dataDir := t.TempDir()
	svc := outageServices(t, dataDir)
	stack, obs := startStackOn(t, svc, atStage(contract.StageLambdaOnly), CheckpointPath(dataDir))
	c := &client{t: t, stack: stack}
	c.postAccepted("before the outage")
	c.settleQuietly(svc, obs)

	down := time.Now()
	if err := svc.StopService(DynamoDBLocal); err != nil {
		t.Fatal(err)
	}
	var slowest time.Duration
	rejected := 0
	for time.Since(down) < outage-500*time.Millisecond {
		a, took := c.post("during the DynamoDB outage")
		rejected++
		slowest = max(slowest, took)
		if a.status != http.StatusServiceUnavailable || !strings.HasPrefix(a.body["error"], "service unavailable") {
			t.Errorf("POST during the outage answered %d %v, want 503 with a JSON error saying the service is unavailable", a.status, a.body)
		}
		if ct := a.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("503 answer has Content-Type %q, want application/json", ct)
		}
		if a.header.Get("Access-Control-Allow-Origin") == "" {
			t.Error("503 answer lacks the CORS header: the page could not read it")
		}
		time.Sleep(300 * time.Millisecond)
	}
	waitUntil(down.Add(outage))
	if err := svc.StartService(context.Background(), DynamoDBLocal); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	firstAfter := time.Now()
	c.postAccepted("right after the outage") // no restart of the stack: the API recovers by itself
	firstTook := time.Since(firstAfter)
	c.postAccepted("after the outage")
	c.postAccepted("after the outage")

	r, settled := c.settle(svc, obs)
	accepted := len(c.reqs) - rejected
	// A refused connection never reaches DynamoDB: none of the 503s is stored.
	if r.Unsettled != rejected || r.UnsettledStored != 0 || r.Accepted != accepted || r.Notified != accepted || r.DeadLettered != 0 {
		t.Errorf("%d answered 503 of which %d stored, %d accepted, %d notified, %d dead-lettered; want %d answered 503 and stored nowhere, %d accepted and all notified",
			r.Unsettled, r.UnsettledStored, r.Accepted, r.Notified, r.DeadLettered, rejected, accepted)
	}
	if got, want := r.StatusSummary(func(int) bool { return true }), fmt.Sprintf("201: %d, 503: %d", accepted, rejected); got != want {
		t.Errorf("answers %s, want %s", got, want)
	}
	t.Logf("MEASURED dynamodb-outage: DynamoDB Local down %s; %d POSTs during it answered 503 (JSON), slowest in %s, none stored; first POST after the restart answered 201 in %s; all %d accepted questions notified %s after DynamoDB Local was back, %d dead-lettered, %d lost, %d duplicates",
		up.Sub(down).Round(10*time.Millisecond), rejected, slowest.Round(time.Millisecond), firstTook.Round(time.Millisecond),
		r.Notified, settled.Sub(up).Round(10*time.Millisecond), r.DeadLettered, len(r.Lost), r.Duplicates)
}
