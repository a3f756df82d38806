package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/components/spec"
	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/questions"
	"github.com/mysfits/mysfits-questions/internal/local/goaws"
	"github.com/mysfits/mysfits-questions/internal/local/provision"
	"github.com/mysfits/mysfits-questions/internal/local/streampoller"
)

func TestSQSClientOnGoAWS(t *testing.T) {
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
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d for DynamoDB Local is in use", port)) || !strings.Contains(err.Error(), "--dynamodb-port") {
		t.Errorf("StartServices on a used port = %v, want an error naming the port, DynamoDB Local and the flag", err)
	}
}

// A poison record on the real stream of DynamoDB Local: the mapping gives it
// up into the real dead-letter queue with enough to find it in the stream,
// and every other record is processed.
func TestPoisonRecordOnTheRealStream(t *testing.T) {
	ctx := context.Background()
	ddbCfg := awsConfig(services.DynamoDBEndpoint)
	db := dynamodb.NewFromConfig(ddbCfg)
	queues := &goaws.Client{Endpoint: services.GoAWSEndpoint}
	res, err := provision.Create(ctx, db, sns.NewFromConfig(awsConfig(services.GoAWSEndpoint)), queues, provision.NamesFor("poison-test"))
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"q0", "q1", "poison", "q3", "q4"}
	for _, id := range ids {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(res.TableName), Item: map[string]ddbtypes.AttributeValue{
			questions.AttrQuestionID: &ddbtypes.AttributeValueMemberS{Value: id},
		}}); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	var processed []string
	streams := dynamodbstreams.NewFromConfig(ddbCfg)
	mapping := spec.QuestionsStream
	mapping.MaxBatchingWindow = 100 * time.Millisecond
	poller, err := streampoller.New(streampoller.Config{
		StreamARN: res.StreamARN, FunctionARN: functionARN("poison-test-process"), Mapping: mapping, Streams: streams,
		Process: func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			var batch []string
			for _, r := range ev.Records {
				if r.EventSourceArn != res.StreamARN || r.EventName != "INSERT" || r.Change.SequenceNumber == "" {
					return events.DynamoDBEventResponse{}, fmt.Errorf("record %+v lacks Lambda's fields", r)
				}
				id := r.Change.Keys[questions.AttrQuestionID].String()
				if id == "poison" {
					return events.DynamoDBEventResponse{}, errors.New("cannot process this record")
				}
				batch = append(batch, id)
			}
			mu.Lock()
			defer mu.Unlock()
			processed = append(processed, batch...)
			return events.DynamoDBEventResponse{}, nil
		},
		OnFailure: func(ctx context.Context, rec streampoller.OnFailureRecord) error {
			body, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			_, err = queues.SendMessage(ctx, res.DeadLetterURL, string(body))
			return err
		},
		Retry: streampoller.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Log:   slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = poller.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	var dead []goaws.Message
	waitFor(t, "a dead-letter message", func() bool {
		msgs, err := queues.ReceiveMessage(ctx, res.DeadLetterURL, 10, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		dead = append(dead, msgs...)
		return len(dead) > 0
	})
	waitFor(t, "the other records processed", func() bool { mu.Lock(); defer mu.Unlock(); return len(processed) == 4 })
	mu.Lock()
	if want := []string{"q0", "q1", "q3", "q4"}; !slices.Equal(processed, want) {
		t.Errorf("processed %v, want %v in order", processed, want)
	}
	mu.Unlock()

	var rec streampoller.OnFailureRecord
	if err := json.Unmarshal([]byte(dead[0].Body), &rec); err != nil {
		t.Fatalf("dead-letter body %q: %v", dead[0].Body, err)
	}
	info := rec.DDBStreamBatchInfo
	if rec.RequestContext.Condition != streampoller.ConditionRetriesExhausted || info.BatchSize != 1 || info.StreamARN != res.StreamARN ||
		info.StartSequenceNumber != info.EndSequenceNumber || rec.RequestContext.FunctionARN != functionARN("poison-test-process") {
		t.Fatalf("dead-letter record %+v, want one record given up after its retries", rec)
	}
	// The record it names is the poison one: read it back from the stream.
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(info.StreamARN), ShardId: aws.String(info.ShardID),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(info.StartSequenceNumber),
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)})
	if err != nil || len(out.Records) != 1 {
		t.Fatalf("reading the dead-lettered record back: %v, %d records", err, len(out.Records))
	}
	if id := out.Records[0].Dynamodb.Keys[questions.AttrQuestionID].(*streamtypes.AttributeValueMemberS).Value; id != "poison" {
		t.Errorf("the dead-letter record points at %q, want the poison record", id)
	}
}

// GoAWS restarting (an outage) is not reported as a death when it was
// stopped on purpose, and the stack gets its topic and queues back: a
// question posted during the outage is still notified.
func TestGoAWSRestartDuringAQuestion(t *testing.T) {
	stack, obs := startStack(t, lambdaenv.Tracing{Stage: lambdaenv.StageLambdaOnly})
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
	if err := stack.Reprovision(ctx); err != nil {
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
