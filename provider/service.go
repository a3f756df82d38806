package main

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
)

// QuestionsServiceArgs are the component's inputs as every language sees
// them: plain values (no outputs of other resources), each optional one
// taking the default the Go program's configuration has. The tags are the
// input names; the input* constants repeat them for error messages (the
// schema test keeps the two equal).
type QuestionsServiceArgs struct {
	AdminEmail         string  `pulumi:"adminEmail"`
	AlarmEmail         *string `pulumi:"alarmEmail,optional"`
	AllowedOrigin      *string `pulumi:"allowedOrigin,optional"`
	Stage              *int    `pulumi:"stage,optional"`
	FaultPercent       *int    `pulumi:"faultPercent,optional"`
	FaultDelay         *string `pulumi:"faultDelay,optional"`
	Instrumentation    *string `pulumi:"instrumentation,optional"`
	ThrottleRateLimit  *int    `pulumi:"throttleRateLimit,optional"`
	ThrottleBurstLimit *int    `pulumi:"throttleBurstLimit,optional"`
	LogRetentionDays   *int    `pulumi:"logRetentionDays,optional"`
}

// inputNames name the settings in errors. The inputs are the project's
// configuration keys, so a user moving a setting between the stack's config
// and the component types the same name.
var inputNames = contract.ConfigKeys()

// Annotate describes the inputs and their defaults in the schema, so every
// generated SDK documents them.
func (a *QuestionsServiceArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.AdminEmail, "E-mail address notified of every question. SNS sends it a subscription "+
		"confirmation after the first deployment: notifications start once it is confirmed.")
	an.Describe(&a.AlarmEmail, "E-mail address the operations alarms notify (the operations topic's subscriber); "+
		"absent or empty means adminEmail. It too gets a subscription confirmation to accept.")
	an.Describe(&a.AllowedOrigin, "CORS origin the API answers with: * or the Mysfits site's origin, "+
		"such as https://www.mythicalmysfits.com (scheme://host[:port], no path).")
	an.SetDefault(&a.AllowedOrigin, contract.AnyOrigin)
	an.Describe(&a.Stage, "Tracing stage: 1 = Lambda active tracing; 2 = also API Gateway tracing and SDK "+
		"subsegments (spans) for DynamoDB and SNS; 3 = also fault injection (faultPercent, faultDelay).")
	an.SetDefault(&a.Stage, int(contract.DefaultStage))
	an.Describe(&a.FaultPercent, "Stage 3: share of POST requests that fail after faultDelay, 0-100. "+
		"Checked at every stage.")
	an.SetDefault(&a.FaultPercent, contract.DefaultFaultPercent)
	an.Describe(&a.FaultDelay, fmt.Sprintf("Stage 3: how long a failing request hangs in the hangingException "+
		"subsegment, a duration between %s and %s (such as 5s or 1500ms). It also sizes the post function's timeout "+
		"at every stage.", contract.MinFaultDelay, contract.MaxFaultDelay))
	an.SetDefault(&a.FaultDelay, contract.DefaultFaultDelay.String())
	an.Describe(&a.Instrumentation, "What records the functions' own spans, at every stage: "+contract.InstrumentationChoices()+". "+
		"xray-sdk is the AWS X-Ray SDK for Go (in maintenance since 2026-02-25, end of support 2027-02-25); opentelemetry "+
		"is the OpenTelemetry Go SDK, whose spans go over OTLP, signed with SigV4, to X-Ray's OTLP endpoint, which takes "+
		"them only once CloudWatch Transaction Search is enabled in the account (the deployment warns). Each value "+
		"deploys its own build of the functions.")
	an.SetDefault(&a.Instrumentation, contract.DefaultInstrumentation.String())
	an.Describe(&a.ThrottleRateLimit, "Steady-state requests per second the API's prod stage accepts (greater than 0).")
	an.SetDefault(&a.ThrottleRateLimit, contract.DefaultThrottleRateLimit)
	an.Describe(&a.ThrottleBurstLimit, "Requests the API's prod stage accepts in a burst (greater than 0).")
	an.SetDefault(&a.ThrottleBurstLimit, contract.DefaultThrottleBurstLimit)
	an.Describe(&a.LogRetentionDays, "Days the functions' logs are kept, one of CloudWatch Logs' values: "+
		contract.LogRetentionChoices()+".")
	an.SetDefault(&a.LogRetentionDays, contract.DefaultLogRetentionDays)
}

// serviceArgs checks every input with the contract's one parse (the one
// the Go program's configuration goes through), an absent input taking its
// default; the error names each bad input with its value and what is
// allowed.
func (a QuestionsServiceArgs) serviceArgs() (components.QuestionsServiceArgs, error) {
	s, err := contract.ParseSettings(contract.RawSettings{
		AdminEmail:    a.AdminEmail,
		AlarmEmail:    orDefault(a.AlarmEmail, ""),
		AllowedOrigin: orDefault(a.AllowedOrigin, ""),
		Tracing: contract.RawTracing{
			Stage:           intText(a.Stage),
			FaultPercent:    intText(a.FaultPercent),
			FaultDelay:      orDefault(a.FaultDelay, ""),
			Instrumentation: orDefault(a.Instrumentation, ""),
		},
		ThrottleRateLimit:  intText(a.ThrottleRateLimit),
		ThrottleBurstLimit: intText(a.ThrottleBurstLimit),
		LogRetentionDays:   intText(a.LogRetentionDays),
	}, inputNames)
	if err != nil {
		return components.QuestionsServiceArgs{}, fmt.Errorf("invalid inputs:\n%w", err)
	}
	return components.QuestionsServiceArgs{
		AdminEmail:       s.AdminEmail,
		AlarmEmail:       s.AlarmEmail,
		AllowedOrigin:    s.AllowedOrigin,
		Tracing:          s.Tracing,
		Throttle:         s.Throttle,
		LogRetentionDays: s.LogRetentionDays,
	}, nil
}

// service constructs the component for the provider.
type service struct {
	// builder returns the builder of the functions from this module's
	// source, or why that source cannot be found (Construct reports it).
	builder func() (components.Builder, error)
}

// construct is what Construct runs for mysfits:questions:QuestionsService:
// the inputs checked and mapped onto components.QuestionsServiceArgs, then
// the component itself. infer registers the tagged output fields.
func (s service) construct(ctx *pulumi.Context, name string, args QuestionsServiceArgs, opts ...pulumi.ResourceOption) (*components.QuestionsService, error) {
	svcArgs, err := args.serviceArgs()
	if err != nil {
		return nil, fmt.Errorf("questions service %s: %w", name, err)
	}
	if svcArgs.Builder, err = s.builder(); err != nil {
		return nil, fmt.Errorf("questions service %s: %w", name, err)
	}
	return components.NewQuestionsService(ctx, name, &svcArgs, opts...)
}

// intText renders an optional integer for contract.ParseTracing, which
// takes text ("" for its default).
func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// orDefault is *v, or def when the input is absent.
func orDefault[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}
