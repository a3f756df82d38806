package bench

import (
	"math"
	"testing"
)

func TestSamples(t *testing.T) {
	tests := []struct {
		name             string
		s                Samples
		min, median, max float64
	}{
		{"odd", Samples{3, 1, 2}, 1, 2, 3},
		{"even", Samples{4, 1, 3, 2}, 1, 2.5, 4},
		{"one", Samples{7}, 7, 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Min(); got != tt.min {
				t.Errorf("Min = %v, want %v", got, tt.min)
			}
			if got := tt.s.Median(); got != tt.median {
				t.Errorf("Median = %v, want %v", got, tt.median)
			}
			if got := tt.s.Max(); got != tt.max {
				t.Errorf("Max = %v, want %v", got, tt.max)
			}
		})
	}
	if !math.IsNaN(Samples(nil).Median()) || !math.IsNaN(Ratio(1, 0)) {
		t.Error("no samples or a zero reference must give NaN")
	}
	type run struct{ perSecond float64 }
	if got := SamplesOf([]run{{2}, {4}, {3}}, func(r run) float64 { return r.perSecond }); got.Median() != 3 || len(got) != 3 || got[0] != 2 {
		t.Errorf("SamplesOf = %v, want [2 4 3]", got)
	}
	// The nearest-rank percentiles of latencies (p50 of 1..100 is 50) are
	// internal/load's PercentilesOf, tested there: the raw runs rank by it.
}

func TestTargets(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{AtMost(1.2, 1.25), "met"},
		{AtMost(1.5, 1.25), "MISSED by 20%"},
		{AtLeast(60, 50), "met"},
		{AtLeast(40, 50), "MISSED by 25%"},
		{AtMost(math.NaN(), 1), "-"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{FormatSeconds(0.0123), "12.3 ms"},
		{FormatSeconds(0.000113), "113.0 µs"},
		{FormatSeconds(0.00471), "4.71 ms"},
		{FormatSeconds(2.5), "2.50 s"},
		{FormatSeconds(300), "300 s"},
		{FormatBytes(5.3e6), "5.30 MB"},
		{FormatRatio(1.416), "1.42x"},
		{FormatRatio(61.7), "62x"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
