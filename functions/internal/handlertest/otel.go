package handlertest

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"
)

// The trace header of the invocations the OpenTelemetry tests make: the
// one the Lambda runtime passes, whose Parent is the function's segment.
const (
	LambdaTraceID  = "1-5759e988-bd862e3fe1be46a994272793"
	LambdaParentID = "53995c3f42cd8ad8"
)

// LambdaHeader is the trace header of a sampled (or not) invocation.
func LambdaHeader(sampled bool) string {
	flag := "0"
	if sampled {
		flag = "1"
	}
	// Lineage is what Lambda adds for recursion detection; the propagator
	// must take the header with it.
	return "Root=" + LambdaTraceID + ";Parent=" + LambdaParentID + ";Sampled=" + flag + ";Lineage=a87bd80c:0"
}

// LambdaContext is an invocation's context as the runtime makes it under
// active tracing: the trace header under its key.
func LambdaContext(sampled bool) context.Context {
	return context.WithValue(context.Background(), tracing.LambdaTraceHeaderKey, LambdaHeader(sampled))
}

// InMemoryOTel is OpenTelemetry's instrumentation, real in everything but
// the exporter, which keeps the spans (tracetest's in-memory exporter).
func InMemoryOTel() (tracing.Factory, *tracetest.InMemoryExporter) {
	mem := tracetest.NewInMemoryExporter()
	return func(cfg aws.Config, t contract.Tracing, getenv func(string) string) (tracing.Instrumentation, error) {
		return opentelemetry.NewWith(cfg, t, getenv, opentelemetry.WithExporter(mem), opentelemetry.WithLogger(Quiet))
	}, mem
}

// XRayTraceID writes an OpenTelemetry trace id the way X-Ray does:
// 1-{8 hex digits of the start time}-{24 hex digits}.
func XRayTraceID(id trace.TraceID) string {
	h := id.String()
	return "1-" + h[:8] + "-" + h[8:]
}

// Attrs are a span's attributes by key.
func Attrs(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// AssertJoinsLambdaTrace checks a span is in the invocation's trace, a
// child of the function's segment, as the X-Ray SDK's subsegments are.
func AssertJoinsLambdaTrace(t *testing.T, s tracetest.SpanStub) {
	t.Helper()
	if got := XRayTraceID(s.SpanContext.TraceID()); got != LambdaTraceID {
		t.Errorf("span %s in trace %s, want Lambda's %s", s.Name, got, LambdaTraceID)
	}
	if got := s.Parent.SpanID().String(); got != LambdaParentID || !s.Parent.IsRemote() {
		t.Errorf("span %s: parent %s (remote %t), want the function segment %s", s.Name, got, s.Parent.IsRemote(), LambdaParentID)
	}
	if !s.SpanContext.IsSampled() {
		t.Errorf("span %s not sampled", s.Name)
	}
}

// AssertAWSCallSpan checks an AWS call's span carries what X-Ray draws the
// service's node from: kind CLIENT, rpc.system aws-api, the service and the
// operation apart, the region, and the call's outcome; and the resource
// called, key and value in resource.
func AssertAWSCallSpan(t *testing.T, s tracetest.SpanStub, service, operation string, resource ...string) {
	t.Helper()
	AssertJoinsLambdaTrace(t, s)
	if s.Name != service+"."+operation || s.SpanKind != trace.SpanKindClient {
		t.Errorf("span %q kind %s, want %s.%s, client", s.Name, s.SpanKind, service, operation)
	}
	want := map[string]string{
		"rpc.system": "aws-api", "rpc.service": service, "rpc.method": operation, "aws.region": "us-east-1",
		"http.response.status_code": "200", "aws.request_id": FakeRequestID,
	}
	for i := 0; i+1 < len(resource); i += 2 {
		want[resource[i]] = resource[i+1]
	}
	got := Attrs(s.Attributes)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("span %s: %s = %q, want %q (all: %v)", s.Name, k, got[k], v, got)
		}
	}
	if s.Status.Code != 0 || s.EndTime.Before(s.StartTime) {
		t.Errorf("span %s: status %v, %s..%s", s.Name, s.Status, s.StartTime, s.EndTime)
	}
}

// AssertCallCarries checks the AWS request carried the span's context in
// X-Ray's header, so the service's own segment joins the trace.
func AssertCallCarries(t *testing.T, c AWSCall, s tracetest.SpanStub) {
	t.Helper()
	want := "Root=" + LambdaTraceID + ";Parent=" + s.SpanContext.SpanID().String() + ";Sampled=1"
	if c.TraceHeader != want {
		t.Errorf("%s trace header %q, want %q", c.Operation, c.TraceHeader, want)
	}
}

// AssertSpansFree fails when a span's name, attributes or events hold a
// secret (an e-mail address, a question's text).
func AssertSpansFree(t *testing.T, spans tracetest.SpanStubs, secrets []string) {
	t.Helper()
	for _, s := range spans {
		texts := []string{s.Name, s.Status.Description}
		for _, v := range Attrs(s.Attributes) {
			texts = append(texts, v)
		}
		for _, e := range s.Events {
			texts = append(texts, e.Name)
			for _, v := range Attrs(e.Attributes) {
				texts = append(texts, v)
			}
		}
		for _, text := range texts {
			for _, secret := range secrets {
				if secret != "" && strings.Contains(text, secret) {
					t.Errorf("span %s holds user data %q: %q", s.Name, secret, text)
				}
			}
		}
	}
}
