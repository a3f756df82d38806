package lambdalocal

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/internal/local/xraylocal"
)

type traces struct {
	mu   sync.Mutex
	list []xraylocal.Trace
}

func (ts *traces) add(t xraylocal.Trace) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.list = append(ts.list, t)
}

func (ts *traces) get() []xraylocal.Trace {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]xraylocal.Trace(nil), ts.list...)
}

// daemon starts a local X-Ray daemon and an emitter pointing at it.
func daemon(t *testing.T) (*xraylocal.Emitter, *traces) {
	t.Helper()
	got := &traces{}
	d, err := xraylocal.Listen("127.0.0.1:0", xraylocal.DaemonConfig{Settle: 50 * time.Millisecond, Expire: 500 * time.Millisecond, OnTrace: got.add,
		Log: slog.New(slog.NewTextHandler(t.Output(), nil))})
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

func waitTraces(t *testing.T, got *traces, n int) []xraylocal.Trace {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for len(got.get()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d traces, want %d", len(got.get()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return got.get()
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

	tr := waitTraces(t, got, 1)[0]
	root, ok := tr.Root()
	if !ok || root.Origin != xraylocal.OriginLambda || root.Name != "greet" || root.AWS["request_id"] != seen.requestID {
		t.Errorf("root %+v, want the Lambda service segment of this request", root)
	}
	var fn xraylocal.Segment
	for _, s := range tr.Find("greet") {
		if s.Origin == xraylocal.OriginLambdaFunction {
			fn = s
		}
	}
	if fn.ParentID != root.ID || fn.Fault {
		t.Errorf("function segment %+v, want a healthy child of %s", fn, root.ID)
	}
	work := tr.Find("work")
	if len(work) != 1 || work[0].ParentID != fn.ID || work[0].TraceID != tr.ID {
		t.Errorf("handler subsegment %+v, want it under the function segment %s", work, fn.ID)
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
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, s := range got.get() {
			for _, seg := range s.All() {
				if seg.Origin == xraylocal.OriginLambda {
					if s.ID != up.TraceID || seg.ParentID != up.ParentID {
						t.Errorf("Lambda segment in trace %s under %s, want trace %s under %s", s.ID, seg.ParentID, up.TraceID, up.ParentID)
					}
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no Lambda segment reported")
		}
		time.Sleep(20 * time.Millisecond)
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
			tr := waitTraces(t, got, 1)[0]
			if tr.Status() != "fault" {
				t.Errorf("trace %s, want the function segment marked as fault", tr)
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
