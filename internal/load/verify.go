package load

import (
	"context"
	"fmt"
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

// verify reads the table once (a 2xx answer means the item is written),
// then waits until every stored question was notified or dead-lettered (or
// nothing moved for stallTimeout, or the time limit), and keeps watching a
// little for duplicates.
func verify(ctx context.Context, t *Target, obs *observer, sent sendResult) (Result, error) {
	res := Result{Started: sent.started, Elapsed: sent.elapsed}
	var reqs []audit.Request
	var answered, accepted []time.Duration
	for _, o := range sent.outcomes {
		if !o.sent {
			res.NotSent++
			continue
		}
		if o.kind == valid {
			res.SentValid++
		} else {
			res.SentInvalid++
		}
		if o.status != 0 {
			answered = append(answered, o.latency)
		}
		if o.questionID != "" {
			accepted = append(accepted, o.latency)
		}
		req := audit.Request{Email: o.email, Text: o.text, Status: o.status, QuestionID: o.questionID}
		reqs = append(reqs, req)
		switch {
		case o.unclear != "":
			res.Unclear = append(res.Unclear, fmt.Sprintf("%s request: %s", kindNames[o.kind], o.unclear))
		case o.kind != valid && req.Accepted():
			res.InvalidAccepted = append(res.InvalidAccepted, fmt.Sprintf("%s request accepted as %s", kindNames[o.kind], o.questionID))
		case o.kind != valid && o.status != 0 && !req.Refused():
			res.InvalidAccepted = append(res.InvalidAccepted, fmt.Sprintf("%s request answered %d (%s), want a 4xx", kindNames[o.kind], o.status, o.problem))
		case o.kind == valid && req.Refused():
			res.ValidRefused = append(res.ValidRefused, fmt.Sprintf("valid question answered %d: %s", o.status, o.problem))
		}
	}
	res.Answers = len(answered)
	res.Throughput = float64(len(answered)) / sent.elapsed.Seconds()
	res.Latency2xx, res.LatencyAll = PercentilesOf(accepted), PercentilesOf(answered)

	scanCtx, cancel := cleanupContext(ctx)
	items, err := audit.ScanTable(scanCtx, t.db, t.table)
	cancel()
	if err != nil {
		return res, fmt.Errorf("reading the table %s: %w", t.table, err)
	}
	pending, progressAt := -1, time.Now()
	for {
		res.Audit = audit.Check(reqs, obs.evidence(items))
		if n := len(res.Audit.Lost); n < pending || pending < 0 {
			pending, progressAt = n, time.Now()
		}
		if pending == 0 || ctx.Err() != nil || time.Since(progressAt) > stallTimeout {
			break
		}
		sleep(ctx, 200*time.Millisecond)
	}
	if ctx.Err() == nil {
		sleep(ctx, quietPeriod)
		res.Audit = audit.Check(reqs, obs.evidence(items))
	}

	var notifyDelays []time.Duration
	for _, o := range sent.outcomes {
		if o.questionID == "" {
			continue
		}
		if at, ok := obs.firstSeen(o.questionID); ok {
			notifyDelays = append(notifyDelays, at.Sub(o.answeredAt))
		}
	}
	res.NotifyDelay = PercentilesOf(notifyDelays)
	res.Unobserved = obs.readProblems()
	res.StackFailed = t.failed()
	return res, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
