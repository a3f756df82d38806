package tracing_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/smithy-go/middleware"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
)

func TestInstrument(t *testing.T) {
	own := func(*middleware.Stack) error { return nil }
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK, contract.StageFaults} {
		t.Run(fmt.Sprintf("stage %d", stage), func(t *testing.T) {
			// Spare capacity: an append on a shared backing array would write into it.
			options := make([]func(*middleware.Stack) error, 1, 8)
			options[0] = own
			cfg := aws.Config{Region: "us-east-1", APIOptions: options}

			got := tracing.Instrument(cfg, contract.Tracing{Stage: stage})

			if len(cfg.APIOptions) != 1 || options[:cap(options)][1] != nil {
				t.Fatalf("Instrument modified the caller's APIOptions")
			}
			added := len(got.APIOptions) - 1
			if stage.SDKSubsegments() != (added > 0) {
				t.Fatalf("stage %d: %d API options added", stage, added)
			}
			if got.Region != cfg.Region {
				t.Errorf("Region = %q", got.Region)
			}
			if !stage.SDKSubsegments() {
				return
			}
			// The options must build a stack in which the X-Ray middleware is
			// wrapped, not missing.
			stack := middleware.NewStack("PutItem", func() any { return nil })
			for _, opt := range got.APIOptions {
				if err := opt(stack); err != nil {
					t.Fatalf("API option: %v", err)
				}
			}
			ids := strings.Join(stack.Initialize.List(), ",") + "," + strings.Join(stack.Deserialize.List(), ",")
			for _, id := range []string{"XRayInitializeMiddlewareAfter", "XRayDeserializeMiddleware"} {
				if !strings.Contains(ids, id) {
					t.Errorf("stack %s lacks %s", ids, id)
				}
			}
		})
	}
}

func TestHasTraceContext(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"plain", context.Background(), false},
		{"segment", context.WithValue(context.Background(), xray.ContextKey, &xray.Segment{}), true},
		{"lambda invocation", context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"), true},
		{"lambda invocation without a trace header", context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, ""), false},
	}
	for _, tt := range tests {
		if got := tracing.HasTraceContext(tt.ctx); got != tt.want {
			t.Errorf("%s: HasTraceContext = %t, want %t", tt.name, got, tt.want)
		}
	}
}

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
			f := tracing.NewFaultInjector(contract.Faults{Percent: tt.percent, Delay: delay}, roll)
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
	f := tracing.NewFaultInjector(contract.Faults{Percent: 100, Delay: contract.MinFaultDelay}, nil)
	if err := f.Maybe(context.Background()); !errors.Is(err, tracing.ErrInjectedFault) {
		t.Errorf("100%% with the default roll: %v", err)
	}
}

func TestFaultInjectorHonoursCancellation(t *testing.T) {
	f := tracing.NewFaultInjector(contract.Faults{Percent: 100, Delay: contract.MaxFaultDelay}, func(int) int { return 0 })
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
