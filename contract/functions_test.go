package contract

import (
	"maps"
	"testing"
	"time"
)

// The post function must outlive the injected fault and never outlive API
// Gateway's 29 s wait, which would hide its own answer behind a 504.
func TestPostTimeout(t *testing.T) {
	tests := []struct {
		delay time.Duration
		want  time.Duration
	}{
		{0, 10 * time.Second},
		{MinFaultDelay, 10 * time.Second},
		{5 * time.Second, 10 * time.Second},
		{5500 * time.Millisecond, 11 * time.Second},
		{20 * time.Second, 25 * time.Second},
		{MaxFaultDelay, 29 * time.Second},
	}
	for _, tt := range tests {
		got := PostTimeout(tt.delay)
		if got != tt.want {
			t.Errorf("PostTimeout(%s) = %s, want %s", tt.delay, got, tt.want)
		}
		if got <= tt.delay || got > IntegrationTimeout || got%time.Second != 0 {
			t.Errorf("PostTimeout(%s) = %s: must be whole seconds, longer than the delay, at most %s", tt.delay, got, IntegrationTimeout)
		}
	}
}

func identity(s string) string { return s }

func TestFunctions(t *testing.T) {
	faults := Faults{Percent: 30, Delay: 20 * time.Second}
	tests := []struct {
		name        string
		settings    Settings
		wantPost    map[string]string
		wantTimeout time.Duration
	}{
		{
			// The drift the local stack once had: the timeout follows the
			// fault delay below stage 3 too, so stage 3 changes only the
			// environment.
			name:        "stage 1 sizes the timeout from the fault delay",
			settings:    Settings{Tracing: Tracing{Stage: StageLambdaOnly, Faults: faults}, AllowedOrigin: AnyOrigin},
			wantPost:    map[string]string{EnvTableName: "t", EnvAllowedOrigin: "*", EnvStage: "1"},
			wantTimeout: 25 * time.Second,
		},
		{
			name:        "stage 2",
			settings:    Settings{Tracing: Tracing{Stage: StageSDK, Faults: faults}, AllowedOrigin: "https://www.mysfits.example"},
			wantPost:    map[string]string{EnvTableName: "t", EnvAllowedOrigin: "https://www.mysfits.example", EnvStage: "2"},
			wantTimeout: 25 * time.Second,
		},
		{
			name:     "stage 3 adds the fault settings",
			settings: Settings{Tracing: Tracing{Stage: StageFaults, Faults: faults}, AllowedOrigin: AnyOrigin},
			wantPost: map[string]string{EnvTableName: "t", EnvAllowedOrigin: "*", EnvStage: "3",
				EnvFaultPercent: "30", EnvFaultDelay: "20s"},
			wantTimeout: 25 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post := PostFunction(tt.settings, "t", identity)
			if !maps.Equal(post.Env, tt.wantPost) || post.Timeout != tt.wantTimeout {
				t.Errorf("post = %v, %s; want %v, %s", post.Env, post.Timeout, tt.wantPost, tt.wantTimeout)
			}
			process := ProcessFunction(tt.settings, "arn:topic", identity)
			wantProcess := tt.settings.Tracing.Vars()
			wantProcess[EnvTopicARN] = "arn:topic"
			if !maps.Equal(process.Env, wantProcess) || process.Timeout != ProcessTimeout {
				t.Errorf("process = %v, %s; want %v, %s", process.Env, process.Timeout, wantProcess, ProcessTimeout)
			}
			// What the functions read back is what was configured.
			for _, env := range []map[string]string{post.Env, process.Env} {
				got, err := LoadTracing(func(k string) string { return env[k] })
				want := tt.settings.Tracing
				if !want.Stage.FaultInjection() {
					want.Faults = DefaultTracing().Faults // not set, not read
				}
				if err != nil || got != want {
					t.Errorf("LoadTracing(%v) = %+v, %v; want %+v", env, got, err, want)
				}
			}
		})
	}
}
