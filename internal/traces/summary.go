package traces

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Summarize computes what GetTraceSummaries reports of one trace.
func Summarize(t *TraceDocs) TraceSummary {
	x := newTraceIndex(t)
	s := TraceSummary{ID: t.ID, StartTime: t.StartTime(), Duration: round6(t.Duration()), ServiceIDs: []ServiceID{}}
	for d := range t.All() {
		switch outcomeOf(d) {
		case outcomeFault:
			s.HasFault = true
		case outcomeThrottle:
			s.HasThrottle, s.HasError = true, true
		case outcomeError:
			s.HasError = true
		}
		if d.InProgress || d.EndTime == 0 {
			s.IsPartial = true
		}
	}
	root, ok := t.Root()
	if !ok || len(t.Orphans) > 0 {
		s.IsPartial = true
	}
	if ok {
		s.ResponseTime = round6(root.Duration())
		id := segmentKey(root).serviceID()
		s.EntryPoint = &id
		s.HTTP = traceHTTP(root)
	}
	seen := map[nodeKey]bool{}
	var keys []nodeKey
	note := func(k nodeKey) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for i := range t.Segments {
		seg := &t.Segments[i]
		note(segmentKey(seg))
		x.downstream(seg, func(sub *Document) { note(inferredKey(sub)) })
	}
	slices.SortFunc(keys, func(a, b nodeKey) int {
		return strings.Compare(a.name+"\x00"+a.typ, b.name+"\x00"+b.typ)
	})
	for _, k := range keys {
		s.ServiceIDs = append(s.ServiceIDs, k.serviceID())
	}
	s.FaultRootCauses = x.rootCauses(func(d *Document) bool { return outcomeOf(d) == outcomeFault }, root)
	s.ErrorRootCauses = x.rootCauses(func(d *Document) bool {
		o := outcomeOf(d)
		return o == outcomeError || o == outcomeThrottle
	}, root)
	return s
}

// TraceLine is the one line the local stack prints per finished trace,
// from its summary: id, response time (the whole span when the entry
// segment has not ended), HTTP status, the worst outcome, whether it is
// partial, the path through the services and where each fault starts. It
// carries names only, never data (no URL, no exception message), because
// the console is shared with whoever watches it.
func TraceLine(t *TraceDocs, s *TraceSummary) string {
	var b strings.Builder
	took := s.ResponseTime
	if took == 0 {
		took = s.Duration
	}
	fmt.Fprintf(&b, "trace %s  %s  ", s.ID, FormatSeconds(took))
	if s.HTTP != nil && s.HTTP.HTTPStatus != 0 {
		b.WriteString(strconv.Itoa(s.HTTP.HTTPStatus) + " ")
	}
	b.WriteString(worstOutcome(s))
	if s.IsPartial {
		b.WriteString(" (incomplete)")
	}
	if p := servicePath(t); p != "" {
		b.WriteString("  " + p)
	}
	if f := s.FaultOrigins(); len(f) > 0 {
		b.WriteString("  faulted: " + strings.Join(f, ", "))
	}
	return b.String()
}

// worstOutcome names the worst flag, as the X-Ray console colours a trace.
func worstOutcome(s *TraceSummary) string {
	switch {
	case s.HasFault:
		return "fault"
	case s.HasThrottle:
		return "throttle"
	case s.HasError:
		return "error"
	}
	return "ok"
}

// servicePath is the trace's way through the services in start order: each
// segment's name and AWS calls as service.Operation, with the subsegments
// that failed, e.g. "api/prod > Lambda.Invoke > post > DynamoDB.PutItem".
func servicePath(t *TraceDocs) string {
	var docs []*Document
	for d := range t.All() {
		// Lambda's own subsegments are not a step: a faulted Invocation
		// repeats the function's error, and the failing code is below it.
		if IsLambdaRuntime(d) {
			continue
		}
		if d.Origin != "" || d.Namespace == "aws" || d.Fault || d.Error {
			docs = append(docs, d)
		}
	}
	// All is depth first; a path reads in time.
	slices.SortStableFunc(docs, func(a, b *Document) int { return compareFloat(a.StartTime, b.StartTime) })
	var parts []string
	for _, d := range docs {
		name := d.Name
		if op := d.Operation(); d.Namespace == "aws" && op != "" {
			name += "." + op
		}
		if len(parts) > 0 && parts[len(parts)-1] == name {
			continue // Lambda's service and function segments share a name
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, " > ")
}

// FaultOrigins names where each fault root cause starts: the last entity
// on its path (the failing subsegment, or the segment itself when none of
// its subsegments failed), each name once.
func (s *TraceSummary) FaultOrigins() []string {
	var names []string
	for _, c := range s.FaultRootCauses {
		for _, svc := range c.Services {
			name := svc.Name
			if n := len(svc.EntityPath); n > 0 {
				name = svc.EntityPath[n-1].Name
			}
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names
}

// round6 keeps seconds to the microsecond: float subtraction noise would
// otherwise differ between equal traces.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func traceHTTP(d *Document) *TraceHTTP {
	if d.HTTP == nil {
		return nil
	}
	h := &TraceHTTP{HTTPStatus: d.Status()}
	if r := d.HTTP.Request; r != nil {
		h.HTTPURL, h.HTTPMethod, h.UserAgent, h.ClientIP = r.URL, r.Method, r.UserAgent, r.ClientIP
	}
	return h
}

// rootCauses finds where the failures flagged by bad start: the segments
// that are flagged, or hold a flagged subsegment, and call no segment that
// is. Inside such a segment the cause is its deepest flagged subsegment;
// when that is a call to a service that sent no segment, the cause is that
// inferred service.
func (x *traceIndex) rootCauses(bad func(*Document) bool, root *Document) []RootCause {
	failing := map[*Document]bool{}
	for i := range x.t.Segments {
		seg := &x.t.Segments[i]
		flagged := false
		seg.walk(0, func(d *Document, _ int) bool {
			flagged = bad(d)
			return !flagged
		})
		failing[seg] = flagged
	}
	// children: the segments each segment called.
	children := map[*Document][]*Document{}
	for i := range x.t.Segments {
		seg := &x.t.Segments[i]
		if caller, _ := x.upstream(seg); caller != nil {
			children[caller] = append(children[caller], seg)
		}
	}
	var failingBelow func(seg *Document, seen map[*Document]bool) bool
	failingBelow = func(seg *Document, seen map[*Document]bool) bool {
		for _, c := range children[seg] {
			if seen[c] {
				continue
			}
			seen[c] = true
			if failing[c] || failingBelow(c, seen) {
				return true
			}
		}
		return false
	}
	var causes []RootCause
	for i := range x.t.Segments {
		seg := &x.t.Segments[i]
		if !failing[seg] || failingBelow(seg, map[*Document]bool{seg: true}) {
			continue
		}
		path := deepestPath(seg, bad)
		// A flagged Invocation with nothing flagged below it is Lambda
		// repeating the function's error: the cause is the function.
		if n := len(path); n == 2 && IsLambdaRuntime(path[1]) {
			path = path[:1]
		}
		last := path[len(path)-1]
		var svc RootCauseService
		if len(path) > 1 && last.Downstream() && !x.answered[last.ID] {
			k := inferredKey(last)
			svc = RootCauseService{Name: k.name, Names: []string{k.name}, Type: k.typ, Inferred: true,
				EntityPath: []RootCauseEntity{entity(last, true)}}
		} else {
			k := segmentKey(seg)
			svc = RootCauseService{Name: k.name, Names: []string{k.name}, Type: k.typ}
			for _, d := range path {
				svc.EntityPath = append(svc.EntityPath, entity(d, d.Namespace == "remote"))
			}
		}
		causes = append(causes, RootCause{Services: []RootCauseService{svc},
			ClientImpacting: root != nil && bad(root)})
	}
	return causes
}

func entity(d *Document, remote bool) RootCauseEntity {
	e := RootCauseEntity{Name: d.Name, Remote: remote}
	if d.Cause != nil {
		for _, ex := range d.Cause.Exceptions {
			e.Exceptions = append(e.Exceptions, RootCauseException{Name: ex.Type, Message: ex.Message})
		}
	}
	return e
}

// deepestPath is seg followed by the longest chain of flagged nested
// subsegments (the earliest of equally deep ones).
func deepestPath(seg *Document, bad func(*Document) bool) []*Document {
	var best []*Document
	var visit func(d *Document, path []*Document)
	visit = func(d *Document, path []*Document) {
		path = append(path, d)
		if len(path) > len(best) {
			best = slices.Clone(path)
		}
		for i := range d.Subsegments {
			if bad(&d.Subsegments[i]) {
				visit(&d.Subsegments[i], path)
			}
		}
	}
	visit(seg, nil)
	// A flagged subsegment may sit under unflagged ones; look deeper then.
	if len(best) == 1 {
		seg.walk(0, func(d *Document, depth int) bool {
			if depth > 0 && bad(d) {
				best = append(best, d)
				return false
			}
			return true
		})
	}
	return best
}
