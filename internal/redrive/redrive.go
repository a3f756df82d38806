// Package redrive notifies the questions of the batches the stream mapping
// gave up on, from the failure store, days after the stream has trimmed
// them: it lists what failed (question id, when, why) and, applied, sends
// each question's notification once, with the process function's own
// code (notify.Handler), and removes what it redrove. A second run finds
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

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/notify"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/questions"
)

// Notifier sends one stream record's notification: notify.Handler.
type Notifier interface {
	NotifyRecord(ctx context.Context, rec events.DynamoDBEventRecord) (string, error)
}

var _ Notifier = (*notify.Handler)(nil)

// Notices is the queue of the failure store's notices (on AWS, S3's
// "Object Created" events through EventBridge), which the failure-store
// alarm counts.
type Notices interface {
	// Visit reads every message in the queue and deletes those remove
	// picks (asking once a message), leaving the others in the queue; it
	// returns the messages it deleted and how many it left.
	Visit(ctx context.Context, remove func(Message) bool) (removed []Message, left int, err error)
	Describe() string
}

// Message is one message of the notice queue.
type Message struct {
	ID string
	// Key is the failure store's object a notice names ("" = no notice).
	Key string
	// Legacy is an on-failure record from before the failure bucket: a
	// stack's queue got these when it was the mapping's destination, and
	// keeps them after the upgrade.
	Legacy *failures.Record
}

// Config is one run.
type Config struct {
	Store failures.Store
	// Notifier publishes; it is needed with Apply only.
	Notifier Notifier
	// Notices, when set, is listed (its legacy records) and, applied,
	// drained: the notices of the batches no longer in the store and the
	// legacy records listed are deleted.
	Notices Notices
	Apply   bool
	Out     io.Writer
	// Now is the clock (default time.Now).
	Now func() time.Time
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
	Legacy       int // legacy on-failure records in the notice queue
	LegacyGone   int // legacy records deleted
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

// Run lists the store (and the notice queue's legacy records) and, with
// Apply, redrives it. A notice goes only with its batch: it is deleted
// when this run removed the batch or the store no longer holds it, so a
// batch that fails while redrive runs keeps its notice and the alarm.
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
	now := cfg.Now
	if now == nil {
		now = time.Now
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
	var errs []error
	list(out, cfg.Store.Describe(), objs, plans)

	// The legacy records, listed before anything is removed: only those
	// listed here are removed below.
	var legacy []Message
	listed := map[string]bool{}
	if cfg.Notices != nil {
		others := 0
		_, _, err := cfg.Notices.Visit(ctx, func(m Message) bool {
			switch {
			case m.Legacy != nil:
				legacy = append(legacy, m)
				listed[m.ID] = true
			case m.Key == "":
				others++
			}
			return false
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("reading the notices in %s: %w", cfg.Notices.Describe(), err))
		}
		sum.Legacy = len(legacy)
		listLegacy(out, cfg.Notices.Describe(), legacy, others, now())
	}
	if !cfg.Apply {
		if len(objs) > 0 || len(legacy) > 0 {
			fmt.Fprintln(out, "\nRun with --apply to notify each question once and remove what was redriven.")
		}
		return sum, errors.Join(errs...)
	}

	removed := map[string]bool{}
	for i, obj := range objs {
		gone, notified, unnotifiable, err := apply(ctx, cfg, obj, plans[i], out)
		sum.Notified += notified
		sum.Unnotifiable += unnotifiable
		if err != nil {
			errs = append(errs, err)
		}
		if gone {
			sum.Removed++
			removed[obj.Key] = true
		} else {
			sum.Kept++
		}
	}
	if cfg.Notices != nil {
		gone, left, err := cfg.Notices.Visit(ctx, func(m Message) bool {
			switch {
			case m.Legacy != nil:
				return listed[m.ID]
			case m.Key == "":
				return false
			case removed[m.Key]:
				return true
			}
			// Not removed by this run: its batch may have failed since the
			// listing, or be one this run kept. Only a batch the store no
			// longer holds (redriven before, deleted by hand, expired)
			// lets its notice go.
			held, err := cfg.Store.Exists(ctx, m.Key)
			if err != nil {
				errs = append(errs, fmt.Errorf("keeping the notice of %s: %w", m.Key, err))
				return false
			}
			return !held
		})
		for _, m := range gone {
			if m.Legacy != nil {
				sum.LegacyGone++
				fmt.Fprintf(out, "removed  legacy on-failure record: %s\n", printable(m.Legacy.Where()))
			} else {
				sum.NoticesGone++
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("draining the notices in %s: %w", cfg.Notices.Describe(), err))
		}
		fmt.Fprintf(out, "Notices: %d deleted, %d legacy record(s) removed, %d message(s) left in %s.\n",
			sum.NoticesGone, sum.LegacyGone, left, cfg.Notices.Describe())
	}
	fmt.Fprintf(out, "Redrive: %d question(s) notified, %d batch(es) removed, %d kept.\n", sum.Notified, sum.Removed, sum.Kept)
	return sum, errors.Join(errs...)
}

// LegacyState is what redrive says of a legacy on-failure record.
const LegacyState = "legacy, cannot be redriven"

// listLegacy prints the notice queue's legacy on-failure records: where
// each batch was in the stream, when and why it failed. They hold no
// batch, and the stream keeps a record StreamRetention at most.
func listLegacy(out io.Writer, queue string, legacy []Message, others int, now time.Time) {
	if len(legacy) > 0 {
		fmt.Fprintf(out, "\nNotice queue %s: %d legacy on-failure record(s), from before the failure bucket.\n\n", queue, len(legacy))
		tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "FAILED AT (UTC)\tWHY\tWHERE IN THE STREAM\tREDRIVE")
		for _, m := range legacy {
			rec := m.Legacy
			at := printable(rec.Timestamp)
			if t, err := rec.FailedAt(); err == nil {
				at = t.UTC().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", orDash(at), printable(rec.Reason()), printable(rec.Where()), legacyState(*rec, now))
		}
		tw.Flush()
		fmt.Fprintln(out, "\nEach says only where a failed batch was in the table's stream, not which questions it held; the questions are in the table. "+
			"They keep the failure-store alarm on: with --apply, redrive removes the records listed here.")
	}
	if others > 0 {
		fmt.Fprintf(out, "\nNotice queue %s: %d message(s) neither a failure notice nor an on-failure record: left there "+
			"(they keep the failure-store alarm on); read them with `aws sqs receive-message --queue-url %s`.\n", queue, others, queue)
	}
}

// legacyState says whether the stream may still hold the batch: it keeps
// a record contract.StreamRetention after it arrived, and the batch's
// last record arrived before it failed.
func legacyState(rec failures.Record, now time.Time) string {
	arrived, err := rec.LastArrival()
	if err != nil {
		if arrived, err = rec.FailedAt(); err != nil {
			return LegacyState + ", when it failed is not known"
		}
	}
	trimmed := arrived.Add(contract.StreamRetention)
	if !now.Before(trimmed) {
		return LegacyState + ", the stream no longer holds them"
	}
	return fmt.Sprintf("%s (redrive reads the failure bucket only), the stream drops them by %s", LegacyState, trimmed.UTC().Format(time.DateTime))
}

// plan decides, for each record of a batch, what redrive does with it.
func plan(obj failures.Object) []entry {
	ev, err := obj.Record.Event()
	if err != nil {
		return []entry{{state: "kept", problem: fmt.Sprintf("%v (%s)", err, printable(obj.Record.Where()))}}
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
			if _, err := notify.QuestionFromImage(rec.Change.NewImage); err != nil {
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
