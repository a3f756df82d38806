package questions_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mysfits/mysfits-questions/questions"
)

// The seed corpora run with every `go test`; `go test -fuzz=FuzzDecodeSubmission
// ./questions` explores further.

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

// Whatever id a question has (the stream image's, any string), its
// notification's subject is one SNS takes.
func FuzzNotificationSubject(f *testing.F) {
	for _, seed := range []string{
		"q-1", "", "q\r\n1" + strings.Repeat("x", 150), "id-é-🐉", "\x00\x7f", strings.Repeat("x", 200),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		checkSubject(t, questions.NotificationSubject(questions.Question{ID: id, Email: "visitor@example.com", Text: "Hi"}))
	})
}
