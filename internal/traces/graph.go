package traces

import (
	"math"
	"slices"
	"strings"
)

// nodeKey identifies a graph node: a service is its name and type; the
// clients of a root service are one node per root.
type nodeKey struct {
	name, typ string
	clientOf  string // for client nodes: the root's name and type
}

func (k nodeKey) serviceID() ServiceID {
	if k.typ == TypeClient {
		return ServiceID{Name: k.name, Names: []string{k.name}, Type: TypeClient}
	}
	return ServiceID{Name: k.name, Names: []string{k.name}, Type: k.typ}
}

func segmentKey(s *Document) nodeKey { return nodeKey{name: s.Name, typ: s.Origin} }

func clientKey(root nodeKey) nodeKey {
	return nodeKey{name: TypeClient, typ: TypeClient, clientOf: root.name + "\x00" + root.typ}
}

// inferredKey is the node X-Ray infers from a downstream subsegment when the
// service called sent no segment of its own.
func inferredKey(s *Document) nodeKey {
	if s.Namespace == "remote" {
		return nodeKey{name: s.Name, typ: TypeRemote}
	}
	switch s.Name {
	case "DynamoDB":
		// The contract names every DynamoDB node a table; the SDK's
		// subsegments carry the table's name only when it knows it.
		name := s.awsString("table_name")
		if name == "" {
			name = s.Name
		}
		return nodeKey{name: name, typ: TypeDynamoDBTable}
	case "SNS":
		return nodeKey{name: s.Name, typ: TypeSNS}
	case "Lambda":
		name := s.awsString("function_name")
		if name == "" {
			name = s.Name
		}
		return nodeKey{name: name, typ: TypeLambda}
	}
	return nodeKey{name: s.Name, typ: "AWS::" + s.Name}
}

// outcome is how one request ended, as X-Ray counts it.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeError
	outcomeThrottle
	outcomeFault
)

// outcomeOf reads the flags, and the status where a document has no flags.
func outcomeOf(d *Document) outcome {
	switch {
	case d.Fault:
		return outcomeFault
	case d.Throttle:
		return outcomeThrottle
	case d.Error:
		return outcomeError
	}
	switch s := d.Status(); {
	case s >= 500:
		return outcomeFault
	case s == 429:
		return outcomeThrottle
	case s >= 400:
		return outcomeError
	}
	return outcomeOK
}

// traceIndex relates the documents of one trace: which segment holds a
// subsegment, and which subsegments a downstream segment answers.
type traceIndex struct {
	t        *TraceDocs
	owner    map[string]*Document // subsegment id -> the segment holding it
	subByID  map[string]*Document
	segByID  map[string]*Document
	answered map[string]bool // subsegment ids some segment names as parent
}

func newTraceIndex(t *TraceDocs) *traceIndex {
	x := &traceIndex{t: t, owner: map[string]*Document{}, subByID: map[string]*Document{},
		segByID: map[string]*Document{}, answered: map[string]bool{}}
	for i := range t.Segments {
		seg := &t.Segments[i]
		x.segByID[seg.ID] = seg
		for j := range seg.Subsegments {
			seg.Subsegments[j].walk(0, func(s *Document, _ int) bool {
				x.owner[s.ID], x.subByID[s.ID] = seg, s
				return true
			})
		}
	}
	for i := range t.Segments {
		if p := t.Segments[i].ParentID; p != "" && x.subByID[p] != nil {
			x.answered[p] = true
		}
	}
	return x
}

// upstream is the segment that called seg, and the subsegment that made the
// call when there is one (API Gateway's Lambda Invoke); nil for a root or a
// parent that has not arrived.
func (x *traceIndex) upstream(seg *Document) (caller, call *Document) {
	if seg.ParentID == "" {
		return nil, nil
	}
	if o := x.owner[seg.ParentID]; o != nil {
		return o, x.subByID[seg.ParentID]
	}
	return x.segByID[seg.ParentID], nil
}

// downstream calls fn for each subsegment of seg that calls a service which
// sent no segment of its own, without descending into it (its children are
// the same call's details).
func (x *traceIndex) downstream(seg *Document, fn func(sub *Document)) {
	var visit func(ds []Document)
	visit = func(ds []Document) {
		for i := range ds {
			s := &ds[i]
			if s.Downstream() && !x.answered[s.ID] {
				fn(s)
				continue
			}
			visit(s.Subsegments)
		}
	}
	visit(seg.Subsegments)
}

// histogram counts values rounded to the millisecond.
type histogram map[float64]int64

func (h histogram) add(seconds float64) { h[math.Round(seconds*1000)/1000]++ }

func (h histogram) entries() []HistogramEntry {
	out := make([]HistogramEntry, 0, len(h))
	for v, n := range h {
		out = append(out, HistogramEntry{Value: v, Count: n})
	}
	slices.SortFunc(out, func(a, b HistogramEntry) int { return compareFloat(a.Value, b.Value) })
	return out
}

type stats struct {
	Statistics
	start, end float64
	rt, dur    histogram
}

func newStats() *stats {
	return &stats{Statistics: Statistics{ErrorStatistics: &ErrorStatistics{}, FaultStatistics: &FaultStatistics{}},
		rt: histogram{}, dur: histogram{}}
}

// observe counts one completed request; in-progress documents are not yet
// requests X-Ray counts.
func (s *stats) observe(d *Document, traceDuration float64) {
	if d.StartTime > 0 && (s.start == 0 || d.StartTime < s.start) {
		s.start = d.StartTime
	}
	s.end = max(s.end, d.EndTime)
	if d.EndTime == 0 || d.InProgress {
		return
	}
	s.TotalCount++
	s.TotalResponseTime += d.Duration()
	s.rt.add(d.Duration())
	s.dur.add(traceDuration)
	switch outcomeOf(d) {
	case outcomeFault:
		s.FaultStatistics.OtherCount++
		s.FaultStatistics.TotalCount++
	case outcomeThrottle:
		s.ErrorStatistics.ThrottleCount++
		s.ErrorStatistics.TotalCount++
	case outcomeError:
		s.ErrorStatistics.OtherCount++
		s.ErrorStatistics.TotalCount++
	default:
		s.OkCount++
	}
}

func (s *stats) summary() *Statistics {
	st := s.Statistics
	e, f := *s.ErrorStatistics, *s.FaultStatistics
	st.ErrorStatistics, st.FaultStatistics = &e, &f
	// Sums of float seconds: keep them to the microsecond so equal inputs
	// print equal totals whatever the order of addition.
	st.TotalResponseTime = math.Round(st.TotalResponseTime*1e6) / 1e6
	return &st
}

type graphBuilder struct {
	nodes map[nodeKey]*stats
	roots map[nodeKey]bool
	edges map[[2]nodeKey]*stats
}

func (g *graphBuilder) node(k nodeKey) *stats {
	n := g.nodes[k]
	if n == nil {
		n = newStats()
		g.nodes[k] = n
	}
	return n
}

func (g *graphBuilder) edge(from, to nodeKey) *stats {
	e := g.edges[[2]nodeKey{from, to}]
	if e == nil {
		e = newStats()
		g.edges[[2]nodeKey{from, to}] = e
	}
	return e
}

func (g *graphBuilder) add(t *TraceDocs) {
	x := newTraceIndex(t)
	duration := t.Duration()
	for i := range t.Segments {
		seg := &t.Segments[i]
		k := segmentKey(seg)
		g.node(k).observe(seg, duration)
		caller, call := x.upstream(seg)
		switch {
		case seg.ParentID == "":
			g.roots[k] = true
			ck := clientKey(k)
			g.node(ck)
			g.edge(ck, k).observe(seg, duration)
		case call != nil:
			// The caller's subsegment is the client side of the call: X-Ray
			// builds the edge from it.
			g.edge(segmentKey(caller), k).observe(call, duration)
		case caller != nil:
			// A segment directly under another (Lambda's function segment
			// under its service segment): the edge is the segment itself.
			g.edge(segmentKey(caller), k).observe(seg, duration)
		}
		x.downstream(seg, func(sub *Document) {
			ik := inferredKey(sub)
			g.node(ik).observe(sub, duration)
			g.edge(k, ik).observe(sub, duration)
		})
	}
}

// Graph computes the service graph of traces, as GetServiceGraph does: a
// node per service (segment name and origin), a client node in front of
// each root, a node inferred from each downstream subsegment no segment
// answers, edges with the client side's counts and response times. start
// and end are the window reported; zero takes the traces' own span.
func Graph(traces []TraceDocs, start, end float64) ServiceGraph {
	g := &graphBuilder{nodes: map[nodeKey]*stats{}, roots: map[nodeKey]bool{}, edges: map[[2]nodeKey]*stats{}}
	var first, last float64
	for i := range traces {
		g.add(&traces[i])
		if s := traces[i].StartTime(); s > 0 && (first == 0 || s < first) {
			first = s
		}
		last = max(last, traces[i].EndTime())
	}
	if start == 0 {
		start = first
	}
	if end == 0 {
		end = last
	}
	keys := make([]nodeKey, 0, len(g.nodes))
	for k := range g.nodes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b nodeKey) int {
		return strings.Compare(a.name+"\x00"+a.typ+"\x00"+a.clientOf, b.name+"\x00"+b.typ+"\x00"+b.clientOf)
	})
	ref := make(map[nodeKey]int, len(keys))
	for i, k := range keys {
		ref[k] = i
	}
	out := ServiceGraph{StartTime: start, EndTime: end, Services: make([]Service, 0, len(keys))}
	for _, k := range keys {
		n := g.nodes[k]
		id := k.serviceID()
		svc := Service{ReferenceID: ref[k], Name: id.Name, Names: id.Names, Type: id.Type,
			Root: g.roots[k], State: "active", Edges: []Edge{}}
		if k.typ == TypeClient {
			svc.State = "unknown"
		} else {
			svc.StartTime, svc.EndTime = n.start, n.end
			svc.SummaryStatistics = n.summary()
			svc.ResponseTimeHistogram = n.rt.entries()
			svc.DurationHistogram = n.dur.entries()
		}
		for _, to := range keys {
			e := g.edges[[2]nodeKey{k, to}]
			if e == nil {
				continue
			}
			svc.Edges = append(svc.Edges, Edge{ReferenceID: ref[to], StartTime: e.start, EndTime: e.end,
				SummaryStatistics: e.summary(), ResponseTimeHistogram: e.rt.entries(), Aliases: []Alias{}})
		}
		out.Services = append(out.Services, svc)
	}
	return out
}

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of a
// histogram, 0 for an empty one.
func Percentile(h []HistogramEntry, p float64) float64 {
	var total int64
	for _, e := range h {
		total += e.Count
	}
	if total == 0 {
		return 0
	}
	sorted := slices.Clone(h)
	slices.SortFunc(sorted, func(a, b HistogramEntry) int { return compareFloat(a.Value, b.Value) })
	rank := int64(math.Ceil(p / 100 * float64(total)))
	rank = max(rank, 1)
	var seen int64
	for _, e := range sorted {
		seen += e.Count
		if seen >= rank {
			return e.Value
		}
	}
	return sorted[len(sorted)-1].Value
}

// PercentileOf is Percentile over plain values.
func PercentileOf(values []float64, p float64) float64 {
	h := make([]HistogramEntry, len(values))
	for i, v := range values {
		h[i] = HistogramEntry{Value: v, Count: 1}
	}
	return Percentile(h, p)
}
