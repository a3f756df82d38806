package lambdaenv_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
)

// env is a getenv over a fixed map.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestStagePredicates(t *testing.T) {
	tests := []struct {
		stage                          lambdaenv.TracingStage
		valid, apiGateway, sdk, faults bool
	}{
		{0, false, false, false, false},
		{lambdaenv.StageLambdaOnly, true, false, false, false},
		{lambdaenv.StageSDK, true, true, true, false},
		{lambdaenv.StageFaults, true, true, true, true},
		{4, false, true, true, true},
	}
	for _, tt := range tests {
		s := tt.stage
		if s.Valid() != tt.valid || s.APIGatewayTracing() != tt.apiGateway || s.SDKSubsegments() != tt.sdk || s.FaultInjection() != tt.faults {
			t.Errorf("stage %d: valid/apiGateway/sdk/faults = %t/%t/%t/%t, want %t/%t/%t/%t", s,
				s.Valid(), s.APIGatewayTracing(), s.SDKSubsegments(), s.FaultInjection(), tt.valid, tt.apiGateway, tt.sdk, tt.faults)
		}
	}
}

func TestLoadTracing(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		want    lambdaenv.Tracing
		problem string // part of the error naming the variable; "" = valid
	}{
		{name: "unset means stage 1", vars: nil, want: lambdaenv.Tracing{Stage: lambdaenv.StageLambdaOnly}},
		{name: "stage 1", vars: map[string]string{lambdaenv.Stage: "1"}, want: lambdaenv.Tracing{Stage: 1}},
		{name: "stage 2", vars: map[string]string{lambdaenv.Stage: "2"}, want: lambdaenv.Tracing{Stage: 2}},
		{name: "fault settings ignored below stage 3", vars: map[string]string{lambdaenv.Stage: "2", lambdaenv.FaultPercent: "oops", lambdaenv.FaultDelay: "oops"},
			want: lambdaenv.Tracing{Stage: 2}},
		{name: "stage 3", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "50", lambdaenv.FaultDelay: "5s"},
			want: lambdaenv.Tracing{Stage: 3, Faults: lambdaenv.Faults{Percent: 50, Delay: 5 * time.Second}}},
		{name: "stage 3 bounds", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "0", lambdaenv.FaultDelay: "100ms"},
			want: lambdaenv.Tracing{Stage: 3, Faults: lambdaenv.Faults{Percent: 0, Delay: lambdaenv.MinFaultDelay}}},
		{name: "stage 3 upper bounds", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "100", lambdaenv.FaultDelay: "25s"},
			want: lambdaenv.Tracing{Stage: 3, Faults: lambdaenv.Faults{Percent: 100, Delay: lambdaenv.MaxFaultDelay}}},

		{name: "stage 0", vars: map[string]string{lambdaenv.Stage: "0"}, problem: lambdaenv.Stage},
		{name: "stage 4", vars: map[string]string{lambdaenv.Stage: "4"}, problem: lambdaenv.Stage},
		{name: "stage not a number", vars: map[string]string{lambdaenv.Stage: "two"}, problem: lambdaenv.Stage},
		{name: "stage 3 without percent", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultDelay: "5s"}, problem: lambdaenv.FaultPercent},
		{name: "stage 3 percent not a number", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "half", lambdaenv.FaultDelay: "5s"}, problem: lambdaenv.FaultPercent},
		{name: "stage 3 without delay", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "50"}, problem: lambdaenv.FaultDelay},
		{name: "stage 3 delay without unit", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "50", lambdaenv.FaultDelay: "5"}, problem: lambdaenv.FaultDelay},
		{name: "stage 3 percent over 100", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "101", lambdaenv.FaultDelay: "5s"}, problem: "between 0 and 100"},
		{name: "stage 3 negative percent", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "-1", lambdaenv.FaultDelay: "5s"}, problem: "between 0 and 100"},
		{name: "stage 3 delay too short", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "50", lambdaenv.FaultDelay: "99ms"}, problem: "fault delay"},
		{name: "stage 3 delay too long", vars: map[string]string{lambdaenv.Stage: "3", lambdaenv.FaultPercent: "50", lambdaenv.FaultDelay: "26s"}, problem: "fault delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lambdaenv.LoadTracing(env(tt.vars))
			if tt.problem == "" {
				if err != nil || got != tt.want {
					t.Fatalf("LoadTracing = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadTracing accepted %v as %+v", tt.vars, got)
			}
			if !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("error %q does not name %q", err, tt.problem)
			}
			if got != (lambdaenv.Tracing{}) {
				t.Errorf("LoadTracing returned %+v with its error", got)
			}
		})
	}
}

// The component writes Vars; the functions read them back with LoadTracing.
func TestVarsRoundTrip(t *testing.T) {
	for _, want := range []lambdaenv.Tracing{
		{Stage: lambdaenv.StageLambdaOnly},
		{Stage: lambdaenv.StageSDK},
		{Stage: lambdaenv.StageFaults, Faults: lambdaenv.Faults{Percent: 50, Delay: 5 * time.Second}},
		{Stage: lambdaenv.StageFaults, Faults: lambdaenv.Faults{Percent: 100, Delay: 200 * time.Millisecond}},
		{Stage: lambdaenv.StageFaults, Faults: lambdaenv.Faults{Percent: 0, Delay: 1500 * time.Millisecond}},
	} {
		vars := want.Vars()
		got, err := lambdaenv.LoadTracing(env(vars))
		if err != nil || got != want {
			t.Errorf("LoadTracing(%v) = %+v, %v; want %+v", vars, got, err, want)
		}
		if _, ok := vars[lambdaenv.FaultPercent]; ok != want.Stage.FaultInjection() {
			t.Errorf("Vars(%+v) = %v: fault settings present = %t, want %t", want, vars, ok, want.Stage.FaultInjection())
		}
	}
}

func TestRequire(t *testing.T) {
	getenv := env(map[string]string{lambdaenv.TableName: "questions-abc"})
	if got, err := lambdaenv.Require(getenv, lambdaenv.TableName); err != nil || got != "questions-abc" {
		t.Errorf("Require(set) = %q, %v", got, err)
	}
	_, err := lambdaenv.Require(getenv, lambdaenv.TopicARN)
	if !errors.Is(err, lambdaenv.ErrMissing) || !strings.Contains(err.Error(), lambdaenv.TopicARN) {
		t.Errorf("Require(unset) = %v, want ErrMissing naming %s", err, lambdaenv.TopicARN)
	}
}
