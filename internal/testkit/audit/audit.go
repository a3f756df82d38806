// Package audit checks, question by question, what the questions service
// promises: every question it accepted is stored as sent and reached the
// administrator's inbox or the dead-letter queue; nothing it rejected is
// stored; nobody is told twice. The load test and the outage tests gather
// the evidence (the table, the notifications, the dead-lettered batches)
// and let Check do the accounting, so both count the same way.
//
// It is a checking tool for those tests, not part of the local stack: it
// lives under internal/testkit, beside nothing the stack runs.
package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mysfits/mysfits-questions/internal/local/inbox"
	"github.com/mysfits/mysfits-questions/questions"
)

// Request is one POST /questions and what came back.
type Request struct {
	Email string
	// Text is unique among the requests of a check: it finds the stored
	// item of a request that got no question id.
	Text string
	// Status is the HTTP status; 0 when no answer came (timeout, reset).
	Status int
	// QuestionID is the id a 2xx answer returned.
	QuestionID string
}

// Accepted is a 2xx answer: the service promised to keep the question.
func (r Request) Accepted() bool { return r.Status >= 200 && r.Status < 300 }

// Refused is a 4xx: the request was refused before anything was written.
func (r Request) Refused() bool { return r.Status >= 300 && r.Status < 500 }

// Unsettled is an outcome the client cannot know: no answer, or a 5xx. A
// write that was already on its way to DynamoDB when the post function
// gave up (a storage timeout answered 503, the function's own timeout
// answered 502 by API Gateway) may still land; a refused connection never
// does. Either way nothing is half-written: PutItem writes the whole item
// or nothing.
func (r Request) Unsettled() bool { return !r.Accepted() && !r.Refused() }

// Evidence is what the services hold after the requests.
type Evidence struct {
	// Items are the table's items: all of them, or at least every item
	// holding one of the requests' texts. Others are ignored.
	Items []questions.Question
	// Notifications are the messages the administrator received.
	Notifications []inbox.Notification
	// DeadLettered are the question ids of the records in the batches the
	// stream mapping gave up (see DeadLetteredIDs); an id may repeat.
	DeadLettered []string
}

// Report is the accounting of one check.
type Report struct {
	Sent      int
	Accepted  int
	Refused   int
	Unsettled int
	ByStatus  map[int]int // every answer's status; 0 counts the unanswered

	// Stored counts the requests whose question is in the table as sent:
	// every accepted one, and the unsettled ones that landed, counted
	// again in UnsettledStored.
	Stored          int
	UnsettledStored int
	// Notified counts stored questions the administrator was told about;
	// DeadLettered those in a dead-lettered batch. A question in both
	// counts in both and in NotifiedAndDeadLettered.
	Notified                int
	DeadLettered            int
	NotifiedAndDeadLettered int
	// Duplicates counts notifications beyond the first for a question.
	Duplicates int
	// StoredTwice counts items beyond the first holding a request's text.
	StoredTwice int

	// Lost names every stored or accepted question the administrator will
	// never hear of: accepted but not stored as sent, or stored but neither
	// notified nor dead-lettered.
	Lost []string
	// RefusedButStored names refused (4xx) requests whose text is in the
	// table.
	RefusedButStored []string
}

// OK is the promise kept: nothing lost, no refusal stored, nothing stored
// twice.
func (r Report) OK() bool {
	return len(r.Lost) == 0 && len(r.RefusedButStored) == 0 && r.StoredTwice == 0
}

// Problems lists what broke the promise, one line each.
func (r Report) Problems() []string {
	var out []string
	for _, l := range r.Lost {
		out = append(out, "lost: "+l)
	}
	for _, s := range r.RefusedButStored {
		out = append(out, "refused but stored: "+s)
	}
	if r.StoredTwice > 0 {
		out = append(out, fmt.Sprintf("%d question(s) stored more than once", r.StoredTwice))
	}
	return out
}

// StatusSummary is "400: 3, 503: 1", by status, of the statuses include
// picks; 0 is "no answer".
func (r Report) StatusSummary(include func(status int) bool) string {
	statuses := make([]int, 0, len(r.ByStatus))
	for s := range r.ByStatus {
		if include(s) {
			statuses = append(statuses, s)
		}
	}
	sort.Ints(statuses)
	parts := make([]string, 0, len(statuses))
	for _, s := range statuses {
		name := fmt.Sprint(s)
		if s == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, r.ByStatus[s]))
	}
	return strings.Join(parts, ", ")
}

// Check accounts for every request. It panics if two requests share a text:
// that is a bug in the caller, and the accounting would be meaningless.
func Check(reqs []Request, ev Evidence) Report {
	r := Report{Sent: len(reqs), ByStatus: map[int]int{}}
	byText := make(map[string]bool, len(reqs))
	for _, req := range reqs {
		if byText[req.Text] {
			panic(fmt.Sprintf("audit: two requests share the text %q", req.Text))
		}
		byText[req.Text] = true
	}
	itemsByText := map[string][]questions.Question{}
	itemsByID := map[string]questions.Question{}
	for _, it := range ev.Items {
		if byText[it.Text] {
			itemsByText[it.Text] = append(itemsByText[it.Text], it)
			itemsByID[it.ID] = it
		}
	}
	notes := map[string][]inbox.Notification{}
	for _, n := range ev.Notifications {
		if id, ok := NotificationID(n); ok {
			notes[id] = append(notes[id], n)
		}
	}
	dead := map[string]bool{}
	for _, id := range ev.DeadLettered {
		dead[id] = true
	}

	for i, req := range reqs {
		r.ByStatus[req.Status]++
		stored := itemsByText[req.Text]
		r.StoredTwice += max(0, len(stored)-1)
		var q questions.Question
		switch {
		case req.Accepted():
			r.Accepted++
			it, ok := itemsByID[req.QuestionID]
			if !ok || it.Text != req.Text || it.Email != req.Email {
				r.Lost = append(r.Lost, fmt.Sprintf("request %d: accepted as %q (%d) but not stored as sent", i, req.QuestionID, req.Status))
				continue
			}
			q = it
		case req.Refused():
			r.Refused++
			for _, it := range stored {
				r.RefusedButStored = append(r.RefusedButStored, fmt.Sprintf("request %d: answered %d, stored as %q", i, req.Status, it.ID))
			}
			continue
		default:
			r.Unsettled++
			if len(stored) == 0 {
				continue // never written: the client was not told otherwise
			}
			r.UnsettledStored++
			q = stored[0]
		}

		r.Stored++
		got := notes[q.ID]
		if len(got) > 0 {
			r.Notified++
			r.Duplicates += len(got) - 1
		}
		if dead[q.ID] {
			r.DeadLettered++
			if len(got) > 0 {
				r.NotifiedAndDeadLettered++
			}
		}
		switch {
		case len(got) == 0 && !dead[q.ID]:
			r.Lost = append(r.Lost, fmt.Sprintf("request %d: question %s stored but neither notified nor dead-lettered", i, q.ID))
		case len(got) > 0 && !strings.Contains(got[0].Message, q.Text):
			r.Lost = append(r.Lost, fmt.Sprintf("request %d: the notification for %s does not hold its question", i, q.ID))
		}
	}
	return r
}

// notificationIDLine starts the line of questions.NotificationMessage that
// names the question; TestNotificationID keeps the two in step.
const notificationIDLine = "Question ID: "

// NotificationID is the question a notification is about.
func NotificationID(n inbox.Notification) (string, bool) {
	for line := range strings.Lines(n.Message) {
		if id, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), notificationIDLine); ok && id != "" {
			return id, true
		}
	}
	return "", false
}
