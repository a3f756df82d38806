// Package notify runs the process function's handler (package process) in
// process with the instrumentation its environment names, the X-Ray SDK or
// OpenTelemetry: what the local stack, the redrive command, the benchmarks
// and the tests run. It links both tracing SDKs; a deployed function
// imports package process with its one (functions/processstream,
// functions/otel/processstream).
package notify

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mysfits/mysfits-questions/functions/process"
	"github.com/mysfits/mysfits-questions/functions/tracing/either"
	"github.com/mysfits/mysfits-questions/questions"
)

// Handler is the process function's handler; the redrive command builds one
// as a literal (untraced) and notifies through its NotifyRecord.
type Handler = process.Handler

// Publisher is the part of the SNS client the handler uses.
type Publisher = process.Publisher

// New builds the handler from the function's environment (process.New),
// with the instrumentation TRACING_INSTRUMENTATION names.
func New(cfg aws.Config, getenv func(string) string) (*Handler, error) {
	return process.New(cfg, getenv, either.New)
}

// QuestionFromImage reads a question from a stream record's new image.
func QuestionFromImage(img map[string]events.DynamoDBAttributeValue) (questions.Question, error) {
	return process.QuestionFromImage(img)
}
