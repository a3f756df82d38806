package questions

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// FromStreamImage reads a question from a stream record's NewImage. A missing
// or non-string attribute is an error naming the attribute, never a panic.
func FromStreamImage(image map[string]events.DynamoDBAttributeValue) (Question, error) {
	var q Question
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{AttrQuestionID, &q.ID},
		{AttrUserEmail, &q.Email},
		{AttrQuestionText, &q.Text},
	} {
		av, ok := image[f.name]
		if !ok {
			return Question{}, fmt.Errorf("%w: stream image lacks %s", ErrInvalid, f.name)
		}
		if av.DataType() != events.DataTypeString || av.String() == "" {
			return Question{}, fmt.Errorf("%w: stream image attribute %s must be a non-empty string", ErrInvalid, f.name)
		}
		*f.dst = av.String()
	}
	return q, nil
}
