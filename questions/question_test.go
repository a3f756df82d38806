package questions_test

import (
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/questions"
)

// checkSubject asserts what SNS requires of an e-mail subject.
func checkSubject(t testing.TB, subject string) {
	t.Helper()
	if subject == "" || len(subject) >= 100 {
		t.Errorf("subject %q has %d characters, want 1 to 99", subject, len(subject))
	}
	for _, r := range subject {
		if r < 0x20 || r > 0x7e {
			t.Errorf("subject %q holds %U, want printable ASCII only", subject, r)
		}
	}
}

func TestNotificationSubject(t *testing.T) {
	const prefix = "New Mythical Mysfits question"
	tests := []struct {
		name string
		id   string
		want string
	}{
		{"uuid", "0b8f3a52-3c1e-4b7e-9d55-2f0a6b1c7e90", prefix + " 0b8f3a52-3c1e-4b7e-9d55-2f0a6b1c7e90"},
		{"no id", "", prefix},
		{"line breaks and controls dropped", "ab\r\ncd\x00\x7f", prefix + " abcd"},
		{"non-ASCII dropped", "id-é-🐉", prefix + " id--"},
		{"long id truncated", strings.Repeat("x", 200), (prefix + " " + strings.Repeat("x", 200))[:99]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := questions.NotificationSubject(questions.Question{ID: tt.id, Email: "visitor@example.com", Text: "Hi\nthere"})
			if got != tt.want {
				t.Errorf("NotificationSubject = %q, want %q", got, tt.want)
			}
			checkSubject(t, got)
		})
	}
}

func TestNotificationMessage(t *testing.T) {
	q := questions.Question{ID: "q-1", Email: "visitor@example.com", Text: "Do mysfits bite?\nAsking for a friend."}
	msg := questions.NotificationMessage(q)
	for _, want := range []string{"Question ID: q-1\n", "Reply to: visitor@example.com\n", "\nDo mysfits bite?\nAsking for a friend.\n"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}
