package contract_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// env is a getenv over a fixed map.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestStagePredicates(t *testing.T) {
	tests := []struct {
		stage                          contract.TracingStage
		valid, apiGateway, sdk, faults bool
	}{
		{0, false, false, false, false},
		{contract.StageLambdaOnly, true, false, false, false},
		{contract.StageSDK, true, true, true, false},
		{contract.StageFaults, true, true, true, true},
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

var names = contract.TracingNames{Stage: "--stage", FaultPercent: "--fault-percent", FaultDelay: "--fault-delay"}

// One error per bad setting, each naming the setting as the caller calls it.
func TestParseTracing(t *testing.T) {
	def := contract.DefaultTracing()
	tests := []struct {
		name string
		raw  contract.RawTracing
		want contract.Tracing
		bad  []string // the names the error must hold, in order; nil = valid
	}{
		{name: "all defaults", want: def},
		{name: "stage 2", raw: contract.RawTracing{Stage: "2"}, want: contract.Tracing{Stage: 2, Faults: def.Faults}},
		{name: "stage 3", raw: contract.RawTracing{Stage: "3", FaultPercent: "100", FaultDelay: "1s"},
			want: contract.Tracing{Stage: 3, Faults: contract.Faults{Percent: 100, Delay: time.Second}}},
		{name: "lower bounds", raw: contract.RawTracing{Stage: "1", FaultPercent: "0", FaultDelay: "100ms"},
			want: contract.Tracing{Stage: 1, Faults: contract.Faults{Percent: 0, Delay: contract.MinFaultDelay}}},
		{name: "upper bounds", raw: contract.RawTracing{Stage: "3", FaultPercent: "100", FaultDelay: "25s"},
			want: contract.Tracing{Stage: 3, Faults: contract.Faults{Percent: 100, Delay: contract.MaxFaultDelay}}},

		{name: "stage 0", raw: contract.RawTracing{Stage: "0"}, bad: []string{"--stage: 0 "}},
		{name: "stage 4", raw: contract.RawTracing{Stage: "4"}, bad: []string{"--stage: 4 "}},
		{name: "stage not a number", raw: contract.RawTracing{Stage: "two"}, bad: []string{`--stage: "two"`}},
		{name: "percent not a number", raw: contract.RawTracing{FaultPercent: "half"}, bad: []string{`--fault-percent: "half"`}},
		{name: "percent over 100", raw: contract.RawTracing{FaultPercent: "101"}, bad: []string{"--fault-percent: 101 "}},
		{name: "negative percent", raw: contract.RawTracing{FaultPercent: "-1"}, bad: []string{"--fault-percent: -1 "}},
		{name: "delay without unit", raw: contract.RawTracing{FaultDelay: "5"}, bad: []string{`--fault-delay: "5"`}},
		{name: "delay too short", raw: contract.RawTracing{FaultDelay: "99ms"}, bad: []string{"--fault-delay: 99ms "}},
		{name: "delay too long, checked at stage 1 too", raw: contract.RawTracing{Stage: "1", FaultDelay: "26s"}, bad: []string{"--fault-delay: 26s "}},
		{name: "every field bad", raw: contract.RawTracing{Stage: "9", FaultPercent: "200", FaultDelay: "1h"},
			bad: []string{"--stage: 9 ", "--fault-percent: 200 ", "--fault-delay: 1h0m0s "}},
		{name: "one does not parse, the others are still checked", raw: contract.RawTracing{Stage: "x", FaultPercent: "200", FaultDelay: "1s"},
			bad: []string{`--stage: "x"`, "--fault-percent: 200 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := contract.ParseTracing(tt.raw, names)
			if tt.bad == nil {
				if err != nil || got != tt.want {
					t.Fatalf("ParseTracing = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseTracing accepted %+v as %+v", tt.raw, got)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.bad) {
				t.Fatalf("error %q has %d lines, want one per bad setting: %q", err, len(lines), tt.bad)
			}
			for i, prefix := range tt.bad {
				if !strings.HasPrefix(lines[i], prefix) {
					t.Errorf("error line %q does not start with %q", lines[i], prefix)
				}
			}
			var se *contract.SettingError
			if !errors.As(err, &se) {
				t.Errorf("error %v holds no *SettingError", err)
			}
			if got != (contract.Tracing{}) {
				t.Errorf("ParseTracing returned %+v with its error", got)
			}
		})
	}
}

// The component writes Vars; the functions read them back with LoadTracing.
func TestVarsRoundTrip(t *testing.T) {
	for _, want := range []contract.Tracing{
		contract.DefaultTracing(),
		{Stage: contract.StageSDK, Faults: contract.DefaultTracing().Faults},
		{Stage: contract.StageFaults, Faults: contract.Faults{Percent: 50, Delay: 5 * time.Second}},
		{Stage: contract.StageFaults, Faults: contract.Faults{Percent: 100, Delay: 200 * time.Millisecond}},
		{Stage: contract.StageFaults, Faults: contract.Faults{Percent: 0, Delay: 1500 * time.Millisecond}},
	} {
		vars := want.Vars()
		got, err := contract.LoadTracing(env(vars))
		if err != nil || got != want {
			t.Errorf("LoadTracing(%v) = %+v, %v; want %+v", vars, got, err, want)
		}
		if _, ok := vars[contract.EnvFaultPercent]; ok != want.Stage.FaultInjection() {
			t.Errorf("Vars(%+v) = %v: fault settings present = %t, want %t", want, vars, ok, want.Stage.FaultInjection())
		}
	}
	_, err := contract.LoadTracing(env(map[string]string{contract.EnvStage: "3", contract.EnvFaultDelay: "forever"}))
	if err == nil || !strings.HasPrefix(err.Error(), contract.EnvFaultDelay+": ") {
		t.Errorf("LoadTracing with a bad delay = %v, want an error naming %s", err, contract.EnvFaultDelay)
	}
}
