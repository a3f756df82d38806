// Package xraysdk is the functions' X-Ray SDK instrumentation (the
// default): X-Ray subsegments on the AWS clients from stage 2 and the
// stage-3 fault's hangingException subsegment, sent by UDP to the daemon
// Lambda runs beside the function. It calls the SDK only when the stage
// asks for it, so stage 1 and code running outside Lambda never touch it.
//
// The AWS X-Ray SDKs are in maintenance mode since 2026-02-25 and reach end
// of support on 2027-02-25; package opentelemetry is the way forward
// (docs/opentelemetry.md).
package xraysdk

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/v2/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/aws-xray-sdk-go/v2/xraylog"
	"github.com/aws/smithy-go/middleware"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
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

// XRay is the X-Ray SDK instrumentation of one function.
type XRay struct {
	stage contract.TracingStage
}

var _ tracing.Instrumentation = XRay{}

// New is the tracing.Factory of the X-Ray SDK's build: it refuses a
// configuration that asks for another instrumentation, which this build
// does not link.
func New(_ aws.Config, t contract.Tracing, _ func(string) string) (tracing.Instrumentation, error) {
	if t.Instrumentation != contract.InstrumentationXRaySDK {
		return nil, fmt.Errorf("%s=%s: this build traces with the X-Ray SDK; the %s build runs that instrumentation",
			contract.EnvInstrumentation, t.Instrumentation, t.Instrumentation)
	}
	return For(t.Stage), nil
}

// For is the instrumentation of stage.
func For(stage contract.TracingStage) XRay { return XRay{stage: stage} }

// Instrument returns a copy of cfg whose clients record an X-Ray subsegment
// per AWS call when the stage asks for SDK subsegments. The caller's
// APIOptions are never modified.
func (x XRay) Instrument(cfg aws.Config) aws.Config {
	if !x.stage.SDKSubsegments() {
		return cfg
	}
	cfg.APIOptions = slices.Clone(cfg.APIOptions)
	awsv2.AWSV2Instrumentor(&cfg.APIOptions)
	cfg.APIOptions = append(cfg.APIOptions, skipWithoutTraceContext)
	return cfg
}

// Begin returns ctx as it is: the SDK builds its facade segment from the
// trace header the runtime put there, and sends each subsegment as it ends.
func (XRay) Begin(ctx context.Context) (context.Context, func()) { return ctx, func() {} }

// Capture runs fn in a subsegment named name, which records fn's error as a
// fault. Outside a traced invocation fn just runs: xray.Capture would report
// a missing context instead.
func (XRay) Capture(ctx context.Context, name string, fn func(context.Context) error) error {
	if !HasTraceContext(ctx) {
		return fn(ctx)
	}
	return xray.Capture(ctx, name, fn)
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
	return tracing.TraceHeader(ctx, nil) != ""
}
