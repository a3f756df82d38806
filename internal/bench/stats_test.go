package bench

import (
	"math"
	"testing"
)

func TestSamples(t *testing.T) {
	tests := []struct {
		name             string
		s                Samples
		min, median, p99 float64
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
			if got := tt.s.Quantile(0.99); got != tt.p99 {
				t.Errorf("Quantile(0.99) = %v, want %v", got, tt.p99)
			}
		})
	}
	if !math.IsNaN(Samples(nil).Median()) || !math.IsNaN(Ratio(1, 0)) {
		t.Error("no samples or a zero reference must give NaN")
	}
	// Nearest rank, as cmd/load prints it: p50 of 1..100 is 50.
	var hundred Samples
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, float64(i))
	}
	if got := hundred.Quantile(0.5); got != 50 {
		t.Errorf("p50 of 1..100 = %v, want 50", got)
	}
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
