// Package lambdaenv is the one place that names the environment variables the
// QuestionsService component sets on its functions and that the handlers read,
// together with the meaning of the tracing stage. The component imports it to
// write the environment; the functions import it to read it back.
package lambdaenv

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Environment variable names shared by the component and the functions.
const (
	TableName     = "QUESTIONS_TABLE_NAME"
	TopicARN      = "QUESTIONS_TOPIC_ARN"
	AllowedOrigin = "ALLOWED_ORIGIN"
	Stage         = "TRACING_STAGE"
	FaultPercent  = "FAULT_PERCENT"
	FaultDelay    = "FAULT_DELAY"
)

// TracingStage is the instrumentation stage a learner switches with
// `pulumi config set stage N`.
type TracingStage int

// The stages, in the order a learner walks through them.
const (
	StageLambdaOnly TracingStage = 1 // Lambda active tracing only
	StageSDK        TracingStage = 2 // + API Gateway tracing and X-Ray SDK subsegments
	StageFaults     TracingStage = 3 // + fault injection
)

// Valid reports whether s is one of the three stages.
func (s TracingStage) Valid() bool { return s >= StageLambdaOnly && s <= StageFaults }

// APIGatewayTracing reports whether the REST API stage records traces.
func (s TracingStage) APIGatewayTracing() bool { return s >= StageSDK }

// SDKSubsegments reports whether AWS clients are wrapped by the X-Ray SDK.
func (s TracingStage) SDKSubsegments() bool { return s >= StageSDK }

// FaultInjection reports whether the post function injects hanging faults.
func (s TracingStage) FaultInjection() bool { return s >= StageFaults }

// Fault-injection limits. The delay stays well under API Gateway's 29 s
// integration timeout so a faulted call ends as the 502 the exercise expects.
const (
	MinFaultDelay = 100 * time.Millisecond
	MaxFaultDelay = 25 * time.Second
)

// Faults configures the stage-3 exercise.
type Faults struct {
	Percent int           // share of POSTs that fail, 0-100
	Delay   time.Duration // how long the hangingException subsegment waits
}

// Validate names the offending setting and what is allowed.
func (f Faults) Validate() error {
	if f.Percent < 0 || f.Percent > 100 {
		return fmt.Errorf("fault percent %d: must be between 0 and 100", f.Percent)
	}
	if f.Delay < MinFaultDelay || f.Delay > MaxFaultDelay {
		return fmt.Errorf("fault delay %s: must be between %s and %s", f.Delay, MinFaultDelay, MaxFaultDelay)
	}
	return nil
}

// Tracing is what a function needs to know about the stage.
type Tracing struct {
	Stage  TracingStage
	Faults Faults // zero unless Stage.FaultInjection()
}

// Vars renders the settings as the environment the component sets.
func (t Tracing) Vars() map[string]string {
	vars := map[string]string{Stage: strconv.Itoa(int(t.Stage))}
	if t.Stage.FaultInjection() {
		vars[FaultPercent] = strconv.Itoa(t.Faults.Percent)
		vars[FaultDelay] = t.Faults.Delay.String()
	}
	return vars
}

// ErrMissing reports a required variable that is unset or empty.
var ErrMissing = errors.New("required environment variable is not set")

// LoadTracing reads the stage settings through getenv (os.Getenv in a
// function, a map lookup in tests). An unset stage means stage 1.
func LoadTracing(getenv func(string) string) (Tracing, error) {
	t := Tracing{Stage: StageLambdaOnly}
	if raw := getenv(Stage); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || !TracingStage(n).Valid() {
			return Tracing{}, fmt.Errorf("%s=%q: must be 1, 2 or 3", Stage, raw)
		}
		t.Stage = TracingStage(n)
	}
	if !t.Stage.FaultInjection() {
		return t, nil
	}
	percent, err := strconv.Atoi(getenv(FaultPercent))
	if err != nil {
		return Tracing{}, fmt.Errorf("%s=%q: must be an integer: %w", FaultPercent, getenv(FaultPercent), err)
	}
	delay, err := time.ParseDuration(getenv(FaultDelay))
	if err != nil {
		return Tracing{}, fmt.Errorf("%s=%q: must be a duration such as 5s: %w", FaultDelay, getenv(FaultDelay), err)
	}
	t.Faults = Faults{Percent: percent, Delay: delay}
	if err := t.Faults.Validate(); err != nil {
		return Tracing{}, fmt.Errorf("%s/%s: %w", FaultPercent, FaultDelay, err)
	}
	return t, nil
}

// Require returns the value of a variable that must be set.
func Require(getenv func(string) string, name string) (string, error) {
	v := getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s: %w", name, ErrMissing)
	}
	return v, nil
}
