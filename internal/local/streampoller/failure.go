package streampoller

import (
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/google/uuid"

	"github.com/mysfits/mysfits-questions/internal/failures"
)

// Conditions under which Lambda gives up on a batch.
const (
	ConditionRetriesExhausted = failures.ConditionRetriesExhausted
	ConditionRecordAge        = failures.ConditionRecordAge
)

// OnFailureRecord is what Lambda sends to a stream mapping's on-failure
// destination; the poller fills in the batch itself, as for an S3
// destination (see package failures).
type OnFailureRecord = failures.Record

// The parts of an on-failure record.
type (
	RequestContext  = failures.RequestContext
	ResponseContext = failures.ResponseContext
	BatchInfo       = failures.BatchInfo
)

// lastInvocation is what the poller remembers of a batch's last try.
type lastInvocation struct {
	count         int  // invocations of this batch
	functionError bool // the last one failed in the function
}

// newFailureRecord describes a given-up batch and carries it whole: the
// event the function was (or would have been) invoked with.
func newFailureRecord(now time.Time, functionARN, streamARN, shardID, condition string,
	batch []types.Record, last lastInvocation) (OnFailureRecord, error) {
	rec := OnFailureRecord{
		RequestContext: RequestContext{
			RequestID:              uuid.NewString(),
			FunctionARN:            functionARN,
			Condition:              condition,
			ApproximateInvokeCount: last.count,
		},
		Version:   "1.0",
		Timestamp: failures.FormatTimestamp(now),
		DDBStreamBatchInfo: BatchInfo{
			ShardID:                         shardID,
			StartSequenceNumber:             sequenceNumber(batch[0]),
			EndSequenceNumber:               sequenceNumber(batch[len(batch)-1]),
			ApproximateArrivalOfFirstRecord: arrival(batch[0]),
			ApproximateArrivalOfLastRecord:  arrival(batch[len(batch)-1]),
			BatchSize:                       len(batch),
			StreamARN:                       streamARN,
		},
	}
	if last.count > 0 {
		rec.ResponseContext = &ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST"}
		if last.functionError {
			rec.ResponseContext.FunctionError = "Unhandled"
		}
	}
	ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(batch))}
	var errs []error
	for _, r := range batch {
		er, err := EventRecord(r, streamARN)
		if err != nil {
			errs = append(errs, err) // the record still says where it is in the stream
			continue
		}
		ev.Records = append(ev.Records, er)
	}
	payload, err := failures.NewPayload(ev)
	if err != nil {
		errs = append(errs, err)
	}
	rec.Payload = payload
	return rec, errors.Join(errs...)
}

func sequenceNumber(r types.Record) string {
	if r.Dynamodb == nil {
		return ""
	}
	return aws.ToString(r.Dynamodb.SequenceNumber)
}

func created(r types.Record) (time.Time, bool) {
	if r.Dynamodb == nil || r.Dynamodb.ApproximateCreationDateTime == nil {
		return time.Time{}, false
	}
	return *r.Dynamodb.ApproximateCreationDateTime, true
}

func arrival(r types.Record) string {
	t, ok := created(r)
	if !ok {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
