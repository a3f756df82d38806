package bench

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
)

// Samples are the values of one measurement over repeated runs. The
// machine is shared, so a single value says little: the minimum is the
// run least disturbed by others, the median the typical one.
type Samples []float64

// Min is the smallest sample; NaN when there are none.
func (s Samples) Min() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	return slices.Min(s)
}

// Median is the middle sample (the mean of the two middle ones for an even
// count); NaN when there are none.
func (s Samples) Median() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	c := slices.Clone(s)
	slices.Sort(c)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

// Max is the largest sample; NaN when there are none.
func (s Samples) Max() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	return slices.Max(s)
}

// SamplesOf is one value of each run.
func SamplesOf[R any](runs []R, value func(R) float64) Samples {
	s := make(Samples, len(runs))
	for i, r := range runs {
		s[i] = value(r)
	}
	return s
}

// Ratio is a/b, NaN when either is missing or b is zero.
func Ratio(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return math.NaN()
	}
	return a / b
}

// FormatSeconds prints a time in seconds with a unit that fits it.
func FormatSeconds(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 100:
		return fmt.Sprintf("%.0f s", v)
	case v >= 1:
		return fmt.Sprintf("%.2f s", v)
	case v >= 0.01:
		return fmt.Sprintf("%.1f ms", v*1e3)
	case v >= 1e-3:
		return fmt.Sprintf("%.2f ms", v*1e3)
	default:
		return fmt.Sprintf("%.1f µs", v*1e6)
	}
}

// FormatBytes prints a size in decimal megabytes (zip sizes and their
// 6 MB target are in MB) or kilobytes.
func FormatBytes(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 1e6:
		return fmt.Sprintf("%.2f MB", v/1e6)
	default:
		return fmt.Sprintf("%.1f kB", v/1e3)
	}
}

// FormatRatio prints a ratio as "1.42x".
func FormatRatio(r float64) string {
	if math.IsNaN(r) {
		return "-"
	}
	if r >= 10 {
		return fmt.Sprintf("%.0fx", r)
	}
	return fmt.Sprintf("%.2fx", r)
}

// MinMedian prints "min A, median B (n N)" with format for the values.
func (s Samples) MinMedian(format func(float64) string) string {
	if len(s) == 0 {
		return "-"
	}
	return fmt.Sprintf("min %s, median %s (n %d)", format(s.Min()), format(s.Median()), len(s))
}

// LoadAvg is the first three fields of /proc/loadavg: the 1, 5 and 15
// minute load averages, or why they could not be read.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
