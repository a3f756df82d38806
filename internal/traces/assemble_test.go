package traces

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const asmTrace = "1-00000001-0000000000000000000000aa"

func mustParse(t *testing.T, docs ...string) []received {
	t.Helper()
	var rs []received
	for _, s := range docs {
		d, err := ParseDocument([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, received{raw: []byte(s), doc: d})
	}
	return rs
}

func TestAssembleNestsSubsegments(t *testing.T) {
	rs := mustParse(t,
		// The grandchild arrives first; its parent is a subsegment nested
		// in another independently sent one.
		`{"id":"g","name":"grandchild","trace_id":"`+asmTrace+`","parent_id":"n","type":"subsegment","start_time":3,"end_time":4}`,
		`{"id":"c","name":"child","trace_id":"`+asmTrace+`","parent_id":"s","type":"subsegment","start_time":2,"end_time":5,"subsegments":[{"id":"n","name":"nested","start_time":2.5,"end_time":4.5}]}`,
		`{"id":"s","name":"fn","trace_id":"`+asmTrace+`","origin":"AWS::Lambda::Function","start_time":1,"end_time":6,"unknown_field":{"kept":true}}`,
		`{"id":"o","name":"orphan","trace_id":"`+asmTrace+`","parent_id":"missing","type":"subsegment","start_time":2,"end_time":3}`,
		`{"id":"i","name":"DynamoDB","trace_id":"`+asmTrace+`","parent_id":"s","inferred":true,"start_time":2,"end_time":3}`,
	)
	docs := make([]Document, len(rs))
	for i := range rs {
		docs[i] = rs[i].doc
	}
	tr := Assemble(asmTrace, docs)
	if len(tr.Segments) != 1 || len(tr.Orphans) != 1 {
		t.Fatalf("%d segments, %d orphans; want 1 and 1", len(tr.Segments), len(tr.Orphans))
	}
	seg := tr.Segments[0]
	if len(seg.Subsegments) != 1 || seg.Subsegments[0].ID != "c" {
		t.Fatalf("segment subsegments %+v", seg.Subsegments)
	}
	nested := seg.Subsegments[0].Subsegments
	if len(nested) != 1 || nested[0].ID != "n" || len(nested[0].Subsegments) != 1 || nested[0].Subsegments[0].ID != "g" {
		t.Fatalf("nested %+v, want n holding g", nested)
	}
	if len(docs[1].Subsegments[0].Subsegments) != 0 {
		t.Errorf("Assemble modified its input")
	}

	segs := assembleSegments(rs[:4])
	if len(segs) != 2 {
		t.Fatalf("%d wire segments, want the segment and the orphan", len(segs))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(segs[0].Document), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["unknown_field"]; !ok {
		t.Errorf("unknown field lost: %s", segs[0].Document)
	}
	for _, want := range []string{`"id":"c"`, `"id":"n"`, `"id":"g"`} {
		if !strings.Contains(segs[0].Document, want) {
			t.Errorf("assembled document lacks %s: %s", want, segs[0].Document)
		}
	}
	if segs[1].Document != string(rs[3].raw) {
		t.Errorf("orphan not byte for byte: %s", segs[1].Document)
	}
	// The wire form reads back to the same tree.
	back, err := ParseTrace(Trace{ID: asmTrace, Segments: segs})
	if err != nil {
		t.Fatal(err)
	}
	if back.Segments[0].Subsegments[0].Subsegments[0].Subsegments[0].ID != "g" {
		t.Errorf("round trip lost the grandchild")
	}
}

func TestAssembledDocumentsUntouchedWhenNothingNests(t *testing.T) {
	docs := fixtureDocs(t, "stage1.jsonl")
	s := fixtureStore(t, "stage1.jsonl")
	got := s.BatchGetTraces([]string{"1-6b0f287a-232f9528a941eb10b1343b64"})
	if len(got.Traces) != 1 || len(got.Traces[0].Segments) != 2 {
		t.Fatalf("got %+v", got)
	}
	for _, seg := range got.Traces[0].Segments {
		found := false
		for _, d := range docs {
			found = found || string(d) == seg.Document
		}
		if !found {
			t.Errorf("segment %s is not the document as received", seg.ID)
		}
	}
}

func TestTraceDocsAllFindRoot(t *testing.T) {
	docs := []Document{
		{ID: "o", Name: "DynamoDB", TraceID: asmTrace, ParentID: "missing", Type: "subsegment", StartTime: 1},
		{ID: "c", Name: "work", TraceID: asmTrace, ParentID: "f", Type: "subsegment", StartTime: 3, EndTime: 4,
			Subsegments: []Document{{ID: "n", Name: "DynamoDB", StartTime: 3.5, EndTime: 3.6}}},
		{ID: "f", Name: "fn", TraceID: asmTrace, ParentID: "s", Origin: TypeLambdaFunction, StartTime: 2, EndTime: 5},
		{ID: "s", Name: "fn", TraceID: asmTrace, Origin: TypeLambda, StartTime: 1.5, EndTime: 5},
	}
	tr := Assemble(asmTrace, docs)
	var ids []string
	for d := range tr.All() {
		ids = append(ids, d.ID)
	}
	// Depth first from the segments in start order, the orphans last, each
	// document once.
	if want := []string{"s", "f", "c", "n", "o"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("All yields %v, want %v", ids, want)
	}
	for range tr.All() {
		break // stopping early must not panic
	}
	var found []string
	for _, d := range tr.Find("DynamoDB") {
		found = append(found, d.ID)
	}
	if want := []string{"n", "o"}; !reflect.DeepEqual(found, want) {
		t.Errorf("Find(DynamoDB) = %v, want %v", found, want)
	}
	if got := tr.Find("nothing"); len(got) != 0 {
		t.Errorf("Find(nothing) = %v", got)
	}
	if root, ok := tr.Root(); !ok || root.ID != "s" {
		t.Errorf("Root = %+v, %t; want the Lambda segment", root, ok)
	}
	noRoot := Assemble(asmTrace, docs[:3])
	if root, ok := noRoot.Root(); ok || root != nil {
		t.Errorf("Root without the entry segment = %+v, %t; want none", root, ok)
	}
}

// The SDK streams a subsegment on its own while the parent, closing at the
// same moment, still holds it: the trace has it once, the completed copy.
func TestAssembleKeepsARacedSubsegmentOnce(t *testing.T) {
	for _, tc := range []struct {
		name           string
		nested, stream string
	}{
		{"both complete", `"end_time":3`, `"end_time":3`},
		{"the held copy in progress", `"in_progress":true`, `"end_time":3`},
		{"the streamed copy in progress", `"end_time":3`, `"in_progress":true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := mustParse(t,
				`{"id":"x","name":"step","trace_id":"`+asmTrace+`","parent_id":"s","type":"subsegment","start_time":2,`+tc.stream+`}`,
				`{"id":"s","name":"fn","trace_id":"`+asmTrace+`","start_time":1,"end_time":6,"subsegments":[{"id":"x","name":"step","start_time":2,`+tc.nested+`}]}`,
			)
			docs := make([]Document, len(rs))
			for i := range rs {
				docs[i] = rs[i].doc
			}
			tr := Assemble(asmTrace, docs)
			steps := tr.Find("step")
			if len(steps) != 1 || steps[0].InProgress {
				t.Errorf("step %d times (%+v), want once, completed", len(steps), steps)
			}
		})
	}
}
