package process

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/questions"
)

// QuestionFromImage reads a question from a stream record's NewImage, the
// only place a question arrives in Lambda's event types: the domain
// (package questions) knows nothing of Lambda. A missing or non-string
// attribute is an error wrapping questions.ErrInvalid and naming the
// attribute, never its value, and never a panic. The redrive command
// checks a failed batch's records with it, so it calls a question
// undeliverable exactly when this function would.
func QuestionFromImage(image map[string]events.DynamoDBAttributeValue) (questions.Question, error) {
	var q questions.Question
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{questions.AttrQuestionID, &q.ID},
		{questions.AttrUserEmail, &q.Email},
		{questions.AttrQuestionText, &q.Text},
	} {
		av, ok := image[f.name]
		if !ok {
			return questions.Question{}, fmt.Errorf("%w: stream image lacks %s", questions.ErrInvalid, f.name)
		}
		if av.DataType() != events.DataTypeString || av.String() == "" {
			return questions.Question{}, fmt.Errorf("%w: stream image attribute %s must be a non-empty string", questions.ErrInvalid, f.name)
		}
		*f.dst = av.String()
	}
	return q, nil
}
