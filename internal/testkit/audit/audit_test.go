package audit

import (
	"slices"
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/internal/local/inbox"
	"github.com/mysfits/mysfits-questions/questions"
)

func note(q questions.Question) inbox.Notification {
	return inbox.Notification{Subject: questions.NotificationSubject(q), Message: questions.NotificationMessage(q)}
}

func TestNotificationID(t *testing.T) {
	q := questions.Question{ID: "3f1c2a9e-8d7b-4c6a-9e5f-0a1b2c3d4e5f", Email: "ada@example.com", Text: "Question ID: not this one\nDo mysfits dream?"}
	if id, ok := NotificationID(note(q)); !ok || id != q.ID {
		t.Errorf("NotificationID = %q, %v; want %q from the message questions.NotificationMessage builds", id, ok, q.ID)
	}
	if id, ok := NotificationID(inbox.Notification{Message: "a raw message"}); ok {
		t.Errorf("NotificationID of a message without an id = %q, want none", id)
	}
}

func TestCheck(t *testing.T) {
	a := questions.Question{ID: "id-a", Email: "a@example.com", Text: "question a"}
	b := questions.Question{ID: "id-b", Email: "b@example.com", Text: "question b"}
	accepted := func(q questions.Question) Request {
		return Request{Email: q.Email, Text: q.Text, Status: 201, QuestionID: q.ID}
	}
	foreign := questions.Question{ID: "other", Email: "x@example.com", Text: "not ours"}

	cases := []struct {
		name string
		reqs []Request
		ev   Evidence
		want Report // only the counts compared below
		lost []string
		ok   bool
	}{
		{
			name: "stored and notified",
			reqs: []Request{accepted(a), accepted(b)},
			ev:   Evidence{Items: []questions.Question{a, b, foreign}, Notifications: []inbox.Notification{note(b), note(a), note(foreign)}},
			want: Report{Sent: 2, Accepted: 2, Stored: 2, Notified: 2},
			ok:   true,
		},
		{
			name: "dead-lettered counts as kept",
			reqs: []Request{accepted(a), accepted(b)},
			ev:   Evidence{Items: []questions.Question{a, b}, Notifications: []inbox.Notification{note(a)}, DeadLettered: []string{"id-b", "id-b"}},
			want: Report{Sent: 2, Accepted: 2, Stored: 2, Notified: 1, DeadLettered: 1},
			ok:   true,
		},
		{
			name: "accepted but not stored",
			reqs: []Request{accepted(a), accepted(b)},
			ev:   Evidence{Items: []questions.Question{a}, Notifications: []inbox.Notification{note(a), note(b)}},
			want: Report{Sent: 2, Accepted: 2, Stored: 1, Notified: 1},
			lost: []string{`request 1: accepted as "id-b" (201) but not stored as sent`},
		},
		{
			name: "stored with another text",
			reqs: []Request{accepted(a)},
			ev:   Evidence{Items: []questions.Question{{ID: a.ID, Email: a.Email, Text: "changed"}}, Notifications: []inbox.Notification{note(a)}},
			want: Report{Sent: 1, Accepted: 1},
			lost: []string{`request 0: accepted as "id-a" (201) but not stored as sent`},
		},
		{
			name: "stored but never notified",
			reqs: []Request{accepted(a), accepted(b)},
			ev:   Evidence{Items: []questions.Question{a, b}, Notifications: []inbox.Notification{note(a)}},
			want: Report{Sent: 2, Accepted: 2, Stored: 2, Notified: 1},
			lost: []string{"request 1: question id-b stored but neither notified nor dead-lettered"},
		},
		{
			name: "notification without the question",
			reqs: []Request{accepted(a)},
			ev:   Evidence{Items: []questions.Question{a}, Notifications: []inbox.Notification{note(questions.Question{ID: a.ID, Text: "other text"})}},
			want: Report{Sent: 1, Accepted: 1, Stored: 1, Notified: 1},
			lost: []string{"request 0: the notification for id-a does not hold its question"},
		},
		{
			name: "duplicates and notified and dead-lettered",
			reqs: []Request{accepted(a)},
			ev:   Evidence{Items: []questions.Question{a}, Notifications: []inbox.Notification{note(a), note(a), note(a)}, DeadLettered: []string{"id-a"}},
			want: Report{Sent: 1, Accepted: 1, Stored: 1, Notified: 1, DeadLettered: 1, NotifiedAndDeadLettered: 1, Duplicates: 2},
			ok:   true,
		},
		{
			name: "refused and not stored",
			reqs: []Request{{Email: "bad", Text: a.Text, Status: 400}, {Email: b.Email, Text: b.Text, Status: 415}},
			ev:   Evidence{Items: []questions.Question{foreign}},
			want: Report{Sent: 2, Refused: 2},
			ok:   true,
		},
		{
			name: "refused but stored",
			reqs: []Request{{Email: a.Email, Text: a.Text, Status: 400}, {Email: b.Email, Text: b.Text, Status: 413}},
			ev:   Evidence{Items: []questions.Question{a, b}, Notifications: []inbox.Notification{note(a), note(b)}},
			want: Report{Sent: 2, Refused: 2},
		},
		{
			name: "unsettled: what landed must be notified",
			reqs: []Request{{Email: a.Email, Text: a.Text, Status: 502}, {Email: b.Email, Text: b.Text}},
			ev:   Evidence{Items: []questions.Question{a, b}, Notifications: []inbox.Notification{note(b)}},
			want: Report{Sent: 2, Unsettled: 2, Stored: 2, UnsettledStored: 2, Notified: 1},
			lost: []string{"request 0: question id-a stored but neither notified nor dead-lettered"},
		},
		{
			name: "unsettled and never written",
			reqs: []Request{{Email: a.Email, Text: a.Text, Status: 503}, {Email: b.Email, Text: b.Text}},
			ev:   Evidence{Items: []questions.Question{foreign}},
			want: Report{Sent: 2, Unsettled: 2},
			ok:   true,
		},
		{
			name: "stored twice",
			reqs: []Request{accepted(a)},
			ev: Evidence{Items: []questions.Question{a, {ID: "id-a2", Email: a.Email, Text: a.Text}},
				Notifications: []inbox.Notification{note(a)}},
			want: Report{Sent: 1, Accepted: 1, Stored: 1, Notified: 1, StoredTwice: 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(tc.reqs, tc.ev)
			counts := func(r Report) []int {
				return []int{r.Sent, r.Accepted, r.Refused, r.Unsettled, r.Stored, r.UnsettledStored, r.Notified, r.DeadLettered,
					r.NotifiedAndDeadLettered, r.Duplicates, r.StoredTwice}
			}
			if !slices.Equal(counts(got), counts(tc.want)) {
				t.Errorf("counts (sent, accepted, refused, unsettled, stored, unsettled stored, notified, dead-lettered, both, duplicates, stored twice) = %v, want %v",
					counts(got), counts(tc.want))
			}
			if !slices.Equal(got.Lost, tc.lost) {
				t.Errorf("lost = %q, want %q", got.Lost, tc.lost)
			}
			if got.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v; problems: %q", got.OK(), tc.ok, got.Problems())
			}
			if !tc.ok && len(got.Problems()) == 0 {
				t.Error("a failed check names no problem")
			}
		})
	}
}

func TestCheckRefusesSharedTexts(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "share the text") {
			t.Errorf("recovered %v, want a panic about a shared text", r)
		}
	}()
	Check([]Request{{Text: "same"}, {Text: "same"}}, Evidence{})
}

func TestStatusSummary(t *testing.T) {
	r := Check([]Request{{Text: "1", Status: 503}, {Text: "2", Status: 400}, {Text: "3", Status: 400}, {Text: "4"}, {Text: "5", Status: 201, QuestionID: "x"}}, Evidence{})
	if got, want := r.StatusSummary(func(s int) bool { return s != 201 }), "no answer: 1, 400: 2, 503: 1"; got != want {
		t.Errorf("StatusSummary = %q, want %q", got, want)
	}
}

func TestCompareSequence(t *testing.T) {
	cases := []struct {
		a, b string
		want int // sign
	}{
		{"000000000000000000001", "000000000000000000002", -1},
		{"000000000000000000010", "9", 1},
		{"100000000000000000001", "100000000000000000001", 0},
		{"99", "100", -1},
	}
	for _, tc := range cases {
		got := compareSequence(tc.a, tc.b)
		if (got < 0) != (tc.want < 0) || (got > 0) != (tc.want > 0) {
			t.Errorf("compareSequence(%q, %q) = %d, want sign %d", tc.a, tc.b, got, tc.want)
		}
	}
}
