// Package failures is the stream mapping's failure store: the record of
// each batch the mapping gave up on, with the batch itself, as Lambda
// writes it to an Amazon S3 on-failure destination, and the stores that
// keep such records (the S3 bucket on AWS, a folder on the local stack).
//
// Lambda developer guide, "Retain discarded records for a DynamoDB event
// source in Lambda" (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html):
// S3 is an accepted on-failure destination of DynamoDB stream mappings;
// "For Amazon S3 destinations, Lambda also sends the entire invocation
// record along with the metadata": the SQS/SNS record (requestContext,
// responseContext, version, timestamp, DDBStreamBatchInfo) plus a payload
// field that "contains the original invocation record as an escaped JSON
// string", in an object named
// aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>.
// The execution role needs s3:PutObject and s3:ListBucket on the bucket.
package failures

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/questions"
)

// Conditions under which Lambda gives up on a batch.
const (
	ConditionRetriesExhausted = "RetryAttemptsExhausted"
	ConditionRecordAge        = "RecordAgeExceeded"
)

// Record is what Lambda sends to a stream mapping's on-failure destination.
// An SQS or SNS destination gets it without Payload: only where the batch
// sits in the stream, which keeps it for 24 hours.
type Record struct {
	RequestContext     RequestContext   `json:"requestContext"`
	ResponseContext    *ResponseContext `json:"responseContext,omitempty"`
	Version            string           `json:"version"`
	Timestamp          string           `json:"timestamp"`
	DDBStreamBatchInfo BatchInfo        `json:"DDBStreamBatchInfo"`
	// Payload is the invocation event of the batch (S3 destinations only).
	Payload Payload `json:"payload,omitempty"`
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

// Payload is the invocation event as JSON text. It is written as AWS
// documents it, an escaped JSON string; an object is read too, the form
// LocalStack's emulation writes.
type Payload string

// UnmarshalJSON reads the string form or the object form.
func (p *Payload) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*p = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("payload: %w", err)
		}
		*p = Payload(s)
	case len(b) > 0 && b[0] == '{':
		*p = Payload(b)
	default:
		return errors.New("payload: neither a JSON string nor an object")
	}
	return nil
}

// NewPayload is the payload of an invocation event.
func NewPayload(ev events.DynamoDBEvent) (Payload, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return "", fmt.Errorf("encoding the failed batch: %w", err)
	}
	return Payload(b), nil
}

// ErrNoPayload is a record without the batch: from an SQS or SNS
// destination, or from before the failure store kept batches whole.
var ErrNoPayload = errors.New("the record holds no payload, only where the batch was in the stream")

// Event decodes the failed batch.
func (r Record) Event() (events.DynamoDBEvent, error) {
	if r.Payload == "" {
		return events.DynamoDBEvent{}, ErrNoPayload
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal([]byte(r.Payload), &ev); err != nil {
		return events.DynamoDBEvent{}, fmt.Errorf("decoding the failed batch: %w", err)
	}
	return ev, nil
}

// ErrNotARecord is a message that is not an on-failure record.
var ErrNotARecord = errors.New("not a stream mapping's on-failure record")

// ParseQueueRecord reads an on-failure record as an SQS destination gets
// it (the same fields, no payload): the messages a stack's queue held
// when it was the mapping's destination, before the failure bucket. A
// message without the record's condition, shard and sequence numbers is
// ErrNotARecord.
func ParseQueueRecord(body []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(body, &r); err != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrNotARecord, err)
	}
	info := r.DDBStreamBatchInfo
	if r.RequestContext.Condition == "" || info.ShardID == "" || info.StartSequenceNumber == "" || info.EndSequenceNumber == "" {
		return Record{}, ErrNotARecord
	}
	return r, nil
}

// Where says where the batch was in the stream, as the record tells it.
func (r Record) Where() string {
	info := r.DDBStreamBatchInfo
	where := fmt.Sprintf("shard %s, sequence numbers %s..%s", info.ShardID, info.StartSequenceNumber, info.EndSequenceNumber)
	switch {
	case info.BatchSize == 1:
		where += " (1 record)"
	case info.BatchSize > 1:
		where += fmt.Sprintf(" (%d records)", info.BatchSize)
	}
	return where
}

// LastArrival is when the batch's last record reached the stream: the
// stream keeps it 24 hours from then at most.
func (r Record) LastArrival() (time.Time, error) {
	s := r.DDBStreamBatchInfo.ApproximateArrivalOfLastRecord
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("record approximateArrivalOfLastRecord %q: %w", s, err)
	}
	return t, nil
}

// timestampLayout is the record's timestamp: UTC with milliseconds.
const timestampLayout = "2006-01-02T15:04:05.000Z"

// FormatTimestamp renders t as the record's timestamp.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(timestampLayout) }

// FailedAt is when the batch was given up.
func (r Record) FailedAt() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, r.Timestamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("record timestamp %q: %w", r.Timestamp, err)
	}
	return t, nil
}

// Reason says why the batch was given up, as the record tells it. The
// record carries the condition and the kind of function error, not its
// message (that is in the function's log).
func (r Record) Reason() string {
	var b strings.Builder
	switch r.RequestContext.Condition {
	case ConditionRetriesExhausted:
		fmt.Fprintf(&b, "retries exhausted after %d invocations", r.RequestContext.ApproximateInvokeCount)
	case ConditionRecordAge:
		b.WriteString("older than the mapping's maximum record age")
	default:
		fmt.Fprintf(&b, "condition %q", r.RequestContext.Condition)
	}
	if rc := r.ResponseContext; rc != nil && rc.FunctionError != "" {
		fmt.Fprintf(&b, ", last invocation: function error (%s)", rc.FunctionError)
	}
	return b.String()
}

// Key is the object key Lambda gives the record: under the mapping's UUID
// and the shard, by day, ending in a UUID. The record's request id is that
// UUID, so writing the same record again writes the same object.
func Key(mappingUUID string, r Record) (string, error) {
	t, err := r.FailedAt()
	if err != nil {
		return "", err
	}
	for what, part := range map[string]string{"mapping UUID": mappingUUID, "shard id": r.DDBStreamBatchInfo.ShardID, "request id": r.RequestContext.RequestID} {
		if part == "" || strings.ContainsAny(part, "/\\") || part == "." || part == ".." {
			return "", fmt.Errorf("failure record key: %s %q is not a key segment", what, part)
		}
	}
	t = t.UTC()
	return fmt.Sprintf("%s%s/%s/%s/%s-%s", contract.FailureKeyPrefix, mappingUUID, r.DDBStreamBatchInfo.ShardID,
		t.Format("2006/01/02"), t.Format("2006-01-02T15.04.05"), r.RequestContext.RequestID), nil
}

// QuestionIDs are the question ids of the batch's records, in order; a
// record without one is skipped.
func (r Record) QuestionIDs() ([]string, error) {
	ev, err := r.Event()
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, rec := range ev.Records {
		if id, ok := rec.Change.Keys[questions.AttrQuestionID]; ok && id.DataType() == events.DataTypeString {
			ids = append(ids, id.String())
		}
	}
	return ids, nil
}
