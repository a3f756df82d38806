package streampoller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/contract"
)

const testStreamARN = "arn:aws:dynamodb:us-east-1:000000000000:table/questions/stream/2026-01-01T00:00:00.000"

// outcome is what the fake function does with one record.
type outcome int

const (
	ok          outcome = iota
	itemFailure         // reported in batchItemFailures
	crash               // the invocation fails
	// unprocessable is the process function's rule for a record it cannot
	// notify: fail the invocation when nothing was notified yet (the
	// record is first), report it as a batch item failure otherwise.
	unprocessable
)

// fakeFunction behaves like the process handler: it walks the batch in
// order, "notifies" each record, stops at the first record it cannot handle
// and reports it; a crash fails the whole invocation before anything is
// notified.
type fakeFunction struct {
	mu          sync.Mutex
	decide      func(id string, attempt int) outcome
	attempts    map[string]int
	invocations [][]string
	notified    []string
	failed      []OnFailureRecord
}

func newFakeFunction(decide func(id string, attempt int) outcome) *fakeFunction {
	return &fakeFunction{decide: decide, attempts: map[string]int{}}
}

func (f *fakeFunction) process(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, r := range ev.Records {
		ids = append(ids, r.Change.Keys["QuestionId"].String())
	}
	f.invocations = append(f.invocations, ids)
	for _, id := range ids {
		f.attempts[id]++
		if f.decide(id, f.attempts[id]) == crash {
			return events.DynamoDBEventResponse{}, fmt.Errorf("function crashed on %s", id)
		}
	}
	for i, id := range ids {
		switch f.decide(id, f.attempts[id]) {
		case unprocessable:
			if i == 0 {
				return events.DynamoDBEventResponse{}, fmt.Errorf("cannot process %s", id)
			}
			fallthrough
		case itemFailure:
			return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
				{ItemIdentifier: ev.Records[i].Change.SequenceNumber},
			}}, nil
		}
		f.notified = append(f.notified, id)
	}
	return events.DynamoDBEventResponse{}, nil
}

func (f *fakeFunction) onFailure(_ context.Context, rec OnFailureRecord) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = append(f.failed, rec)
	return nil
}

func (f *fakeFunction) snapshot() (invocations [][]string, notified []string, failed []OnFailureRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.invocations), slices.Clone(f.notified), slices.Clone(f.failed)
}

// testMapping is the component's mapping with short waits.
func testMapping() contract.StreamMapping {
	m := contract.QuestionsStream()
	m.MaxBatchingWindow = 20 * time.Millisecond
	return m
}

// startPoller runs a poller until the test ends.
func startPoller(t *testing.T, stream Streams, m contract.StreamMapping, f *fakeFunction, now func() time.Time) {
	t.Helper()
	p, err := New(Config{
		StreamARN:    testStreamARN,
		FunctionARN:  "arn:aws:lambda:us-east-1:000000000000:function:process",
		Mapping:      m,
		Streams:      stream,
		Process:      f.process,
		OnFailure:    f.onFailure,
		PollInterval: 5 * time.Millisecond,
		ShardRefresh: 20 * time.Millisecond,
		Retry:        Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond},
		Now:          now,
		Log:          slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("the poller did not stop within 10s of its context ending")
		}
	})
}

// eventually polls cond until it holds or the generous timeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func putAll(s *fakeStream, shard string, ids ...string) map[string]string {
	seqs := map[string]string{}
	for _, id := range ids {
		seqs[id] = s.put(shard, id)
	}
	return seqs
}

func questionIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return ids
}

func TestDeliversEveryRecordInOrderInBatches(t *testing.T) {
	stream := newFakeStream(time.Now)
	stream.addShard("shard-1", "")
	ids := questionIDs("q", 25)
	putAll(stream, "shard-1", ids...)
	f := newFakeFunction(func(string, int) outcome { return ok })
	m := testMapping()
	startPoller(t, stream, m, f, time.Now)

	eventually(t, "all 25 records notified", func() bool { _, n, _ := f.snapshot(); return len(n) == 25 })
	invocations, notified, failed := f.snapshot()
	if !slices.Equal(notified, ids) {
		t.Errorf("notified %v, want every record once in stream order %v", notified, ids)
	}
	for _, inv := range invocations {
		if len(inv) > m.BatchSize {
			t.Errorf("an invocation had %d records, more than the batch size %d", len(inv), m.BatchSize)
		}
	}
	if len(failed) != 0 {
		t.Errorf("%d batches given up, want none", len(failed))
	}

	// Records written later are picked up by the running poller.
	later := questionIDs("later", 3)
	putAll(stream, "shard-1", later...)
	eventually(t, "records written after start notified", func() bool { _, n, _ := f.snapshot(); return len(n) == 28 })
}

func TestPartialBatchFailureRetriesFromTheFailedRecord(t *testing.T) {
	stream := newFakeStream(time.Now)
	stream.addShard("shard-1", "")
	ids := questionIDs("q", 8)
	putAll(stream, "shard-1", ids...)
	// q04 fails on its first attempt only.
	f := newFakeFunction(func(id string, attempt int) outcome {
		if id == "q04" && attempt == 1 {
			return itemFailure
		}
		return ok
	})
	startPoller(t, stream, testMapping(), f, time.Now)

	eventually(t, "all records notified", func() bool { _, n, _ := f.snapshot(); return len(n) == len(ids) })
	invocations, notified, failed := f.snapshot()
	if !slices.Equal(notified, ids) {
		t.Errorf("notified %v, want each record exactly once, in order: %v", notified, ids)
	}
	want := [][]string{ids, ids[4:]}
	if !slices.EqualFunc(invocations, want, slices.Equal[[]string]) {
		t.Errorf("invocations %v, want the batch then a retry from the failed record: %v", invocations, want)
	}
	if len(failed) != 0 {
		t.Errorf("batches given up %v, want nothing", failed)
	}
}

func TestPoisonRecordGoesToTheFailureStoreAndTheStreamMovesOn(t *testing.T) {
	cases := []struct {
		name    string
		bisect  bool
		failure outcome
		// what ends in the failure store and what is notified
		wantFailed   []string
		wantNotified []string
		// spentRetries are the retries used before the given-up batch was
		// split off: its own invocations are one fewer each.
		spentRetries int
	}{
		{
			name: "function error with bisect isolates the record", bisect: true, failure: crash,
			wantFailed:   []string{"q03"},
			wantNotified: []string{"q00", "q01", "q02", "q04", "q05", "q06", "q07"},
		},
		{
			name: "function error without bisect gives up the whole batch", bisect: false, failure: crash,
			wantFailed: []string{"q00", "q01", "q02", "q03", "q04", "q05", "q06", "q07"},
		},
		{
			// AWS: a partial batch response is "bisected at the returned
			// sequence number" and only the remaining records are retried,
			// so a record reported every time takes all after it along.
			name: "batch item failure gives up from the failed record on", bisect: true, failure: itemFailure,
			wantFailed:   []string{"q03", "q04", "q05", "q06", "q07"},
			wantNotified: []string{"q00", "q01", "q02"},
		},
		{
			// The process function's rule: reported while records before it
			// were notified, a function error once it is first, which
			// bisects until it is alone.
			name: "the process function's rule isolates the record", bisect: true, failure: unprocessable,
			wantFailed:   []string{"q03"},
			wantNotified: []string{"q00", "q01", "q02", "q04", "q05", "q06", "q07"},
			spentRetries: 1, // the retry from q03 after its report
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stream := newFakeStream(time.Now)
			stream.addShard("shard-1", "")
			ids := questionIDs("q", 8)
			seqs := putAll(stream, "shard-1", ids...)
			f := newFakeFunction(func(id string, _ int) outcome {
				if id == "q03" {
					return tc.failure
				}
				return ok
			})
			m := testMapping()
			m.BisectOnFunctionErr = tc.bisect
			startPoller(t, stream, m, f, time.Now)

			eventually(t, "an on-failure record", func() bool { _, _, d := f.snapshot(); return len(d) > 0 })
			// The stream moves on: a record written afterwards is notified.
			putAll(stream, "shard-1", "after")
			eventually(t, "the record after the poison one notified", func() bool {
				_, n, _ := f.snapshot()
				return slices.Contains(n, "after")
			})

			invocations, notified, failed := f.snapshot()
			if want := append(slices.Clone(tc.wantNotified), "after"); !slices.Equal(notified, want) {
				t.Errorf("notified %v, want %v", notified, want)
			}
			if len(failed) != 1 {
				t.Fatalf("on-failure records %+v, want exactly one", failed)
			}
			d := failed[0]
			info := d.DDBStreamBatchInfo
			if d.RequestContext.Condition != ConditionRetriesExhausted {
				t.Errorf("condition %q, want %q", d.RequestContext.Condition, ConditionRetriesExhausted)
			}
			first, last := tc.wantFailed[0], tc.wantFailed[len(tc.wantFailed)-1]
			if info.StartSequenceNumber != seqs[first] || info.EndSequenceNumber != seqs[last] || info.BatchSize != len(tc.wantFailed) {
				t.Errorf("batch info %+v, want sequence numbers %s..%s (%s..%s) and size %d",
					info, seqs[first], seqs[last], first, last, len(tc.wantFailed))
			}
			if info.ShardID != "shard-1" || info.StreamARN != testStreamARN {
				t.Errorf("batch info names shard %q of %q, want shard-1 of %q", info.ShardID, info.StreamARN, testStreamARN)
			}
			if info.ApproximateArrivalOfFirstRecord == "" || info.ApproximateArrivalOfLastRecord == "" {
				t.Errorf("batch info lacks the arrival times: %+v", info)
			}
			// The record carries the batch whole, as for an S3 destination.
			if got, err := d.QuestionIDs(); err != nil || !slices.Equal(got, tc.wantFailed) {
				t.Errorf("the record's payload holds %v (%v), want the given-up batch %v", got, err, tc.wantFailed)
			}
			if got, want := d.RequestContext.ApproximateInvokeCount, m.MaxRetryAttempts+1-tc.spentRetries; got != want {
				t.Errorf("approximateInvokeCount %d, want %d (the first try and %d retries, %d spent before)", got, want, m.MaxRetryAttempts, tc.spentRetries)
			}
			if d.ResponseContext == nil {
				t.Fatalf("no responseContext in %+v", d)
			}
			if wantErr := tc.failure != itemFailure; (d.ResponseContext.FunctionError == "Unhandled") != wantErr {
				t.Errorf("responseContext.functionError %q, want it set only for a function error", d.ResponseContext.FunctionError)
			}
			// The poison record was retried as the mapping says before it was
			// given up; no record was lost or notified twice.
			count := 0
			for _, inv := range invocations {
				if slices.Contains(inv, "q03") {
					count++
				}
			}
			if count < m.MaxRetryAttempts+1 {
				t.Errorf("the poison record was in %d invocations, want at least %d", count, m.MaxRetryAttempts+1)
			}
			for _, id := range ids {
				if slices.Contains(notified, id) == slices.Contains(tc.wantFailed, id) {
					t.Errorf("record %s: notified=%v given up=%v, want exactly one of them",
						id, slices.Contains(notified, id), slices.Contains(tc.wantFailed, id))
				}
			}
		})
	}
}

func TestRecordsOlderThanMaxRecordAgeAreNotInvoked(t *testing.T) {
	var offset atomic.Int64 // the fake clock's lead over the real one
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	stream := newFakeStream(now)
	stream.addShard("shard-1", "")
	seqs := putAll(stream, "shard-1", "old1", "old2")
	m := testMapping()
	offset.Store(int64(m.MaxRecordAge + time.Minute))
	fresh := putAll(stream, "shard-1", "fresh")
	f := newFakeFunction(func(string, int) outcome { return ok })
	startPoller(t, stream, m, f, now)

	eventually(t, "the fresh record notified", func() bool { _, n, _ := f.snapshot(); return len(n) == 1 })
	invocations, notified, failed := f.snapshot()
	if !slices.Equal(notified, []string{"fresh"}) {
		t.Errorf("notified %v, want only the fresh record", notified)
	}
	for _, inv := range invocations {
		if slices.Contains(inv, "old1") || slices.Contains(inv, "old2") {
			t.Errorf("invocation %v holds a record older than the maximum record age", inv)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("on-failure records %+v, want one", failed)
	}
	d := failed[0]
	if d.RequestContext.Condition != ConditionRecordAge || d.RequestContext.ApproximateInvokeCount != 0 || d.ResponseContext != nil {
		t.Errorf("on-failure record %+v, want condition %s, no invocation", d, ConditionRecordAge)
	}
	if info := d.DDBStreamBatchInfo; info.StartSequenceNumber != seqs["old1"] || info.EndSequenceNumber != seqs["old2"] || info.BatchSize != 2 {
		t.Errorf("batch info %+v, want old1..old2 (%s..%s)", info, seqs["old1"], seqs["old2"])
	}
	_ = fresh
}

func TestParentShardIsDrainedBeforeItsChild(t *testing.T) {
	stream := newFakeStream(time.Now)
	stream.addShard("child", "parent") // listed first: order of listing must not matter
	stream.addShard("parent", "")
	putAll(stream, "parent", "p0", "p1", "p2")
	putAll(stream, "child", "c0", "c1")
	stream.closeShard("parent")
	f := newFakeFunction(func(string, int) outcome { return ok })
	startPoller(t, stream, testMapping(), f, time.Now)

	eventually(t, "both shards notified", func() bool { _, n, _ := f.snapshot(); return len(n) == 5 })
	_, notified, _ := f.snapshot()
	if want := []string{"p0", "p1", "p2", "c0", "c1"}; !slices.Equal(notified, want) {
		t.Errorf("notified %v, want the parent's records before the child's: %v", notified, want)
	}

	// A shard that appears later is read from its start.
	stream.closeShard("child")
	stream.addShard("grandchild", "child")
	putAll(stream, "grandchild", "g0")
	eventually(t, "a new shard's record notified", func() bool { _, n, _ := f.snapshot(); return slices.Contains(n, "g0") })
}

func TestStreamOutageIsRetriedWithoutLoss(t *testing.T) {
	stream := newFakeStream(time.Now)
	stream.addShard("shard-1", "")
	stream.failReads = 5
	ids := questionIDs("q", 4)
	putAll(stream, "shard-1", ids...)
	f := newFakeFunction(func(string, int) outcome { return ok })
	startPoller(t, stream, testMapping(), f, time.Now)

	eventually(t, "all records notified after the outage", func() bool { _, n, _ := f.snapshot(); return len(n) == 4 })
	if _, notified, _ := f.snapshot(); !slices.Equal(notified, ids) {
		t.Errorf("notified %v, want %v", notified, ids)
	}
}

func TestInvalidBatchItemFailureFailsTheWholeBatch(t *testing.T) {
	p, err := New(Config{StreamARN: testStreamARN, Mapping: testMapping(), Streams: newFakeStream(time.Now),
		Process: func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{}, nil
		},
		OnFailure: func(context.Context, OnFailureRecord) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	stream := newFakeStream(time.Now)
	stream.addShard("s", "")
	putAll(stream, "s", "a", "b")
	batch := stream.shard("s").records
	for _, id := range []string{"", "000000000000000000999"} {
		_, err := p.firstFailure(batch, events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: id}}})
		if !errors.Is(err, errInvalidFailures) {
			t.Errorf("item identifier %q: error %v, want errInvalidFailures", id, err)
		}
	}
	got, err := p.firstFailure(batch, events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
		{ItemIdentifier: "000000000000000000002"}, {ItemIdentifier: "000000000000000000001"},
	}})
	if err != nil || got != 0 {
		t.Errorf("firstFailure = %d, %v; want the lowest failed record, index 0", got, err)
	}
}

func TestBackoffDoublesUpToMax(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	for retry, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 50: time.Second} {
		if got := b.delay(retry); got != want {
			t.Errorf("delay(%d) = %s, want %s", retry, got, want)
		}
	}
}

func TestNewRejectsAnIncompleteConfig(t *testing.T) {
	valid := Config{StreamARN: testStreamARN, Mapping: testMapping(), Streams: newFakeStream(time.Now),
		Process: func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{}, nil
		},
		OnFailure: func(context.Context, OnFailureRecord) error { return nil }}
	cases := map[string]func(*Config){
		"no stream":         func(c *Config) { c.StreamARN = "" },
		"no process":        func(c *Config) { c.Process = nil },
		"zero batch size":   func(c *Config) { c.Mapping.BatchSize = 0 },
		"unknown position":  func(c *Config) { c.Mapping.StartingPosition = "AT_TIMESTAMP" },
		"no failure target": func(c *Config) { c.OnFailure = nil },
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			c := valid
			breakIt(&c)
			if _, err := New(c); err == nil {
				t.Error("New accepted it")
			}
		})
	}
	if _, err := New(valid); err != nil {
		t.Errorf("New(valid config): %v", err)
	}
}
