package contract_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/contract"
)

// The instrumentation is read as users type it, checked with one rule and
// named as the caller knows it; the zero value is the default.
func TestParseInstrumentation(t *testing.T) {
	names := contract.TracingNames{Stage: "stage", FaultPercent: "faultPercent", FaultDelay: "faultDelay", Instrumentation: "instrumentation"}
	for text, want := range map[string]contract.Instrumentation{
		"":                contract.InstrumentationXRaySDK,
		"xray-sdk":        contract.InstrumentationXRaySDK,
		"opentelemetry":   contract.InstrumentationOpenTelemetry,
		" OpenTelemetry ": contract.InstrumentationOpenTelemetry,
		"XRAY-SDK":        contract.InstrumentationXRaySDK,
	} {
		got, err := contract.ParseTracing(contract.RawTracing{Instrumentation: text}, names)
		if err != nil || got.Instrumentation != want {
			t.Errorf("ParseTracing(instrumentation %q) = %v, %v; want %v", text, got.Instrumentation, err, want)
		}
	}
	if contract.DefaultTracing().Instrumentation != contract.InstrumentationXRaySDK || contract.Instrumentation(0) != contract.DefaultInstrumentation {
		t.Error("the default (and the zero value) must be the X-Ray SDK")
	}
	for _, text := range []string{"otel", "xray", "x-ray-sdk", "1"} {
		_, err := contract.ParseTracing(contract.RawTracing{Instrumentation: text}, names)
		want := `instrumentation: "` + text + `" is not allowed (must be xray-sdk or opentelemetry)`
		if err == nil || err.Error() != want {
			t.Errorf("ParseTracing(instrumentation %q) = %v, want %q", text, err, want)
		}
	}
	bad := contract.DefaultTracing()
	bad.Instrumentation = 7
	if err := bad.Validate(names); err == nil || !strings.HasPrefix(err.Error(), "instrumentation: instrumentation(7) is not allowed") {
		t.Errorf("Validate(instrumentation 7) = %v", err)
	}
	for i, s := range map[contract.Instrumentation]string{contract.InstrumentationXRaySDK: "xray-sdk", contract.InstrumentationOpenTelemetry: "opentelemetry"} {
		if i.String() != s || !i.Valid() {
			t.Errorf("%d: String %q, Valid %t", i, i.String(), i.Valid())
		}
	}
}

// The functions' environment carries the instrumentation only when it is
// not the default (an X-Ray SDK stack's functions keep the environment they
// had), and the functions read back what was set, at every stage.
func TestInstrumentationVars(t *testing.T) {
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK, contract.StageFaults} {
		for _, inst := range []contract.Instrumentation{contract.InstrumentationXRaySDK, contract.InstrumentationOpenTelemetry} {
			want := contract.Tracing{Stage: stage, Faults: contract.DefaultTracing().Faults, Instrumentation: inst}
			vars := want.Vars()
			v, set := vars[contract.EnvInstrumentation]
			if set != (inst == contract.InstrumentationOpenTelemetry) || (set && v != "opentelemetry") {
				t.Errorf("stage %d %s: Vars = %v", stage, inst, vars)
			}
			got, err := contract.LoadTracing(env(vars))
			if err != nil || got != want {
				t.Errorf("stage %d %s: LoadTracing(%v) = %+v, %v", stage, inst, vars, got, err)
			}
		}
	}
	_, err := contract.LoadTracing(env(map[string]string{contract.EnvInstrumentation: "jaeger"}))
	if err == nil || !strings.HasPrefix(err.Error(), contract.EnvInstrumentation+`: "jaeger"`) {
		t.Errorf("LoadTracing with a bad instrumentation = %v, want an error naming %s", err, contract.EnvInstrumentation)
	}
}

// Each instrumentation has its own build of each function; the builders of
// the environment name it, with the same environment otherwise.
func TestInstrumentationPackages(t *testing.T) {
	s := contract.DefaultSettings("admin@mysfits.example")
	id := func(v string) string { return v }
	post, process := contract.PostFunction(s, "t", id), contract.ProcessFunction(s, "arn", id)
	if post.Package != contract.PostFunctionPackage || process.Package != contract.ProcessFunctionPackage {
		t.Errorf("X-Ray SDK packages %q, %q", post.Package, process.Package)
	}
	s.Tracing.Instrumentation = contract.InstrumentationOpenTelemetry
	otelPost, otelProcess := contract.PostFunction(s, "t", id), contract.ProcessFunction(s, "arn", id)
	if otelPost.Package != contract.PostFunctionOTelPackage || otelProcess.Package != contract.ProcessFunctionOTelPackage {
		t.Errorf("OpenTelemetry packages %q, %q", otelPost.Package, otelProcess.Package)
	}
	withoutSetting := maps.Clone(otelPost.Env)
	delete(withoutSetting, contract.EnvInstrumentation)
	if !maps.Equal(withoutSetting, post.Env) || otelPost.Timeout != post.Timeout {
		t.Errorf("the OpenTelemetry post function's environment %v differs from the X-Ray SDK's %v by more than %s",
			otelPost.Env, post.Env, contract.EnvInstrumentation)
	}
	if got := contract.XRayOTLPTracesEndpoint("eu-west-1"); got != "https://xray.eu-west-1.amazonaws.com/v1/traces" {
		t.Errorf("XRayOTLPTracesEndpoint = %q", got)
	}
}
