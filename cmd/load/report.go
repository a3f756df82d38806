package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/mysfits/mysfits-questions/internal/load"
)

// report prints the table, then every problem (the first few of many) on
// stderr; a problem fails the run, so `make load` exits non-zero.
func report(stdout, stderr io.Writer, res load.Result) error {
	printTable(stdout, res)
	problems := res.Problems()
	if len(problems) == 0 {
		return nil
	}
	const shown = 20
	for i, p := range problems {
		if i == shown {
			fmt.Fprintf(stderr, "  ... and %d more\n", len(problems)-shown)
			break
		}
		fmt.Fprintln(stderr, "  "+p)
	}
	return fmt.Errorf("%d lost, %d problem(s) in all: the promise is broken", len(res.Audit.Lost), len(problems))
}

// printTable writes the table.
func printTable(w io.Writer, r load.Result) {
	rep := r.Audit
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "  %s\t%s\n", name, fmt.Sprintf(format, args...))
	}
	fmt.Fprintln(tw)
	row("sent", "%d\t(%d valid, %d invalid on purpose; %d not sent)", rep.Sent, r.SentValid, r.SentInvalid, r.NotSent)
	row("accepted", "%d\t(%s)", rep.Accepted, orNone(rep.StatusSummary(func(s int) bool { return s >= 200 && s < 300 })))
	row("rejected", "%d\t(%s)", rep.Sent-rep.Accepted-rep.ByStatus[0], orNone(rep.StatusSummary(func(s int) bool { return s >= 300 })))
	row("no answer", "%d", rep.ByStatus[0])
	row("throughput", "%.1f req/s\t(%d answers in %s)", r.Throughput, r.Answers, r.Elapsed.Round(time.Millisecond))
	row("latency, 2xx", "%s", percentiles(r.Latency2xx))
	row("latency, all answers", "%s", percentiles(r.LatencyAll))
	row("stored", "%d", rep.Stored)
	row("notified", "%d\t(2xx to inbox: %s)", rep.Notified, percentiles(r.NotifyDelay))
	row("dead-lettered", "%d", rep.DeadLettered)
	row("LOST", "%d", len(rep.Lost))
	row("duplicates", "%d\t(%d stored twice, %d notified and dead-lettered)", rep.Duplicates, rep.StoredTwice, rep.NotifiedAndDeadLettered)
	row("refused but stored", "%d\t(of %d refused with a 4xx)", len(rep.RefusedButStored), rep.Refused)
	row("5xx, stored anyway", "%d\t(of %d 5xx or unanswered: a write in flight may land, then it is notified)", rep.UnsettledStored, rep.Unsettled)
	row("unclear answers", "%d\t(not the JSON the API promises)", len(r.Unclear))
	row("invalid not refused", "%d", len(r.InvalidAccepted))
	fmt.Fprintln(tw)
	_ = tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// percentiles is "p50 12ms  p90 30ms  p99 80ms  max 120ms", rounded to
// what a reader compares: 10ms steps from 100ms, 0.1ms below.
func percentiles(p load.Percentiles) string {
	if p.N == 0 {
		return "-"
	}
	round := func(d time.Duration) time.Duration {
		if d >= 100*time.Millisecond {
			return d.Round(10 * time.Millisecond)
		}
		return d.Round(100 * time.Microsecond)
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s", round(p.P50), round(p.P90), round(p.P99), round(p.Max))
}
