package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/goaws"
)

func TestSQSClientOnGoAWS(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	ctx := context.Background()
	c := &goaws.Client{Endpoint: services.GoAWSEndpoint}
	url, err := c.CreateQueue(ctx, "sqs-client-test", map[string]string{"VisibilityTimeout": "5"})
	if err != nil {
		t.Fatal(err)
	}
	arn, err := c.QueueARN(ctx, url)
	if err != nil || arn != "arn:aws:sqs:"+Region+":"+AccountID+":sqs-client-test" {
		t.Errorf("QueueARN = %q, %v", arn, err)
	}
	body := `{"text":"<&> ünïcode\nline"}`
	if _, err := c.SendMessage(ctx, url, body); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.ReceiveMessage(ctx, url, 10, time.Second)
	if err != nil || len(msgs) != 1 || msgs[0].Body != body || msgs[0].ReceiveCount != 1 {
		t.Fatalf("ReceiveMessage = %+v, %v; want the message as sent, received once", msgs, err)
	}
	if err := c.DeleteMessage(ctx, url, msgs[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	if msgs, err := c.ReceiveMessage(ctx, url, 10, 0); err != nil || len(msgs) != 0 {
		t.Errorf("after delete: %+v, %v; want an empty queue", msgs, err)
	}
	_, err = c.SendMessage(ctx, strings.Replace(url, "sqs-client-test", "no-such-queue", 1), "x")
	var apiErr *goaws.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 {
		t.Errorf("sending to a missing queue = %v, want the emulator's 400 error", err)
	}
}

func TestStartServicesNamesAPortInUse(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // services of its own
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	_, err = StartServices(context.Background(), ServicesConfig{Root: root, StateDir: t.TempDir(), DynamoDBPort: port})
	var pe *PortError
	if !errors.As(err, &pe) || pe.Port != DynamoDBPort || !strings.Contains(err.Error(), fmt.Sprintf("DynamoDB Local on %s: in use", LoopbackAddr(port))) {
		t.Errorf("StartServices on a used port = %v, want a *PortError naming DynamoDB Local and the port", err)
	}
}

// GoAWS restarting (an outage) is not reported as a death when it was
// stopped on purpose, and comes back with the stack's topic and queues: a
// question posted during the outage is still notified.
func TestGoAWSRestartDuringAQuestion(t *testing.T) {
	needLocalServices(t)
	// Not parallel: it stops the shared GoAWS. Go runs it before the
	// parallel tests start.
	stack, obs := startStack(t, atStage(contract.StageLambdaOnly))
	if err := services.StopService(GoAWS); err != nil {
		t.Fatal(err)
	}
	a := postQuestion(t, stack, "grace@example.com", "Asked while SNS was down?")
	if a.status != http.StatusCreated {
		t.Fatalf("POST during the SNS outage answered %d %v, want 201: storing does not need SNS", a.status, a.body)
	}
	ctx := context.Background()
	if err := services.StartService(ctx, GoAWS); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the notification after SNS came back", func() bool {
		_, notes, dead := obs.snapshot()
		if len(dead) > 0 {
			t.Fatalf("the notification was dead-lettered instead: %+v", dead)
		}
		return len(notes) == 1 && strings.Contains(notes[0].Subject, a.body["questionId"])
	})
	select {
	case err := <-services.Died():
		t.Errorf("a deliberate stop was reported as a death: %v", err)
	default:
	}
}
