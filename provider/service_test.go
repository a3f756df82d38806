package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
)

func ptr[T any](v T) *T { return &v }

// TestServiceArgs maps the inputs onto the component's arguments: absent
// inputs take the Go program's defaults, given ones are checked by the same
// rules and reported under their input names.
func TestServiceArgs(t *testing.T) {
	t.Parallel()
	defaults := components.QuestionsServiceArgs{
		AdminEmail:       testEmail,
		AllowedOrigin:    contract.AnyOrigin,
		Tracing:          contract.DefaultTracing(),
		Throttle:         components.Throttle{RateLimit: contract.DefaultThrottleRateLimit, BurstLimit: contract.DefaultThrottleBurstLimit},
		LogRetentionDays: contract.DefaultLogRetentionDays,
	}
	with := func(change func(*components.QuestionsServiceArgs)) components.QuestionsServiceArgs {
		a := defaults
		change(&a)
		return a
	}
	cases := []struct {
		name string
		args QuestionsServiceArgs
		want components.QuestionsServiceArgs
		// errs are what the error must say, one per bad input; none for valid inputs.
		errs []string
	}{
		{name: "only adminEmail", args: QuestionsServiceArgs{AdminEmail: testEmail}, want: defaults},
		{
			name: "every input",
			args: QuestionsServiceArgs{
				AdminEmail: testEmail, AlarmEmail: ptr(" " + testAlarmEmail + " "), AllowedOrigin: ptr("HTTPS://WWW.Mysfits.Example:443/"),
				Stage: ptr(3), FaultPercent: ptr(0), FaultDelay: ptr("1500ms"), Instrumentation: ptr("opentelemetry"),
				ThrottleRateLimit: ptr(1), ThrottleBurstLimit: ptr(2), LogRetentionDays: ptr(3653),
			},
			want: with(func(a *components.QuestionsServiceArgs) {
				a.AlarmEmail = testAlarmEmail
				a.AllowedOrigin = testOrigin
				a.Tracing = contract.Tracing{Stage: contract.StageFaults, Faults: contract.Faults{Percent: 0, Delay: 1500 * time.Millisecond},
					Instrumentation: contract.InstrumentationOpenTelemetry}
				a.Throttle = components.Throttle{RateLimit: 1, BurstLimit: 2}
				a.LogRetentionDays = 3653
			}),
		},
		{name: "empty faultDelay is the default", args: QuestionsServiceArgs{AdminEmail: testEmail, FaultDelay: ptr("")}, want: defaults},
		{name: "xray-sdk is the default", args: QuestionsServiceArgs{AdminEmail: testEmail, Instrumentation: ptr("xray-sdk")}, want: defaults},
		{name: "bad instrumentation", args: QuestionsServiceArgs{AdminEmail: testEmail, Instrumentation: ptr("jaeger")},
			errs: []string{`instrumentation: "jaeger" is not allowed (must be xray-sdk or opentelemetry)`}},
		{name: "empty alarmEmail is adminEmail's", args: QuestionsServiceArgs{AdminEmail: testEmail, AlarmEmail: ptr("")}, want: defaults},
		{name: "bad alarmEmail", args: QuestionsServiceArgs{AdminEmail: testEmail, AlarmEmail: ptr("ops")}, errs: []string{`alarmEmail: "ops" is not allowed`}},
		{name: "missing adminEmail", args: QuestionsServiceArgs{}, errs: []string{"adminEmail: not set (required: an e-mail address"}},
		{name: "bad adminEmail", args: QuestionsServiceArgs{AdminEmail: "admin"}, errs: []string{`adminEmail: "admin" is not allowed`}},
		{
			name: "page URL as origin",
			args: QuestionsServiceArgs{AdminEmail: testEmail, AllowedOrigin: ptr(testOrigin + "/contact.html")},
			errs: []string{`allowedOrigin: "https://www.mysfits.example/contact.html" is not allowed (must be * or an origin`},
		},
		{
			name: "tracing out of range",
			args: QuestionsServiceArgs{AdminEmail: testEmail, Stage: ptr(0), FaultPercent: ptr(-1), FaultDelay: ptr("30s")},
			errs: []string{"stage: 0 is not allowed (must be 1, 2 or 3)", "faultPercent: -1 is not allowed", "faultDelay: 30s is not allowed"},
		},
		{
			name: "faultDelay not a duration",
			args: QuestionsServiceArgs{AdminEmail: testEmail, FaultDelay: ptr("5")},
			errs: []string{`faultDelay: "5" is not allowed (must be a duration such as 5s or 1500ms)`},
		},
		{
			name: "throttle and retention",
			args: QuestionsServiceArgs{AdminEmail: testEmail, ThrottleRateLimit: ptr(0), ThrottleBurstLimit: ptr(-5), LogRetentionDays: ptr(0)},
			errs: []string{
				"throttleRateLimit: 0 is not allowed (must be greater than 0)",
				"throttleBurstLimit: -5 is not allowed (must be greater than 0)",
				"logRetentionDays: 0 is not allowed (must be one of 1, 3,",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.args.serviceArgs()
			if len(tc.errs) == 0 {
				if err != nil {
					t.Fatalf("serviceArgs: %v", err)
				}
				if got != tc.want {
					t.Errorf("serviceArgs =\n %+v\nwant\n %+v", got, tc.want)
				}
				// The component accepts what the mapping gives it.
				if err := got.Validate(); err != nil {
					t.Errorf("the component rejects the mapped arguments: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("serviceArgs accepted %+v", tc.args)
			}
			for _, want := range tc.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
			if n := strings.Count(err.Error(), "\n"); n != len(tc.errs) {
				t.Errorf("error has %d lines after the first, want one per bad input (%d):\n%v", n, len(tc.errs), err)
			}
		})
	}
}

// TestConstructWithoutSource: a provider that could not find its source
// says why when asked to construct, after checking the inputs.
func TestConstructWithoutSource(t *testing.T) {
	t.Parallel()
	missing := errors.New("the provider was built with -trimpath")
	svc := service{builder: func() (components.Builder, error) { return nil, missing }}
	_, err := svc.construct(nil, "questions", QuestionsServiceArgs{AdminEmail: testEmail})
	if !errors.Is(err, missing) {
		t.Errorf("construct = %v, want the source error", err)
	}
}
