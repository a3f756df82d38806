package questions_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

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

func TestFromStreamImage(t *testing.T) {
	valid := func() map[string]events.DynamoDBAttributeValue {
		return map[string]events.DynamoDBAttributeValue{
			questions.AttrQuestionID:   events.NewStringAttribute("q-1"),
			questions.AttrUserEmail:    events.NewStringAttribute("visitor@example.com"),
			questions.AttrQuestionText: events.NewStringAttribute("Do mysfits bite?"),
		}
	}
	with := func(name string, av events.DynamoDBAttributeValue) map[string]events.DynamoDBAttributeValue {
		img := valid()
		img[name] = av
		return img
	}
	without := func(name string) map[string]events.DynamoDBAttributeValue {
		img := valid()
		delete(img, name)
		return img
	}
	tests := []struct {
		name    string
		image   map[string]events.DynamoDBAttributeValue
		want    questions.Question
		problem string // "" = valid
	}{
		{name: "valid", image: valid(), want: questions.Question{ID: "q-1", Email: "visitor@example.com", Text: "Do mysfits bite?"}},
		{name: "extra attributes ignored", image: with("Answered", events.NewBooleanAttribute(false)), want: questions.Question{ID: "q-1", Email: "visitor@example.com", Text: "Do mysfits bite?"}},
		{name: "nil image (KEYS_ONLY stream)", image: nil, problem: "lacks QuestionId"},
		{name: "id missing", image: without(questions.AttrQuestionID), problem: "lacks QuestionId"},
		{name: "email missing", image: without(questions.AttrUserEmail), problem: "lacks UserEmailAddress"},
		{name: "text missing", image: without(questions.AttrQuestionText), problem: "lacks QuestionText"},
		{name: "id a number", image: with(questions.AttrQuestionID, events.NewNumberAttribute("7")), problem: "QuestionId must be a non-empty string"},
		{name: "email null", image: with(questions.AttrUserEmail, events.NewNullAttribute()), problem: "UserEmailAddress must be a non-empty string"},
		{name: "text a list", image: with(questions.AttrQuestionText, events.NewListAttribute(nil)), problem: "QuestionText must be a non-empty string"},
		{name: "text a map", image: with(questions.AttrQuestionText, events.NewMapAttribute(nil)), problem: "QuestionText must be a non-empty string"},
		{name: "text binary", image: with(questions.AttrQuestionText, events.NewBinaryAttribute([]byte("Hi"))), problem: "QuestionText must be a non-empty string"},
		{name: "email empty", image: with(questions.AttrUserEmail, events.NewStringAttribute("")), problem: "UserEmailAddress must be a non-empty string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := questions.FromStreamImage(tt.image)
			if tt.problem == "" {
				if err != nil || got != tt.want {
					t.Fatalf("FromStreamImage = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, questions.ErrInvalid) || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("FromStreamImage error = %v, want ErrInvalid saying %q", err, tt.problem)
			}
			if strings.Contains(err.Error(), "visitor@example.com") {
				t.Errorf("error %q echoes the e-mail address", err)
			}
		})
	}
}
