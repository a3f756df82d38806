package contract

import (
	"maps"
	"time"
)

// Environment variables the component (and the local stack) set on the
// functions and the handlers read.
const (
	EnvTableName     = "QUESTIONS_TABLE_NAME"
	EnvTopicARN      = "QUESTIONS_TOPIC_ARN"
	EnvAllowedOrigin = "ALLOWED_ORIGIN"
	EnvStage         = "TRACING_STAGE"
	EnvFaultPercent  = "FAULT_PERCENT"
	EnvFaultDelay    = "FAULT_DELAY"
	// EnvInstrumentation is set to "opentelemetry" when the functions
	// trace with OpenTelemetry; unset means the X-Ray SDK.
	EnvInstrumentation = "TRACING_INSTRUMENTATION"
)

// The functions' main packages, relative to the module root: what the
// component deploys and the benchmarks start.
// The X-Ray SDK's build is the default; the OpenTelemetry build of each
// function runs the same handler (Instrumentation.Packages picks).
const (
	PostFunctionPackage        = "./functions/postquestion"
	ProcessFunctionPackage     = "./functions/processstream"
	PostFunctionOTelPackage    = "./functions/otel/postquestion"
	ProcessFunctionOTelPackage = "./functions/otel/processstream"
)

// Timeouts.
const (
	// IntegrationTimeout is how long API Gateway's REST API integration waits
	// for the post function.
	IntegrationTimeout = 29 * time.Second
	// ProcessTimeout bounds one stream batch.
	ProcessTimeout = 30 * time.Second
	// postTimeoutMargin is added to the fault delay so a hanging request ends
	// with the injected fault, not a Lambda timeout.
	postTimeoutMargin = 5 * time.Second
	minPostTimeout    = 10 * time.Second
)

// PostTimeout is the post function's timeout for a given fault delay: always
// longer than the delay, never longer than API Gateway waits (running
// longer would only hide the function's own answer behind a 504).
func PostTimeout(faultDelay time.Duration) time.Duration {
	t := min(max(faultDelay+postTimeoutMargin, minPostTimeout), IntegrationTimeout)
	return (t + time.Second - 1).Truncate(time.Second) // whole seconds, rounded up
}

// Function is how one function is run: its environment and timeout, and
// the main package the component builds (the local stack runs the handler
// in process). V is the type of the values: plain strings on the local
// stack, Pulumi inputs in the component, where the table name and topic ARN
// are outputs.
type Function[V any] struct {
	Env     map[string]V
	Timeout time.Duration
	Package string
}

// PostFunction is the post function's configuration (of the settings, it
// reads the tracing and the origin); tableName is the
// table's name, literal makes a V of a fixed string.
func PostFunction[V any](s Settings, tableName V, literal func(string) V) Function[V] {
	env := literals(s.Tracing.Vars(), literal)
	env[EnvTableName] = tableName
	env[EnvAllowedOrigin] = literal(s.AllowedOrigin)
	pkg, _ := s.Tracing.Instrumentation.Packages()
	return Function[V]{Env: env, Timeout: PostTimeout(s.Tracing.Faults.Delay), Package: pkg}
}

// ProcessFunction is the stream processor's configuration; topicARN is the
// administrator's topic.
func ProcessFunction[V any](s Settings, topicARN V, literal func(string) V) Function[V] {
	env := literals(s.Tracing.Vars(), literal)
	env[EnvTopicARN] = topicARN
	_, pkg := s.Tracing.Instrumentation.Packages()
	return Function[V]{Env: env, Timeout: ProcessTimeout, Package: pkg}
}

func literals[V any](vars map[string]string, literal func(string) V) map[string]V {
	env := make(map[string]V, len(vars)+2)
	for k, v := range maps.All(vars) {
		env[k] = literal(v)
	}
	return env
}
