package contract

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
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

// Describe says what the stage adds, for banners and help texts.
func (s TracingStage) Describe() string {
	switch s {
	case StageLambdaOnly:
		return "Lambda active tracing"
	case StageSDK:
		return "+ API Gateway tracing and X-Ray SDK subsegments"
	case StageFaults:
		return "+ fault injection"
	}
	return "not a stage"
}

// Fault-injection limits. The delay stays well under API Gateway's
// IntegrationTimeout so a faulted call ends as the 502 the exercise expects.
const (
	MinFaultDelay = 100 * time.Millisecond
	MaxFaultDelay = 25 * time.Second
)

// The defaults of the tracing settings: Pulumi.yaml declares the same
// (TestProjectFiles keeps them equal) and the local runner's flags use these.
const (
	DefaultStage        = StageLambdaOnly
	DefaultFaultPercent = 50
	DefaultFaultDelay   = 5 * time.Second
)

// Faults configures the stage-3 exercise. They are carried and checked at
// every stage: the post function's timeout is sized from Delay so moving to
// stage 3 changes only the environment, and a bad value shows up before the
// learner gets there.
type Faults struct {
	Percent int           // share of POSTs that fail, 0-100
	Delay   time.Duration // how long the hangingException subsegment waits
}

// Tracing is the stage, the fault settings and the instrumentation, as
// configured.
type Tracing struct {
	Stage  TracingStage
	Faults Faults
	// Instrumentation records the functions' own spans; the zero value is
	// the X-Ray SDK.
	Instrumentation Instrumentation
}

// DefaultTracing is what an unconfigured stack runs.
func DefaultTracing() Tracing {
	return Tracing{Stage: DefaultStage, Faults: Faults{Percent: DefaultFaultPercent, Delay: DefaultFaultDelay},
		Instrumentation: DefaultInstrumentation}
}

// TracingNames are the names a user typed the tracing settings under (config
// keys, flags, environment variables, argument fields): each error names the
// setting the way its caller knows it.
type TracingNames struct {
	Stage, FaultPercent, FaultDelay string
	Instrumentation                 string
}

// The rules, each written once.
var (
	errStage        = errors.New("must be 1, 2 or 3")
	errFaultPercent = errors.New("must be between 0 and 100")
	errFaultDelay   = fmt.Errorf("must be between %s and %s", MinFaultDelay, MaxFaultDelay)
)

// SettingError is one bad setting: its name as the user typed it, the value
// and what is allowed.
type SettingError struct {
	Name  string
	Value string
	Rule  error
}

func (e *SettingError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: not set (%v)", e.Name, e.Rule)
	}
	return fmt.Sprintf("%s: %s is not allowed (%v)", e.Name, e.Value, e.Rule)
}

func (e *SettingError) Unwrap() error { return e.Rule }

// Validate checks every setting and returns one *SettingError per bad one,
// joined, named with names.
func (t Tracing) Validate(names TracingNames) error {
	var errs []error
	if !t.Stage.Valid() {
		errs = append(errs, &SettingError{names.Stage, strconv.Itoa(int(t.Stage)), errStage})
	}
	if t.Faults.Percent < 0 || t.Faults.Percent > 100 {
		errs = append(errs, &SettingError{names.FaultPercent, strconv.Itoa(t.Faults.Percent), errFaultPercent})
	}
	if t.Faults.Delay < MinFaultDelay || t.Faults.Delay > MaxFaultDelay {
		errs = append(errs, &SettingError{names.FaultDelay, t.Faults.Delay.String(), errFaultDelay})
	}
	if !t.Instrumentation.Valid() {
		errs = append(errs, &SettingError{names.Instrumentation, t.Instrumentation.String(), errInstrumentation})
	}
	return errors.Join(errs...)
}

// RawTracing is the settings as text (Pulumi config values, environment
// variables); an empty field takes its default.
type RawTracing struct {
	Stage, FaultPercent, FaultDelay string
	Instrumentation                 string // "xray-sdk" or "opentelemetry"
}

// ParseTracing reads and validates the settings; the error holds one
// *SettingError per bad setting.
func ParseTracing(raw RawTracing, names TracingNames) (Tracing, error) {
	t := DefaultTracing()
	var errs []error
	if raw.Stage != "" {
		n, err := strconv.Atoi(raw.Stage)
		if err != nil {
			errs = append(errs, &SettingError{names.Stage, strconv.Quote(raw.Stage), errStage})
		}
		t.Stage = TracingStage(n)
	}
	if raw.FaultPercent != "" {
		n, err := strconv.Atoi(raw.FaultPercent)
		if err != nil {
			errs = append(errs, &SettingError{names.FaultPercent, strconv.Quote(raw.FaultPercent), errors.New("must be an integer between 0 and 100")})
		}
		t.Faults.Percent = n
	}
	if raw.FaultDelay != "" {
		d, err := time.ParseDuration(raw.FaultDelay)
		if err != nil {
			errs = append(errs, &SettingError{names.FaultDelay, strconv.Quote(raw.FaultDelay), errors.New("must be a duration such as 5s or 1500ms")})
		}
		t.Faults.Delay = d
	}
	if raw.Instrumentation != "" {
		i, ok := parseInstrumentation(raw.Instrumentation)
		if !ok {
			errs = append(errs, &SettingError{names.Instrumentation, strconv.Quote(raw.Instrumentation), errInstrumentation})
		}
		t.Instrumentation = i
	}
	// A setting that does not parse is not validated again; the others are,
	// so every bad setting is reported at once.
	for _, e := range unjoin(t.Validate(names)) {
		if se := (*SettingError)(nil); errors.As(e, &se) && !slices.ContainsFunc(errs, func(p error) bool {
			pe, ok := p.(*SettingError)
			return ok && pe.Name == se.Name
		}) {
			errs = append(errs, se)
		}
	}
	if len(errs) > 0 {
		return Tracing{}, errors.Join(errs...)
	}
	return t, nil
}

// EnvTracingNames names the tracing settings in a function's environment.
var EnvTracingNames = TracingNames{Stage: EnvStage, FaultPercent: EnvFaultPercent, FaultDelay: EnvFaultDelay,
	Instrumentation: EnvInstrumentation}

// Vars renders the settings as the functions' environment. The fault
// settings are set at stage 3 only: below it the functions do not read them.
// The instrumentation is set only when it is not the default, so the
// X-Ray SDK's functions keep the environment they had before the setting
// existed (no update on an unchanged stack).
func (t Tracing) Vars() map[string]string {
	vars := map[string]string{EnvStage: strconv.Itoa(int(t.Stage))}
	if t.Stage.FaultInjection() {
		vars[EnvFaultPercent] = strconv.Itoa(t.Faults.Percent)
		vars[EnvFaultDelay] = t.Faults.Delay.String()
	}
	if t.Instrumentation != DefaultInstrumentation {
		vars[EnvInstrumentation] = t.Instrumentation.String()
	}
	return vars
}

// LoadTracing reads what Vars wrote back through getenv (os.Getenv in a
// function, a map lookup in tests). Unset variables take their defaults.
func LoadTracing(getenv func(string) string) (Tracing, error) {
	return ParseTracing(RawTracing{
		Stage:           getenv(EnvStage),
		FaultPercent:    getenv(EnvFaultPercent),
		FaultDelay:      getenv(EnvFaultDelay),
		Instrumentation: getenv(EnvInstrumentation),
	}, EnvTracingNames)
}
