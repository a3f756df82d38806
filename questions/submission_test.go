package questions_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/questions"
)

// address builds a syntactically valid address with a local part of
// localLen octets and a domain of domainLen octets (at least 5): labels of at
// most 63 octets ending in ".com".
func address(t testing.TB, localLen, domainLen int) string {
	t.Helper()
	var labels []string
	for rest := domainLen - len("com"); rest > 0; { // each label takes its length plus a dot
		n := min(rest-1, questions.MaxDomainLabel)
		if rest-(n+1) == 1 { // one octet left could not hold a label and its dot
			n--
		}
		if n < 1 {
			t.Fatalf("cannot build a domain of %d octets", domainLen)
		}
		labels = append(labels, strings.Repeat("d", n))
		rest -= n + 1
	}
	a := strings.Repeat("l", localLen) + "@" + strings.Join(append(labels, "com"), ".")
	if got := len(a); got != localLen+1+domainLen {
		t.Fatalf("address helper built %d octets, want %d", got, localLen+1+domainLen)
	}
	return a
}

func TestDecodeSubmission(t *testing.T) {
	const email = "visitor@example.com"
	tests := []struct {
		name    string
		body    string
		want    questions.Submission
		wantErr error  // nil, questions.ErrInvalid or questions.ErrTooLarge
		field   string // the FieldError's field, "" when the error is about the body
		problem string // part of the error message
	}{
		{name: "valid", body: `{"email":"visitor@example.com","questionText":"Do mysfits bite?"}`,
			want: questions.Submission{Email: email, QuestionText: "Do mysfits bite?"}},
		{name: "surrounding whitespace trimmed", body: `{"email":"  visitor@example.com\t","questionText":"\n  Do mysfits bite?  "}`,
			want: questions.Submission{Email: email, QuestionText: "Do mysfits bite?"}},
		{name: "line breaks and tabs kept inside text", body: `{"questionText":"Line one\r\n\tLine two","email":"visitor@example.com"}`,
			want: questions.Submission{Email: email, QuestionText: "Line one\r\n\tLine two"}},
		{name: "unicode text", body: `{"email":"visitor@example.com","questionText":"¿Muerden? 🐉 \u00e9"}`,
			want: questions.Submission{Email: email, QuestionText: "¿Muerden? 🐉 é"}},
		{name: "text at the rune limit", body: `{"email":"visitor@example.com","questionText":"` + strings.Repeat("é", questions.MaxQuestionRunes) + `"}`,
			want: questions.Submission{Email: email, QuestionText: strings.Repeat("é", questions.MaxQuestionRunes)}},

		{name: "empty body", body: ``, wantErr: questions.ErrInvalid, problem: "body is empty"},
		{name: "blank body", body: " \n\t", wantErr: questions.ErrInvalid, problem: "body is empty"},
		{name: "not JSON", body: `email=visitor@example.com`, wantErr: questions.ErrInvalid, problem: "not valid JSON"},
		{name: "malformed JSON", body: `{"email" "visitor@example.com"}`, wantErr: questions.ErrInvalid, problem: "not valid JSON"},
		{name: "truncated JSON", body: `{"email":"visitor@example.com","questionText":"Do`, wantErr: questions.ErrInvalid, problem: "truncated"},
		{name: "trailing object", body: `{"email":"visitor@example.com","questionText":"Hi"}{}`, wantErr: questions.ErrInvalid, problem: "data after the JSON object"},
		{name: "trailing garbage", body: `{"email":"visitor@example.com","questionText":"Hi"} x`, wantErr: questions.ErrInvalid, problem: "data after the JSON object"},
		{name: "array", body: `[{"email":"visitor@example.com"}]`, wantErr: questions.ErrInvalid, problem: "must be a JSON object, not array"},
		{name: "string", body: `"visitor@example.com"`, wantErr: questions.ErrInvalid, problem: "must be a JSON object, not string"},
		{name: "null", body: `null`, wantErr: questions.ErrInvalid, problem: "not null"},
		{name: "invalid UTF-8", body: "{\"email\":\"visitor@example.com\",\"questionText\":\"caf\xe9\"}", wantErr: questions.ErrInvalid, problem: "UTF-8"},

		{name: "invalid UTF-8 replaced on the way", body: `{"email":"visitor@example.com","questionText":"caf\ufffd"}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "UTF-8"},
		{name: "raw replacement character", body: "{\"email\":\"visitor@example.com\",\"questionText\":\"caf\uFFFD\"}", wantErr: questions.ErrInvalid, field: "questionText", problem: "UTF-8"},
		{name: "lone surrogate escape", body: `{"email":"visitor@example.com","questionText":"Hi \ud800"}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "UTF-8"},
		{name: "replacement character in the e-mail", body: `{"email":"visit\ufffdor@example.com","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "UTF-8"},
		{name: "email missing", body: `{"questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "is required"},
		{name: "email a number", body: `{"email":42,"questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "must be a string"},
		{name: "email null", body: `{"email":null,"questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "must be a string"},
		{name: "email an object", body: `{"email":{"address":"visitor@example.com"},"questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "must be a string"},
		{name: "email empty", body: `{"email":"","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "is required"},
		{name: "email blank", body: `{"email":"   ","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "is required"},
		{name: "email invalid", body: `{"email":"visitor.example.com","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "e-mail address"},
		{name: "email with control character", body: `{"email":"visi\u0007tor@example.com","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "control characters"},
		{name: "email too long", body: `{"email":"` + address(t, 64, 190) + `","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "longer than 254"},
		{name: "email local part too long", body: `{"email":"` + address(t, 65, 20) + `","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "email", problem: "local part longer than 64"},

		{name: "text missing", body: `{"email":"visitor@example.com"}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "is required"},
		{name: "text an array", body: `{"email":"visitor@example.com","questionText":["Hi"]}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "must be a string"},
		{name: "text a boolean", body: `{"email":"visitor@example.com","questionText":true}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "must be a string"},
		{name: "text empty", body: `{"email":"visitor@example.com","questionText":""}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "must not be blank"},
		{name: "text whitespace only", body: `{"email":"visitor@example.com","questionText":" \n\t\r "}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "must not be blank"},
		{name: "text over the rune limit", body: `{"email":"visitor@example.com","questionText":"` + strings.Repeat("é", questions.MaxQuestionRunes+1) + `"}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "longer than 2000"},
		{name: "text with NUL", body: `{"email":"visitor@example.com","questionText":"Hi\u0000there"}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "control characters"},
		{name: "text with bell", body: `{"email":"visitor@example.com","questionText":"Hi\u0007"}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "control characters"},
		{name: "text with C1 control", body: `{"email":"visitor@example.com","questionText":"Hi\u0085there"}`, wantErr: questions.ErrInvalid, field: "questionText", problem: "control characters"},

		{name: "unknown field", body: `{"email":"visitor@example.com","questionText":"Hi","name":"Vi"}`, wantErr: questions.ErrInvalid, field: "name", problem: "not a known field"},
		{name: "field names are case-sensitive", body: `{"Email":"visitor@example.com","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "Email", problem: "not a known field"},
		{name: "unknown fields named in sorted order", body: `{"zeta":1,"alpha":2,"email":"visitor@example.com","questionText":"Hi"}`, wantErr: questions.ErrInvalid, field: "alpha", problem: "not a known field"},
		{name: "unknown field name not echoed unless an identifier", body: `{"visitor@example.com":"x","email":"visitor@example.com","questionText":"Hi"}`, wantErr: questions.ErrInvalid, problem: "a field other than email and questionText"},

		{name: "body too large", body: `{"email":"visitor@example.com","questionText":"` + strings.Repeat("a", questions.MaxRequestBodySize) + `"}`, wantErr: questions.ErrTooLarge, problem: "exceeds 16384 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := questions.DecodeSubmission([]byte(tt.body))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("DecodeSubmission: %v", err)
				}
				if got != tt.want {
					t.Fatalf("DecodeSubmission = %+v, want %+v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeSubmission accepted %+v, want an error", got)
			}
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, questions.ErrInvalid) {
				t.Errorf("error %q is not %v", err, tt.wantErr)
			}
			if got != (questions.Submission{}) {
				t.Errorf("rejected submission still returned %+v", got)
			}
			var fe *questions.FieldError
			switch {
			case tt.field == "" && errors.As(err, &fe):
				t.Errorf("error %q names field %q, want a body error", err, fe.Field)
			case tt.field != "" && !errors.As(err, &fe):
				t.Errorf("error %q is not a FieldError for %q", err, tt.field)
			case tt.field != "" && fe.Field != tt.field:
				t.Errorf("error names field %q, want %q", fe.Field, tt.field)
			}
			if !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("error %q does not say %q", err, tt.problem)
			}
			if strings.Contains(err.Error(), email) {
				t.Errorf("error %q echoes the e-mail address", err)
			}
		})
	}
}

func TestValidateEmail(t *testing.T) {
	tests := []struct {
		email   string
		problem string // "" = valid
	}{
		{"a@b.co", ""},
		{"first.last+tag@mail.example.co.uk", ""},
		{"o'neil_99@sub-domain.example.com", ""},
		{address(t, questions.MaxEmailLocalPart, 20), ""},
		{address(t, questions.MaxEmailLocalPart, questions.MaxEmailLength-questions.MaxEmailLocalPart-1), ""},
		{"a@" + strings.Repeat("d", questions.MaxDomainLabel) + ".com", ""},

		{"", "is required"},
		{"visitor", "e-mail address"},
		{"@mysfits.example", "e-mail address"},
		{"visitor@", "e-mail address"},
		{"visitor@localhost", "domain with a dot"},
		{"visitor@-example.com", "invalid domain"},
		{"visitor@example-.com", "invalid domain"},
		{"visitor@example..com", "e-mail address"},
		{"visitor@exa_mple.com", "invalid domain"},
		{"visitor@[192.0.2.1]", "invalid domain"},
		{"a@" + strings.Repeat("d", questions.MaxDomainLabel+1) + ".com", "invalid domain"},
		{"two words@example.com", "e-mail address"},
		{`"quoted"@example.com`, "e-mail address"},
		{"Visitor <visitor@example.com>", "e-mail address"},
		{"visitor@example.com\n", "control characters"},
		{"a@b@example.com", "e-mail address"},
		{address(t, questions.MaxEmailLocalPart+1, 20), "local part longer than 64"},
		{address(t, questions.MaxEmailLocalPart, questions.MaxEmailLength-questions.MaxEmailLocalPart), "longer than 254"},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			err := questions.ValidateEmail(tt.email)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("ValidateEmail(%q) = %v, want nil", tt.email, err)
				}
				return
			}
			var fe *questions.FieldError
			if !errors.As(err, &fe) || fe.Field != questions.FieldEmail {
				t.Fatalf("ValidateEmail(%q) = %v, want a FieldError for email", tt.email, err)
			}
			if !strings.Contains(fe.Problem, tt.problem) {
				t.Errorf("problem %q does not say %q", fe.Problem, tt.problem)
			}
			if tt.email != "" && strings.Contains(err.Error(), tt.email) {
				t.Errorf("error %q echoes the address", err)
			}
		})
	}
}
