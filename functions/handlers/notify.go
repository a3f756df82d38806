package handlers

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/questions"
	"github.com/mysfits/mysfits-questions/functions/tracing"
)

// Publisher is the part of the SNS client Notify uses.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var _ Publisher = (*sns.Client)(nil)

// Notify tells the administrator about each new question, one SNS message
// per question.
type Notify struct {
	TopicARN string
	SNS      Publisher
	Log      *slog.Logger // nil = JSON on stderr
}

// NewNotify builds the handler from the function's environment: the topic
// and the tracing stage, which decides whether the SNS client is traced.
func NewNotify(cfg aws.Config, getenv func(string) string) (*Notify, error) {
	topic, err := lambdaenv.Require(getenv, lambdaenv.TopicARN)
	if err != nil {
		return nil, err
	}
	t, err := lambdaenv.LoadTracing(getenv)
	if err != nil {
		return nil, err
	}
	return &Notify{
		TopicARN: topic,
		SNS:      sns.NewFromConfig(tracing.Instrument(cfg, t)),
		Log:      newLogger(),
	}, nil
}

// Handle notifies every INSERT of a stream batch; MODIFY and REMOVE records
// are not new questions and are skipped.
//
// The records of a shard arrive in order, and Lambda retries a partial batch
// failure from the reported sequence number onwards. So the handler stops at
// the first record it cannot notify and reports that one: going on with the
// later records would notify them now and again on the retry. A record that
// never succeeds is retried, bisected and finally sent to the on-failure
// destination by the event source mapping, after which the stream moves on.
func (n *Notify) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	log := invocationLogger(ctx, n.Log).With("records", len(ev.Records))
	var notified, ignored int
	for _, rec := range ev.Records {
		if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
			ignored++
			continue
		}
		id, err := n.notify(ctx, rec)
		if err == nil {
			notified++
			continue
		}
		attrs := []any{"event_id", rec.EventID, "sequence_number", rec.Change.SequenceNumber,
			"question_id", id, "notified", notified, "ignored", ignored, errorAttr(err)}
		if rec.Change.SequenceNumber == "" {
			// Without a sequence number the failure cannot be reported per
			// record; failing the invocation retries the whole batch instead.
			log.Error("notification failed on a record without a sequence number", attrs...)
			return events.DynamoDBEventResponse{}, fmt.Errorf("stream record %q has no sequence number to report its failure: %w", rec.EventID, err)
		}
		log.Warn("notification failed: reporting the record as a batch item failure", attrs...)
		return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
			{ItemIdentifier: rec.Change.SequenceNumber},
		}}, nil
	}
	log.Info("batch notified", "notified", notified, "ignored", ignored)
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}, nil
}

// notify publishes one record's question and returns its id when the image
// held one.
func (n *Notify) notify(ctx context.Context, rec events.DynamoDBEventRecord) (string, error) {
	q, err := questions.FromStreamImage(rec.Change.NewImage)
	if err != nil {
		return "", err
	}
	_, err = n.SNS.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(n.TopicARN),
		Subject:  aws.String(questions.NotificationSubject(q)),
		Message:  aws.String(questions.NotificationMessage(q)),
	})
	if err != nil {
		return q.ID, fmt.Errorf("publishing the notification for question %s: %w", q.ID, err)
	}
	return q.ID, nil
}
