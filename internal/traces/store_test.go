package traces

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func segDoc(trace, id string, start float64) string {
	return fmt.Sprintf(`{"name":"gw","id":%q,"trace_id":%q,"origin":"AWS::ApiGateway::Stage","start_time":%v,"end_time":%v,"http":{"response":{"status":200}}}`,
		id, trace, start, start+0.5)
}

func traceID(n int) string { return fmt.Sprintf("1-00000001-%024x", n) }

func TestStoreKeepsTheNewest(t *testing.T) {
	s := NewStore(3)
	for i := 1; i <= 5; i++ {
		if err := s.Add([]byte(segDoc(traceID(i), fmt.Sprintf("%016x", i), float64(i)))); err != nil {
			t.Fatal(err)
		}
	}
	if s.Len() != 3 {
		t.Fatalf("Len = %d, want 3", s.Len())
	}
	got := s.BatchGetTraces([]string{traceID(1), traceID(2), traceID(3), traceID(5)})
	if len(got.Traces) != 2 || got.Traces[0].ID != traceID(3) || got.Traces[1].ID != traceID(5) {
		t.Errorf("held %+v, want traces 3 and 5", got.Traces)
	}
	if strings.Join(got.UnprocessedTraceIDs, ",") != traceID(1)+","+traceID(2) {
		t.Errorf("UnprocessedTraceIds = %v, want the evicted 1 and 2", got.UnprocessedTraceIDs)
	}
	// More documents of a held trace evict nothing.
	if err := s.Add([]byte(`{"name":"x","id":"00000000000000ff","trace_id":"` + traceID(3) + `","parent_id":"0000000000000003","type":"subsegment","start_time":3,"end_time":3.1}`)); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || len(s.BatchGetTraces([]string{traceID(3)}).Traces) != 1 {
		t.Errorf("adding to a held trace evicted it")
	}
	if NewStore(0).limit != DefaultStoreLimit {
		t.Errorf("default limit %d", NewStore(0).limit)
	}
}

func TestStoreOutOfOrderSubsegments(t *testing.T) {
	// The stage-3 capture reversed: every subsegment before its parent.
	docs := fixtureDocs(t, "stage3.jsonl")
	s := NewStore(0)
	for i := len(docs) - 1; i >= 0; i-- {
		if err := s.Add(docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	inOrder := fixtureStore(t, "stage3.jsonl")
	a, b := s.TraceSummaries(0, 0, nil), inOrder.TraceSummaries(0, 0, nil)
	if !reflect.DeepEqual(a.TraceSummaries, b.TraceSummaries) {
		t.Errorf("summaries differ with arrival order")
	}
	if !reflect.DeepEqual(s.ServiceGraph(0, 0, nil), inOrder.ServiceGraph(0, 0, nil)) {
		t.Errorf("graphs differ with arrival order")
	}
	const id = "1-6b0f28a0-22cc7e8d6c2dba7b5ad5b175"
	tr := s.BatchGetTraces([]string{id}).Traces[0]
	docsOf, err := ParseTrace(tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(docsOf.Orphans) != 0 {
		t.Errorf("orphans %+v", docsOf.Orphans)
	}
	found := false
	for _, seg := range docsOf.Segments {
		for _, sub := range seg.Subsegments {
			found = found || sub.Name == "hangingException" && seg.Origin == TypeLambdaFunction
		}
	}
	if !found {
		t.Errorf("hangingException not nested under the function segment")
	}
}

func TestStoreInProgressReplacement(t *testing.T) {
	const tid = "1-00000002-000000000000000000000001"
	inProgress := `{"name":"gw","id":"0000000000000001","trace_id":"` + tid + `","start_time":1,"in_progress":true}`
	done := `{"name":"gw","id":"0000000000000001","trace_id":"` + tid + `","start_time":1,"end_time":3,"fault":true,"http":{"response":{"status":502}}}`

	s := NewStore(0)
	for _, d := range []string{inProgress, done} {
		if err := s.Add([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	sum := s.TraceSummaries(0, 0, nil).TraceSummaries
	if len(sum) != 1 || sum[0].IsPartial || !sum[0].HasFault || sum[0].ResponseTime != 2 {
		t.Fatalf("after completion: %+v", sum)
	}
	segs := s.BatchGetTraces([]string{tid}).Traces[0].Segments
	if len(segs) != 1 || segs[0].Document != done {
		t.Errorf("segments %+v, want the completed document only", segs)
	}
	// A late in-progress copy does not undo the completed one.
	if err := s.Add([]byte(inProgress)); err != nil {
		t.Fatal(err)
	}
	if segs := s.BatchGetTraces([]string{tid}).Traces[0].Segments; segs[0].Document != done {
		t.Errorf("stale in-progress copy replaced the completed document")
	}
	// Only in progress so far: the trace is partial.
	s2 := NewStore(0)
	if err := s2.Add([]byte(inProgress)); err != nil {
		t.Fatal(err)
	}
	if sum := s2.TraceSummaries(0, 0, nil).TraceSummaries; !sum[0].IsPartial {
		t.Errorf("in-progress trace not partial")
	}
}

func TestStoreAddErrors(t *testing.T) {
	s := NewStore(0)
	for _, bad := range []string{``, `not json`, `{"id":"a"}`, `{"trace_id":"1-2-3"}`} {
		if err := s.Add([]byte(bad)); err == nil {
			t.Errorf("Add(%q) accepted", bad)
		}
	}
	if s.Len() != 0 {
		t.Errorf("bad documents stored")
	}
	header := `{"format": "json", "version": 1}` + "\n"
	if d, err := s.AddDatagram([]byte(header + segDoc(traceID(1), "0000000000000001", 1))); err != nil || d.ID != "0000000000000001" || d.TraceID != traceID(1) {
		t.Errorf("AddDatagram = %+v, %v; want the document it kept", d, err)
	}
	for _, bad := range []string{segDoc(traceID(2), "a", 1), `{"format": "xml", "version": 1}` + "\n{}"} {
		if _, err := s.AddDatagram([]byte(bad)); err == nil {
			t.Errorf("AddDatagram(%.40q) accepted", bad)
		}
	}
	// The caller's buffer is reused for the next datagram: Add copies it.
	buf := []byte(segDoc(traceID(3), "0000000000000003", 3))
	if err := s.Add(buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, strings.Repeat("x", len(buf)))
	if got := s.BatchGetTraces([]string{traceID(3)}); len(got.Traces) != 1 || !strings.HasPrefix(got.Traces[0].Segments[0].Document, `{"name":"gw"`) {
		t.Errorf("stored document changed with the caller's buffer: %+v", got)
	}
}

func TestStoreTimeWindow(t *testing.T) {
	s := NewStore(0)
	for i := 1; i <= 4; i++ {
		if err := s.Add([]byte(segDoc(traceID(i), fmt.Sprintf("%016x", i), float64(i*10)))); err != nil {
			t.Fatal(err)
		}
	}
	got := s.TraceSummaries(15, 35, nil)
	if len(got.TraceSummaries) != 2 || got.TraceSummaries[0].ID != traceID(3) || got.TraceSummaries[1].ID != traceID(2) {
		t.Errorf("window 15-35: %+v, want traces 3 then 2", got.TraceSummaries)
	}
	if got.TracesProcessedCount != 2 {
		t.Errorf("TracesProcessedCount = %d", got.TracesProcessedCount)
	}
	if g := s.ServiceGraph(15, 35, nil); g.StartTime != 15 || g.EndTime != 35 || countsOf(node(t, g, "gw", TypeAPIGateway).SummaryStatistics).total != 2 {
		t.Errorf("graph of window 15-35: %+v", g)
	}
}

func TestStoreConcurrentUse(t *testing.T) {
	docs := fixtureDocs(t, "stage3.jsonl")
	s := NewStore(5) // small: eviction runs while others read
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				for _, d := range docs {
					if err := s.Add(d); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				sums := s.TraceSummaries(0, 0, nil)
				_ = s.ServiceGraph(0, 0, nil)
				var ids []string
				for _, x := range head(sums.TraceSummaries, MaxBatch) {
					ids = append(ids, x.ID)
				}
				_ = s.BatchGetTraces(ids)
			}
		}()
	}
	wg.Wait()
	if s.Len() != 5 {
		t.Errorf("Len = %d, want 5", s.Len())
	}
}

func TestStoreTrace(t *testing.T) {
	s := NewStore(2)
	sub := fmt.Sprintf(`{"name":"DynamoDB","id":"0000000000000009","trace_id":%q,"parent_id":"0000000000000001","type":"subsegment","namespace":"aws","start_time":1.1,"end_time":1.2,"fault":true}`, traceID(1))
	for _, doc := range []string{sub, segDoc(traceID(1), "0000000000000001", 1)} {
		if err := s.Add([]byte(doc)); err != nil {
			t.Fatal(err)
		}
	}
	tr, sum, ok := s.Trace(traceID(1))
	if !ok || tr.ID != traceID(1) || len(tr.Segments) != 1 || len(tr.Orphans) != 0 || len(tr.Segments[0].Subsegments) != 1 {
		t.Fatalf("Trace = %+v, %t; want the segment with the subsegment that arrived first nested", tr, ok)
	}
	if sum.ID != traceID(1) || !sum.HasFault || sum.IsPartial || sum.HTTP == nil || sum.HTTP.HTTPStatus != 200 {
		t.Errorf("summary %+v, want a complete faulted trace that answered 200", sum)
	}
	if _, _, ok := s.Trace(traceID(7)); ok {
		t.Error("Trace of an id never received: ok")
	}
	for _, n := range []int{2, 3} {
		if err := s.Add([]byte(segDoc(traceID(n), fmt.Sprintf("%016x", n), float64(n)))); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, ok := s.Trace(traceID(1)); ok {
		t.Error("Trace of an id pushed out by newer traces: ok")
	}
}
