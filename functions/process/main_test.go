package process_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/process"
	"github.com/mysfits/mysfits-questions/functions/tracing/either"
)

// TestMain configures the X-Ray SDK, process-global, once for the binary.
func TestMain(m *testing.M) { handlertest.Main(m) }

// newHandler builds the handler with the instrumentation the environment
// names, as the local stack does.
func newHandler(cfg aws.Config, getenv func(string) string) (*process.Handler, error) {
	return process.New(cfg, getenv, either.New)
}
