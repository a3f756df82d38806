package traces

import (
	"math"
	"strconv"
	"time"
)

// slowShare is how close to a typical slow request's response time a
// request must come to count as slow: above 80 % of it. At stage 3 the
// typical slow request is a faulted one, which hangs for faultDelay, so
// "slow" follows the stack's faultDelay through the data: responsetime > 4
// for the default 5 s, responsetime > 0.8 for the README's --fault-delay 1s.
const slowShare = 0.8

// SlowThreshold is the response time above which a request counts as slow
// next to typical, the response time (seconds) of a typical slow request:
// 80 % of it, rounded down to two significant digits so it reads as a flag
// value (800ms, 4s, 1.6s). Zero when typical is.
func SlowThreshold(typical float64) time.Duration {
	ns := int64(math.Round(typical * slowShare * float64(time.Second)))
	if ns <= 0 {
		return 0
	}
	unit := int64(1)
	for ns/unit >= 100 {
		unit *= 10
	}
	return time.Duration(ns / unit * unit)
}

// TypicalSlow is the response time of a typical slow request among sums:
// the median of the faulted ones when some faulted (at stage 3 they hang
// for faultDelay; the median, so one cold start does not lift it), else
// the slowest. Zero for none.
func TypicalSlow(sums []TraceSummary) float64 {
	var faulted []float64
	var slowest float64
	for _, s := range sums {
		if s.HasFault {
			faulted = append(faulted, s.ResponseTime)
		}
		slowest = max(slowest, s.ResponseTime)
	}
	if len(faulted) > 0 {
		return PercentileOf(faulted, 50)
	}
	return slowest
}

// SlowerThanFilter is the filter expression for the traces whose response
// time exceeds d: X-Ray's responsetime counts seconds.
func SlowerThanFilter(d time.Duration) string {
	return "responsetime > " + strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// Slow is the console's "Slow" quick filter for what the store holds
// (GET /traces/api/slow).
type Slow struct {
	// Threshold is the SlowThreshold of the held traces, in seconds; 0
	// while the store is empty.
	Threshold float64 `json:"threshold"`
	// Label is the threshold as people and --slower-than write it, e.g.
	// "800ms"; FilterExpression selects the slow traces.
	Label            string `json:"label"`
	FilterExpression string `json:"filterExpression"`
}

// SlowOf is the Slow quick filter for these summaries.
func SlowOf(sums []TraceSummary) Slow {
	d := SlowThreshold(TypicalSlow(sums))
	if d == 0 {
		return Slow{}
	}
	return Slow{Threshold: d.Seconds(), Label: d.String(), FilterExpression: SlowerThanFilter(d)}
}
