package contract

import (
	"errors"
	"strconv"
	"strings"
)

// Instrumentation is what records the functions' own spans: the AWS X-Ray
// SDK for Go (the default, what the module teaches) or OpenTelemetry, the
// way forward AWS documents before the X-Ray SDKs reach end of support on
// 2027-02-25 (maintenance mode since 2026-02-25). The stages mean the same
// with either: Lambda's active tracing at stage 1, the DynamoDB and SNS
// calls from stage 2, hangingException at stage 3.
//
// The zero value is the X-Ray SDK, so a Tracing written without it (an
// older caller's) keeps the default.
type Instrumentation int

// The instrumentations, by the value a user sets.
const (
	InstrumentationXRaySDK       Instrumentation = iota // "xray-sdk"
	InstrumentationOpenTelemetry                        // "opentelemetry"
)

// DefaultInstrumentation is what an unconfigured stack runs. Pulumi.yaml
// declares the same (TestProjectFiles keeps them equal).
const DefaultInstrumentation = InstrumentationXRaySDK

// instrumentationNames are the values users type, by instrumentation.
var instrumentationNames = [...]string{
	InstrumentationXRaySDK:       "xray-sdk",
	InstrumentationOpenTelemetry: "opentelemetry",
}

// Valid reports whether i is one of the instrumentations.
func (i Instrumentation) Valid() bool { return i >= 0 && int(i) < len(instrumentationNames) }

// String is the value a user sets: "xray-sdk" or "opentelemetry".
func (i Instrumentation) String() string {
	if !i.Valid() {
		return "instrumentation(" + strconv.Itoa(int(i)) + ")"
	}
	return instrumentationNames[i]
}

// InstrumentationChoices lists the values, for messages and descriptions.
func InstrumentationChoices() string { return strings.Join(instrumentationNames[:], " or ") }

var errInstrumentation = errors.New("must be " + InstrumentationChoices())

// parseInstrumentation reads a value as a user types it; case and
// surrounding spaces do not matter.
func parseInstrumentation(text string) (Instrumentation, bool) {
	for i, name := range instrumentationNames {
		if strings.EqualFold(strings.TrimSpace(text), name) {
			return Instrumentation(i), true
		}
	}
	return 0, false
}

// Packages are the functions' main packages for i. Each instrumentation has
// its own build, so a deployed zip carries one tracing SDK: with both, the
// post function's zip would pass the 6 MB the module allows
// (docs/opentelemetry.md, "One build per instrumentation").
func (i Instrumentation) Packages() (post, process string) {
	if i == InstrumentationOpenTelemetry {
		return PostFunctionOTelPackage, ProcessFunctionOTelPackage
	}
	return PostFunctionPackage, ProcessFunctionPackage
}

// The OpenTelemetry exporter's standard settings (OpenTelemetry
// specification, "OTLP Exporter Configuration"): the traces endpoint, used
// as given, else the base endpoint, to which the traces path is added.
// The component points them at X-Ray's OTLP endpoint; the local stack at
// its daemon's OTLP/HTTP receiver.
const (
	EnvOTLPTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvOTLPEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	// OTLPTracesPath is where an OTLP/HTTP receiver takes spans.
	OTLPTracesPath = "/v1/traces"
)

// XRayOTLPTracesEndpoint is X-Ray's OTLP endpoint for spans in region, the
// route AWS documents for sending OpenTelemetry spans to X-Ray without a
// collector (CloudWatch User Guide, "OTLP Endpoints",
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-OTLPEndpoint.html):
// OTLP/HTTP only, signed with SigV4 for the service "xray", and taken only
// once the account has CloudWatch Transaction Search enabled.
func XRayOTLPTracesEndpoint(region string) string {
	return "https://xray." + region + ".amazonaws.com" + OTLPTracesPath
}

// XRayOTLPService is the SigV4 signing name of X-Ray's OTLP endpoint.
const XRayOTLPService = "xray"
