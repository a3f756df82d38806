package spec

import (
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
)

// The post function must outlive the injected fault and never outlive API
// Gateway's 29 s wait, which would hide its own answer behind a 504.
func TestPostTimeout(t *testing.T) {
	tests := []struct {
		delay time.Duration
		want  time.Duration
	}{
		{0, 10 * time.Second},
		{lambdaenv.MinFaultDelay, 10 * time.Second},
		{5 * time.Second, 10 * time.Second},
		{5500 * time.Millisecond, 11 * time.Second},
		{20 * time.Second, 25 * time.Second},
		{lambdaenv.MaxFaultDelay, 29 * time.Second},
	}
	for _, tt := range tests {
		got := PostTimeout(tt.delay)
		if got != tt.want {
			t.Errorf("PostTimeout(%s) = %s, want %s", tt.delay, got, tt.want)
		}
		if got <= tt.delay || got > 29*time.Second || got%time.Second != 0 {
			t.Errorf("PostTimeout(%s) = %s: must be whole seconds, longer than the delay, at most 29s", tt.delay, got)
		}
	}
}
