package opentelemetry_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"
)

const (
	lambdaTraceID = "1-5759e988-bd862e3fe1be46a994272793"
	lambdaParent  = "53995c3f42cd8ad8"
	lambdaHeader  = "Root=" + lambdaTraceID + ";Parent=" + lambdaParent + ";Sampled=1"
)

func getenv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

var otelStage2 = contract.Tracing{Stage: contract.StageSDK, Faults: contract.DefaultTracing().Faults,
	Instrumentation: contract.InstrumentationOpenTelemetry}

// The endpoint is read as the OpenTelemetry specification says, and
// defaults to X-Ray's OTLP endpoint, which alone is signed.
func TestResolveEndpoint(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		region string
		want   opentelemetry.Endpoint
	}{
		{name: "X-Ray's by default", region: "eu-west-1",
			want: opentelemetry.Endpoint{URL: "https://xray.eu-west-1.amazonaws.com/v1/traces", Signed: true, SigningRegion: "eu-west-1"}},
		{name: "traces endpoint as given", region: "us-east-1",
			env:  map[string]string{contract.EnvOTLPTracesEndpoint: "http://127.0.0.1:4318/custom", contract.EnvOTLPEndpoint: "http://ignored:1"},
			want: opentelemetry.Endpoint{URL: "http://127.0.0.1:4318/custom"}},
		{name: "base endpoint gets the traces path", region: "us-east-1",
			env:  map[string]string{contract.EnvOTLPEndpoint: "http://127.0.0.1:4318/"},
			want: opentelemetry.Endpoint{URL: "http://127.0.0.1:4318/v1/traces"}},
		{name: "X-Ray's endpoint named explicitly is signed for its own region", region: "us-east-1",
			env:  map[string]string{contract.EnvOTLPTracesEndpoint: "https://xray.ap-southeast-2.amazonaws.com/v1/traces"},
			want: opentelemetry.Endpoint{URL: "https://xray.ap-southeast-2.amazonaws.com/v1/traces", Signed: true, SigningRegion: "ap-southeast-2"}},
		{name: "plain http to an X-Ray-like host is not signed", region: "us-east-1",
			env:  map[string]string{contract.EnvOTLPTracesEndpoint: "http://xray.us-east-1.amazonaws.com/v1/traces"},
			want: opentelemetry.Endpoint{URL: "http://xray.us-east-1.amazonaws.com/v1/traces"}},
	}
	for _, tt := range tests {
		got, err := opentelemetry.ResolveEndpoint(getenv(tt.env), tt.region)
		if err != nil || got != tt.want {
			t.Errorf("%s: ResolveEndpoint = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	if _, err := opentelemetry.ResolveEndpoint(getenv(map[string]string{contract.EnvOTLPTracesEndpoint: "127.0.0.1:4318"}), "us-east-1"); !errors.Is(err, opentelemetry.ErrEndpoint) ||
		!strings.Contains(err.Error(), contract.EnvOTLPTracesEndpoint) {
		t.Errorf("an endpoint without a scheme: %v, want ErrEndpoint naming %s", err, contract.EnvOTLPTracesEndpoint)
	}
	if _, err := opentelemetry.ResolveEndpoint(getenv(nil), ""); !errors.Is(err, lambdaenv.ErrMissing) {
		t.Errorf("no endpoint and no region: %v, want ErrMissing", err)
	}
}

// New builds only what the stage needs and refuses another instrumentation.
func TestNew(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	bad := getenv(map[string]string{contract.EnvOTLPTracesEndpoint: "not a url"})
	stage1 := otelStage2
	stage1.Stage = contract.StageLambdaOnly
	if _, err := opentelemetry.NewWith(cfg, stage1, bad); err != nil {
		t.Errorf("stage 1 builds no exporter, so a bad endpoint is not its concern: %v", err)
	}
	if _, err := opentelemetry.NewWith(cfg, otelStage2, bad); !errors.Is(err, opentelemetry.ErrEndpoint) {
		t.Errorf("stage 2 with a bad endpoint: %v, want ErrEndpoint", err)
	}
	xraySDK := otelStage2
	xraySDK.Instrumentation = contract.InstrumentationXRaySDK
	if _, err := opentelemetry.New(cfg, xraySDK, getenv(nil)); err == nil || !strings.Contains(err.Error(), contract.EnvInstrumentation+"=xray-sdk") {
		t.Errorf("New(X-Ray SDK) = %v, want a refusal naming %s", err, contract.EnvInstrumentation)
	}
	// Stage 1 traces nothing: the clients are not touched, Begin and
	// Capture only run the code.
	inst, _ := opentelemetry.NewWith(cfg, stage1, getenv(nil))
	if got := inst.Instrument(cfg); len(got.APIOptions) != 0 {
		t.Errorf("stage 1 added %d API options", len(got.APIOptions))
	}
}

// From stage 2 Instrument adds its middlewares to a copy of the options,
// never to the caller's.
func TestInstrumentCopies(t *testing.T) {
	own := func(*middleware.Stack) error { return nil }
	options := make([]func(*middleware.Stack) error, 1, 8) // spare capacity an append would write into
	options[0] = own
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), APIOptions: options}
	inst, err := opentelemetry.NewWith(cfg, otelStage2, getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := inst.Instrument(cfg)
	if len(cfg.APIOptions) != 1 || options[:cap(options)][1] != nil {
		t.Fatal("Instrument modified the caller's APIOptions")
	}
	stack := middleware.NewStack("PutItem", func() any { return nil })
	for _, opt := range got.APIOptions {
		if err := opt(stack); err != nil {
			t.Fatalf("API option: %v", err)
		}
	}
	ids := strings.Join(slices.Concat(stack.Initialize.List(), stack.Finalize.List(), stack.Deserialize.List()), ",")
	for _, id := range []string{"MysfitsOTelStart", "MysfitsOTelSpan", "MysfitsOTelInject", "MysfitsOTelResult"} {
		if !strings.Contains(ids, id) {
			t.Errorf("stack %s lacks %s", ids, id)
		}
	}
}

// recorder answers every request 200 and keeps it.
type recorder struct {
	mu     sync.Mutex
	status int
	reqs   []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	body         []byte
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.Header.Clone(), body})
	status := r.status
	r.mu.Unlock()
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(status)
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// redirect sends every request to srv instead of its own host, as if srv
// were X-Ray's OTLP endpoint.
type redirect struct{ to *url.URL }

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = r.to.Scheme, r.to.Host
	return http.DefaultTransport.RoundTrip(out)
}

// exportOnce runs one traced invocation that fails in hangingException
// and returns what reached the server.
func exportOnce(t *testing.T, env map[string]string, opts ...opentelemetry.Option) []recorded {
	t.Helper()
	srv := &recorder{}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	for k, v := range env {
		env[k] = strings.ReplaceAll(v, "{server}", ts.URL)
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "SECRET", "TOKEN")}
	inst, err := opentelemetry.NewWith(cfg, otelStage2, getenv(env), append(opts, opentelemetry.WithTransport(redirect{u}))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, end := inst.Begin(context.WithValue(context.Background(), tracing.LambdaTraceHeaderKey, lambdaHeader))
	fault := errors.New("injected fault (tracing stage 3 exercise): hangingException hung for 1ms")
	if err := inst.Capture(ctx, tracing.HangingSubsegment, func(context.Context) error { return fault }); err != fault {
		t.Fatalf("Capture = %v, want fn's error", err)
	}
	end()
	return srv.requests()
}

// On AWS the spans go to X-Ray's OTLP endpoint as OTLP/HTTP protobuf,
// SigV4-signed for the service "xray" with the function's credentials, and
// say which function they come from; they arrive by the end of the
// invocation.
func TestExportToXRay(t *testing.T) {
	reqs := exportOnce(t, map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "questions-post-1a2b3c", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST"})
	if len(reqs) != 1 {
		t.Fatalf("%d requests by the end of the invocation, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/v1/traces" || r.header.Get("Content-Type") != "application/x-protobuf" {
		t.Errorf("request %s %s %q", r.method, r.path, r.header.Get("Content-Type"))
	}
	auth := r.header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/us-east-1/xray/aws4_request") {
		t.Errorf("Authorization %q, want SigV4 for xray in us-east-1", auth)
	}
	if r.header.Get("X-Amz-Security-Token") != "TOKEN" {
		t.Errorf("X-Amz-Security-Token %q, want the session token", r.header.Get("X-Amz-Security-Token"))
	}
	var export coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(r.body, &export); err != nil {
		t.Fatalf("the body is not an OTLP export request: %v", err)
	}
	if len(export.ResourceSpans) != 1 || len(export.ResourceSpans[0].ScopeSpans) != 1 || len(export.ResourceSpans[0].ScopeSpans[0].Spans) != 1 {
		t.Fatalf("export %v, want one span", &export)
	}
	res := map[string]string{}
	for _, kv := range export.ResourceSpans[0].Resource.Attributes {
		res[kv.Key] = kv.Value.GetStringValue()
	}
	for k, v := range map[string]string{"service.name": "questions-post-1a2b3c", "faas.name": "questions-post-1a2b3c",
		"faas.version": "$LATEST", "cloud.provider": "aws", "cloud.platform": "aws_lambda", "cloud.region": "us-east-1"} {
		if res[k] != v {
			t.Errorf("resource %s = %q, want %q (all: %v)", k, res[k], v, res)
		}
	}
	s := export.ResourceSpans[0].ScopeSpans[0].Spans[0]
	if hex.EncodeToString(s.TraceId) != strings.ReplaceAll(strings.TrimPrefix(lambdaTraceID, "1-"), "-", "") ||
		hex.EncodeToString(s.ParentSpanId) != lambdaParent {
		t.Errorf("span trace %x parent %x, want Lambda's %s under %s", s.TraceId, s.ParentSpanId, lambdaTraceID, lambdaParent)
	}
	if s.Name != tracing.HangingSubsegment || s.Kind != tracepb.Span_SPAN_KIND_INTERNAL || s.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("span %q kind %s status %v", s.Name, s.Kind, s.Status)
	}
	if len(s.Events) != 1 || s.Events[0].Name != "exception" {
		t.Errorf("events %v, want the exception", s.Events)
	}
}

// Locally the standard variables point the exporter at the daemon's
// receiver: the same export, unsigned.
func TestExportToLocalReceiver(t *testing.T) {
	reqs := exportOnce(t, map[string]string{contract.EnvOTLPEndpoint: "{server}"})
	if len(reqs) != 1 || reqs[0].path != "/v1/traces" {
		t.Fatalf("requests %+v, want one to /v1/traces", reqs)
	}
	if auth := reqs[0].header.Get("Authorization"); auth != "" {
		t.Errorf("a local receiver got Authorization %q", auth)
	}
}

// A refused export is logged, with what X-Ray's endpoint needs, and costs
// the invocation nothing else.
func TestExportRefused(t *testing.T) {
	srv := &recorder{status: http.StatusForbidden}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	u, _ := url.Parse(ts.URL)
	var logs bytes.Buffer
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	inst, err := opentelemetry.NewWith(cfg, otelStage2, getenv(nil), opentelemetry.WithTransport(redirect{u}),
		opentelemetry.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, end := inst.Begin(context.WithValue(context.Background(), tracing.LambdaTraceHeaderKey, lambdaHeader))
	_ = inst.Capture(ctx, "work", func(context.Context) error { return nil })
	start := time.Now()
	end()
	if d := time.Since(start); d > opentelemetry.FlushTimeout+time.Second {
		t.Errorf("the flush took %s", d)
	}
	if !strings.Contains(logs.String(), "spans not exported") || !strings.Contains(logs.String(), "Transaction Search") {
		t.Errorf("logs %q, want the refusal with the Transaction Search hint", logs.String())
	}
	if len(srv.requests()) != 1 {
		t.Errorf("%d requests, want 1 (no retries: the invocation waits)", len(srv.requests()))
	}
}

// The transport signs exactly what it sends: the signature is recomputed
// here from the request the next transport got, by the Signature Version 4
// steps (AWS IAM User Guide, "Create a signed AWS API request"), and the
// body still arrives whole.
func TestSigV4Transport(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	when := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	tr := &opentelemetry.SigV4Transport{
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SESSION"),
		Service:     "xray", Region: "us-west-2", Next: next, Now: func() time.Time { return when },
	}
	body := []byte("\x0a\x02spans")
	req, _ := http.NewRequest(http.MethodPost, "https://xray.us-west-2.amazonaws.com/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("the caller's request was changed")
	}
	if !bytes.Equal(gotBody, body) {
		t.Errorf("body %q arrived as %q", body, gotBody)
	}
	auth := got.Header.Get("Authorization")
	const prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/us-west-2/xray/aws4_request, SignedHeaders="
	if !strings.HasPrefix(auth, prefix) {
		t.Fatalf("Authorization %q, want %q...", auth, prefix)
	}
	signedHeaders, signature, ok := strings.Cut(strings.TrimPrefix(auth, prefix), ", Signature=")
	if !ok {
		t.Fatalf("Authorization %q has no signature", auth)
	}
	if got.Header.Get("X-Amz-Date") != "20260301T123000Z" || got.Header.Get("X-Amz-Security-Token") != "SESSION" {
		t.Errorf("X-Amz-Date %q, token %q", got.Header.Get("X-Amz-Date"), got.Header.Get("X-Amz-Security-Token"))
	}
	var canonicalHeaders strings.Builder
	for _, h := range strings.Split(signedHeaders, ";") {
		v := got.Header.Get(h)
		switch h { // Go keeps these two out of the header map
		case "host":
			v = got.URL.Host
		case "content-length":
			v = strconv.FormatInt(got.ContentLength, 10)
		}
		canonicalHeaders.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	payload := sha256.Sum256(body)
	canonical := strings.Join([]string{"POST", "/v1/traces", "", canonicalHeaders.String(), signedHeaders, hex.EncodeToString(payload[:])}, "\n")
	hashed := sha256.Sum256([]byte(canonical))
	scope := "20260301/us-west-2/xray/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n20260301T123000Z\n" + scope + "\n" + hex.EncodeToString(hashed[:])
	key := []byte("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	for _, part := range []string{"20260301", "us-west-2", "xray", "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	if want := hex.EncodeToString(hmacSHA256(key, toSign)); signature != want {
		t.Errorf("signature %s, want %s over\n%s", signature, want, canonical)
	}
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
