// Package tracing applies the tracing stage to the functions: X-Ray
// subsegments on the AWS clients from stage 2 and the stage-3 fault
// injection. It is the only package of the functions that calls the X-Ray SDK,
// and it calls it only when the stage asks for it, so stage 1 and code running
// outside Lambda never touch the SDK.
package tracing

import (
	"context"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/v2/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/aws-xray-sdk-go/v2/xraylog"
	"github.com/aws/smithy-go/middleware"

	"github.com/mysfits/mysfits-questions/contract"
)

// The SDK logs at info level to stdout by default ("Emitter using address",
// every context-missing complaint). Warnings and errors on stderr are what an
// operator needs; stdout stays free for whatever a runner prints. SetLogger
// may only be called from init: the SDK does not guard it.
func init() {
	xray.SetLogger(xraylog.NewDefaultLogger(os.Stderr, xraylog.LogLevelWarn))
}

// xrayInitializeID is the ID awsv2.AWSV2Instrumentor gives the middleware
// that begins the client subsegment.
const xrayInitializeID = "XRayInitializeMiddlewareAfter"

// Instrument returns a copy of cfg whose clients record an X-Ray subsegment per
// AWS call when the stage asks for SDK subsegments. The caller's APIOptions
// are never modified.
func Instrument(cfg aws.Config, t contract.Tracing) aws.Config {
	if !t.Stage.SDKSubsegments() {
		return cfg
	}
	cfg.APIOptions = slices.Clone(cfg.APIOptions)
	awsv2.AWSV2Instrumentor(&cfg.APIOptions)
	cfg.APIOptions = append(cfg.APIOptions, skipWithoutTraceContext)
	return cfg
}

// skipWithoutTraceContext makes the SDK's subsegment middleware step aside
// when a call has no segment to attach to (a test, a runner without X-Ray),
// instead of reporting "context missing" on every call, or panicking under
// AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR. The SDK's deserialize middleware
// already does nothing when no subsegment was begun.
func skipWithoutTraceContext(stack *middleware.Stack) error {
	begin, ok := stack.Initialize.Get(xrayInitializeID)
	if !ok {
		return nil
	}
	_, err := stack.Initialize.Swap(xrayInitializeID, middleware.InitializeMiddlewareFunc(xrayInitializeID,
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if !HasTraceContext(ctx) {
				return next.HandleInitialize(ctx, in)
			}
			return begin.HandleInitialize(ctx, in, next)
		}))
	return err
}

// HasTraceContext reports whether ctx can carry X-Ray subsegments: it holds a
// segment (xray.BeginSegment, as a local runner does) or the trace header the
// Lambda runtime puts in every invocation's context, from which the SDK builds
// its facade segment. The runtime stores the header even when it is empty.
func HasTraceContext(ctx context.Context) bool {
	if xray.GetSegment(ctx) != nil {
		return true
	}
	header, _ := ctx.Value(xray.LambdaTraceHeaderKey).(string)
	return header != ""
}
