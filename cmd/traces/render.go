package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func clock(epoch float64) string { return utc(epoch, "2006-01-02 15:04:05") }

// clockTime is the time of day only, for the live lines of list --tail.
func clockTime(epoch float64) string { return utc(epoch, "15:04:05") }

func utc(epoch float64, layout string) string {
	if epoch <= 0 {
		return "-"
	}
	sec := math.Floor(epoch)
	return time.Unix(int64(sec), int64((epoch-sec)*1e9)).UTC().Format(layout)
}

func share(n, of int64) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", float64(n)/float64(of)*100)
}

func percentiles(h []traces.HistogramEntry) (string, string) {
	if len(h) == 0 {
		return "-", "-"
	}
	return traces.FormatSeconds(traces.Percentile(h, 50)), traces.FormatSeconds(traces.Percentile(h, 99))
}

// writeMap prints the nodes and edges of the service graph with their
// requests, error/fault/throttle shares and p50/p99 from the histograms.
func writeMap(w io.Writer, g *traces.ServiceGraph) error {
	// Edges name their ends; a name several nodes share gets its type.
	count := map[string]int{}
	for _, s := range g.Services {
		count[s.Name]++
	}
	names := map[int]string{}
	for _, s := range g.Services {
		switch {
		case s.Type == traces.TypeClient:
			names[s.ReferenceID] = "client"
		case count[s.Name] > 1:
			names[s.ReferenceID] = s.Name + " (" + s.Type + ")"
		default:
			names[s.ReferenceID] = s.Name
		}
	}
	nodes := 0
	for _, s := range g.Services {
		if s.Type != traces.TypeClient {
			nodes++
		}
	}
	fmt.Fprintf(w, "Service map %s - %s UTC: %d nodes\n\n", clock(g.StartTime), clock(g.EndTime), nodes)
	if nodes == 0 {
		_, err := fmt.Fprintln(w, "No traces in this window.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tTYPE\tREQUESTS\tERROR\tFAULT\tTHROTTLE\tP50\tP99")
	for _, s := range g.Services {
		if s.Type == traces.TypeClient {
			continue
		}
		st := s.SummaryStatistics
		name := s.Name
		if s.Root {
			name += " (root)"
		}
		p50, p99 := percentiles(s.ResponseTimeHistogram)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", name, s.Type, st.Total(),
			share(st.Errors()-st.Throttles(), st.Total()), share(st.Faults(), st.Total()), share(st.Throttles(), st.Total()), p50, p99)
	}
	fmt.Fprintln(tw, "\nEDGE\t\tREQUESTS\tERROR\tFAULT\tTHROTTLE\tP50\tP99")
	for _, s := range g.Services {
		for _, e := range s.Edges {
			st := e.SummaryStatistics
			p50, p99 := percentiles(e.ResponseTimeHistogram)
			fmt.Fprintf(tw, "%s -> %s\t\t%d\t%s\t%s\t%s\t%s\t%s\n", names[s.ReferenceID], names[e.ReferenceID], st.Total(),
				share(st.Errors()-st.Throttles(), st.Total()), share(st.Faults(), st.Total()), share(st.Throttles(), st.Total()), p50, p99)
		}
	}
	return tw.Flush()
}

func flags(s traces.TraceSummary) string {
	var f []string
	if s.HasFault {
		f = append(f, "fault")
	}
	if s.HasError {
		f = append(f, "error")
	}
	if s.HasThrottle {
		f = append(f, "throttle")
	}
	if len(f) == 0 {
		f = append(f, "ok")
	}
	if s.IsPartial {
		f = append(f, "partial")
	}
	return strings.Join(f, ",")
}

const listHeader = "START (UTC)\tTRACE ID\tMETHOD\tSTATUS\tRESPONSE\tDURATION\tFLAGS\tENTRY"

// requestOf is a summary's method, status and entry point, "-" for each
// it lacks.
func requestOf(s traces.TraceSummary) (method, status, entry string) {
	method, status, entry = "-", "-", "-"
	if s.HTTP != nil {
		if s.HTTP.HTTPMethod != "" {
			method = s.HTTP.HTTPMethod
		}
		if s.HTTP.HTTPStatus != 0 {
			status = fmt.Sprint(s.HTTP.HTTPStatus)
		}
	}
	if s.EntryPoint != nil {
		entry = s.EntryPoint.Name
	}
	return method, status, entry
}

func listRow(s traces.TraceSummary) string {
	method, status, entry := requestOf(s)
	return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", clock(s.StartTime), s.ID, method, status,
		traces.FormatSeconds(s.ResponseTime), traces.FormatSeconds(s.Duration), flags(s), entry)
}

// writeList prints one line per trace summary.
func writeList(w io.Writer, sums *traces.TraceSummaries) error {
	if len(sums.TraceSummaries) == 0 {
		_, err := fmt.Fprintf(w, "No traces match (%d scanned).\n", sums.TracesProcessedCount)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, listHeader)
	for _, s := range sums.TraceSummaries {
		fmt.Fprintln(tw, listRow(s))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d traces (%d scanned)\n", len(sums.TraceSummaries), sums.TracesProcessedCount)
	return err
}

// barWidth is the time axis of the timeline, in characters.
const barWidth = 40

type tlNode struct {
	d    *traces.Document
	seg  bool
	kids []*tlNode
}

// timelineTree puts every segment under the entity it names as parent
// (API Gateway's Lambda subsegment holds the Lambda segments), and every
// subsegment under its segment.
func timelineTree(t *traces.TraceDocs) []*tlNode {
	byID := map[string]*tlNode{}
	var build func(d *traces.Document, seg bool) *tlNode
	build = func(d *traces.Document, seg bool) *tlNode {
		n := &tlNode{d: d, seg: seg}
		byID[d.ID] = n
		for i := range d.Subsegments {
			n.kids = append(n.kids, build(&d.Subsegments[i], false))
		}
		return n
	}
	var segs []*tlNode
	for i := range t.Segments {
		segs = append(segs, build(&t.Segments[i], true))
	}
	var orphans []*tlNode
	for i := range t.Orphans {
		orphans = append(orphans, build(&t.Orphans[i], false))
	}
	var roots []*tlNode
	for _, n := range segs {
		if p := byID[n.d.ParentID]; p != nil && p != n {
			p.kids = append(p.kids, n)
		} else {
			roots = append(roots, n)
		}
	}
	roots = append(roots, orphans...)
	var order func(ns []*tlNode)
	order = func(ns []*tlNode) {
		sortNodes(ns)
		for _, n := range ns {
			order(n.kids)
		}
	}
	order(roots)
	return roots
}

func sortNodes(ns []*tlNode) {
	for i := 1; i < len(ns); i++ {
		for j := i; j > 0 && ns[j].d.StartTime < ns[j-1].d.StartTime; j-- {
			ns[j], ns[j-1] = ns[j-1], ns[j]
		}
	}
}

// writeTimeline draws one trace: an indented tree of its segments and
// subsegments with bars on a shared time axis, statuses, fault/error flags
// and exception messages.
func writeTimeline(w io.Writer, tr traces.Trace) error {
	t, err := traces.ParseTrace(tr)
	if err != nil {
		return err
	}
	s := traces.Summarize(&t)
	fmt.Fprintf(w, "Trace %s  %s UTC\n", t.ID, clock(s.StartTime))
	req := ""
	if s.HTTP != nil {
		req = strings.TrimSpace(s.HTTP.HTTPMethod + " " + s.HTTP.HTTPURL)
		if s.HTTP.HTTPStatus != 0 {
			req += fmt.Sprintf(" -> %d", s.HTTP.HTTPStatus)
		}
		req += ", "
	}
	fmt.Fprintf(w, "%sresponse %s, duration %s, %s\n\n", req, traces.FormatSeconds(s.ResponseTime), traces.FormatSeconds(s.Duration), flags(s))

	t0, t1 := t.StartTime(), t.EndTime()
	span := t1 - t0
	roots := timelineTree(&t)
	type row struct {
		label, kind, bar, dur, status, marks string
		exceptions                           []string
		depth                                int
	}
	var rows []row
	var visit func(n *tlNode, depth int)
	visit = func(n *tlNode, depth int) {
		d := n.d
		r := row{label: strings.Repeat("  ", depth) + d.Name, depth: depth}
		switch {
		case n.seg:
			r.kind = d.Origin
		case d.Operation() != "":
			r.kind = d.Namespace + " " + d.Operation()
		default:
			r.kind = d.Namespace
		}
		r.bar = bar(d, t0, span)
		if d.EndTime == 0 || d.InProgress {
			r.dur = "in progress"
		} else {
			r.dur = traces.FormatSeconds(d.Duration())
		}
		if st := d.Status(); st != 0 {
			r.status = fmt.Sprint(st)
		}
		var marks []string
		if d.Fault {
			marks = append(marks, "FAULT")
		}
		if d.Error {
			marks = append(marks, "ERROR")
		}
		if d.Throttle {
			marks = append(marks, "THROTTLE")
		}
		r.marks = strings.Join(marks, " ")
		if d.Cause != nil {
			for _, ex := range d.Cause.Exceptions {
				msg := ex.Message
				if ex.Type != "" {
					msg = ex.Type + ": " + msg
				}
				r.exceptions = append(r.exceptions, msg)
			}
		}
		rows = append(rows, r)
		for _, k := range n.kids {
			visit(k, depth+1)
		}
	}
	for _, n := range roots {
		visit(n, 0)
	}
	// Padded by hand: exception lines run long and must not widen the columns.
	labelW, kindW := len("NAME"), len("KIND")
	for _, r := range rows {
		labelW, kindW = max(labelW, len(r.label)), max(kindW, len(r.kind))
	}
	total := traces.FormatSeconds(span)
	axis := "|0" + strings.Repeat(" ", max(barWidth-1-len(total), 1)) + total + "|"
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %-*s  %s  %-11s  %s\n", labelW, "NAME", kindW, "KIND", axis, "TIME", "STATUS")
	for _, r := range rows {
		line := fmt.Sprintf("%-*s  %-*s  |%s|  %-11s  %-6s  %s", labelW, r.label, kindW, r.kind, r.bar, r.dur, r.status, r.marks)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		for _, ex := range r.exceptions {
			fmt.Fprintf(&b, "%s  ! %s\n", strings.Repeat("  ", r.depth), ex)
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// bar marks the document's share of the trace's span: '=' for a good one,
// '#' for a failed one, '.' running on for one still in progress.
func bar(d *traces.Document, t0, span float64) string {
	cells := []byte(strings.Repeat(" ", barWidth))
	if span <= 0 {
		return strings.Repeat("=", barWidth)
	}
	end, fill := d.EndTime, byte('=')
	if d.Fault || d.Error || d.Throttle {
		fill = '#'
	}
	if end == 0 || d.InProgress {
		end, fill = t0+span, '.'
	}
	from := int(math.Floor((d.StartTime - t0) / span * barWidth))
	to := int(math.Ceil((end - t0) / span * barWidth))
	from = min(max(from, 0), barWidth-1)
	to = min(max(to, from+1), barWidth)
	for i := from; i < to; i++ {
		cells[i] = fill
	}
	return string(cells)
}

func writeJSONLine(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
