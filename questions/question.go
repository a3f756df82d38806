// Package questions is the domain of the Contact Us service: what a visitor
// submits, what is stored, and what the administrator is told. It knows
// nothing about HTTP, Lambda or the AWS clients.
package questions

import (
	"errors"
	"fmt"
	"strings"
)

// Item attribute names, part of the contract with the main Mysfits site.
const (
	AttrQuestionID   = "QuestionId"
	AttrQuestionText = "QuestionText"
	AttrUserEmail    = "UserEmailAddress"
)

// Limits on what a visitor may submit. RFC 5321 caps a path at 256 octets
// including the angle brackets (254 for the address), a local part at 64 and
// a domain label at 63. The question limit is generous for a contact form and
// keeps an item, and the notification built from it, far below service limits.
const (
	MaxEmailLength     = 254
	MaxEmailLocalPart  = 64
	MaxDomainLabel     = 63
	MaxQuestionRunes   = 2000
	MaxRequestBodySize = 16 << 10
)

// Question is one stored question.
type Question struct {
	ID    string
	Email string
	Text  string
}

// Submission is what a visitor sends; it becomes a Question once it has an id.
type Submission struct {
	Email        string
	QuestionText string
}

// ErrInvalid marks every rejection of visitor input; errors.Is maps it to 4xx.
var ErrInvalid = errors.New("invalid question")

// ErrTooLarge marks a body over MaxRequestBodySize.
var ErrTooLarge = fmt.Errorf("%w: request body exceeds %d bytes", ErrInvalid, MaxRequestBodySize)

// FieldError names the field at fault and the problem, never its value, so it
// is safe to return to the client and to log.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// notificationSubjectPrefix is fixed ASCII: no visitor input reaches a subject.
const notificationSubjectPrefix = "New Mythical Mysfits question"

// maxSubjectLength keeps the subject inside SNS's limit, which the Publish
// API reference words as "less than 100 characters".
const maxSubjectLength = 99

// NotificationSubject is the SNS subject for q: printable ASCII, one line,
// fewer than 100 characters, whatever the id holds.
func NotificationSubject(q Question) string {
	var b strings.Builder
	b.WriteString(notificationSubjectPrefix)
	if q.ID != "" {
		b.WriteString(" ")
		for _, r := range q.ID {
			if r >= 0x20 && r < 0x7f {
				b.WriteRune(r)
			}
		}
	}
	subject := b.String()
	if len(subject) > maxSubjectLength {
		subject = subject[:maxSubjectLength]
	}
	return subject
}

// NotificationMessage is the e-mail body the administrator receives.
func NotificationMessage(q Question) string {
	return "A visitor asked a question on the Mythical Mysfits site.\n\n" +
		"Question ID: " + q.ID + "\n" +
		"Reply to: " + q.Email + "\n\n" +
		q.Text + "\n"
}
