// Package either picks the functions' instrumentation from their
// environment, the X-Ray SDK or OpenTelemetry, for what runs both: the
// local stack, the tests and the commands that run a handler in process.
// A deployed function links one of the two (its main package passes
// xraysdk.New or opentelemetry.New to the handler's NewWith), so it never
// imports this package.
package either

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"
	"github.com/mysfits/mysfits-questions/functions/tracing/xraysdk"
)

var _ tracing.Factory = New

// New is the tracing.Factory of t.Instrumentation.
func New(cfg aws.Config, t contract.Tracing, getenv func(string) string) (tracing.Instrumentation, error) {
	switch t.Instrumentation {
	case contract.InstrumentationXRaySDK:
		return xraysdk.New(cfg, t, getenv)
	case contract.InstrumentationOpenTelemetry:
		return opentelemetry.New(cfg, t, getenv)
	}
	return nil, fmt.Errorf("%s=%s: not an instrumentation (%s)", contract.EnvInstrumentation, t.Instrumentation, contract.InstrumentationChoices())
}
