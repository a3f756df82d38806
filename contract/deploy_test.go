package contract

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testNames = SettingNames{
	AdminEmail: "adminEmail", AlarmEmail: "alarmEmail", AllowedOrigin: "allowedOrigin",
	Tracing:           TracingNames{Stage: "stage", FaultPercent: "faultPercent", FaultDelay: "faultDelay", Instrumentation: "instrumentation"},
	ThrottleRateLimit: "throttleRateLimit", ThrottleBurstLimit: "throttleBurstLimit",
	LogRetentionDays: "logRetentionDays",
}

// TestParseSettings: every setting's default, parse and rule, with one
// *SettingError per bad setting named as the caller knows it.
func TestParseSettings(t *testing.T) {
	t.Parallel()
	const admin = "admin@mysfits.example"
	valid := RawSettings{AdminEmail: admin}
	with := func(f func(*RawSettings)) RawSettings {
		r := valid
		f(&r)
		return r
	}
	tests := []struct {
		name string
		raw  RawSettings
		want Settings // for a valid raw
		errs []string // one per bad setting
	}{
		{name: "defaults", raw: valid, want: DefaultSettings(admin)},
		{name: "every setting given", raw: RawSettings{
			AdminEmail: admin, AlarmEmail: " ops@mysfits.example ", AllowedOrigin: "HTTPS://www.Mysfits.example/",
			Tracing:           RawTracing{Stage: "3", FaultPercent: "30", FaultDelay: "1500ms", Instrumentation: "opentelemetry"},
			ThrottleRateLimit: "25", ThrottleBurstLimit: "50", LogRetentionDays: "30",
		}, want: Settings{
			AdminEmail: admin, AlarmEmail: "ops@mysfits.example", AllowedOrigin: "https://www.mysfits.example",
			Tracing: Tracing{Stage: StageFaults, Faults: Faults{Percent: 30, Delay: 1500 * time.Millisecond},
				Instrumentation: InstrumentationOpenTelemetry},
			Throttle: Throttle{RateLimit: 25, BurstLimit: 50}, LogRetentionDays: 30,
		}},
		{name: "admin e-mail missing", raw: RawSettings{}, errs: []string{"adminEmail: not set (required: an e-mail address"}},
		{name: "admin e-mail bad", raw: RawSettings{AdminEmail: "admin"}, errs: []string{`adminEmail: "admin" is not allowed (it must be an e-mail address`}},
		{name: "alarm e-mail bad", raw: with(func(r *RawSettings) { r.AlarmEmail = "ops" }), errs: []string{`alarmEmail: "ops" is not allowed`}},
		{name: "origin with a path", raw: with(func(r *RawSettings) { r.AllowedOrigin = "https://www.mysfits.example/contact.html" }),
			errs: []string{`allowedOrigin: "https://www.mysfits.example/contact.html" is not allowed (must be * or an origin`}},
		{name: "stage", raw: with(func(r *RawSettings) { r.Tracing.Stage = "4" }), errs: []string{"stage: 4 is not allowed (must be 1, 2 or 3)"}},
		{name: "instrumentation", raw: with(func(r *RawSettings) { r.Tracing.Instrumentation = "otel" }),
			errs: []string{`instrumentation: "otel" is not allowed (must be xray-sdk or opentelemetry)`}},
		{name: "rate not an integer", raw: with(func(r *RawSettings) { r.ThrottleRateLimit = "2.5" }),
			errs: []string{`throttleRateLimit: "2.5" is not allowed (must be an integer)`}},
		{name: "rate zero", raw: with(func(r *RawSettings) { r.ThrottleRateLimit = "0" }), errs: []string{"throttleRateLimit: 0 is not allowed (must be greater than 0)"}},
		{name: "burst negative", raw: with(func(r *RawSettings) { r.ThrottleBurstLimit = "-1" }), errs: []string{"throttleBurstLimit: -1 is not allowed (must be greater than 0)"}},
		{name: "retention CloudWatch does not offer", raw: with(func(r *RawSettings) { r.LogRetentionDays = "10" }),
			errs: []string{"logRetentionDays: 10 is not allowed (must be one of 1, 3, 5, 7, 14, 30"}},
		{name: "retention not a number", raw: with(func(r *RawSettings) { r.LogRetentionDays = "two weeks" }),
			errs: []string{`logRetentionDays: "two weeks" is not allowed (must be an integer)`}},
		{name: "every error at once, each once", raw: RawSettings{
			Tracing:           RawTracing{Stage: "two", FaultPercent: "200", Instrumentation: "zipkin"},
			ThrottleRateLimit: "x", ThrottleBurstLimit: "0", LogRetentionDays: "2",
		}, errs: []string{"adminEmail: not set", `stage: "two" is not allowed`, `instrumentation: "zipkin" is not allowed`,
			"faultPercent: 200 is not allowed", `throttleRateLimit: "x"`, "throttleBurstLimit: 0", "logRetentionDays: 2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSettings(tc.raw, testNames)
			if len(tc.errs) == 0 {
				if err != nil || got != tc.want {
					t.Errorf("ParseSettings = %+v, %v;\nwant %+v", got, err, tc.want)
				}
				if err := got.Validate(testNames); err != nil {
					t.Errorf("Validate of the parsed settings: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseSettings accepted %+v", tc.raw)
			}
			var se *SettingError
			if !errors.As(err, &se) {
				t.Errorf("error %v holds no *SettingError", err)
			}
			for _, want := range tc.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != len(tc.errs) {
				t.Errorf("%d errors, want one per bad setting (%d):\n%v", n, len(tc.errs), err)
			}
		})
	}
}

// TestSettingsValidate: typed settings (a Go program's arguments) meet the
// same rules as parsed ones, under the caller's names.
func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	s := DefaultSettings("admin@mysfits.example")
	s.AllowedOrigin = "HTTPS://www.mysfits.example" // not in canonical form
	s.Throttle.RateLimit = -1
	s.LogRetentionDays = 0
	s.Tracing.Stage = 9
	s.Tracing.Instrumentation = -1
	err := s.Validate(testNames)
	for _, want := range []string{"allowedOrigin:", "throttleRateLimit: -1", "logRetentionDays: 0", "stage: 9", "instrumentation: instrumentation(-1)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want it to say %q", err, want)
		}
	}
	if err := DefaultSettings("admin@mysfits.example").Validate(testNames); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}
