// Package tracing is what the functions' handlers know of tracing: an
// Instrumentation that applies the stage (spans for the AWS calls from stage
// 2, the stage-3 fault's own span) and joins each invocation to the trace
// Lambda's active tracing started, and the stage-3 fault injection.
//
// The two instrumentations live in their own packages, xraysdk (the AWS
// X-Ray SDK for Go, the default) and opentelemetry (the OpenTelemetry Go
// SDK exporting OTLP), so each deployed build links only the one it runs:
// with both, the post function's zip passes 6 MB. Package either picks one
// from the environment for what runs both (the local stack, the tests).
// This package imports neither SDK.
package tracing

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mysfits/mysfits-questions/contract"
)

// Instrumentation records a function's spans at the configured stage.
type Instrumentation interface {
	// Instrument returns a copy of cfg whose clients record a span per AWS
	// call when the stage asks for it; the caller's APIOptions are never
	// modified.
	Instrument(cfg aws.Config) aws.Config
	// Begin joins the trace of the invocation ctx belongs to. The end
	// function sends what the invocation recorded before it returns:
	// Lambda freezes the environment between invocations.
	Begin(ctx context.Context) (_ context.Context, end func())
	Capturer
}

// Capturer runs a function as its own traced unit of work.
type Capturer interface {
	// Capture runs fn in a span or subsegment named name and records the
	// error fn returns as a fault. Outside a traced invocation fn just runs.
	Capture(ctx context.Context, name string, fn func(context.Context) error) error
}

// Factory makes the Instrumentation of t for a function whose clients are
// made from cfg and whose environment getenv reads. It fails when t asks
// for an instrumentation the build does not link.
type Factory func(cfg aws.Config, t contract.Tracing, getenv func(string) string) (Instrumentation, error)

// LambdaTraceHeaderKey is the context key under which aws-lambda-go puts
// the invocation's X-Amzn-Trace-Id (Root=...;Parent=...;Sampled=...), and
// the local stack's runtime too; the X-Ray SDK reads the same key
// (xray.LambdaTraceHeaderKey). Its type is the runtime's: a plain string.
const LambdaTraceHeaderKey = "x-amzn-trace-id"

// LambdaTraceHeaderEnv is the variable the Lambda runtime also sets to the
// current invocation's trace header (Lambda developer guide, "Defined
// runtime environment variables").
const LambdaTraceHeaderEnv = "_X_AMZN_TRACE_ID"

// TraceHeader is the invocation's trace header: the one the runtime put in
// ctx, else the one getenv gives (nil: none). "" when there is neither.
func TraceHeader(ctx context.Context, getenv func(string) string) string {
	if h, _ := ctx.Value(LambdaTraceHeaderKey).(string); h != "" {
		return h
	}
	if getenv != nil {
		return getenv(LambdaTraceHeaderEnv)
	}
	return ""
}

// Untraced is the Instrumentation of code that records nothing: a handler
// built without one.
type Untraced struct{}

var _ Instrumentation = Untraced{}

// Instrument returns cfg as it is.
func (Untraced) Instrument(cfg aws.Config) aws.Config { return cfg }

// Begin returns ctx and an end that does nothing.
func (Untraced) Begin(ctx context.Context) (context.Context, func()) { return ctx, func() {} }

// Capture runs fn.
func (Untraced) Capture(ctx context.Context, _ string, fn func(context.Context) error) error {
	return fn(ctx)
}

// Or is i, or Untraced when i is nil: a handler built as a literal (the
// redrive command's, a test's) traces nothing.
func Or(i Instrumentation) Instrumentation {
	if i == nil {
		return Untraced{}
	}
	return i
}
