package devstack

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/inbox"
	"github.com/mysfits/mysfits-questions/internal/local/streampoller"
	"github.com/mysfits/mysfits-questions/questions"
)

// A record the process function can never handle, in one batch with good
// questions before and after it, on the real stack: the real handler, the
// mapping's rules, DynamoDB Local's stream, GoAWS's topic and queues. Every
// good question is notified exactly once, the bad record alone is in the
// failure store, whole, and the stream moves on.
func TestPoisonRecordDoesNotHoldUpItsBatch(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	stack, obs := startStack(t, atStage(contract.StageLambdaOnly))
	ctx := context.Background()
	res := stack.Resources()
	db := dynamodb.NewFromConfig(AWSConfig(services.DynamoDBEndpoint))

	// Written straight to the table, as another writer could: the bad item
	// has a number where the question text belongs.
	const poisonID = "poison-00000000-bad-record"
	good := []string{"good-0", "good-1", "good-2", "good-3"}
	order := []string{good[0], good[1], poisonID, good[2], good[3]}
	for _, id := range order {
		item := map[string]ddbtypes.AttributeValue{
			questions.AttrQuestionID:   &ddbtypes.AttributeValueMemberS{Value: id},
			questions.AttrUserEmail:    &ddbtypes.AttributeValueMemberS{Value: id + "@poison.example"},
			questions.AttrQuestionText: &ddbtypes.AttributeValueMemberS{Value: "Question " + id + " about mysfits?"},
		}
		if id == poisonID {
			item[questions.AttrQuestionText] = &ddbtypes.AttributeValueMemberN{Value: "42"}
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(res.TableName), Item: item}); err != nil {
			t.Fatal(err)
		}
	}

	waitFor(t, "the poison record in the failure store", func() bool { _, _, d := obs.snapshot(); return len(d) > 0 })
	waitFor(t, "the good questions notified", func() bool { _, n, _ := obs.snapshot(); return len(n) >= len(good) })

	// The point of the test: the bad record shared its first invocation with
	// the good ones after it.
	if n := largestProcessBatch(t, obs, stack.Names().ProcessFunction); n != len(order) {
		t.Fatalf("the largest batch the process function got had %d records, want all %d written in one batching window", n, len(order))
	}

	// Read the failure store: one record, for the bad record alone, with
	// the record itself (S3's on-failure record carries the batch).
	objs, err := stack.FailureStore().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("the failure store holds %d records, want the poison record's one", len(objs))
	}
	rec := objs[0].Record
	if !strings.HasPrefix(objs[0].Key, "aws/lambda/") || !strings.Contains(objs[0].Key, "/"+rec.DDBStreamBatchInfo.ShardID+"/") {
		t.Errorf("failure store key %s, want Lambda's aws/lambda/<ESM-UUID>/<shardID>/... layout", objs[0].Key)
	}
	info := rec.DDBStreamBatchInfo
	if rec.RequestContext.Condition != streampoller.ConditionRetriesExhausted || info.BatchSize != 1 ||
		info.StartSequenceNumber == "" || info.StartSequenceNumber != info.EndSequenceNumber ||
		info.ShardID == "" || info.StreamARN != res.StreamARN {
		t.Fatalf("on-failure record %+v, want one record of %s given up after its retries", rec, res.StreamARN)
	}
	if rec.ResponseContext == nil || rec.ResponseContext.FunctionError == "" {
		t.Errorf("on-failure record %+v, want the function error of the last invocation", rec)
	}
	ev, err := rec.Event()
	if err != nil || len(ev.Records) != 1 {
		t.Fatalf("the record's payload: %d records, %v; want the poison record whole", len(ev.Records), err)
	}
	image := ev.Records[0].Change.NewImage
	if image[questions.AttrQuestionID].String() != poisonID || image[questions.AttrUserEmail].String() != poisonID+"@poison.example" ||
		image[questions.AttrQuestionText].Number() != "42" || ev.Records[0].Change.SequenceNumber != info.StartSequenceNumber {
		t.Errorf("the stored batch is %+v, want the poison item as written", ev.Records[0])
	}

	// It locates the bad record: read it back from the stream.
	streams := dynamodbstreams.NewFromConfig(AWSConfig(services.DynamoDBEndpoint))
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(info.StreamARN), ShardId: aws.String(info.ShardID),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(info.StartSequenceNumber),
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)})
	if err != nil || len(out.Records) != 1 {
		t.Fatalf("reading the failed record back: %v, %d records", err, len(out.Records))
	}
	key, _ := out.Records[0].Dynamodb.Keys[questions.AttrQuestionID].(*streamtypes.AttributeValueMemberS)
	if key == nil || key.Value != poisonID {
		t.Errorf("the on-failure record points at %v, want the poison record %s", out.Records[0].Dynamodb.Keys, poisonID)
	}

	// The stream moves on: a question posted afterwards is notified.
	after := postQuestion(t, stack, "after.poison@example.com", "Posted after the poison record?")
	if after.status != http.StatusCreated {
		t.Fatalf("POST after the poison record answered %d %v", after.status, after.body)
	}
	afterID := after.body["questionId"]
	waitFor(t, "the question posted afterwards notified", func() bool {
		_, notes, _ := obs.snapshot()
		return countSubject(notes, afterID) == 1
	})

	// Every good question exactly once, the bad one never, nothing else.
	_, notes, dead := obs.snapshot()
	for _, id := range append(good, afterID) {
		if n := countSubject(notes, id); n != 1 {
			t.Errorf("question %s notified %d times, want once", id, n)
		}
	}
	if n := countSubject(notes, poisonID); n != 0 {
		t.Errorf("the poison record was notified %d times", n)
	}
	if len(notes) != len(good)+1 || len(dead) != 1 {
		t.Errorf("%d notifications and %d failure records, want %d and 1", len(notes), len(dead), len(good)+1)
	}
	checkLogsHoldNoUserData(t, obs, good[0]+"@poison.example", "Question "+good[0]+" about mysfits?")
	checkLogsHoldNoUserData(t, obs, poisonID+"@poison.example", "after.poison@example.com")
}

// countSubject counts the notifications whose subject names question id.
func countSubject(notes []inbox.Notification, id string) int {
	n := 0
	for _, note := range notes {
		if strings.HasSuffix(note.Subject, " "+id) {
			n++
		}
	}
	return n
}

// largestProcessBatch is the most records one invocation of the process
// function logged: every record the handler logs carries the batch size.
func largestProcessBatch(t *testing.T, obs *observed, function string) int {
	t.Helper()
	largest := 0
	sc := bufio.NewScanner(strings.NewReader(obs.logText()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			Function string `json:"function"`
			Records  *int   `json:"records"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Function != function || rec.Records == nil {
			continue // the stack's own text logs, or another function
		}
		largest = max(largest, *rec.Records)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the logs: %v", err)
	}
	return largest
}
