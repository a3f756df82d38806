package redrive

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mysfits/mysfits-questions/functions/notify"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/internal/failures/failurestest"
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
	key, rec := batch(t, requestID, ts, recs...)
	if err := store.Put(context.Background(), key, rec); err != nil {
		t.Fatal(err)
	}
	return key
}

// batch is the record of a failed batch, as Lambda writes it to S3, and
// its key.
func batch(t *testing.T, requestID, ts string, recs ...events.DynamoDBEventRecord) (string, failures.Record) {
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
	return key, rec
}

// testStore is a failure store and the way the stream mapping puts a
// batch in it.
type testStore struct {
	failures.Store
	put func(key string, rec failures.Record)
}

// stores are the failure stores redrive runs on: the local stack's folder
// and an S3 bucket (in memory, answering as S3 does).
func stores() []struct {
	name string
	new  func(t *testing.T) testStore
} {
	return []struct {
		name string
		new  func(t *testing.T) testStore
	}{
		{"local folder", func(t *testing.T) testStore {
			t.Helper()
			dir := failures.Dir(filepath.Join(t.TempDir(), "failures"))
			return testStore{Store: dir, put: func(key string, rec failures.Record) {
				if err := dir.Put(context.Background(), key, rec); err != nil {
					t.Error(err)
				}
			}}
		}},
		{"S3 bucket", func(t *testing.T) testStore {
			t.Helper()
			fake := failurestest.NewS3()
			return testStore{Store: &failures.Bucket{Name: "questions-failures-1a2b3c4", Client: fake}, put: func(key string, rec failures.Record) {
				b, err := json.Marshal(rec)
				if err != nil {
					t.Error(err)
				}
				fake.Put(key, b)
			}}
		}},
	}
}

// noticeOf is the EventBridge event S3 sends for a new object (Amazon S3
// user guide, "EventBridge event message structure", Object Created).
func noticeOf(key string) string {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created", "source": "aws.s3",
		"account": "111122223333", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
		"resources": []string{"arn:aws:s3:::questions-failures-1a2b3c4"},
		"detail": map[string]any{
			"version": "0", "bucket": map[string]any{"name": "questions-failures-1a2b3c4"},
			"object":     map[string]any{"key": key, "size": 1024, "etag": "e", "sequencer": "00617F08299329D189"},
			"request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012", "source-ip-address": "1.2.3.4", "reason": "PutObject",
		},
	})
	return string(b)
}

// publisher records the subjects it is asked to publish; failOn makes the
// publish of a question fail; onPublish runs before each publish.
type publisher struct {
	subjects  []string
	failOn    string
	onPublish func()
}

func (p *publisher) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	if p.onPublish != nil {
		p.onPublish()
	}
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
	notifier := &notify.Handler{TopicARN: "arn:aws:sns:us-east-1:123456789012:questions", SNS: pub}
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
	sum, err = Run(ctx, Config{Store: store, Notifier: notifier, Apply: true, Out: &out})
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
	sum, err = Run(ctx, Config{Store: store, Notifier: notifier, Apply: true, Out: &out})
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
	if sum, err := Run(ctx, Config{Store: store, Notifier: notifier, Apply: true, Out: &out}); err != nil || sum.Notified != 0 {
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
	sum, err := Run(ctx, Config{Store: store, Notifier: &notify.Handler{SNS: &publisher{}}, Apply: true, Out: &out})
	if err != nil || sum.Kept != 1 || sum.Notified != 0 || !strings.Contains(out.String(), "sequence numbers 7..9") {
		t.Errorf("a record without payload: %+v, %v\n%s", sum, err, out.String())
	}
}

func TestRunNeedsATopicToApply(t *testing.T) {
	if _, err := Run(context.Background(), Config{Store: failures.Dir(t.TempDir()), Apply: true}); err == nil {
		t.Error("--apply without a topic ran")
	}
}

// TestRunKeepsTheNoticeOfABatchThatFailsMeanwhile: a batch that fails
// while redrive --apply runs (after its listing) stays in the store, and
// so does its notice: the failure-store alarm stays on for it. The
// notices of the batches this run removed go; so does the notice of a
// batch removed before (a run whose drain was cut short).
func TestRunKeepsTheNoticeOfABatchThatFailsMeanwhile(t *testing.T) {
	moments := []struct {
		name string
		// at installs fail, which puts the late batch and its notice,
		// at that moment of the run; redriven says whether the run has
		// removed the batch it redrives.
		at func(pub *publisher, q *fakeSQS, fail func(), redriven func() bool)
	}{
		{"while a question is notified", func(pub *publisher, _ *fakeSQS, fail func(), _ func() bool) { pub.onPublish = fail }},
		{"while the notices are drained", func(_ *publisher, q *fakeSQS, fail func(), redriven func() bool) {
			q.onReceive = func() {
				if redriven() {
					fail()
				}
			}
		}},
	}
	for _, st := range stores() {
		for _, moment := range moments {
			t.Run(st.name+"/"+moment.name, func(t *testing.T) {
				ctx := context.Background()
				store := st.new(t)
				q := newFakeSQS()
				// Each batch in the store has its notice; a batch removed
				// before has one left too.
				redrivable, rec := batch(t, "r1", "2026-01-01T00:00:01.000Z", insert("q1", "101"))
				store.put(redrivable, rec)
				q.add("n-redrivable", noticeOf(redrivable))
				poison := insert("q-poison", "201")
				poison.Change.NewImage[questions.AttrQuestionText] = events.NewNumberAttribute("42")
				poisoned, rec := batch(t, "r2", "2026-01-01T00:00:02.000Z", poison)
				store.put(poisoned, rec)
				q.add("n-poisoned", noticeOf(poisoned))
				earlier, _ := batch(t, "r0", "2026-01-01T00:00:00.000Z", insert("q0", "1"))
				q.add("n-earlier", noticeOf(earlier))

				late, lateRec := batch(t, "r3", "2026-01-01T00:00:03.000Z", insert("q-late", "301"))
				failed := false
				pub := &publisher{}
				moment.at(pub, q, func() {
					if !failed {
						failed = true
						store.put(late, lateRec)
						q.add("n-late", noticeOf(late))
					}
				}, func() bool {
					held, err := store.Exists(ctx, redrivable)
					return err == nil && !held
				})
				cfg := Config{Store: store, Notifier: &notify.Handler{TopicARN: "arn:aws:sns:us-east-1:123456789012:questions", SNS: pub},
					Notices: &NoticeQueue{URL: "https://sqs.example/q", Client: q}, Apply: true, Out: &strings.Builder{}}
				sum, err := Run(ctx, cfg)
				if err != nil || !failed {
					t.Fatalf("Run = %+v, %v (the late batch failed: %t)", sum, err, failed)
				}
				if got := q.ids(); !slices.Equal(got, []string{"n-late", "n-poisoned"}) {
					t.Errorf("notices left %v, want the late batch's and the poisoned one's: a batch in the store keeps its notice", got)
				}
				if held, err := store.Exists(ctx, late); err != nil || !held {
					t.Errorf("the late batch: in the store %t, %v", held, err)
				}
				if q.invisible != 0 {
					t.Errorf("%d notices left invisible: the alarm's count would dip", q.invisible)
				}
				// The next run redrives it and lets its notice go.
				pub.onPublish, q.onReceive = nil, nil
				if sum, err := Run(ctx, cfg); err != nil || sum.Notified != 1 || !slices.Equal(q.ids(), []string{"n-poisoned"}) {
					t.Errorf("next run: %+v, %v, notices left %v", sum, err, q.ids())
				}
			})
		}
	}
}

// TestRunLegacyRecords: on a stack deployed before the failure bucket, the
// notice queue still holds the on-failure records it got as the mapping's
// destination (metadata only). Redrive lists them as legacy and, applied,
// removes those it listed, after listing them; other messages stay.
func TestRunLegacyRecords(t *testing.T) {
	documented, err := os.ReadFile("../failures/testdata/sqs-on-failure-record.json")
	if err != nil {
		t.Fatal(err)
	}
	arrived := time.Date(2019, 11, 14, 0, 13, 19, 0, time.UTC) // approximateArrivalOfLastRecord
	const where = "shard shardId-00000001573689847184-864758bb, sequence numbers 800000000003126276362..800000000003126276362 (1 record)"
	tests := []struct {
		name      string
		apply     bool
		now       time.Time
		wantState string
		wantLeft  []string
	}{
		{"listed", false, arrived.Add(30 * 24 * time.Hour), "legacy, cannot be redriven, the stream no longer holds them",
			[]string{"legacy", "other", "s3-notice"}},
		{"listed within the stream's 24 hours", false, arrived.Add(time.Hour),
			"legacy, cannot be redriven (redrive reads the failure bucket only), the stream drops them by 2019-11-15 00:13:19",
			[]string{"legacy", "other", "s3-notice"}},
		{"applied", true, arrived.Add(30 * 24 * time.Hour), "legacy, cannot be redriven, the stream no longer holds them",
			[]string{"late-legacy", "other"}}, // the notice of a batch redriven before goes too
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := failures.Dir(t.TempDir())
			kept := put(t, store, "r1", "2026-01-01T00:00:01.000Z", insert("q1", "101"))
			q := newFakeSQS()
			q.add("legacy", string(documented))
			q.add("s3-notice", noticeOf("aws/lambda/m/shardId-1/2026/01/01/gone")) // redriven by an earlier run
			q.add("other", "a message someone sent by hand")
			pub := &publisher{failOn: "q1", onPublish: func() {
				// A legacy record after the listing (the old mapping still
				// at work) is not removed unlisted.
				q.add("late-legacy", string(documented))
			}}
			var out strings.Builder
			sum, err := Run(ctx, Config{Store: store, Notifier: &notify.Handler{SNS: pub}, Apply: tt.apply, Out: &out,
				Notices: &NoticeQueue{URL: "https://sqs.example/q", Client: q}, Now: func() time.Time { return tt.now }})
			if tt.apply && (err == nil || !strings.Contains(err.Error(), "SNS is down")) {
				t.Errorf("Run = %v, want q1's publish error", err)
			} else if !tt.apply && err != nil {
				t.Error(err)
			}
			text := out.String()
			listing := strings.Index(text, tt.wantState)
			if listing < 0 || !strings.Contains(text, where) || !strings.Contains(text, "2019-11-14 00:13:49") ||
				!strings.Contains(text, "retries exhausted after 1 invocations") || !strings.Contains(text, "1 message(s) neither a failure notice nor an on-failure record") {
				t.Errorf("output lacks the legacy record (%q, %s) or the other message:\n%s", tt.wantState, where, text)
			}
			if got := q.ids(); !slices.Equal(got, tt.wantLeft) {
				t.Errorf("queue after the run: %v, want %v", got, tt.wantLeft)
			}
			if tt.apply {
				removed := strings.Index(text, "removed  legacy on-failure record: "+where)
				if removed < listing || sum.LegacyGone != 1 || sum.Legacy != 1 {
					t.Errorf("legacy record removed at %d, listed at %d, summary %+v:\n%s", removed, listing, sum, text)
				}
				if held, _ := store.Exists(ctx, kept); !held {
					t.Error("the batch SNS failed on is gone")
				}
			} else if !strings.Contains(text, "--apply") {
				t.Errorf("listing does not say how to remove them:\n%s", text)
			}
			if q.invisible != 0 {
				t.Errorf("%d messages left invisible: the alarm's count would dip", q.invisible)
			}
		})
	}
}

func TestNoticeQueueVisit(t *testing.T) {
	documented, err := os.ReadFile("../failures/testdata/sqs-on-failure-record.json")
	if err != nil {
		t.Fatal(err)
	}
	q := newFakeSQS()
	q.add("gone", noticeOf("aws/lambda/m/s/2026/01/01/a"))
	q.add("kept", noticeOf("aws/lambda/m/s/2026/01/01/b"))
	q.add("legacy", string(documented))
	q.add("test-event", `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-01T00:00:00.000Z","Bucket":"b"}`)
	asked := map[string]int{}
	kinds := map[string]string{}
	removed, left, err := (&NoticeQueue{URL: "https://sqs.example/q", Client: q}).Visit(context.Background(), func(m Message) bool {
		asked[m.ID]++
		switch {
		case m.Legacy != nil:
			kinds[m.ID] = "legacy " + m.Legacy.DDBStreamBatchInfo.ShardID
		case m.Key != "":
			kinds[m.ID] = "notice " + m.Key
		default:
			kinds[m.ID] = "other"
		}
		return strings.HasSuffix(m.Key, "/a")
	})
	if err != nil || len(removed) != 1 || removed[0].ID != "gone" || left != 3 {
		t.Fatalf("Visit = %+v, %d left, %v; want gone removed, 3 left", removed, left, err)
	}
	want := map[string]string{
		"gone": "notice aws/lambda/m/s/2026/01/01/a", "kept": "notice aws/lambda/m/s/2026/01/01/b",
		"legacy": "legacy shardId-00000001573689847184-864758bb", "test-event": "other",
	}
	for id, kind := range want {
		if kinds[id] != kind || asked[id] != 1 {
			t.Errorf("%s: read as %q, asked %d times; want %q, once", id, kinds[id], asked[id], kind)
		}
	}
	if got := q.ids(); !slices.Equal(got, []string{"kept", "legacy", "test-event"}) {
		t.Errorf("queue after the visit: %v", got)
	}
	if q.invisible != 0 {
		t.Errorf("%d messages left invisible: the alarm's count would dip", q.invisible)
	}
}

// fakeSQS hands out every visible message on each receive (so a visit
// sees each one several times); onReceive runs before each receive.
type fakeSQS struct {
	messages  map[string]string
	invisible int
	onReceive func()
}

func newFakeSQS() *fakeSQS { return &fakeSQS{messages: map[string]string{}} }

func (f *fakeSQS) add(id, body string) { f.messages[id] = body }

// ids are the messages in the queue, sorted.
func (f *fakeSQS) ids() []string { return slices.Sorted(maps.Keys(f.messages)) }

func (f *fakeSQS) ReceiveMessage(_ context.Context, _ *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if f.onReceive != nil {
		f.onReceive()
	}
	out := &sqs.ReceiveMessageOutput{}
	for _, id := range f.ids() {
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
