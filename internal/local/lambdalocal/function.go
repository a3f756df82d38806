// Package lambdalocal invokes a Go Lambda handler the way the Lambda service
// does: JSON payload in and out through aws-lambda-go's own handler
// wrapper, the invocation context (request id, function ARN, deadline, trace
// header), the timeout, panics turned into function errors, and the two
// segments Lambda's active tracing records for every invocation, with
// Lambda's own subsegments of the function segment.
package lambdalocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/google/uuid"

	"github.com/mysfits/mysfits-questions/internal/local/xraylocal"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// FunctionError is an invocation that failed inside the function: the
// handler returned an error, panicked or timed out. Lambda reports it with
// the X-Amz-Function-Error header; callers (API Gateway, the event source
// mapping) treat it as a failed invocation.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Upstream is the caller's place in a trace (API Gateway's segment); the
// zero value makes Lambda start a new trace, as for a stream invocation.
type Upstream struct {
	TraceID  string
	ParentID string
}

// Function is one deployed function.
type Function struct {
	Name   string
	ARN    string
	Region string
	// NewHandler makes the handler of each execution environment
	// (lambda.NewHandler(h.Handle)): like Lambda, the function runs
	// concurrent invocations in environments of their own, each running one
	// at a time. aws-lambda-go depends on that: the bytes a handler's Invoke
	// returns sit in a buffer its next invocation reuses.
	NewHandler func() lambda.Handler
	Timeout    time.Duration
	// Tracer receives the Lambda segments and configures the X-Ray SDK for
	// the handler; Lambda's active tracing is on at every stage.
	Tracer *xraylocal.Emitter
	Log    *slog.Logger // invocation failures; nil = slog.Default()

	mu   sync.Mutex
	idle []lambda.Handler // environments waiting for an invocation
}

// span is when something ran.
type span struct{ start, end time.Time }

// acquire takes an idle execution environment, or starts one, and returns
// its handler, how to give it back and, for a fresh environment (a cold
// start), how long making the handler took: the init phase Lambda traces
// as Initialization.
func (f *Function) acquire() (lambda.Handler, func(), *span) {
	f.mu.Lock()
	var h lambda.Handler
	if n := len(f.idle); n > 0 {
		h, f.idle = f.idle[n-1], f.idle[:n-1]
	}
	f.mu.Unlock()
	var init *span
	if h == nil {
		began := time.Now()
		h = f.NewHandler()
		init = &span{began, time.Now()}
	}
	return h, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.idle = append(f.idle, h)
	}, init
}

// Invoke runs one invocation and returns the handler's JSON response, or a
// *FunctionError.
func (f *Function) Invoke(ctx context.Context, payload []byte, up Upstream) ([]byte, error) {
	requestID := uuid.NewString()
	start := time.Now()
	traceID := up.TraceID
	if traceID == "" {
		traceID = xraylocal.NewTraceID()
	}
	service := traces.Document{
		Name: f.Name, ID: xraylocal.NewSegmentID(), TraceID: traceID, ParentID: up.ParentID,
		Origin: traces.TypeLambda, StartTime: traces.Epoch(start),
		AWS: map[string]any{"request_id": requestID},
	}
	function := traces.Document{
		Name: f.Name, ID: xraylocal.NewSegmentID(), TraceID: traceID, ParentID: service.ID,
		Origin: traces.TypeLambdaFunction, StartTime: traces.Epoch(start),
		AWS: map[string]any{"function_arn": f.ARN, "resource_names": []string{f.Name}},
	}
	invocation := f.runtimeSubsegment(traces.LambdaInvocation, start)

	invokeCtx, cancel := context.WithDeadline(ctx, start.Add(f.Timeout))
	defer cancel()
	invokeCtx = lambdacontext.NewContext(invokeCtx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: f.ARN,
	})
	// What the Lambda runtime gives the handler: the trace header from which
	// the SDK builds its facade segment, with the Invocation subsegment as
	// parent of every subsegment, so the SDK's nest in it as on AWS.
	invokeCtx = context.WithValue(invokeCtx, xray.LambdaTraceHeaderKey, xraylocal.TraceHeader(traceID, invocation.ID))
	if f.Tracer != nil {
		invokeCtx = f.Tracer.SDKContext(invokeCtx)
	}

	out, init, err := f.run(ctx, invokeCtx, payload)
	returned := time.Now()
	invocation.EndTime = traces.Epoch(returned)

	// Lambda's own subsegments of the function segment, in the shape AWS
	// records them (AWS Lambda Developer Guide, "Visualize Lambda function
	// invocations using AWS X-Ray"; testdata/traces/aws/traces-lambda-runtime.json):
	// on a cold start Initialization, the init phase, precedes the function
	// segment, which starts when it ends; Invocation is the handler's run
	// and carries the function error; Overhead is what follows it until the
	// response leaves (here the emulator's own bookkeeping).
	var runtime []traces.Document
	if init != nil {
		initialization := f.runtimeSubsegment(traces.LambdaInitialization, init.start)
		initialization.EndTime = traces.Epoch(init.end)
		runtime = append(runtime, initialization)
		function.StartTime = traces.Epoch(init.end)
		invocation.StartTime = function.StartTime
	}
	service.SetHTTPStatus(200) // the Invoke call itself succeeded
	var fnErr *FunctionError
	if errors.As(err, &fnErr) {
		function.Fault, invocation.Fault = true, true
		function.Cause, invocation.Cause = exceptionCause(fnErr), exceptionCause(fnErr)
		f.log().Info("function error", "function", f.Name, "request_id", requestID, "error_type", fnErr.Type)
	}
	overhead := f.runtimeSubsegment(traces.LambdaOverhead, returned)
	end := time.Now()
	overhead.EndTime = traces.Epoch(end)
	function.Subsegments = append(runtime, invocation, overhead)
	function.EndTime, service.EndTime = traces.Epoch(end), traces.Epoch(end)
	if f.Tracer != nil {
		for _, s := range []traces.Document{function, service} {
			if emitErr := f.Tracer.Emit(s); emitErr != nil {
				f.log().Warn("X-Ray segment lost", "function", f.Name, "error", emitErr)
			}
		}
	}
	return out, err
}

// runtimeSubsegment is one of Lambda's own subsegments of the function
// segment, started at start.
func (f *Function) runtimeSubsegment(name string, start time.Time) traces.Document {
	return traces.Document{Name: name, ID: xraylocal.NewSegmentID(), StartTime: traces.Epoch(start),
		AWS: map[string]any{"function_arn": f.ARN}}
}

// exceptionCause records a function error; each document gets its own
// exception id, as X-Ray's do.
func exceptionCause(e *FunctionError) *traces.Cause {
	return &traces.Cause{Exceptions: []traces.Exception{{ID: xraylocal.NewSegmentID(), Type: e.Type, Message: e.Message}}}
}

type result struct {
	out []byte
	err error
}

// run calls the handler in its own goroutine so a handler that ignores its
// context still ends the invocation at the timeout, as Lambda does. init is
// the cold start's init phase, nil for a warm environment (or one still
// starting when the invocation timed out).
func (f *Function) run(callerCtx, ctx context.Context, payload []byte) (out []byte, init *span, err error) {
	done := make(chan result, 1)
	started := make(chan *span, 1) // never blocks the handler's goroutine
	go func() {
		defer func() {
			if r := recover(); r != nil {
				f.log().Error("handler panicked", "function", f.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				done <- result{err: &FunctionError{Type: "Runtime.GoPanic", Message: fmt.Sprint(r)}}
			}
		}()
		handler, release, init := f.acquire()
		started <- init
		defer release() // after the copy below: the next invocation reuses the buffer
		out, err := handler.Invoke(ctx, payload)
		if err != nil {
			done <- result{err: &FunctionError{Type: errorType(err), Message: err.Error()}}
			return
		}
		done <- result{out: bytes.Clone(out)}
	}()
	initOf := func() *span {
		select {
		case s := <-started:
			return s
		default:
			return nil
		}
	}
	select {
	case r := <-done:
		return r.out, initOf(), r.err
	case <-ctx.Done(): // the invocation's deadline or the caller gone
		if callerCtx.Err() != nil {
			return nil, initOf(), fmt.Errorf("invoking %s: %w", f.Name, callerCtx.Err())
		}
		return nil, initOf(), &FunctionError{Type: "Runtime.Timeout",
			Message: fmt.Sprintf("Task timed out after %.2f seconds", f.Timeout.Seconds())}
	}
}

// errorType is what aws-lambda-go reports as errorType: the error's Go type
// name without the pointer.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

func (f *Function) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}

// InvokeJSON marshals in, invokes and unmarshals the response into out: the
// round trip through JSON that every real invocation makes.
func InvokeJSON[In, Out any](ctx context.Context, f *Function, in In, up Upstream) (Out, error) {
	var out Out
	payload, err := json.Marshal(in)
	if err != nil {
		return out, fmt.Errorf("encoding the %s event: %w", f.Name, err)
	}
	resp, err := f.Invoke(ctx, payload, up)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return out, fmt.Errorf("%s returned a response that is not a %T: %w", f.Name, out, err)
	}
	return out, nil
}
