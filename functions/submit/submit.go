// Package submit runs the post function's handler (package post) in
// process with the instrumentation its environment names, the X-Ray SDK or
// OpenTelemetry: what the local stack, the benchmarks and the tests run. It
// links both tracing SDKs; a deployed function imports package post with
// its one (functions/postquestion, functions/otel/postquestion).
package submit

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mysfits/mysfits-questions/functions/post"
	"github.com/mysfits/mysfits-questions/functions/tracing/either"
)

// Handler is the post function's handler.
type Handler = post.Handler

// ItemPutter is the part of the DynamoDB client the handler uses.
type ItemPutter = post.ItemPutter

// New builds the handler from the function's environment (post.New), with
// the instrumentation TRACING_INSTRUMENTATION names.
func New(cfg aws.Config, getenv func(string) string) (*Handler, error) {
	return post.New(cfg, getenv, either.New)
}
