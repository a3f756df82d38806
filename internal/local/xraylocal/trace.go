package xraylocal

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

// Trace is every document the daemon received for one trace id.
type Trace struct {
	ID        string
	Documents []Segment // as received: segments and independently sent subsegments
	Complete  bool      // a closed root segment arrived
}

func sortTraces(ts []Trace) {
	slices.SortFunc(ts, func(a, b Trace) int {
		return compareFloat(a.start(), b.start())
	})
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

// All is every segment and subsegment of the trace, nested ones included,
// once each, in start-time order. The SDK may send a document more than
// once (in progress, then completed; a streamed subsegment and its parent
// still holding it when the two race): the completed copy counts.
func (t Trace) All() []Segment {
	var all []Segment
	at := map[string]int{}
	var walk func(Segment)
	walk = func(s Segment) {
		if i, seen := at[s.ID]; seen {
			if all[i].InProgress && !s.InProgress {
				all[i] = s
			}
		} else {
			at[s.ID] = len(all)
			all = append(all, s)
		}
		for _, c := range s.Subsegments {
			if c.TraceID == "" {
				c.TraceID = s.TraceID
			}
			if c.ParentID == "" {
				c.ParentID = s.ID
			}
			walk(c)
		}
	}
	for _, d := range t.Documents {
		walk(d)
	}
	slices.SortStableFunc(all, func(a, b Segment) int { return compareFloat(a.StartTime, b.StartTime) })
	return all
}

// Find returns the segments and subsegments named name.
func (t Trace) Find(name string) []Segment {
	var found []Segment
	for _, s := range t.All() {
		if s.Name == name {
			found = append(found, s)
		}
	}
	return found
}

// Root is the segment without a parent, if it arrived.
func (t Trace) Root() (Segment, bool) {
	for _, d := range t.Documents {
		if d.ParentID == "" && d.Type != "subsegment" {
			return d, true
		}
	}
	return Segment{}, false
}

func (t Trace) start() float64 {
	var start float64
	for _, d := range t.Documents {
		if start == 0 || d.StartTime < start {
			start = d.StartTime
		}
	}
	return start
}

// Duration is the root segment's duration, or the span of what arrived.
func (t Trace) Duration() time.Duration {
	if r, ok := t.Root(); ok && r.EndTime > 0 {
		return r.Elapsed()
	}
	var end float64
	for _, s := range t.All() {
		end = max(end, s.EndTime)
	}
	if end == 0 {
		return 0
	}
	return FromEpoch(end).Sub(FromEpoch(t.start()))
}

// HTTPStatus is the status the root segment answered with, 0 if none.
func (t Trace) HTTPStatus() int {
	if r, ok := t.Root(); ok && r.HTTP != nil && r.HTTP.Response != nil {
		return r.HTTP.Response.Status
	}
	return 0
}

// Status is the worst flag in the trace: fault, error, throttle or ok, as
// the X-Ray console colours a trace.
func (t Trace) Status() string {
	status := "ok"
	for _, s := range t.All() {
		switch {
		case s.Fault:
			return "fault"
		case s.Error:
			status = "error"
		case s.Throttle && status == "ok":
			status = "throttle"
		}
	}
	return status
}

// Faulted names the subsegments (not the service segments) marked as
// fault, the place a learner looks for the cause.
func (t Trace) Faulted() []string {
	var names []string
	for _, s := range t.All() {
		if s.Fault && s.Origin == "" && !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	return names
}

// Path is the service map of the trace in start order: each segment's name,
// and AWS calls as service.Operation, e.g.
// "api/prod > post > DynamoDB.PutItem".
func (t Trace) Path() string {
	var parts []string
	for _, s := range t.All() {
		name := s.Name
		if s.Namespace == "aws" {
			if op, ok := s.AWS["operation"].(string); ok && op != "" {
				name += "." + op
			}
		}
		if len(parts) > 0 && parts[len(parts)-1] == name {
			continue // the Lambda service and function segments share a name
		}
		if s.Origin != "" || s.Namespace == "aws" || s.Fault || s.Error {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, " > ")
}

// String is the one line the local stack prints per finished trace: id,
// duration (as cmd/traces list prints it), status and what faulted. It
// carries names only, never data.
func (t Trace) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "trace %s  %s  ", t.ID, traces.FormatSeconds(t.Duration().Seconds()))
	if code := t.HTTPStatus(); code != 0 {
		b.WriteString(strconv.Itoa(code) + " ")
	}
	b.WriteString(t.Status())
	if !t.Complete {
		b.WriteString(" (incomplete)")
	}
	if p := t.Path(); p != "" {
		b.WriteString("  " + p)
	}
	if f := t.Faulted(); len(f) > 0 {
		b.WriteString("  faulted: " + strings.Join(f, ", "))
	}
	return b.String()
}
