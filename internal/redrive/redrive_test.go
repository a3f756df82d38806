package redrive

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mysfits/mysfits-questions/functions/handlers"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/questions"
)

// insert is a stream INSERT of a question, as the function gets it.
func insert(id, seq string) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{
		EventName: "INSERT",
		Change: events.DynamoDBStreamRecord{
			SequenceNumber: seq,
			Keys:           map[string]events.DynamoDBAttributeValue{questions.AttrQuestionID: events.NewStringAttribute(id)},
			NewImage: map[string]events.DynamoDBAttributeValue{
				questions.AttrQuestionID:   events.NewStringAttribute(id),
				questions.AttrUserEmail:    events.NewStringAttribute(id + "@visitors.example"),
				questions.AttrQuestionText: events.NewStringAttribute("What does " + id + " eat?"),
			},
		},
	}
}

// put stores a failed batch of records and returns its key.
func put(t *testing.T, store failures.Dir, requestID, ts string, recs ...events.DynamoDBEventRecord) string {
	t.Helper()
	payload, err := failures.NewPayload(events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	rec := failures.Record{
		RequestContext:     failures.RequestContext{RequestID: requestID, Condition: failures.ConditionRetriesExhausted, ApproximateInvokeCount: 4},
		ResponseContext:    &failures.ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"},
		Version:            "1.0",
		Timestamp:          ts,
		DDBStreamBatchInfo: failures.BatchInfo{ShardID: "shardId-1", BatchSize: len(recs)},
		Payload:            payload,
	}
	key, err := failures.Key("mapping", rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Put(context.Background(), key, rec); err != nil {
		t.Fatal(err)
	}
	return key
}

// publisher records the subjects it is asked to publish; failOn makes the
// publish of a question fail.
type publisher struct {
	subjects []string
	failOn   string
}

func (p *publisher) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	if p.failOn != "" && strings.HasSuffix(aws.ToString(in.Subject), p.failOn) {
		return nil, errors.New("SNS is down")
	}
	p.subjects = append(p.subjects, aws.ToString(in.Subject))
	return &sns.PublishOutput{MessageId: aws.String("m")}, nil
}

func (p *publisher) notified() []string {
	var ids []string
	for _, s := range p.subjects {
		ids = append(ids, s[strings.LastIndex(s, " ")+1:])
	}
	return ids
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	store := failures.Dir(filepath.Join(t.TempDir(), "failures"))
	modify := insert("q-mod", "205")
	modify.EventName = "MODIFY"
	poison := insert("q-poison", "301")
	poison.Change.NewImage[questions.AttrQuestionText] = events.NewNumberAttribute("42")
	put(t, store, "r1", "2026-01-01T00:00:01.000Z", insert("q1", "101"))
	twoAndModify := put(t, store, "r2", "2026-01-01T00:00:02.000Z", insert("q2", "201"), modify, insert("q3", "206"))
	poisoned := put(t, store, "r3", "2026-01-01T00:00:03.000Z", poison, insert("q-behind", "302"))

	pub := &publisher{failOn: "q3"}
	notify := &handlers.Notify{TopicARN: "arn:aws:sns:us-east-1:123456789012:questions", SNS: pub}
	var out strings.Builder

	// Listing notifies nothing and says what each record is.
	sum, err := Run(ctx, Config{Store: store, Out: &out})
	if err != nil || sum.Batches != 3 || sum.Questions != 5 || len(pub.subjects) != 0 {
		t.Fatalf("listing: %+v, %v, %d published", sum, err, len(pub.subjects))
	}
	for _, want := range []string{"q1", "to notify", "skipped: MODIFY", "cannot be notified: invalid question: stream image attribute QuestionText",
		"waits", "behind question q-poison", "retries exhausted after 4 invocations", "2026-01-01 00:00:01", "--apply"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("listing lacks %q:\n%s", want, out.String())
		}
	}

	// SNS fails on q3: q1 and q2 are notified, q2's batch keeps its progress.
	out.Reset()
	sum, err = Run(ctx, Config{Store: store, Notifier: notify, Apply: true, Out: &out})
	if err == nil || !strings.Contains(err.Error(), "SNS is down") {
		t.Fatalf("apply with SNS failing on q3: %v, want its error", err)
	}
	if got := pub.notified(); !slices.Equal(got, []string{"q1", "q2"}) || sum.Removed != 1 || sum.Kept != 2 || sum.Unnotifiable != 1 {
		t.Fatalf("notified %v, summary %+v", got, sum)
	}
	objs, err := store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		if obj.Key == twoAndModify && obj.RedrivenThrough != "205" {
			t.Errorf("the cut-short batch's progress is %q, want 205 (q2 notified, the MODIFY skipped)", obj.RedrivenThrough)
		}
	}

	// Back: q3 is notified, q2 is not again; the poisoned batch stays.
	pub.failOn = ""
	out.Reset()
	sum, err = Run(ctx, Config{Store: store, Notifier: notify, Apply: true, Out: &out})
	if err != nil || sum.Notified != 1 || sum.Removed != 1 || sum.Kept != 1 {
		t.Fatalf("apply again: %+v, %v\n%s", sum, err, out.String())
	}
	if got := pub.notified(); !slices.Equal(got, []string{"q1", "q2", "q3"}) {
		t.Errorf("notified %v, want each question once", got)
	}
	objs, err = store.List(ctx)
	if err != nil || len(objs) != 1 || objs[0].Key != poisoned {
		t.Fatalf("store after redrive: %+v, %v; want only %s", objs, err, poisoned)
	}

	// Nothing left to do: a third run publishes nothing.
	out.Reset()
	if sum, err := Run(ctx, Config{Store: store, Notifier: notify, Apply: true, Out: &out}); err != nil || sum.Notified != 0 {
		t.Errorf("third run: %+v, %v", sum, err)
	}
	for _, secret := range []string{"@visitors.example", "What does"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("redrive printed %q:\n%s", secret, out.String())
		}
	}
}

func TestRunKeepsARecordWithoutPayload(t *testing.T) {
	ctx := context.Background()
	store := failures.Dir(t.TempDir())
	rec := failures.Record{
		RequestContext:     failures.RequestContext{RequestID: "legacy", Condition: failures.ConditionRetriesExhausted},
		Timestamp:          "2026-01-01T00:00:00.000Z",
		DDBStreamBatchInfo: failures.BatchInfo{ShardID: "shardId-1", StartSequenceNumber: "7", EndSequenceNumber: "9"},
	}
	if err := store.Put(ctx, "aws/lambda/m/shardId-1/2026/01/01/legacy", rec); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sum, err := Run(ctx, Config{Store: store, Notifier: &handlers.Notify{SNS: &publisher{}}, Apply: true, Out: &out})
	if err != nil || sum.Kept != 1 || sum.Notified != 0 || !strings.Contains(out.String(), "sequence numbers 7..9") {
		t.Errorf("a record without payload: %+v, %v\n%s", sum, err, out.String())
	}
}

func TestRunNeedsATopicToApply(t *testing.T) {
	if _, err := Run(context.Background(), Config{Store: failures.Dir(t.TempDir()), Apply: true}); err == nil {
		t.Error("--apply without a topic ran")
	}
}

func TestNoticeQueueDrain(t *testing.T) {
	notice := func(key string) string {
		return `{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"},"object":{"key":"` + key + `","size":10}}}`
	}
	q := &fakeSQS{messages: map[string]string{
		"gone":   notice("aws/lambda/m/s/2026/01/01/a"),
		"kept":   notice("aws/lambda/m/s/2026/01/01/b"),
		"legacy": `{"requestContext":{"condition":"RetryAttemptsExhausted"},"DDBStreamBatchInfo":{"shardId":"s"}}`,
	}}
	deleted, kept, err := (&NoticeQueue{URL: "https://sqs.example/q", Client: q}).Drain(context.Background(),
		func(key string) bool { return strings.HasSuffix(key, "/b") })
	if err != nil || deleted != 1 || kept != 2 {
		t.Fatalf("Drain = %d deleted, %d kept, %v; want 1, 2", deleted, kept, err)
	}
	if _, ok := q.messages["gone"]; ok || len(q.messages) != 2 {
		t.Errorf("queue after drain: %v", q.messages)
	}
	if q.invisible != 0 {
		t.Errorf("%d notices left invisible: the alarm's count would dip", q.invisible)
	}
}

// fakeSQS hands out every visible message on each receive.
type fakeSQS struct {
	messages  map[string]string
	invisible int
}

func (f *fakeSQS) ReceiveMessage(_ context.Context, _ *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out := &sqs.ReceiveMessageOutput{}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range f.messages {
			if !yield(id) {
				return
			}
		}
	}) {
		out.Messages = append(out.Messages, sqstypes.Message{MessageId: aws.String(id), ReceiptHandle: aws.String(id), Body: aws.String(f.messages[id])})
	}
	f.invisible += len(out.Messages)
	return out, nil
}

func (f *fakeSQS) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	delete(f.messages, aws.ToString(in.ReceiptHandle))
	f.invisible--
	return &sqs.DeleteMessageOutput{}, nil
}

func (f *fakeSQS) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	if in.VisibilityTimeout == 0 {
		f.invisible--
	}
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}
