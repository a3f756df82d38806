package streampoller

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/google/uuid"
)

// Conditions under which Lambda gives up on a batch.
const (
	ConditionRetriesExhausted = "RetryAttemptsExhausted"
	ConditionRecordAge        = "RecordAgeExceeded"
)

// OnFailureRecord is what Lambda sends to a stream mapping's on-failure
// destination: where the batch sits in the stream, not its data, which stays
// readable in the stream for 24 hours.
type OnFailureRecord struct {
	RequestContext     RequestContext   `json:"requestContext"`
	ResponseContext    *ResponseContext `json:"responseContext,omitempty"`
	Version            string           `json:"version"`
	Timestamp          string           `json:"timestamp"`
	DDBStreamBatchInfo BatchInfo        `json:"DDBStreamBatchInfo"`
}

// RequestContext says why the batch was given up.
type RequestContext struct {
	RequestID              string `json:"requestId"`
	FunctionARN            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// ResponseContext describes the last invocation, when there was one.
type ResponseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError,omitempty"`
}

// BatchInfo locates the records in the stream.
type BatchInfo struct {
	ShardID                         string `json:"shardId"`
	StartSequenceNumber             string `json:"startSequenceNumber"`
	EndSequenceNumber               string `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord"`
	ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord"`
	BatchSize                       int    `json:"batchSize"`
	StreamARN                       string `json:"streamArn"`
}

// lastInvocation is what the poller remembers of a batch's last try.
type lastInvocation struct {
	count         int  // invocations of this batch
	functionError bool // the last one failed in the function
}

func newFailureRecord(now time.Time, functionARN, streamARN, shardID, condition string,
	batch []types.Record, last lastInvocation) OnFailureRecord {
	rec := OnFailureRecord{
		RequestContext: RequestContext{
			RequestID:              uuid.NewString(),
			FunctionARN:            functionARN,
			Condition:              condition,
			ApproximateInvokeCount: last.count,
		},
		Version:   "1.0",
		Timestamp: now.UTC().Format("2006-01-02T15:04:05.000Z"),
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
	return rec
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
