package process_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/functions/process"
	"github.com/mysfits/mysfits-questions/questions"
)

func TestQuestionFromImage(t *testing.T) {
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
			got, err := process.QuestionFromImage(tt.image)
			if tt.problem == "" {
				if err != nil || got != tt.want {
					t.Fatalf("QuestionFromImage = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, questions.ErrInvalid) || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("QuestionFromImage error = %v, want ErrInvalid saying %q", err, tt.problem)
			}
			if strings.Contains(err.Error(), "visitor@example.com") {
				t.Errorf("error %q echoes the e-mail address", err)
			}
		})
	}
}

// The seed corpus runs with every `go test`; `go test
// -fuzz=FuzzQuestionFromImage ./functions/notify` explores further. That
// every id it accepts gives a subject SNS takes is questions'
// FuzzNotificationSubject, over any string.
func FuzzQuestionFromImage(f *testing.F) {
	for _, seed := range []string{
		`{"QuestionId":{"S":"q-1"},"UserEmailAddress":{"S":"visitor@example.com"},"QuestionText":{"S":"Do mysfits bite?"}}`,
		`{"QuestionId":{"S":"q\r\n1` + strings.Repeat("x", 150) + `"},"UserEmailAddress":{"S":"visitor@example.com"},"QuestionText":{"S":"Hi"}}`,
		`{"QuestionId":{"N":"1"},"UserEmailAddress":{"S":"visitor@example.com"},"QuestionText":{"S":"Hi"}}`,
		`{"QuestionId":{"S":"q-1"},"UserEmailAddress":{"NULL":true},"QuestionText":{"S":"Hi"}}`,
		`{"QuestionId":{"S":"q-1"},"UserEmailAddress":{"S":"visitor@example.com"},"QuestionText":{"L":[{"S":"Hi"}]}}`,
		`{"QuestionId":{"S":"q-1"},"UserEmailAddress":{"S":"visitor@example.com"},"QuestionText":{"M":{"S":{"S":"Hi"}}}}`,
		`{"QuestionId":{"S":"q-1"},"UserEmailAddress":{"S":"visitor@example.com"},"QuestionText":{"B":"SGk="}}`,
		`{"QuestionId":{"S":""},"UserEmailAddress":{"S":"visitor@example.com"},"QuestionText":{"S":"Hi"}}`,
		`{"QuestionId":{"S":"q-1"}}`,
		`{}`, `null`, `{"QuestionId":{}}`, `{"QuestionId":{"S":1}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var image map[string]events.DynamoDBAttributeValue
		if err := json.Unmarshal(raw, &image); err != nil {
			return // the Lambda runtime rejects such an event before the handler runs
		}
		q, err := process.QuestionFromImage(image)
		if err != nil {
			if !errors.Is(err, questions.ErrInvalid) {
				t.Fatalf("error %q does not wrap ErrInvalid", err)
			}
			if av, ok := image[questions.AttrUserEmail]; ok && av.DataType() == events.DataTypeString && len(av.String()) > 3 &&
				strings.Contains(err.Error(), av.String()) {
				t.Fatalf("error %q contains the e-mail address", err)
			}
			return
		}
		for name, got := range map[string]string{
			questions.AttrQuestionID:   q.ID,
			questions.AttrUserEmail:    q.Email,
			questions.AttrQuestionText: q.Text,
		} {
			if av := image[name]; got == "" || av.DataType() != events.DataTypeString || av.String() != got {
				t.Fatalf("accepted %s = %q from %v", name, got, av)
			}
		}
	})
}
