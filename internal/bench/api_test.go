package bench

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/internal/load"
	"github.com/mysfits/mysfits-questions/internal/testkit/audit"
)

// The benchmark reads make load's figures from its Result, not its
// printed table, and a run that broke the promise fails the section as
// `make load` fails.
func TestAPIRun(t *testing.T) {
	kept := load.Result{
		Elapsed: 6039 * time.Millisecond, SentValid: 2000, Answers: 2000, Throughput: 331.2,
		Latency2xx: load.Percentiles{N: 2000, P50: 36100 * time.Microsecond, P90: 72 * time.Millisecond, P99: 130 * time.Millisecond, Max: 250 * time.Millisecond},
		Audit:      audit.Report{Sent: 2000, Accepted: 2000, Stored: 2000, Notified: 2000, ByStatus: map[int]int{201: 2000}},
	}
	lost := kept
	lost.Audit = audit.Check([]audit.Request{{Text: "q", Status: 201, QuestionID: "id"}}, audit.Evidence{})
	late := kept
	late.NotSent = 3
	cases := []struct {
		name    string
		res     load.Result
		want    loadRun
		wantErr string
	}{
		{name: "kept", res: kept, want: loadRun{throughput: 331.2, p50: 36100 * time.Microsecond, p99: 130 * time.Millisecond, answers: 2000, sending: 6039 * time.Millisecond}},
		{name: "lost", res: lost, wantErr: "1 lost"},
		{name: "not all sent", res: late, wantErr: "3 question(s) not sent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := apiRun(tc.res)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.throughput != tc.want.throughput || got.p50 != tc.want.p50 || got.p99 != tc.want.p99 || got.answers != tc.want.answers || got.sending != tc.want.sending || got.lost != 0 {
				t.Errorf("apiRun = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The CPU of a load run is that of its sending phase, the window the
// Result gives, from the snapshots nearest its ends.
func TestCPUBetween(t *testing.T) {
	t0 := time.Now()
	snap := func(at time.Duration, cpu time.Duration) cpuSnapshot {
		return cpuSnapshot{at: t0.Add(at), dynamoDB: 2 * cpu, goaws: cpu / 2, self: cpu}
	}
	tl := cpuTimeline{snap(0, 0), snap(100*time.Millisecond, 10*time.Millisecond), snap(200*time.Millisecond, 30*time.Millisecond),
		snap(300*time.Millisecond, 60*time.Millisecond), snap(400*time.Millisecond, 100*time.Millisecond)}
	cases := []struct {
		name         string
		start        time.Duration
		elapsed      time.Duration
		wantSelfBusy time.Duration
	}{
		{"on the snapshots", 100 * time.Millisecond, 200 * time.Millisecond, 50 * time.Millisecond},
		{"between them", 140 * time.Millisecond, 170 * time.Millisecond, 50 * time.Millisecond},
		{"past the last", 0, time.Second, 100 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tl.between(t0.Add(tc.start), tc.elapsed)
			want := map[string]time.Duration{"DynamoDB Local": 2 * tc.wantSelfBusy, "GoAWS": tc.wantSelfBusy / 2, selfCPULabel: tc.wantSelfBusy}
			if !maps.Equal(got, want) {
				t.Errorf("between = %v, want %v", got, want)
			}
		})
	}
}
