// Package process is the process function's handler: the questions table's
// stream in, one SNS message per new question out. It links the SNS client
// and no DynamoDB client (the stream's records arrive as aws-lambda-go's
// events, which QuestionFromImage reads), and no tracing SDK: each build of
// the function (the X-Ray SDK's functions/processstream, OpenTelemetry's
// functions/otel/processstream) passes New the instrumentation it links.
// Package notify runs it in process with the instrumentation the
// environment names.
package process

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/questions"
)

// Publisher is the part of the SNS client the handler uses.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var _ Publisher = (*sns.Client)(nil)

// Handler tells the administrator about each new question, one SNS
// message per question.
type Handler struct {
	TopicARN string
	SNS      Publisher
	Tracing  tracing.Instrumentation // nil = untraced
	Log      *slog.Logger            // nil = JSON on stderr
}

// New builds the handler from the function's environment: the topic, the
// tracing settings, which decide whether the SNS client is traced, and the
// SDK's endpoint settings for SNS (an emulator's), with the instrumentation
// instrument makes. Each build passes the one it links (xraysdk.New,
// opentelemetry.New), which refuses settings asking for the other: a build
// linking both SDKs would not fit the 6 MB a zip may have.
func New(cfg aws.Config, getenv func(string) string, instrument tracing.Factory) (*Handler, error) {
	topic, err := lambdaenv.Require(getenv, contract.EnvTopicARN)
	if err != nil {
		return nil, err
	}
	t, err := contract.LoadTracing(getenv)
	if err != nil {
		return nil, err
	}
	endpoint, err := lambdaenv.ServiceEndpoint(getenv, sns.ServiceID)
	if err != nil {
		return nil, err
	}
	inst, err := instrument(cfg, t, getenv)
	if err != nil {
		return nil, err
	}
	client := sns.NewFromConfig(inst.Instrument(cfg),
		func(o *sns.Options) { lambdaenv.WithEndpoint(&o.BaseEndpoint, endpoint) })
	return &Handler{
		TopicARN: topic,
		SNS:      client,
		Tracing:  inst,
		Log:      lambdaenv.NewLogger(),
	}, nil
}

// Handle notifies every INSERT of a stream batch; MODIFY and REMOVE records
// are not new questions and are skipped.
//
// The records of a shard arrive in order, and a failed record must neither
// be lost nor hold up the records after it. The mapping has both
// ReportBatchItemFailures and BisectBatchOnFunctionError, and AWS documents
// (Lambda developer guide, "Configuring partial batch response with DynamoDB
// and Lambda", Bisecting a batch): "If your invocation fails and
// BisectBatchOnFunctionError is turned on, the batch is bisected regardless
// of your ReportBatchItemFailures setting. When a partial batch success
// response is received and both BisectBatchOnFunctionError and
// ReportBatchItemFailures are turned on, the batch is bisected at the
// returned sequence number and Lambda retries only the remaining records."
//
// A reported record is therefore retried together with every record after
// it, never alone: a record that always fails would take them all to the
// dead-letter queue. So the handler stops at the first record it cannot
// notify (going on would notify later records now and again on the retry)
// and:
//   - when this invocation has published nothing yet, it fails the
//     invocation: the mapping bisects the batch until the bad record is
//     alone, retries it alone and sends only it to the on-failure
//     destination;
//   - otherwise it reports the record as a batch item failure: the mapping
//     checkpoints the records already notified (no duplicates) and retries
//     from the failed one, which is then first and handled as above.
func (n *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	ctx, end := tracing.Or(n.Tracing).Begin(ctx)
	defer end() // the spans leave before the answer does
	log := lambdaenv.InvocationLogger(ctx, n.Log).With("records", len(ev.Records))
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
			"question_id", id, "notified", notified, "ignored", ignored, lambdaenv.ErrorAttr(err)}
		switch {
		case rec.Change.SequenceNumber == "":
			// Without a sequence number the failure cannot be reported per
			// record; failing the invocation retries the whole batch instead.
			log.Error("notification failed on a record without a sequence number", attrs...)
			return events.DynamoDBEventResponse{}, recordError(rec, "has no sequence number to report its failure", err)
		case notified == 0:
			log.Warn("notification failed before anything was published: failing the invocation so the batch is bisected", attrs...)
			return events.DynamoDBEventResponse{}, recordError(rec, "could not be notified", err)
		default:
			log.Warn("notification failed: reporting the record as a batch item failure", attrs...)
			return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
				{ItemIdentifier: rec.Change.SequenceNumber},
			}}, nil
		}
	}
	log.Info("batch notified", "notified", notified, "ignored", ignored)
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}, nil
}

// recordError is the function error for a record.
func recordError(rec events.DynamoDBEventRecord, what string, err error) error {
	return &streamRecordError{
		text: fmt.Sprintf("stream record %q %s: %s", rec.EventID, what, lambdaenv.ErrorText(err)),
		err:  err,
	}
}

// streamRecordError is a function error of the process function (Lambda
// reports its type name as the errorType). Its text goes wherever function
// errors go, so it describes the cause the way lambdaenv.ErrorAttr logs
// it, with no request data; Unwrap still gives the cause.
type streamRecordError struct {
	text string
	err  error
}

func (e *streamRecordError) Error() string { return e.text }
func (e *streamRecordError) Unwrap() error { return e.err }

// NotifyRecord publishes one stream record's question, as the function
// does for each INSERT: the redrive command sends a failed batch's
// questions through it, so both send the same message. It returns the
// question's id when the image held one.
func (n *Handler) NotifyRecord(ctx context.Context, rec events.DynamoDBEventRecord) (string, error) {
	return n.notify(ctx, rec)
}

// notify publishes one record's question and returns its id when the image
// held one.
func (n *Handler) notify(ctx context.Context, rec events.DynamoDBEventRecord) (string, error) {
	q, err := QuestionFromImage(rec.Change.NewImage)
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
