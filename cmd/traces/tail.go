package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

// tailOverlap looks this far behind the last poll: a trace is summarised
// once its documents arrived, which can be after it started.
const tailOverlap = 30 * time.Second

// tail prints the traces of the window, then each new one as it appears,
// until ctx ends (Ctrl-C). With --json it writes one summary per line.
func tail(ctx context.Context, src traces.Source, o options, w io.Writer, e env) error {
	seen := map[string]time.Time{} // id -> when first printed, pruned as the window moves
	filter := o.listFilter()
	start := e.now().Add(-o.since)
	header := false
	for {
		end := e.now()
		sums, err := src.TraceSummaries(ctx, start, end, filter)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		// Oldest first, so the screen reads down in time.
		var fresh []traces.TraceSummary
		for i := len(sums.TraceSummaries) - 1; i >= 0; i-- {
			s := sums.TraceSummaries[i]
			if _, ok := seen[s.ID]; !ok {
				seen[s.ID] = end
				fresh = append(fresh, s)
			}
		}
		if err := printTail(w, fresh, o.json, !header); err != nil {
			return err
		}
		header = header || len(fresh) > 0 || o.json
		start = end.Add(-tailOverlap)
		for id, at := range seen {
			if at.Before(start.Add(-tailOverlap)) {
				delete(seen, id)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(e.tailInterval):
		}
	}
}

func printTail(w io.Writer, sums []traces.TraceSummary, asJSON, withHeader bool) error {
	if asJSON {
		for _, s := range sums {
			if err := writeJSONLine(w, s); err != nil {
				return err
			}
		}
		return nil
	}
	if len(sums) == 0 {
		return nil
	}
	var b strings.Builder
	if withHeader {
		b.WriteString(tailLine("UTC", "TRACE ID", "REQUEST", "RESPONSE", "FLAGS", "ENTRY"))
	}
	for _, s := range sums {
		method, status, entry := requestOf(s)
		req := status
		if method != "-" {
			req = method + " " + status
		}
		b.WriteString(tailLine(clockTime(s.StartTime), s.ID, req, traces.FormatSeconds(s.ResponseTime), flags(s), entry))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tailLine lays out one line of list --tail in fixed columns, each as wide
// as its widest value (OPTIONS 200, 10.000s), so the batches line up and a
// line fits a terminal: about 100 columns, the entry point's name last.
func tailLine(clock, id, request, response, flags, entry string) string {
	return fmt.Sprintf("%-8s  %-35s  %-11s  %-8s  %-5s  %s\n", clock, id, request, response, flags, entry)
}
