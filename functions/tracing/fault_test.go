package tracing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
)

func TestFaultInjectorShare(t *testing.T) {
	const delay = contract.MinFaultDelay
	tests := []struct {
		name    string
		percent int
		roll    int // what the dice show, in [0, 100)
		fault   bool
	}{
		{"0 percent never", 0, 0, false},
		{"50 percent, low roll", 50, 0, true},
		{"50 percent, last faulting roll", 50, 49, true},
		{"50 percent, first passing roll", 50, 50, false},
		{"100 percent, highest roll", 100, 99, true},
		{"1 percent, roll 0", 1, 0, true},
		{"1 percent, roll 1", 1, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rolledWith []int
			roll := func(n int) int { rolledWith = append(rolledWith, n); return tt.roll }
			f := tracing.NewFaultInjector(contract.Faults{Percent: tt.percent, Delay: delay}, roll, nil)
			start := time.Now()
			err := f.Maybe(context.Background())
			elapsed := time.Since(start)
			if got := errors.Is(err, tracing.ErrInjectedFault); got != tt.fault || (!tt.fault && err != nil) {
				t.Fatalf("Maybe = %v, want fault %t", err, tt.fault)
			}
			if tt.fault && elapsed < delay {
				t.Errorf("fault returned after %s, before the %s delay", elapsed, delay)
			}
			if tt.percent > 0 && (len(rolledWith) != 1 || rolledWith[0] != 100) {
				t.Errorf("roll called with %v, want [100]", rolledWith)
			}
		})
	}
}

func TestFaultInjectorOff(t *testing.T) {
	var f *tracing.FaultInjector
	if err := f.Maybe(context.Background()); err != nil {
		t.Errorf("nil injector: %v", err)
	}
}

func TestFaultInjectorDefaultRoll(t *testing.T) {
	f := tracing.NewFaultInjector(contract.Faults{Percent: 100, Delay: contract.MinFaultDelay}, nil, nil)
	if err := f.Maybe(context.Background()); !errors.Is(err, tracing.ErrInjectedFault) {
		t.Errorf("100%% with the default roll: %v", err)
	}
}

func TestFaultInjectorHonoursCancellation(t *testing.T) {
	f := tracing.NewFaultInjector(contract.Faults{Percent: 100, Delay: contract.MaxFaultDelay}, func(int) int { return 0 }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Maybe(ctx) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, tracing.ErrInjectedFault) || !errors.Is(err, context.Canceled) {
			t.Errorf("Maybe after cancel = %v, want ErrInjectedFault and context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Maybe kept hanging after its context was cancelled")
	}
}

// recorder is a Capturer that remembers what it ran.
type recorder struct{ names []string }

func (r *recorder) Capture(ctx context.Context, name string, fn func(context.Context) error) error {
	r.names = append(r.names, name)
	return fn(ctx)
}

// The fault runs inside the instrumentation's unit of work named
// hangingException, the name a learner looks for.
func TestFaultInjectorCaptures(t *testing.T) {
	var r recorder
	f := tracing.NewFaultInjector(contract.Faults{Percent: 100, Delay: contract.MinFaultDelay}, func(int) int { return 0 }, &r)
	if err := f.Maybe(context.Background()); !errors.Is(err, tracing.ErrInjectedFault) {
		t.Fatalf("Maybe = %v", err)
	}
	if len(r.names) != 1 || r.names[0] != tracing.HangingSubsegment {
		t.Errorf("captured %v, want [%s]", r.names, tracing.HangingSubsegment)
	}
}

// The trace header comes from the invocation's context first, then from the
// variable the runtime sets.
func TestTraceHeader(t *testing.T) {
	const h = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	env := func(v string) func(string) string {
		return func(name string) string {
			if name == tracing.LambdaTraceHeaderEnv {
				return v
			}
			return ""
		}
	}
	ctx := context.WithValue(context.Background(), tracing.LambdaTraceHeaderKey, h)
	for _, tt := range []struct {
		name   string
		ctx    context.Context
		getenv func(string) string
		want   string
	}{
		{"context", ctx, env("other"), h},
		{"variable", context.Background(), env(h), h},
		{"empty context value falls back", context.WithValue(context.Background(), tracing.LambdaTraceHeaderKey, ""), env(h), h},
		{"neither", context.Background(), nil, ""},
	} {
		if got := tracing.TraceHeader(tt.ctx, tt.getenv); got != tt.want {
			t.Errorf("%s: TraceHeader = %q, want %q", tt.name, got, tt.want)
		}
	}
}
