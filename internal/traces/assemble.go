package traces

import (
	"encoding/json"
	"fmt"
	"iter"
	"slices"
)

// TraceDocs is one trace's documents put together the way BatchGetTraces
// returns them: every independently sent subsegment nested under the
// segment or subsegment it names as parent.
type TraceDocs struct {
	ID       string
	Segments []Document // service segments, X-Ray's inferred ones left out
	// Orphans are subsegments whose parent has not arrived (yet).
	Orphans []Document
}

// Assemble nests the independently sent subsegments of docs under their
// parents. docs is not modified.
func Assemble(id string, docs []Document) TraceDocs {
	t := TraceDocs{ID: id}
	ids := map[string]bool{}
	for i := range docs {
		docs[i].walk(0, func(s *Document, _ int) bool { ids[s.ID] = true; return true })
	}
	children := map[string][]int{}
	var tops []int
	for i := range docs {
		d := &docs[i]
		switch {
		case d.Inferred:
			// X-Ray's inferred segments repeat a subsegment; the graph infers
			// its own, so they are left out.
		case d.IsSubsegment() && ids[d.ParentID] && d.ParentID != d.ID:
			children[d.ParentID] = append(children[d.ParentID], i)
		default:
			tops = append(tops, i)
		}
	}
	used := make([]bool, len(docs))
	var build func(d Document) Document
	build = func(d Document) Document {
		subs := make([]Document, 0, len(d.Subsegments)+len(children[d.ID]))
		at := map[string]int{} // subsegment id -> index in subs
		for _, s := range d.Subsegments {
			at[s.ID] = len(subs)
			subs = append(subs, build(s))
		}
		for _, i := range children[d.ID] {
			if used[i] {
				continue // a cycle of parent ids: each document once
			}
			used[i] = true
			c := build(docs[i])
			if j, held := at[c.ID]; held {
				// The SDK streamed it while its parent, closing at the same
				// moment, still held it: one copy, the completed one.
				if subs[j].InProgress && !c.InProgress {
					subs[j] = c
				}
				continue
			}
			at[c.ID] = len(subs)
			subs = append(subs, c)
		}
		sortByStart(subs)
		if len(subs) == 0 {
			subs = nil
		}
		d.Subsegments = subs
		return d
	}
	for _, i := range tops {
		used[i] = true
		d := build(docs[i])
		if d.IsSubsegment() {
			t.Orphans = append(t.Orphans, d)
		} else {
			t.Segments = append(t.Segments, d)
		}
	}
	for i := range docs {
		if !used[i] && !docs[i].Inferred {
			used[i] = true
			t.Orphans = append(t.Orphans, build(docs[i]))
		}
	}
	sortByStart(t.Segments)
	sortByStart(t.Orphans)
	return t
}

func sortByStart(ds []Document) {
	slices.SortStableFunc(ds, func(a, b Document) int { return compareFloat(a.StartTime, b.StartTime) })
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ParseTrace reads the documents of a BatchGetTraces trace, whichever
// shape they come in: nested as X-Ray stores them or one per subsegment.
func ParseTrace(t Trace) (TraceDocs, error) {
	docs := make([]Document, 0, len(t.Segments))
	for _, s := range t.Segments {
		d, err := ParseDocument([]byte(s.Document))
		if err != nil {
			return TraceDocs{}, fmt.Errorf("trace %s, segment %s: %w", t.ID, s.ID, err)
		}
		docs = append(docs, d)
	}
	return Assemble(t.ID, docs), nil
}

// All yields every segment and subsegment, nested ones and orphans
// included, depth first; the segments and each level of subsegments are in
// start order.
func (t *TraceDocs) All() iter.Seq[*Document] {
	return func(yield func(*Document) bool) {
		for _, docs := range [][]Document{t.Segments, t.Orphans} {
			for i := range docs {
				if !docs[i].walk(0, func(d *Document, _ int) bool { return yield(d) }) {
					return
				}
			}
		}
	}
}

// Find returns the segments and subsegments named name, in All's order.
func (t *TraceDocs) Find(name string) []*Document {
	var found []*Document
	for d := range t.All() {
		if d.Name == name {
			found = append(found, d)
		}
	}
	return found
}

// StartTime is the earliest start of any document.
func (t *TraceDocs) StartTime() float64 {
	var start float64
	for d := range t.All() {
		if d.StartTime > 0 && (start == 0 || d.StartTime < start) {
			start = d.StartTime
		}
	}
	return start
}

// EndTime is the latest end of any document.
func (t *TraceDocs) EndTime() float64 {
	var end float64
	for d := range t.All() {
		end = max(end, d.EndTime)
	}
	return end
}

// Duration is from the earliest start to the latest end, as X-Ray's
// Trace.Duration.
func (t *TraceDocs) Duration() float64 {
	if end, start := t.EndTime(), t.StartTime(); end > start {
		return end - start
	}
	return 0
}

// Root is the segment without a parent: the entry of the trace. ok is
// false while it has not arrived.
func (t *TraceDocs) Root() (root *Document, ok bool) {
	for i := range t.Segments {
		if t.Segments[i].ParentID == "" {
			return &t.Segments[i], true
		}
	}
	return nil, false
}

// received is one stored document: its bytes as they arrived and parsed.
type received struct {
	raw []byte
	doc Document
}

// assembleSegments builds BatchGetTraces segments from the documents as
// received: each independently sent subsegment is appended to the
// subsegments array of its parent. Documents with nothing nested into
// them stay byte for byte as they arrived; the others keep every value as
// it arrived, in Go's key order.
func assembleSegments(rs []received) []Segment {
	ids := map[string]bool{}
	for i := range rs {
		rs[i].doc.walk(0, func(s *Document, _ int) bool { ids[s.ID] = true; return true })
	}
	children := map[string][]int{}
	var tops []int
	for i := range rs {
		d := &rs[i].doc
		if d.IsSubsegment() && ids[d.ParentID] && d.ParentID != d.ID {
			children[d.ParentID] = append(children[d.ParentID], i)
		} else {
			tops = append(tops, i)
		}
	}
	used := make([]bool, len(rs))
	var build func(raw json.RawMessage, d *Document) json.RawMessage
	build = func(raw json.RawMessage, d *Document) json.RawMessage {
		if !receivesChildren(d, children) {
			return raw
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return raw // parsed before, so this does not happen
		}
		var subs []json.RawMessage
		if s, ok := fields["subsegments"]; ok {
			if err := json.Unmarshal(s, &subs); err != nil || len(subs) != len(d.Subsegments) {
				return raw
			}
		}
		for i := range subs {
			subs[i] = build(subs[i], &d.Subsegments[i])
		}
		for _, i := range children[d.ID] {
			if used[i] {
				continue
			}
			used[i] = true
			subs = append(subs, build(rs[i].raw, &rs[i].doc))
		}
		b, err := json.Marshal(subs)
		if err != nil {
			return raw
		}
		fields["subsegments"] = b
		out, err := json.Marshal(fields)
		if err != nil {
			return raw
		}
		return out
	}
	var segs []Segment
	emit := func(i int) {
		used[i] = true
		segs = append(segs, Segment{ID: rs[i].doc.ID, Document: string(build(rs[i].raw, &rs[i].doc))})
	}
	for _, i := range tops {
		emit(i)
	}
	for i := range rs {
		if !used[i] {
			emit(i)
		}
	}
	return segs
}

// receivesChildren reports whether a document nested in d is the parent of
// an independently sent subsegment.
func receivesChildren(d *Document, children map[string][]int) bool {
	found := false
	d.walk(0, func(s *Document, _ int) bool {
		found = len(children[s.ID]) > 0
		return !found
	})
	return found
}
