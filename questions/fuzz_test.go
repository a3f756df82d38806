package questions_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/questions"
)

// The seed corpora run with every `go test`; `go test -fuzz=FuzzDecodeSubmission
// ./functions/questions` explores further.

func FuzzDecodeSubmission(f *testing.F) {
	for _, seed := range []string{
		`{"email":"visitor@example.com","questionText":"Do mysfits bite?"}`,
		`{"email":" visitor@example.com ","questionText":" multi\nline\ttext "}`,
		`{"email":"visitor@example.com","questionText":"¿Muerden? 🐉"}`,
		`{"email":"visitor@example.com","questionText":"Hi"} {}`,
		`{"email":"visitor@example.com","questionText":"Hi`,
		`{"email":"visitor@example.com","questionText":"Hi\u0000"}`,
		`{"email":"visitor@example.com","questionText":"   "}`,
		`{"email":"visitor@example.com","questionText":5}`,
		`{"email":"visitor@example.com","questionText":"Hi","visitor@example.com":1}`,
		`{"email":"visitor@example.com","questionText":"Hi","extra":1}`,
		`{"email":"visi tor@example.com","questionText":"Hi"}`,
		`{"email":"` + strings.Repeat("l", 65) + `@example.com","questionText":"Hi"}`,
		`{"email":"visitor@example.com","questionText":"` + strings.Repeat("x", 2001) + `"}`,
		"{\"email\":\"visitor@example.com\",\"questionText\":\"\xff\"}",
		`{"email":"visitor@example.com","questionText":"Hi \ud800 \ufffd"}`,
		`[]`, `null`, `""`, `0`, ``, `{}`, `{"email":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := questions.DecodeSubmission(body)
		if err != nil {
			if !errors.Is(err, questions.ErrInvalid) {
				t.Fatalf("error %q does not wrap ErrInvalid", err)
			}
			// An address the visitor sent never comes back in an error.
			var fields map[string]any
			if json.Unmarshal(body, &fields) == nil {
				if email, ok := fields[questions.FieldEmail].(string); ok {
					email = strings.TrimSpace(email)
					if questions.ValidateEmail(email) == nil && strings.Contains(err.Error(), email) {
						t.Fatalf("error %q contains the e-mail address", err)
					}
				}
			}
			return
		}
		if len(body) > questions.MaxRequestBodySize {
			t.Fatalf("accepted a %d-byte body", len(body))
		}
		if err := questions.ValidateEmail(s.Email); err != nil {
			t.Fatalf("accepted e-mail %q: %v", s.Email, err)
		}
		if len(s.Email) > questions.MaxEmailLength {
			t.Fatalf("accepted a %d-octet e-mail", len(s.Email))
		}
		if at := strings.LastIndexByte(s.Email, '@'); at > questions.MaxEmailLocalPart {
			t.Fatalf("accepted a %d-octet local part", at)
		}
		if s.QuestionText == "" || s.QuestionText != strings.TrimSpace(s.QuestionText) {
			t.Fatalf("accepted blank or untrimmed text %q", s.QuestionText)
		}
		if n := utf8.RuneCountInString(s.QuestionText); n > questions.MaxQuestionRunes {
			t.Fatalf("accepted %d runes of text", n)
		}
		if !utf8.ValidString(s.Email) || !utf8.ValidString(s.QuestionText) {
			t.Fatalf("accepted invalid UTF-8")
		}
		if strings.ContainsRune(s.Email+s.QuestionText, utf8.RuneError) {
			t.Fatalf("accepted U+FFFD, the mark of text that was not UTF-8")
		}
		for _, r := range s.QuestionText {
			if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
				t.Fatalf("accepted control character %U in text", r)
			}
		}
	})
}

func FuzzFromStreamImage(f *testing.F) {
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
		q, err := questions.FromStreamImage(image)
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
		checkSubject(t, questions.NotificationSubject(q))
	})
}
