// Package redrive notifies the questions of the batches the stream mapping
// gave up on, from the failure store, days after the stream has trimmed
// them: it lists what failed (question id, when, why) and, applied, sends
// each question's notification once, with the process function's own
// code (handlers.Notify), and removes what it redrove. A second run finds
// nothing left to do.
//
// Notifications are at least once, as the function's are: a publish whose
// answer is lost, or a run stopped between a publish and its record of
// progress, can notify a question twice; nothing notified is left behind.
package redrive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/functions/handlers"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/questions"
)

// Notifier sends one stream record's notification: handlers.Notify.
type Notifier interface {
	NotifyRecord(ctx context.Context, rec events.DynamoDBEventRecord) (string, error)
}

var _ Notifier = (*handlers.Notify)(nil)

// Notices is the queue of the failure store's notices (on AWS, S3's
// "Object Created" events through EventBridge), which the failure-store
// alarm counts.
type Notices interface {
	// Drain deletes the notices of objects the store no longer holds and
	// leaves the others; it returns how many it deleted and kept.
	Drain(ctx context.Context, inStore func(key string) bool) (deleted, kept int, err error)
	Describe() string
}

// Config is one run.
type Config struct {
	Store failures.Store
	// Notifier publishes; it is needed with Apply only.
	Notifier Notifier
	// Notices, when set, is drained after an applied run.
	Notices Notices
	Apply   bool
	Out     io.Writer
}

// Summary counts what a run found and did.
type Summary struct {
	Batches      int // failed batches in the store
	Questions    int // new questions in them
	Notified     int // questions notified by this run
	Unnotifiable int // questions that cannot be notified from their record
	Kept         int // batches left in the store
	Removed      int // batches removed
	NoticesGone  int // notices deleted
}

// entry is one record of a failed batch, as the listing shows it.
type entry struct {
	questionID string
	sequence   string
	record     events.DynamoDBEventRecord
	// state: what redrive does with it.
	state string
	// problem is why it cannot be notified ("" = it can, or it is no question).
	problem  string
	question bool // an INSERT: a new question
	done     bool // already notified by an earlier run
}

// Run lists the store and, with Apply, redrives it.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if cfg.Store == nil {
		return Summary{}, errors.New("redrive: no failure store")
	}
	if cfg.Apply && cfg.Notifier == nil {
		return Summary{}, errors.New("redrive: --apply needs a topic to publish to")
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	objs, err := cfg.Store.List(ctx)
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	sum.Batches = len(objs)
	plans := make([][]entry, len(objs))
	for i, obj := range objs {
		plans[i] = plan(obj)
		for _, e := range plans[i] {
			if e.question {
				sum.Questions++
			}
		}
	}
	list(out, cfg.Store.Describe(), objs, plans)
	if !cfg.Apply {
		if len(objs) > 0 {
			fmt.Fprintln(out, "\nRun with --apply to notify each question once and remove what was redriven.")
		}
		return sum, nil
	}

	var errs []error
	remaining := map[string]bool{}
	for i, obj := range objs {
		removed, notified, unnotifiable, err := apply(ctx, cfg, obj, plans[i], out)
		sum.Notified += notified
		sum.Unnotifiable += unnotifiable
		if err != nil {
			errs = append(errs, err)
		}
		if removed {
			sum.Removed++
		} else {
			sum.Kept++
			remaining[obj.Key] = true
		}
	}
	if cfg.Notices != nil {
		deleted, kept, err := cfg.Notices.Drain(ctx, func(key string) bool { return remaining[key] })
		sum.NoticesGone = deleted
		if err != nil {
			errs = append(errs, fmt.Errorf("draining the notices in %s: %w", cfg.Notices.Describe(), err))
		}
		fmt.Fprintf(out, "Notices: %d deleted, %d left in %s.\n", deleted, kept, cfg.Notices.Describe())
	}
	fmt.Fprintf(out, "Redrive: %d question(s) notified, %d batch(es) removed, %d kept.\n", sum.Notified, sum.Removed, sum.Kept)
	return sum, errors.Join(errs...)
}

// plan decides, for each record of a batch, what redrive does with it.
func plan(obj failures.Object) []entry {
	ev, err := obj.Record.Event()
	if err != nil {
		info := obj.Record.DDBStreamBatchInfo
		return []entry{{
			state:   "kept",
			problem: fmt.Sprintf("%v (shard %s, sequence numbers %s..%s)", err, info.ShardID, info.StartSequenceNumber, info.EndSequenceNumber),
		}}
	}
	entries := make([]entry, 0, len(ev.Records))
	blocked := ""
	for _, rec := range ev.Records {
		e := entry{record: rec, sequence: rec.Change.SequenceNumber}
		if id, ok := rec.Change.Keys[questions.AttrQuestionID]; ok && id.DataType() == events.DataTypeString {
			e.questionID = id.String()
		}
		switch {
		case obj.RedrivenThrough != "" && compareSequence(e.sequence, obj.RedrivenThrough) <= 0:
			e.done, e.state = true, "notified by an earlier run"
		case rec.EventName != string(events.DynamoDBOperationTypeInsert):
			e.state = "skipped: " + rec.EventName + ", not a new question"
		default:
			e.question = true
			if _, err := questions.FromStreamImage(rec.Change.NewImage); err != nil {
				// The decoding error names the attribute, never its value.
				e.problem = err.Error()
				e.state = "cannot be notified"
			} else {
				e.state = "to notify"
			}
		}
		if blocked != "" && !e.done {
			e.state, e.problem = "waits", "behind question "+blocked+" of the same batch, which cannot be notified"
		} else if e.problem != "" {
			blocked = orDash(printable(e.questionID))
		}
		entries = append(entries, e)
	}
	return entries
}

// list prints what failed: each question, when its batch failed, why.
func list(out io.Writer, store string, objs []failures.Object, plans [][]entry) {
	if len(objs) == 0 {
		fmt.Fprintf(out, "Failure store %s: empty, nothing to redrive.\n", store)
		return
	}
	fmt.Fprintf(out, "Failure store %s: %d failed batch(es).\n\n", store, len(objs))
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "QUESTION ID\tFAILED AT (UTC)\tWHY\tREDRIVE")
	for i, obj := range objs {
		at := obj.Record.Timestamp
		if t, err := obj.Record.FailedAt(); err == nil {
			at = t.UTC().Format(time.DateTime)
		}
		why := obj.Record.Reason()
		for _, e := range plans[i] {
			state := e.state
			if e.problem != "" {
				state += ": " + e.problem
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", orDash(printable(e.questionID)), at, why, state)
		}
	}
	tw.Flush()
	fmt.Fprintln(out, "\nThe record says how the batch failed, not the function's error message: that is in the process function's log at that time.")
}

// apply redrives one batch: it notifies each question not notified yet, in
// stream order, records its progress, and removes the batch once every
// record is done. A question that cannot be notified stops the batch
// there, as it stopped the stream: it and the records after it stay in the
// store (and its notice in the queue, so the alarm stays on) until someone
// looks at it.
func apply(ctx context.Context, cfg Config, obj failures.Object, entries []entry, out io.Writer) (removed bool, notified, unnotifiable int, err error) {
	for i, e := range entries {
		switch {
		case e.done:
			continue
		case e.problem != "":
			fmt.Fprintf(out, "kept     %s: question %s %s: %s\n", obj.Key, orDash(printable(e.questionID)), e.state, e.problem)
			if e.question {
				unnotifiable = 1
			}
			return false, notified, unnotifiable, nil
		case e.question:
			if _, err := cfg.Notifier.NotifyRecord(ctx, e.record); err != nil {
				return false, notified, unnotifiable, fmt.Errorf("question %s of %s: %w", printable(e.questionID), obj.Key, err)
			}
			notified++
			fmt.Fprintf(out, "notified question %s\n", printable(e.questionID))
		}
		// Progress, so a run stopped later does not notify this one again;
		// the last record needs none: the batch is removed next.
		if i < len(entries)-1 && e.sequence != "" {
			if err := cfg.Store.SetRedrivenThrough(ctx, obj.Key, e.sequence); err != nil {
				return false, notified, unnotifiable, err
			}
		}
	}
	if err := cfg.Store.Delete(ctx, obj.Key); err != nil {
		return false, notified, unnotifiable, err
	}
	fmt.Fprintf(out, "removed  %s\n", obj.Key)
	return true, notified, unnotifiable, nil
}

// compareSequence orders two stream sequence numbers: decimal strings of
// any length.
func compareSequence(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printable keeps a question id on one line of the listing (ids come from
// the table, which any writer can fill).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
