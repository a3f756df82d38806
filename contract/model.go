package contract

import (
	"encoding/json"
	"fmt"

	"github.com/mysfits/mysfits-questions/questions"
)

// The request model of POST /questions: API Gateway's request validator
// checks a body against it before the post function is invoked, and the
// local API Gateway applies the same schema.
const (
	QuestionModelName = "QuestionSubmission" // API-scoped, alphanumeric
	// QuestionModelContentType is the content type the model is declared
	// for. API Gateway validates only bodies of a content type that has a
	// model; others go to the function, which answers 415.
	QuestionModelContentType = "application/json"
	// jsonSchemaDraft4 is the only draft API Gateway models support.
	jsonSchemaDraft4 = "http://json-schema.org/draft-04/schema#"
)

// jsonSchema is the subset of JSON Schema draft 4 the question model uses.
type jsonSchema struct {
	Schema               string                `json:"$schema,omitempty"`
	Title                string                `json:"title,omitempty"`
	Type                 string                `json:"type"`
	Required             []string              `json:"required,omitempty"`
	AdditionalProperties *bool                 `json:"additionalProperties,omitempty"`
	Properties           map[string]jsonSchema `json:"properties,omitempty"`
	MaxLength            int                   `json:"maxLength,omitempty"`
}

// QuestionModelSchema is the model's JSON schema. It mirrors the outer rules
// of questions.DecodeSubmission (one object, exactly the two string fields,
// the length limits); the handler still checks everything (trimmed, e-mail
// shape, UTF-8, control characters) and gives the precise message. maxLength
// counts characters as the schema does, before the handler trims.
func QuestionModelSchema() (string, error) {
	closed := false
	schema := jsonSchema{
		Schema:               jsonSchemaDraft4,
		Title:                QuestionModelName,
		Type:                 "object",
		Required:             []string{questions.FieldEmail, questions.FieldQuestionText},
		AdditionalProperties: &closed,
		Properties: map[string]jsonSchema{
			questions.FieldEmail:        {Type: "string", MaxLength: questions.MaxEmailLength},
			questions.FieldQuestionText: {Type: "string", MaxLength: questions.MaxQuestionRunes},
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		return "", fmt.Errorf("question model schema: %w", err)
	}
	return string(b), nil
}

// The error of API Gateway's BAD_REQUEST_BODY answer: a fixed prefix and
// the request validator's own list of what failed,
// $context.error.validationErrorString, such as
// [object has missing required properties (["email"])] (API Gateway
// developer guide, "$context variables for data models, authorizers,
// mapping templates, and access logging"). The list names a missing or
// extra field; for a wrong type or length it says what is wrong and,
// as the validator words it, may quote the value.
const (
	BadRequestBodyPrefix    = "invalid request body"
	ValidationErrorVariable = "$context.error.validationErrorString"
)

// BadRequestBodyError is the BAD_REQUEST_BODY error for a validation list.
func BadRequestBodyError(validation string) string {
	return BadRequestBodyPrefix + ": " + validation
}
