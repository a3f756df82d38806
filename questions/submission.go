package questions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// JSON field names the Contact Us form sends.
const (
	FieldEmail        = "email"
	FieldQuestionText = "questionText"
)

// DecodeSubmission parses and validates a request body. Every error wraps
// ErrInvalid and names the problem without echoing what the visitor sent.
func DecodeSubmission(body []byte) (Submission, error) {
	if len(body) > MaxRequestBodySize {
		return Submission{}, ErrTooLarge
	}
	// encoding/json would quietly replace invalid UTF-8 with U+FFFD.
	if !utf8.Valid(body) {
		return Submission{}, fmt.Errorf("%w: body is not valid UTF-8", ErrInvalid)
	}
	fields, err := decodeObject(body)
	if err != nil {
		return Submission{}, err
	}
	if err := rejectUnknownFields(fields); err != nil {
		return Submission{}, err
	}
	email, err := stringField(fields, FieldEmail)
	if err != nil {
		return Submission{}, err
	}
	text, err := stringField(fields, FieldQuestionText)
	if err != nil {
		return Submission{}, err
	}
	s := Submission{Email: strings.TrimSpace(email), QuestionText: strings.TrimSpace(text)}
	if err := ValidateEmail(s.Email); err != nil {
		return Submission{}, err
	}
	if err := validateQuestionText(s.QuestionText); err != nil {
		return Submission{}, err
	}
	return s, nil
}

// decodeObject reads exactly one JSON object. Field names are matched exactly:
// encoding/json alone would accept "EMAIL" for email.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: body is empty (expected a JSON object with email and questionText)", ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			return nil, fmt.Errorf("%w: body must be a JSON object, not %s", ErrInvalid, typeErr.Value)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("%w: body is truncated JSON", ErrInvalid)
		default:
			return nil, fmt.Errorf("%w: body is not valid JSON: %v", ErrInvalid, err)
		}
	}
	if fields == nil {
		return nil, fmt.Errorf("%w: body must be a JSON object, not null", ErrInvalid)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: body has data after the JSON object", ErrInvalid)
	}
	return fields, nil
}

// maxEchoedFieldName bounds an unknown field name quoted back to the client.
const maxEchoedFieldName = 64

// rejectUnknownFields names the first unknown field in sorted order, so the
// answer does not depend on map order. A name is echoed only when it looks
// like an identifier: a key may hold anything, an e-mail address included,
// and errors end up in responses and logs.
func rejectUnknownFields(fields map[string]json.RawMessage) error {
	var unknown []string
	for name := range fields {
		if name != FieldEmail && name != FieldQuestionText {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	if name := unknown[0]; isIdentifier(name) {
		return &FieldError{Field: name, Problem: "is not a known field (expected email and questionText)"}
	}
	return fmt.Errorf("%w: body has a field other than email and questionText", ErrInvalid)
}

func isIdentifier(s string) bool {
	if s == "" || len(s) > maxEchoedFieldName {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func stringField(fields map[string]json.RawMessage, name string) (string, error) {
	raw, ok := fields[name]
	if !ok {
		return "", &FieldError{Field: name, Problem: "is required"}
	}
	var s string
	if bytes.Equal(raw, []byte("null")) || json.Unmarshal(raw, &s) != nil {
		return "", &FieldError{Field: name, Problem: "must be a string"}
	}
	// U+FFFD is what bytes that were not UTF-8 become on the way here (API
	// Gateway hands a text body to Lambda as a UTF-8 string) and what
	// encoding/json makes of a lone surrogate escape such as \ud800: the
	// visitor's text is already damaged, so it is refused, not stored.
	if strings.ContainsRune(s, utf8.RuneError) {
		return "", &FieldError{Field: name, Problem: "is not valid UTF-8 text (it holds U+FFFD, the mark of undecodable bytes)"}
	}
	return s, nil
}

// ValidateEmail checks an address against RFC 5321 length limits and the
// shape a mail system can deliver to: local@domain, no display name, a
// dotted domain of letters, digits and hyphens.
func ValidateEmail(email string) error {
	problem := emailProblem(email)
	if problem == "" {
		return nil
	}
	return &FieldError{Field: FieldEmail, Problem: problem}
}

// notAnEmail is the problem of an address mail.ParseAddress or the @ check refuses.
const notAnEmail = "must be an e-mail address such as name@example.com"

func emailProblem(email string) string {
	if email == "" {
		return "is required"
	}
	if len(email) > MaxEmailLength {
		return fmt.Sprintf("is longer than %d characters", MaxEmailLength)
	}
	if hasControl(email, false) {
		return "must not contain control characters"
	}
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return notAnEmail
	}
	local, domain := email[:at], email[at+1:]
	if len(local) > MaxEmailLocalPart {
		return fmt.Sprintf("has a local part longer than %d characters", MaxEmailLocalPart)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return notAnEmail
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "must have a domain with a dot, such as example.com"
	}
	for _, label := range labels {
		if !validDomainLabel(label) {
			return "has an invalid domain"
		}
	}
	return ""
}

func validDomainLabel(label string) bool {
	if label == "" || len(label) > MaxDomainLabel || label[0] == '-' || label[len(label)-1] == '-' {
		return false
	}
	for _, r := range label {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func validateQuestionText(text string) error {
	switch {
	case text == "":
		return &FieldError{Field: FieldQuestionText, Problem: "is required and must not be blank"}
	case utf8.RuneCountInString(text) > MaxQuestionRunes:
		return &FieldError{Field: FieldQuestionText, Problem: fmt.Sprintf("is longer than %d characters", MaxQuestionRunes)}
	case hasControl(text, true):
		return &FieldError{Field: FieldQuestionText, Problem: "must not contain control characters other than line breaks and tabs"}
	}
	return nil
}

// hasControl reports control characters; multi-line text may keep \n, \r, \t.
func hasControl(s string, allowLineBreaks bool) bool {
	for _, r := range s {
		if allowLineBreaks && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
