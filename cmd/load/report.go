package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/mysfits/mysfits-questions/internal/testkit/audit"
)

// quietPeriod is how long the check keeps watching once every question is
// accounted for, so a late duplicate still shows: three batching windows.
const quietPeriod = 3 * time.Second

// stallTimeout ends the wait for notifications when none has come for this
// long: far more than a failing batch needs to reach the failure store
// (about 3.5s of retries), so what is still missing then stays missing.
const stallTimeout = time.Minute

// result is the whole run, checked.
type result struct {
	sendResult
	report audit.Report
	// notifyDelays: from a 201 to its notification in the inbox.
	notifyDelays []time.Duration

	notSent         int
	invalidAccepted []string
	validRefused    []string // a valid question answered 4xx
	unclear         []string
	observer        []string // what the observer could not read
	stack           error    // a part of a started stack that stopped
}

// verify reads the table once (a 2xx answer means the item is written),
// then waits until every stored question was notified or dead-lettered (or
// nothing moved for stallTimeout, or the time limit), and keeps watching a
// little for duplicates.
func verify(ctx context.Context, t *target, obs *observer, sent sendResult) (result, error) {
	res := result{sendResult: sent}
	var reqs []audit.Request
	for _, o := range sent.outcomes {
		if !o.sent {
			res.notSent++
			continue
		}
		req := audit.Request{Email: o.email, Text: o.text, Status: o.status, QuestionID: o.questionID}
		reqs = append(reqs, req)
		switch {
		case o.unclear != "":
			res.unclear = append(res.unclear, fmt.Sprintf("%s request: %s", kindNames[o.kind], o.unclear))
		case o.kind != valid && req.Accepted():
			res.invalidAccepted = append(res.invalidAccepted, fmt.Sprintf("%s request accepted as %s", kindNames[o.kind], o.questionID))
		case o.kind != valid && o.status != 0 && !req.Refused():
			res.invalidAccepted = append(res.invalidAccepted, fmt.Sprintf("%s request answered %d (%s), want a 4xx", kindNames[o.kind], o.status, o.problem))
		case o.kind == valid && req.Refused():
			res.validRefused = append(res.validRefused, fmt.Sprintf("valid question answered %d: %s", o.status, o.problem))
		}
	}

	scanCtx, cancel := cleanupContext(ctx)
	items, err := audit.ScanTable(scanCtx, t.db, t.table)
	cancel()
	if err != nil {
		return res, err
	}
	pending, progressAt := -1, time.Now()
	for {
		res.report = audit.Check(reqs, obs.evidence(items))
		if n := len(res.report.Lost); n < pending || pending < 0 {
			pending, progressAt = n, time.Now()
		}
		if pending == 0 || ctx.Err() != nil || time.Since(progressAt) > stallTimeout {
			break
		}
		sleep(ctx, 200*time.Millisecond)
	}
	if ctx.Err() == nil {
		sleep(ctx, quietPeriod)
		res.report = audit.Check(reqs, obs.evidence(items))
	}

	for _, o := range sent.outcomes {
		if o.questionID == "" {
			continue
		}
		if at, ok := obs.firstSeen(o.questionID); ok {
			res.notifyDelays = append(res.notifyDelays, at.Sub(o.answeredAt))
		}
	}
	res.observer = obs.readProblems()
	res.stack = t.failed()
	return res, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// problems is everything that breaks the promise or leaves it unproven.
func (r result) problems() []string {
	p := r.report.Problems()
	if r.notSent > 0 {
		p = append(p, fmt.Sprintf("%d question(s) not sent: the time limit (--timeout) was reached", r.notSent))
	}
	p = append(p, r.invalidAccepted...)
	p = append(p, r.validRefused...)
	p = append(p, r.unclear...)
	p = append(p, r.observer...)
	if r.stack != nil {
		p = append(p, "the local stack failed: "+r.stack.Error())
	}
	return p
}

// print writes the table.
func (r result) print(w io.Writer) {
	var answered, accepted []time.Duration
	sentValid, sentInvalid := 0, 0
	for _, o := range r.outcomes {
		if !o.sent {
			continue
		}
		if o.kind == valid {
			sentValid++
		} else {
			sentInvalid++
		}
		if o.status != 0 {
			answered = append(answered, o.latency)
		}
		if o.questionID != "" {
			accepted = append(accepted, o.latency)
		}
	}
	rep := r.report
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "  %s\t%s\n", name, fmt.Sprintf(format, args...))
	}
	fmt.Fprintln(tw)
	row("sent", "%d\t(%d valid, %d invalid on purpose; %d not sent)", rep.Sent, sentValid, sentInvalid, r.notSent)
	row("accepted", "%d\t(%s)", rep.Accepted, orNone(rep.StatusSummary(func(s int) bool { return s >= 200 && s < 300 })))
	row("rejected", "%d\t(%s)", rep.Sent-rep.Accepted-rep.ByStatus[0], orNone(rep.StatusSummary(func(s int) bool { return s >= 300 })))
	row("no answer", "%d", rep.ByStatus[0])
	row("throughput", "%.1f req/s\t(%d answers in %s)", float64(len(answered))/r.elapsed.Seconds(), len(answered), r.elapsed.Round(time.Millisecond))
	row("latency, 2xx", "%s", percentiles(accepted))
	row("latency, all answers", "%s", percentiles(answered))
	row("stored", "%d", rep.Stored)
	row("notified", "%d\t(2xx to inbox: %s)", rep.Notified, percentiles(r.notifyDelays))
	row("dead-lettered", "%d", rep.DeadLettered)
	row("LOST", "%d", len(rep.Lost))
	row("duplicates", "%d\t(%d stored twice, %d notified and dead-lettered)", rep.Duplicates, rep.StoredTwice, rep.NotifiedAndDeadLettered)
	row("refused but stored", "%d\t(of %d refused with a 4xx)", len(rep.RefusedButStored), rep.Refused)
	row("5xx, stored anyway", "%d\t(of %d 5xx or unanswered: a write in flight may land, then it is notified)", rep.UnsettledStored, rep.Unsettled)
	row("unclear answers", "%d\t(not the JSON the API promises)", len(r.unclear))
	row("invalid not refused", "%d", len(r.invalidAccepted))
	fmt.Fprintln(tw)
	_ = tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// percentiles is "p50 12ms  p90 30ms  p99 80ms  max 120ms", nearest rank.
func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	round := func(d time.Duration) time.Duration {
		if d >= 100*time.Millisecond {
			return d.Round(10 * time.Millisecond)
		}
		return d.Round(100 * time.Microsecond)
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s", round(at(0.50)), round(at(0.90)), round(at(0.99)), round(s[len(s)-1]))
}
