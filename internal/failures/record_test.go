package failures

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// documentedRecord is the Lambda developer guide's example of the record an
// S3 destination gets for a DynamoDB stream, with a real event as its
// payload (the guide shows "<Whole Event>").
func documentedRecord(t *testing.T) []byte {
	t.Helper()
	event, err := os.ReadFile("../../testdata/events/stream/inserts.json")
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(string(event))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(`{
    "requestContext": {
        "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
        "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 1
    },
    "responseContext": {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled"
    },
    "version": "1.0",
    "timestamp": "2019-11-14T00:13:49.717Z",
    "DDBStreamBatchInfo": {
        "shardId": "shardId-00000001573689847184-864758bb",
        "startSequenceNumber": "800000000003126276362",
        "endSequenceNumber": "800000000003126276362",
        "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
        "approximateArrivalOfLastRecord": "2019-11-14T00:13:19Z",
        "batchSize": 1,
        "streamArn": "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388"
    },
    "payload": ` + string(payload) + `
}`)
}

func TestDocumentedRecord(t *testing.T) {
	var rec Record
	if err := json.Unmarshal(documentedRecord(t), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.Condition != ConditionRetriesExhausted || rec.ResponseContext.FunctionError != "Unhandled" ||
		rec.DDBStreamBatchInfo.ShardID != "shardId-00000001573689847184-864758bb" {
		t.Errorf("record = %+v", rec)
	}
	ids, err := rec.QuestionIDs()
	// The fixture's third question has a hostile id (a line break and a
	// header): it is data like any other.
	if err != nil || !slices.Equal(ids, []string{"5f0c6a1e-8a3b-4c47-9b1e-0d2f3a4b5c61", "7a1d2e3f-4b5c-4d6e-8f90-a1b2c3d4e5f6", "q-3\r\nBcc: everyone"}) {
		t.Errorf("QuestionIDs = %v, %v", ids, err)
	}
	at, err := rec.FailedAt()
	if err != nil || !at.Equal(time.Date(2019, 11, 14, 0, 13, 49, 717e6, time.UTC)) {
		t.Errorf("FailedAt = %v, %v", at, err)
	}
	if got := rec.Reason(); got != "retries exhausted after 1 invocations, last invocation: function error (Unhandled)" {
		t.Errorf("Reason = %q", got)
	}

	// Written back, the payload is an escaped string again, as on S3.
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || !strings.HasPrefix(string(raw["payload"]), `"`) {
		t.Errorf("payload written as %.40s..., want a JSON string", raw["payload"])
	}
}

func TestPayloadForms(t *testing.T) {
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventName: "INSERT", EventID: "1"}}}
	payload, err := NewPayload(ev)
	if err != nil {
		t.Fatal(err)
	}
	str, _ := json.Marshal(string(payload))
	tests := []struct {
		name    string
		field   string
		records int
		wantErr error
	}{
		{"escaped string (AWS)", string(str), 1, nil},
		{"object (LocalStack)", string(payload), 1, nil},
		{"absent (SQS, SNS)", "null", 0, ErrNoPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec Record
			if err := json.Unmarshal([]byte(`{"payload":`+tt.field+`}`), &rec); err != nil {
				t.Fatal(err)
			}
			got, err := rec.Event()
			if !errors.Is(err, tt.wantErr) || len(got.Records) != tt.records {
				t.Errorf("Event = %d records, %v; want %d, %v", len(got.Records), err, tt.records, tt.wantErr)
			}
		})
	}
	var rec Record
	if err := json.Unmarshal([]byte(`{"payload":42}`), &rec); err == nil {
		t.Error("a number was taken as a payload")
	}
}

func TestKey(t *testing.T) {
	rec := Record{
		RequestContext:     RequestContext{RequestID: "6f2c1d40-9b7e-4a51-8c3d-2e4f6a8b0c1d"},
		Timestamp:          "2026-03-07T23:59:58.123Z",
		DDBStreamBatchInfo: BatchInfo{ShardID: "shardId-00000001573689847184-864758bb"},
	}
	key, err := Key("a1b2c3d4-0000-4000-8000-000000000001", rec)
	if err != nil {
		t.Fatal(err)
	}
	// aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>
	want := "aws/lambda/a1b2c3d4-0000-4000-8000-000000000001/shardId-00000001573689847184-864758bb/2026/03/07/2026-03-07T23.59.58-6f2c1d40-9b7e-4a51-8c3d-2e4f6a8b0c1d"
	if key != want {
		t.Errorf("Key = %s\nwant  %s", key, want)
	}
	layout := regexp.MustCompile(`^aws/lambda/[^/]+/[^/]+/\d{4}/\d{2}/\d{2}/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[^/]+$`)
	if !layout.MatchString(key) {
		t.Errorf("key %s does not have Lambda's layout", key)
	}
	for name, change := range map[string]func(*Record){
		"shard with a slash": func(r *Record) { r.DDBStreamBatchInfo.ShardID = "../etc" },
		"no request id":      func(r *Record) { r.RequestContext.RequestID = "" },
		"bad timestamp":      func(r *Record) { r.Timestamp = "yesterday" },
	} {
		r := rec
		change(&r)
		if k, err := Key("uuid", r); err == nil {
			t.Errorf("%s: Key = %s, want an error", name, k)
		}
	}
}

// The records an SQS destination got (Lambda developer guide, "Retain
// discarded records for a DynamoDB event source in Lambda", the example
// SQS and SNS on-failure record): what a stack's queue held before the
// failure bucket. Anything else in the queue is not one.
func TestParseQueueRecord(t *testing.T) {
	documented, err := os.ReadFile("testdata/sqs-on-failure-record.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		body      string
		wantWhere string
	}{
		{"the documented record", string(documented),
			"shard shardId-00000001573689847184-864758bb, sequence numbers 800000000003126276362..800000000003126276362 (1 record)"},
		{"an S3 notice", `{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"object":{"key":"aws/lambda/k"}}}`, ""},
		{"S3's test event", `{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}`, ""},
		{"no shard", `{"requestContext":{"condition":"RetryAttemptsExhausted"},"DDBStreamBatchInfo":{"startSequenceNumber":"1","endSequenceNumber":"2"}}`, ""},
		{"not JSON", "hello", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := ParseQueueRecord([]byte(tt.body))
			if tt.wantWhere == "" {
				if !errors.Is(err, ErrNotARecord) {
					t.Errorf("ParseQueueRecord = %+v, %v; want ErrNotARecord", rec, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.Where(); got != tt.wantWhere {
				t.Errorf("Where = %q, want %q", got, tt.wantWhere)
			}
			if _, err := rec.Event(); !errors.Is(err, ErrNoPayload) {
				t.Errorf("Event = %v, want ErrNoPayload: the queue's records hold no batch", err)
			}
			if at, err := rec.LastArrival(); err != nil || !at.Equal(time.Date(2019, 11, 14, 0, 13, 19, 0, time.UTC)) {
				t.Errorf("LastArrival = %v, %v", at, err)
			}
		})
	}
}
