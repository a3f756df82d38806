package tracing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// HangingSubsegment is the subsegment a learner looks for in the stage-3 traces.
const HangingSubsegment = "hangingException"

// ErrInjectedFault marks a failure the stage-3 exercise caused on purpose.
var ErrInjectedFault = errors.New("injected fault (tracing stage 3 exercise)")

// FaultInjector fails a configured share of calls after a delay, inside a
// traced unit of work of its own, so the slow failure shows up in the trace.
type FaultInjector struct {
	faults  contract.Faults
	roll    func(n int) int
	capture Capturer
}

// NewFaultInjector returns an injector for f whose faults capture records
// (nil: untraced). roll returns a number in [0, n); nil means
// math/rand/v2.IntN. Tests pass a fixed roll.
func NewFaultInjector(f contract.Faults, roll func(n int) int, capture Capturer) *FaultInjector {
	if roll == nil {
		roll = rand.IntN
	}
	if capture == nil {
		capture = Untraced{}
	}
	return &FaultInjector{faults: f, roll: roll, capture: capture}
}

// Maybe returns nil for most calls. For Faults.Percent% of them it waits
// Faults.Delay in a "hangingException" subsegment (X-Ray SDK) or span
// (OpenTelemetry) and returns an error wrapping ErrInjectedFault, which the
// instrumentation records as a fault. A nil injector never fails. The error
// text names no user data.
func (f *FaultInjector) Maybe(ctx context.Context) error {
	if f == nil || f.faults.Percent <= 0 || f.roll(100) >= f.faults.Percent {
		return nil
	}
	return f.capture.Capture(ctx, HangingSubsegment, f.hang)
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
