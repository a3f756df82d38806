package lambdalocal

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/internal/local/xraylocal"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// reported is a finished trace as the daemon reported it.
type reported struct {
	docs    traces.TraceDocs
	summary traces.TraceSummary
}

// daemon starts a local X-Ray daemon and an emitter pointing at it; the
// traces it reports arrive on the channel, which holds more than a test
// makes so the daemon never waits on it.
func daemon(t *testing.T) (*xraylocal.Emitter, <-chan reported) {
	t.Helper()
	got := make(chan reported, 64)
	d, err := xraylocal.Listen("127.0.0.1:0", xraylocal.DaemonConfig{Settle: 50 * time.Millisecond, Expire: 500 * time.Millisecond,
		OnTrace: func(docs traces.TraceDocs, s traces.TraceSummary) { got <- reported{docs, s} },
		Log:     slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	em, err := xraylocal.NewEmitter(d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done; em.Close() })
	return em, got
}

// nextTrace waits for the daemon's next finished trace.
func nextTrace(t *testing.T, got <-chan reported) reported {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-time.After(15 * time.Second):
		t.Fatal("no trace reported within 15s")
		return reported{}
	}
}

func TestInvokeGivesTheHandlerLambdasContextAndTracesIt(t *testing.T) {
	em, got := daemon(t)
	type in struct{ Name string }
	type out struct{ Greeting string }
	var seen struct {
		requestID, arn string
		deadline       bool
	}
	f := &Function{
		Name: "greet", ARN: "arn:aws:lambda:us-east-1:000000000000:function:greet", Timeout: 5 * time.Second, Tracer: em,
		NewHandler: newHandler(func(ctx context.Context, e in) (out, error) {
			lc, _ := lambdacontext.FromContext(ctx)
			seen.requestID, seen.arn = lc.AwsRequestID, lc.InvokedFunctionArn
			_, seen.deadline = ctx.Deadline()
			// What an instrumented AWS client does: a subsegment under the
			// facade Lambda would give.
			err := xray.Capture(ctx, "work", func(context.Context) error { return nil })
			return out{Greeting: "hello " + e.Name}, err
		}),
	}
	resp, err := InvokeJSON[in, out](context.Background(), f, in{Name: "ada"}, Upstream{})
	if err != nil || resp.Greeting != "hello ada" {
		t.Fatalf("InvokeJSON = %+v, %v; want the handler's answer", resp, err)
	}
	if seen.requestID == "" || seen.arn != f.ARN || !seen.deadline {
		t.Errorf("handler context: request id %q, ARN %q, deadline %v; want all set", seen.requestID, seen.arn, seen.deadline)
	}

	tr := nextTrace(t, got).docs
	root, ok := tr.Root()
	if !ok || root.Origin != traces.TypeLambda || root.Name != "greet" || root.AWS["request_id"] != seen.requestID {
		t.Fatalf("root %+v, want the Lambda service segment of this request", root)
	}
	var fn traces.Document
	for _, s := range tr.Find("greet") {
		if s.Origin == traces.TypeLambdaFunction {
			fn = *s
		}
	}
	if fn.ParentID != root.ID || fn.Fault {
		t.Errorf("function segment %+v, want a healthy child of %s", fn, root.ID)
	}
	// As on AWS, the handler's subsegments nest in Lambda's Invocation.
	inv := tr.Find(traces.LambdaInvocation)
	work := tr.Find("work")
	if len(inv) != 1 || len(work) != 1 || work[0].ParentID != inv[0].ID || work[0].TraceID != tr.ID {
		t.Errorf("handler subsegment %+v, want it under the Invocation subsegment %+v", work, inv)
	}
}

func TestInvokeJoinsTheCallersTrace(t *testing.T) {
	em, got := daemon(t)
	f := &Function{Name: "fn", ARN: "arn", Timeout: time.Second, Tracer: em,
		NewHandler: newHandler(func(context.Context) error { return nil })}
	up := Upstream{TraceID: xraylocal.NewTraceID(), ParentID: xraylocal.NewSegmentID()}
	if _, err := f.Invoke(context.Background(), []byte(`{}`), up); err != nil {
		t.Fatal(err)
	}
	// The caller's segment never arrives here: the trace expires incomplete.
	r := nextTrace(t, got)
	var lambda *traces.Document
	for seg := range r.docs.All() {
		if seg.Origin == traces.TypeLambda {
			lambda = seg
		}
	}
	if lambda == nil {
		t.Fatalf("trace %s, want the Lambda segment", traces.TraceLine(&r.docs, &r.summary))
	}
	if r.docs.ID != up.TraceID || lambda.ParentID != up.ParentID || !r.summary.IsPartial {
		t.Errorf("Lambda segment in trace %s under %s (partial %t), want trace %s under %s, partial without the caller's segment",
			r.docs.ID, lambda.ParentID, r.summary.IsPartial, up.TraceID, up.ParentID)
	}
}

func TestInvocationFailures(t *testing.T) {
	errBoom := errors.New("boom")
	cases := []struct {
		name     string
		timeout  time.Duration
		handler  any
		wantType string
	}{
		{"handler error", time.Second, func(context.Context) error { return errBoom }, "errorString"},
		{"panic", time.Second, func(context.Context) error { panic("bad state") }, "Runtime.GoPanic"},
		{"timeout", 50 * time.Millisecond, func(ctx context.Context) error { time.Sleep(2 * time.Second); return nil }, "Runtime.Timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			em, got := daemon(t)
			f := &Function{Name: "fn", ARN: "arn", Timeout: tc.timeout, Tracer: em, NewHandler: newHandler(tc.handler),
				Log: slog.New(slog.NewTextHandler(t.Output(), nil))}
			_, err := f.Invoke(context.Background(), []byte(`{}`), Upstream{})
			var fe *FunctionError
			if !errors.As(err, &fe) || fe.Type != tc.wantType {
				t.Fatalf("Invoke error %v, want a FunctionError of type %s", err, tc.wantType)
			}
			r := nextTrace(t, got)
			// Lambda's Invocation carries the error too, but the fault
			// starts in the function: no subsegment of its code failed.
			if o := r.summary.FaultOrigins(); !r.summary.HasFault || len(o) != 1 || o[0] != "fn" {
				t.Errorf("trace %s, want the function segment marked as fault, and where it starts", traces.TraceLine(&r.docs, &r.summary))
			}
		})
	}
}

func TestInvokeStopsWhenTheCallerGoes(t *testing.T) {
	f := &Function{Name: "fn", ARN: "arn", Timeout: time.Minute,
		NewHandler: newHandler(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Invoke(ctx, []byte(`{}`), Upstream{})
	var fe *FunctionError
	if err == nil || errors.As(err, &fe) {
		t.Errorf("Invoke with a cancelled caller = %v, want the caller's error, not a function error", err)
	}
}

// newHandler makes each execution environment's handler from h.
func newHandler(h any) func() lambda.Handler {
	return func() lambda.Handler { return lambda.NewHandler(h) }
}
