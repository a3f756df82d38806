package tracing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/contract"
)

// HangingSubsegment is the subsegment a learner looks for in the stage-3 traces.
const HangingSubsegment = "hangingException"

// ErrInjectedFault marks a failure the stage-3 exercise caused on purpose.
var ErrInjectedFault = errors.New("injected fault (tracing stage 3 exercise)")

// FaultInjector fails a configured share of calls after a delay, inside a
// traced subsegment, so the slow failure shows up in X-Ray.
type FaultInjector struct {
	faults contract.Faults
	roll   func(n int) int
}

// NewFaultInjector returns an injector for f. roll returns a number in [0, n);
// nil means math/rand/v2.IntN. Tests pass a fixed roll.
func NewFaultInjector(f contract.Faults, roll func(n int) int) *FaultInjector {
	if roll == nil {
		roll = rand.IntN
	}
	return &FaultInjector{faults: f, roll: roll}
}

// Maybe returns nil for most calls. For Faults.Percent% of them it waits
// Faults.Delay in a "hangingException" subsegment and returns an error
// wrapping ErrInjectedFault, which the subsegment records as a fault. A nil
// injector never fails. The error text names no user data.
func (f *FaultInjector) Maybe(ctx context.Context) error {
	if f == nil || f.faults.Percent <= 0 || f.roll(100) >= f.faults.Percent {
		return nil
	}
	// Outside a traced invocation the fault still happens, only untraced:
	// xray.Capture would report a missing context instead.
	if !HasTraceContext(ctx) {
		return f.hang(ctx)
	}
	return xray.Capture(ctx, HangingSubsegment, f.hang)
}

func (f *FaultInjector) hang(ctx context.Context) error {
	timer := time.NewTimer(f.faults.Delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return fmt.Errorf("%w: %s hung for %s", ErrInjectedFault, HangingSubsegment, f.faults.Delay)
	case <-ctx.Done():
		return fmt.Errorf("%w: %s interrupted: %w", ErrInjectedFault, HangingSubsegment, ctx.Err())
	}
}
