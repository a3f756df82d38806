// Package opentelemetry is the functions' OpenTelemetry instrumentation
// (`instrumentation: opentelemetry`): the OpenTelemetry Go SDK with AWS's
// X-Ray propagator and ID generator, so the spans join the trace Lambda's
// active tracing starts, exported over OTLP/HTTP before each invocation
// returns.
//
// The stages are the X-Ray SDK's: at stage 1 the SDK records nothing (the
// trace is Lambda's own segments); from stage 2 each DynamoDB and SNS call is
// a CLIENT span with the attributes X-Ray draws its DynamoDB and SNS nodes
// from; at stage 3 the injected fault is a hangingException span with an
// exception event and an error status.
//
// On AWS the spans go to X-Ray's OTLP endpoint, signed with SigV4, the
// collector-less route AWS documents for sending OpenTelemetry spans to
// X-Ray (CloudWatch User Guide, "OTLP Endpoints" and "Exporting
// collector-less telemetry using AWS Distro for OpenTelemetry (ADOT) SDK");
// it takes spans once the account has CloudWatch Transaction Search
// enabled. The local stack points the standard OTEL_EXPORTER_OTLP_*
// variables at its daemon instead. docs/opentelemetry.md has the rest.
package opentelemetry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/tracing"
)

// ScopeName is the instrumentation scope of the spans this package starts.
const ScopeName = "github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"

// FlushTimeout bounds the export at the end of an invocation: the caller
// waits for it, so a slow or unreachable endpoint costs at most this much
// and the spans are dropped (the invocation's own answer is never lost).
const FlushTimeout = 2 * time.Second

// Variables Lambda sets, which name the function in its spans' resource.
const (
	envFunctionName    = "AWS_LAMBDA_FUNCTION_NAME"
	envFunctionVersion = "AWS_LAMBDA_FUNCTION_VERSION"
	envServiceName     = "OTEL_SERVICE_NAME"
	defaultServiceName = "mysfits-questions"
)

// OTel is the OpenTelemetry instrumentation of one function.
type OTel struct {
	provider *sdktrace.TracerProvider // nil at stage 1: nothing to record
	tracer   trace.Tracer
	getenv   func(string) string
	endpoint Endpoint
	log      *slog.Logger
}

var _ tracing.Instrumentation = (*OTel)(nil)

// Option changes how New builds the instrumentation; tests use them.
type Option func(*options)

type options struct {
	exporter  sdktrace.SpanExporter
	transport http.RoundTripper
	log       *slog.Logger
}

// WithExporter sends the spans to e instead of the OTLP exporter (tests
// pass tracetest's in-memory exporter).
func WithExporter(e sdktrace.SpanExporter) Option { return func(o *options) { o.exporter = e } }

// WithTransport sends the exporter's (signed) requests through rt instead
// of http.DefaultTransport.
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.transport = rt } }

// WithLogger logs export failures to log instead of the functions' JSON on
// stderr.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// New is the tracing.Factory of the OpenTelemetry build: it refuses a
// configuration that asks for another instrumentation, which this build
// does not link.
func New(cfg aws.Config, t contract.Tracing, getenv func(string) string) (tracing.Instrumentation, error) {
	return NewWith(cfg, t, getenv)
}

// NewWith is New with options. At stage 1 it builds no exporter at all:
// there is nothing to record, and the cold start stays the bare one.
func NewWith(cfg aws.Config, t contract.Tracing, getenv func(string) string, opts ...Option) (*OTel, error) {
	if t.Instrumentation != contract.InstrumentationOpenTelemetry {
		return nil, fmt.Errorf("%s=%s: this build traces with OpenTelemetry; the %s build runs that instrumentation",
			contract.EnvInstrumentation, t.Instrumentation, t.Instrumentation)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	ot := &OTel{getenv: getenv, log: o.log}
	if ot.log == nil {
		ot.log = lambdaenv.NewLogger()
	}
	if !t.Stage.SDKSubsegments() {
		return ot, nil
	}
	exporter := o.exporter
	if exporter == nil {
		endpoint, err := ResolveEndpoint(getenv, cfg.Region)
		if err != nil {
			return nil, err
		}
		ot.endpoint = endpoint
		if exporter, err = newExporter(endpoint, cfg.Credentials, o.transport); err != nil {
			return nil, err
		}
	}
	ot.provider = sdktrace.NewTracerProvider(
		// A batch exported once per invocation, at its end (Begin's end),
		// rather than a request per span in the middle of the handler's work.
		sdktrace.WithBatcher(exporter),
		// X-Ray trace ids carry their start time; a span that starts a trace
		// (none here: every span has Lambda's segment as its parent) still
		// gets an id X-Ray takes.
		sdktrace.WithIDGenerator(xray.NewIDGenerator()),
		// Lambda decided whether to sample the invocation (Sampled= in its
		// trace header); spans follow it, and without a trace to join there
		// are none, as with the X-Ray SDK outside Lambda.
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())),
		sdktrace.WithResource(functionResource(getenv, cfg.Region)),
	)
	ot.tracer = ot.provider.Tracer(ScopeName)
	return ot, nil
}

// functionResource describes the function the spans come from, by the
// variables Lambda sets (OpenTelemetry semantic conventions, FaaS and
// cloud resources).
func functionResource(getenv func(string) string, region string) *resource.Resource {
	name := getenv(envFunctionName)
	attrs := []attribute.KeyValue{
		semconv.ServiceName(cmp.Or(getenv(envServiceName), name, defaultServiceName)),
		semconv.CloudProviderAWS,
		semconv.CloudPlatformAWSLambda,
	}
	if region != "" {
		attrs = append(attrs, semconv.CloudRegion(region))
	}
	if name != "" {
		attrs = append(attrs, semconv.FaaSName(name))
	}
	if v := getenv(envFunctionVersion); v != "" {
		attrs = append(attrs, semconv.FaaSVersion(v))
	}
	return resource.NewWithAttributes(semconv.SchemaURL, attrs...)
}

// Instrument returns a copy of cfg whose clients record a CLIENT span per
// AWS call from stage 2 (awsCallSpans), with the attributes X-Ray draws the
// service's node from, and pass the trace on in the X-Amzn-Trace-Id header
// so the services' own segments join it. The caller's APIOptions are never
// modified.
func (o *OTel) Instrument(cfg aws.Config) aws.Config {
	if o.provider == nil {
		return cfg
	}
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), awsCallSpans(o.tracer))
	return cfg
}

// Begin makes the invocation's trace, from the header Lambda passes (in ctx,
// else _X_AMZN_TRACE_ID), the parent of the spans the handler records: its
// Parent is the function's segment, as for the X-Ray SDK's subsegments. The
// end function exports them before the invocation returns.
func (o *OTel) Begin(ctx context.Context) (context.Context, func()) {
	if o.provider == nil {
		return ctx, func() {}
	}
	header := tracing.TraceHeader(ctx, o.getenv)
	if header != "" {
		ctx = xray.Propagator{}.Extract(ctx, propagation.HeaderCarrier(http.Header{"X-Amzn-Trace-Id": {header}}))
	}
	return ctx, func() { o.flush(ctx) }
}

// flush exports what is pending. It outlives a cancelled invocation context
// (the spans of a timed-out call matter most) but never FlushTimeout.
func (o *OTel) flush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), FlushTimeout)
	defer cancel()
	if err := o.provider.ForceFlush(ctx); err != nil {
		attrs := []any{"error", err.Error(), "endpoint", o.endpoint.URL}
		if o.endpoint.Signed {
			attrs = append(attrs, "hint", "X-Ray's OTLP endpoint takes spans only once CloudWatch Transaction Search "+
				"is enabled in the account and region, and the role may xray:PutSpans (docs/opentelemetry.md)")
		}
		o.log.Warn("spans not exported", attrs...)
	}
}

// Capture runs fn in an INTERNAL span named name. An error fn returns is
// recorded as an exception event and the span's status is Error, which
// X-Ray shows as a fault. Without a trace to join fn just runs.
func (o *OTel) Capture(ctx context.Context, name string, fn func(context.Context) error) error {
	if o.tracer == nil || !trace.SpanContextFromContext(ctx).IsValid() {
		return fn(ctx)
	}
	ctx, span := o.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal))
	defer span.End()
	err := fn(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}

// Endpoint is where the spans go.
type Endpoint struct {
	URL string
	// Signed is set for X-Ray's OTLP endpoint, which takes SigV4-signed
	// requests only; SigningRegion is the region its host names.
	Signed        bool
	SigningRegion string
}

// xrayOTLPHost is the host of X-Ray's OTLP endpoint in a region.
var xrayOTLPHost = regexp.MustCompile(`^xray\.([a-z0-9-]+)\.amazonaws\.com$`)

// ErrEndpoint reports an OTLP endpoint setting that is not an http(s) URL.
var ErrEndpoint = errors.New("not an http or https URL")

// ResolveEndpoint reads the OTLP traces endpoint as the OpenTelemetry
// specification says ("OTLP Exporter Configuration"): the traces endpoint
// as given, else the base endpoint with /v1/traces added. Without either
// the spans go to X-Ray's OTLP endpoint in region, the route AWS documents.
// Requests to an X-Ray OTLP endpoint are signed.
func ResolveEndpoint(getenv func(string) string, region string) (Endpoint, error) {
	name, raw := contract.EnvOTLPTracesEndpoint, getenv(contract.EnvOTLPTracesEndpoint)
	if raw == "" {
		if base := getenv(contract.EnvOTLPEndpoint); base != "" {
			name, raw = contract.EnvOTLPEndpoint, strings.TrimRight(base, "/")+contract.OTLPTracesPath
		}
	}
	if raw == "" {
		if region == "" {
			return Endpoint{}, fmt.Errorf("the OTLP endpoint: neither %s nor %s is set, and no region for X-Ray's: %w",
				contract.EnvOTLPTracesEndpoint, contract.EnvOTLPEndpoint, lambdaenv.ErrMissing)
		}
		name, raw = "X-Ray's OTLP endpoint", contract.XRayOTLPTracesEndpoint(region)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Endpoint{}, fmt.Errorf("%s=%q: %w", name, raw, ErrEndpoint)
	}
	e := Endpoint{URL: u.String()}
	if m := xrayOTLPHost.FindStringSubmatch(u.Hostname()); m != nil && u.Scheme == "https" {
		e.Signed, e.SigningRegion = true, m[1]
	}
	return e, nil
}

// newExporter is the OTLP/HTTP exporter (protobuf) to e, signing for
// X-Ray's endpoint with creds. It does not retry: the invocation waits for
// the export, and a lost batch is logged.
func newExporter(e Endpoint, creds aws.CredentialsProvider, transport http.RoundTripper) (sdktrace.SpanExporter, error) {
	if transport == nil {
		transport = http.DefaultTransport
	}
	if e.Signed {
		if creds == nil {
			return nil, fmt.Errorf("signing for %s: no AWS credentials: %w", e.URL, lambdaenv.ErrMissing)
		}
		transport = &SigV4Transport{Credentials: creds, Service: contract.XRayOTLPService, Region: e.SigningRegion, Next: transport}
	}
	exp, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpointURL(e.URL),
		// The client's timeout is the exporter's: WithHTTPClient overrides WithTimeout.
		otlptracehttp.WithHTTPClient(&http.Client{Transport: transport, Timeout: FlushTimeout}),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		return nil, fmt.Errorf("the OTLP exporter to %s: %w", e.URL, err)
	}
	return exp, nil
}
