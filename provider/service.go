package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/questions"
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
	ThrottleRateLimit  *int    `pulumi:"throttleRateLimit,optional"`
	ThrottleBurstLimit *int    `pulumi:"throttleBurstLimit,optional"`
	LogRetentionDays   *int    `pulumi:"logRetentionDays,optional"`
}

// The input names, as errors report them.
const (
	inputAdminEmail         = "adminEmail"
	inputAlarmEmail         = "alarmEmail"
	inputAllowedOrigin      = "allowedOrigin"
	inputStage              = "stage"
	inputFaultPercent       = "faultPercent"
	inputFaultDelay         = "faultDelay"
	inputThrottleRateLimit  = "throttleRateLimit"
	inputThrottleBurstLimit = "throttleBurstLimit"
	inputLogRetentionDays   = "logRetentionDays"
)

// inputTracingNames name the tracing settings in contract.ParseTracing's errors.
var inputTracingNames = contract.TracingNames{Stage: inputStage, FaultPercent: inputFaultPercent, FaultDelay: inputFaultDelay}

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
	an.Describe(&a.Stage, "Tracing stage: 1 = Lambda active tracing; 2 = also API Gateway tracing and X-Ray SDK "+
		"subsegments for DynamoDB and SNS; 3 = also fault injection (faultPercent, faultDelay).")
	an.SetDefault(&a.Stage, int(contract.DefaultStage))
	an.Describe(&a.FaultPercent, "Stage 3: share of POST requests that fail after faultDelay, 0-100. "+
		"Checked at every stage.")
	an.SetDefault(&a.FaultPercent, contract.DefaultFaultPercent)
	an.Describe(&a.FaultDelay, fmt.Sprintf("Stage 3: how long a failing request hangs in the hangingException "+
		"subsegment, a duration between %s and %s (such as 5s or 1500ms). It also sizes the post function's timeout "+
		"at every stage.", contract.MinFaultDelay, contract.MaxFaultDelay))
	an.SetDefault(&a.FaultDelay, contract.DefaultFaultDelay.String())
	an.Describe(&a.ThrottleRateLimit, "Steady-state requests per second the API's prod stage accepts (greater than 0).")
	an.SetDefault(&a.ThrottleRateLimit, components.DefaultThrottleRateLimit)
	an.Describe(&a.ThrottleBurstLimit, "Requests the API's prod stage accepts in a burst (greater than 0).")
	an.SetDefault(&a.ThrottleBurstLimit, components.DefaultThrottleBurstLimit)
	an.Describe(&a.LogRetentionDays, "Days the functions' logs are kept, one of CloudWatch Logs' values: "+
		components.LogRetentionChoices()+".")
	an.SetDefault(&a.LogRetentionDays, components.DefaultLogRetentionDays)
}

// serviceArgs applies the defaults and checks every input with the rules
// the Go program's configuration uses; the error names each bad input with
// its value and what is allowed.
func (a QuestionsServiceArgs) serviceArgs() (components.QuestionsServiceArgs, error) {
	var errs []error
	notAllowed := func(name string, value any, rule error) {
		errs = append(errs, &contract.SettingError{Name: name, Value: fmt.Sprint(value), Rule: rule})
	}

	tracing, err := contract.ParseTracing(contract.RawTracing{
		Stage:        intText(a.Stage),
		FaultPercent: intText(a.FaultPercent),
		FaultDelay:   orDefault(a.FaultDelay, ""), // "": the contract's default
	}, inputTracingNames)
	if err != nil {
		errs = append(errs, err)
	}

	checkEmail := func(name, address string) {
		if err := questions.ValidateEmail(address); err != nil {
			rule := err
			if fe := (*questions.FieldError)(nil); errors.As(err, &fe) {
				rule = errors.New("it " + fe.Problem)
			}
			notAllowed(name, strconv.Quote(address), rule)
		}
	}
	checkEmail(inputAdminEmail, a.AdminEmail)
	// The alarms go to the administrator unless alarmEmail says otherwise.
	alarmEmail := strings.TrimSpace(orDefault(a.AlarmEmail, ""))
	if alarmEmail != "" {
		checkEmail(inputAlarmEmail, alarmEmail)
	}

	origin, err := contract.ParseOrigin(orDefault(a.AllowedOrigin, contract.AnyOrigin))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", inputAllowedOrigin, err))
	}

	positive := func(name string, n int) int {
		if n <= 0 {
			notAllowed(name, n, errors.New("must be greater than 0"))
		}
		return n
	}
	throttle := components.Throttle{
		RateLimit:  float64(positive(inputThrottleRateLimit, orDefault(a.ThrottleRateLimit, components.DefaultThrottleRateLimit))),
		BurstLimit: positive(inputThrottleBurstLimit, orDefault(a.ThrottleBurstLimit, components.DefaultThrottleBurstLimit)),
	}

	retention := orDefault(a.LogRetentionDays, components.DefaultLogRetentionDays)
	if !components.ValidLogRetention(retention) {
		notAllowed(inputLogRetentionDays, retention, errors.New("must be one of "+components.LogRetentionChoices()))
	}

	if err := errors.Join(errs...); err != nil {
		return components.QuestionsServiceArgs{}, fmt.Errorf("invalid inputs:\n%w", err)
	}
	return components.QuestionsServiceArgs{
		AdminEmail:       a.AdminEmail,
		AlarmEmail:       alarmEmail,
		AllowedOrigin:    origin,
		Tracing:          tracing,
		Throttle:         throttle,
		LogRetentionDays: retention,
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
