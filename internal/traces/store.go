package traces

import (
	"bytes"
	"container/list"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultStoreLimit is how many traces a Store keeps unless told otherwise.
const DefaultStoreLimit = 1000

// Store keeps the newest traces the local X-Ray daemon received, as raw
// segment documents, and answers the console's queries from them. Safe for
// concurrent use.
type Store struct {
	limit int

	mu     sync.RWMutex
	traces map[string]*list.Element // of *storedTrace
	order  *list.List               // by first arrival, oldest in front
	// timeline is the runner's settings over time (RecordSettings), in
	// time order; replaced, never written into.
	timeline []settingsMark
	// persist writes what the store takes to the state folder; nil keeps
	// everything in memory only.
	persist *persister
}

type storedTrace struct {
	id   string
	docs []received // one per document id, in arrival order
	byID map[string]int
}

// NewStore returns a store of the newest limit traces (DefaultStoreLimit
// when limit <= 0).
func NewStore(limit int) *Store {
	if limit <= 0 {
		limit = DefaultStoreLimit
	}
	return &Store{limit: limit, traces: map[string]*list.Element{}, order: list.New()}
}

// Add takes one segment document as it arrived over UDP after the header
// line: a segment, or a subsegment sent on its own ("type": "subsegment"
// with parent_id and trace_id), in any order. A completed document replaces
// an in-progress one with the same id; a late in-progress copy of a
// completed document is ignored. doc is copied.
func (s *Store) Add(doc []byte) error {
	_, err := s.add(doc)
	return err
}

// add is Add returning the parsed document, which the daemon reads to
// tell when a trace is finished.
func (s *Store) add(doc []byte) (Document, error) {
	doc = bytes.TrimSpace(doc)
	d, err := ParseDocument(doc)
	if err != nil {
		return d, err
	}
	r := received{raw: bytes.Clone(doc), doc: d}

	s.mu.Lock()
	kept := s.addLocked(d, r)
	p := s.persist
	if kept && p != nil {
		p.enqueue(docLine(r.raw))
	}
	s.mu.Unlock()
	if kept && p != nil {
		p.flush(s)
	}
	return d, nil
}

// addLocked files r under its trace and reports whether the store kept it
// (a late in-progress copy of a completed document is not).
func (s *Store) addLocked(d Document, r received) bool {
	el := s.traces[d.TraceID]
	if el == nil {
		el = s.order.PushBack(&storedTrace{id: d.TraceID, byID: map[string]int{}})
		s.traces[d.TraceID] = el
		for s.order.Len() > s.limit {
			oldest := s.order.Front()
			s.order.Remove(oldest)
			delete(s.traces, oldest.Value.(*storedTrace).id)
		}
	}
	t := el.Value.(*storedTrace)
	if i, ok := t.byID[d.ID]; ok {
		if d.InProgress && !t.docs[i].doc.InProgress {
			return false
		}
		// A new slice: snapshots taken before keep the old one.
		t.docs = slices.Clone(t.docs)
		t.docs[i] = r
		return true
	}
	t.byID[d.ID] = len(t.docs)
	t.docs = append(t.docs, r)
	return true
}

// datagramHeader is the line before every document the SDK sends.
type datagramHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// AddDatagram takes a whole UDP datagram: the header line
// {"format": "json", "version": 1} and the document after it, which it
// returns parsed.
func (s *Store) AddDatagram(b []byte) (Document, error) {
	head, body, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return Document{}, errors.New("datagram without a header line")
	}
	var h datagramHeader
	if err := json.Unmarshal(head, &h); err != nil || h.Format != "json" || h.Version != 1 {
		return Document{}, fmt.Errorf("unexpected datagram header %.60q", head)
	}
	return s.add(body)
}

// Len is how many traces the store holds.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.order.Len()
}

type snapshot struct {
	id   string
	docs []received
}

func (s *Store) snapshot() []snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]snapshot, 0, s.order.Len())
	for el := s.order.Front(); el != nil; el = el.Next() {
		out = append(out, el.Value.(*storedTrace).snapshot())
	}
	return out
}

// snapshot is the trace as it is now; call it with the store locked.
func (t *storedTrace) snapshot() snapshot {
	// Stored documents are never changed in place, so sharing the slice is
	// safe: Add replaces rather than writes into it.
	return snapshot{id: t.id, docs: t.docs[:len(t.docs):len(t.docs)]}
}

// Trace is one held trace, assembled and summarized as the console's
// queries see it; ok is false when the store does not hold id (never
// received, or pushed out by newer traces).
func (s *Store) Trace(id string) (t TraceDocs, summary TraceSummary, ok bool) {
	s.mu.RLock()
	el := s.traces[id]
	var sn snapshot
	if el != nil {
		sn = el.Value.(*storedTrace).snapshot()
	}
	tl := s.timeline
	s.mu.RUnlock()
	if el == nil {
		return TraceDocs{}, TraceSummary{}, false
	}
	t = sn.assemble()
	return t, summarize(&t, tl), true
}

func (sn snapshot) assemble() TraceDocs {
	docs := make([]Document, len(sn.docs))
	for i, r := range sn.docs {
		docs[i] = r.doc
	}
	return Assemble(sn.id, docs)
}

// view is one trace with its summary, for queries.
type view struct {
	docs    TraceDocs
	summary TraceSummary
}

// Scope selects the traces a query reads: started within [Start, End]
// (epoch seconds, zero: unbounded) and, when Stage > 0, run at that stage
// (RecordSettings).
type Scope struct {
	Start, End float64
	Stage      int
}

// summarize is Summarize with the settings the trace ran under.
func summarize(t *TraceDocs, tl []settingsMark) TraceSummary {
	sum := Summarize(t)
	sum.Settings = settingsAt(tl, rootStart(t))
	return sum
}

// views are the traces in sc that match f, newest first.
func (s *Store) views(sc Scope, f *Filter) (matched []view, scanned int) {
	tl := s.settingsTimeline()
	for _, sn := range s.snapshot() {
		t := sn.assemble()
		st := t.StartTime()
		if sc.Start > 0 && st < sc.Start || sc.End > 0 && st > sc.End {
			continue
		}
		sum := summarize(&t, tl)
		if sc.Stage > 0 && (sum.Settings == nil || sum.Settings.Stage != sc.Stage) {
			continue
		}
		scanned++
		if f.Match(&t, &sum) {
			matched = append(matched, view{docs: t, summary: sum})
		}
	}
	slices.SortStableFunc(matched, func(a, b view) int {
		if c := compareFloat(b.summary.StartTime, a.summary.StartTime); c != 0 {
			return c
		}
		return strings.Compare(a.docs.ID, b.docs.ID)
	})
	return matched, scanned
}

// TraceSummaries answers GetTraceSummaries: the traces started within
// [start, end] (zero: unbounded) that match f, newest first.
func (s *Store) TraceSummaries(start, end float64, f *Filter) TraceSummaries {
	return s.TraceSummariesIn(Scope{Start: start, End: end}, f)
}

// TraceSummariesIn is TraceSummaries over the traces of sc.
func (s *Store) TraceSummariesIn(sc Scope, f *Filter) TraceSummaries {
	vs, scanned := s.views(sc, f)
	out := TraceSummaries{TraceSummaries: make([]TraceSummary, 0, len(vs)), TracesProcessedCount: int64(scanned),
		ApproximateTime: Epoch(time.Now())}
	for _, v := range vs {
		out.TraceSummaries = append(out.TraceSummaries, v.summary)
	}
	return out
}

// ServiceGraph answers GetServiceGraph over the traces started within
// [start, end] that match group (nil: all).
func (s *Store) ServiceGraph(start, end float64, group *Filter) ServiceGraph {
	return s.ServiceGraphIn(Scope{Start: start, End: end}, group)
}

// ServiceGraphIn is ServiceGraph over the traces of sc.
func (s *Store) ServiceGraphIn(sc Scope, group *Filter) ServiceGraph {
	vs, _ := s.views(sc, group)
	docs := make([]TraceDocs, len(vs))
	for i, v := range vs {
		docs[i] = v.docs
	}
	return Graph(docs, sc.Start, sc.End)
}

// BatchGetTraces answers BatchGetTraces: the documents of each trace held,
// independently sent subsegments nested under their parents; the other ids
// come back in UnprocessedTraceIds.
func (s *Store) BatchGetTraces(ids []string) Traces {
	out := Traces{Traces: []Trace{}, UnprocessedTraceIDs: []string{}}
	held := map[string]snapshot{}
	for _, sn := range s.snapshot() {
		held[sn.id] = sn
	}
	done := map[string]bool{}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		sn, ok := held[id]
		if !ok {
			out.UnprocessedTraceIDs = append(out.UnprocessedTraceIDs, id)
			continue
		}
		t := sn.assemble()
		out.Traces = append(out.Traces, Trace{ID: id, Duration: round6(t.Duration()), Segments: assembleSegments(sn.docs)})
	}
	return out
}

// Epoch is the time format of segment documents and of the X-Ray API:
// seconds since the epoch.
func Epoch(t time.Time) float64 { return float64(t.UnixNano()) / float64(time.Second) }
