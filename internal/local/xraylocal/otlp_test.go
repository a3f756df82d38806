package xraylocal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-xray-sdk-go/v2/instrumentation/awsv2"
	xraysdk "github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	xrayprop "go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/lambdalocal"
	"github.com/mysfits/mysfits-questions/internal/local/xraylocal"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// The receiver is tested with what the real OpenTelemetry Go SDK sends:
// the SDK's tracer provider with AWS's X-Ray ID generator and propagator,
// the otlptracehttp exporter over loopback, otelaws on real aws-sdk-go-v2
// clients (against a stand-in AWS endpoint), and the Lambda emulator.

const (
	tableName = "questions"
	topicARN  = "arn:aws:sns:us-east-1:000000000000:questions-topic"
)

// reportedTrace is a trace as the daemon's OnTrace reported it.
type reportedTrace struct {
	docs    traces.TraceDocs
	summary traces.TraceSummary
}

// otlpDaemon is a daemon with the OTLP receiver on, its store and an
// emitter to its UDP socket.
type otlpDaemon struct {
	d     *xraylocal.Daemon
	store *traces.Store
	em    *xraylocal.Emitter
	got   chan reportedTrace
}

func startOTLPDaemon(t *testing.T) *otlpDaemon {
	t.Helper()
	s := &otlpDaemon{store: traces.NewStore(0), got: make(chan reportedTrace, 64)}
	d, err := xraylocal.Listen("127.0.0.1:0", xraylocal.DaemonConfig{
		Store: s.store, OTLPAddr: "127.0.0.1:0", Settle: 50 * time.Millisecond, Expire: 2 * time.Second,
		OnTrace: func(docs traces.TraceDocs, sum traces.TraceSummary) { s.got <- reportedTrace{docs, sum} },
		Log:     slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.d = d
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	em, err := xraylocal.NewEmitter(d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s.em = em
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		em.Close()
	})
	return s
}

// next waits for the next trace the daemon reports as finished.
func (s *otlpDaemon) next(t *testing.T) reportedTrace {
	t.Helper()
	select {
	case r := <-s.got:
		return r
	case <-time.After(15 * time.Second):
		t.Fatal("no trace reported within 15s")
		return reportedTrace{}
	}
}

// tracerProvider is the SDK set up as the functions set it up: X-Ray ids,
// a batch span processor and the OTLP/HTTP exporter to endpoint.
func tracerProvider(t *testing.T, endpoint string, attrs []attribute.KeyValue, opts ...otlptracehttp.Option) *sdktrace.TracerProvider {
	t.Helper()
	exp, err := otlptracehttp.New(context.Background(), append([]otlptracehttp.Option{otlptracehttp.WithEndpointURL(endpoint)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attrs...))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithIDGenerator(xrayprop.NewIDGenerator()),
		sdktrace.WithResource(res))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

// fakeAWS answers DynamoDB PutItem (JSON 1.0) and SNS Publish (query
// protocol) as AWS does, enough for the SDK to succeed.
func fakeAWS(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.") {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amzn-Requestid", "ddb-request-1")
			_, _ = io.WriteString(w, "{}")
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>sns-request-1</RequestId></ResponseMetadata></PublishResponse>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// awsClients are DynamoDB and SNS clients against srv, instrumented by
// instrument (otelaws or the X-Ray SDK).
func awsClients(srv *httptest.Server, instrument func(*[]func(*middleware.Stack) error)) (*dynamodb.Client, *sns.Client) {
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")}
	instrument(&cfg.APIOptions)
	return dynamodb.NewFromConfig(cfg), sns.NewFromConfig(cfg)
}

// otelInstrument is otelaws as the functions use it, plus the SNS topic
// ARN, which otelaws records only as the topic's name.
func otelInstrument(tp trace.TracerProvider) func(*[]func(*middleware.Stack) error) {
	topic := func(_ context.Context, in middleware.InitializeInput, _ middleware.InitializeOutput) []attribute.KeyValue {
		if p, ok := in.Parameters.(*sns.PublishInput); ok && p.TopicArn != nil {
			return []attribute.KeyValue{attribute.String("aws.sns.topic.arn", *p.TopicArn)}
		}
		return nil
	}
	return func(opts *[]func(*middleware.Stack) error) {
		otelaws.AppendMiddlewares(opts, otelaws.WithTracerProvider(tp), otelaws.WithTextMapPropagator(xrayprop.Propagator{}),
			otelaws.WithAttributeBuilder(otelaws.DefaultAttributeBuilder, topic))
	}
}

// storeQuestion is the post function's work: PutItem, then Publish.
func storeQuestion(ctx context.Context, ddb *dynamodb.Client, topics *sns.Client) error {
	if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tableName),
		Item: map[string]ddbtypes.AttributeValue{"QuestionId": &ddbtypes.AttributeValueMemberS{Value: "q-1"}}}); err != nil {
		return err
	}
	_, err := topics.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topicARN), Message: aws.String("a question")})
	return err
}

// hangingMessage is the stage-3 fault's message.
const hangingMessage = "hanging exception: injected fault"

// wantDoc is what one span's document must say.
type wantDoc struct {
	name      string // the document's name
	parent    string // the parent document's name, "remote" for the extracted parent, "" for none
	segment   bool
	namespace string
	origin    string
	status    int
	isError   bool
	fault     bool
	throttle  bool
	operation string
	table     string
	topic     string
	exception string // "type: message" of the first exception
	stack     bool   // the exception's stack frames include this file
}

func TestOTLPSpansOfTheSDKBecomeSegmentDocuments(t *testing.T) {
	for _, enc := range []struct {
		name string
		opts []otlptracehttp.Option
	}{
		{"protobuf", nil},
		{"protobuf gzip", []otlptracehttp.Option{otlptracehttp.WithCompression(otlptracehttp.GzipCompression)}},
		{"json", []otlptracehttp.Option{otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON)}},
	} {
		t.Run(enc.name, func(t *testing.T) {
			s := startOTLPDaemon(t)
			tp := tracerProvider(t, s.d.OTLPEndpoint(), []attribute.KeyValue{
				attribute.String("service.name", "questions-api"),
				attribute.String("cloud.provider", "aws"), attribute.String("cloud.platform", "aws_ec2"),
			}, enc.opts...)
			tracer := tp.Tracer("otlp_test")
			ddb, topics := awsClients(fakeAWS(t), otelInstrument(tp))

			t0 := time.Now().Add(-time.Second).Truncate(time.Microsecond)
			ctx, root := tracer.Start(context.Background(), "POST /questions", trace.WithSpanKind(trace.SpanKindServer),
				trace.WithTimestamp(t0), trace.WithAttributes(
					attribute.String("http.request.method", "POST"), attribute.String("url.full", "http://127.0.0.1:8080/questions"),
					attribute.String("user_agent.original", "otlp-test"), attribute.Int("http.response.status_code", 201)))
			child := func(name string, kind trace.SpanKind, attrs []attribute.KeyValue, fn func(trace.Span)) {
				_, span := tracer.Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
				if fn != nil {
					fn(span)
				}
				span.End()
			}
			child("validate", trace.SpanKindInternal, nil, nil)
			if err := storeQuestion(ctx, ddb, topics); err != nil {
				t.Fatal(err)
			}
			child("inbox", trace.SpanKindClient, []attribute.KeyValue{attribute.String("http.request.method", "GET"),
				attribute.String("server.address", "127.0.0.1"), attribute.Int("server.port", 9),
				attribute.Int("http.response.status_code", 429)}, nil)
			child("lookup", trace.SpanKindClient, []attribute.KeyValue{attribute.String("peer.service", "profiles"),
				attribute.Int("http.response.status_code", 404)}, func(s trace.Span) { s.SetStatus(codes.Error, "not found") })
			child("upstream", trace.SpanKindClient, []attribute.KeyValue{attribute.Int("http.status_code", 503)}, nil)
			child("hangingException", trace.SpanKindInternal, nil, func(s trace.Span) {
				s.RecordError(errors.New(hangingMessage), trace.WithStackTrace(true))
				s.SetStatus(codes.Error, hangingMessage)
			})
			child("checked", trace.SpanKindInternal, nil, func(s trace.Span) { s.SetStatus(codes.Error, "bad state") })
			root.End(trace.WithTimestamp(t0.Add(250 * time.Millisecond)))

			// A second trace, continued from a caller in another process.
			remoteTrace, remoteParent := xraylocal.NewTraceID(), xraylocal.NewSegmentID()
			rctx := xrayprop.Propagator{}.Extract(context.Background(),
				propagation.MapCarrier{"X-Amzn-Trace-Id": xraylocal.TraceHeader(remoteTrace, remoteParent)})
			_, consume := tracer.Start(rctx, "consume")
			consume.End()
			_, notify := tracer.Start(rctx, "notify", trace.WithSpanKind(trace.SpanKindClient))
			notify.End()

			if err := tp.ForceFlush(context.Background()); err != nil {
				t.Fatalf("ForceFlush: %v (the receiver refused the export)", err)
			}

			sc := root.SpanContext()
			tid := sc.TraceID().String()
			traceID := "1-" + tid[:8] + "-" + tid[8:]
			// The daemon's completion logic saw the spans: the trace with a
			// closed root is reported, whole.
			got := s.next(t)
			if got.docs.ID != traceID || got.summary.IsPartial || len(got.docs.Orphans) != 0 {
				t.Fatalf("reported trace %s partial=%v with %d orphans; want %s complete", got.docs.ID, got.summary.IsPartial, len(got.docs.Orphans), traceID)
			}
			if n := len(slices.Collect(got.docs.All())); n != 9 {
				t.Errorf("reported trace has %d documents, want the root and its 8 children", n)
			}

			docs := storedDocs(t, s.store, traceID, remoteTrace)
			rootDoc := docs["questions-api"]
			if rootDoc.doc.ID != sc.SpanID().String() || rootDoc.doc.TraceID != traceID ||
				math.Abs(rootDoc.doc.StartTime-traces.Epoch(t0)) > 1e-6 || math.Abs(rootDoc.doc.Duration()-0.25) > 1e-6 {
				t.Errorf("root document %+v; want id %s, trace %s, 250ms from %v", rootDoc.doc, sc.SpanID(), traceID, t0)
			}
			if h := rootDoc.doc.HTTP; h == nil || h.Request == nil || h.Request.Method != "POST" ||
				h.Request.URL != "http://127.0.0.1:8080/questions" || h.Request.UserAgent != "otlp-test" {
				t.Errorf("root http %+v, want the request's method, url and user agent", h)
			}
			if h := docs["inbox"].doc.HTTP; h == nil || h.Request == nil || h.Request.URL != "http://127.0.0.1:9/" {
				t.Errorf("inbox http %+v, want the URL assembled from server.address and server.port", h)
			}
			if md, _ := rootDoc.raw["metadata"].(map[string]any); md == nil || md["default"].(map[string]any)["otel.resource.service.name"] != "questions-api" {
				t.Errorf("root metadata %v, want the resource's attributes", rootDoc.raw["metadata"])
			}

			for _, w := range []wantDoc{
				{name: "questions-api", segment: true, origin: "AWS::EC2::Instance", status: 201},
				{name: "validate", parent: "questions-api"},
				{name: "DynamoDB", parent: "questions-api", namespace: "aws", status: 200, operation: "PutItem", table: tableName},
				{name: "SNS", parent: "questions-api", namespace: "aws", status: 200, operation: "Publish", topic: topicARN},
				{name: "inbox", parent: "questions-api", namespace: "remote", status: 429, isError: true, throttle: true},
				{name: "profiles", parent: "questions-api", namespace: "remote", status: 404, isError: true, exception: ": not found"},
				{name: "upstream", parent: "questions-api", namespace: "remote", status: 503, fault: true},
				{name: "hangingException", parent: "questions-api", fault: true,
					exception: "*errors.errorString: " + hangingMessage, stack: true},
				{name: "checked", parent: "questions-api", fault: true, exception: ": bad state"},
				{name: "consume", parent: "remote", segment: true, origin: "AWS::EC2::Instance"},
				{name: "notify", parent: "remote", namespace: "remote"},
			} {
				t.Run(w.name, func(t *testing.T) {
					got, ok := docs[w.name]
					if !ok {
						t.Fatalf("no document named %q among %v", w.name, keys(docs))
					}
					checkDoc(t, got, w, docs, remoteParent)
				})
			}
		})
	}
}

// stored is one stored document, parsed and raw.
type stored struct {
	doc traces.Document
	raw map[string]any
}

// storedDocs are the documents the store holds for the traces, nested
// ones included, by name, as BatchGetTraces gives them.
func storedDocs(t *testing.T, store *traces.Store, ids ...string) map[string]stored {
	t.Helper()
	batch := store.BatchGetTraces(ids)
	if len(batch.UnprocessedTraceIDs) > 0 {
		t.Fatalf("the store does not hold %v", batch.UnprocessedTraceIDs)
	}
	out := map[string]stored{}
	var walk func(raw map[string]any)
	walk = func(raw map[string]any) {
		b, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		d, err := traces.ParseDocument(b)
		if err != nil {
			t.Fatalf("stored document %s: %v", b, err)
		}
		out[d.Name] = stored{doc: d, raw: raw}
		subs, _ := raw["subsegments"].([]any)
		for _, s := range subs {
			walk(s.(map[string]any))
		}
	}
	for _, tr := range batch.Traces {
		for _, seg := range tr.Segments {
			var raw map[string]any
			if err := json.Unmarshal([]byte(seg.Document), &raw); err != nil {
				t.Fatal(err)
			}
			walk(raw)
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func checkDoc(t *testing.T, got stored, w wantDoc, docs map[string]stored, remoteParent string) {
	t.Helper()
	d := got.doc
	wantParent := ""
	switch w.parent {
	case "":
	case "remote":
		wantParent = remoteParent
	default:
		wantParent = docs[w.parent].doc.ID
	}
	if d.ParentID != wantParent {
		t.Errorf("parent_id %q, want %q (%s)", d.ParentID, wantParent, w.parent)
	}
	if d.IsSubsegment() == w.segment {
		t.Errorf("type %q, want segment=%v", d.Type, w.segment)
	}
	if d.Namespace != w.namespace || d.Origin != w.origin {
		t.Errorf("namespace %q origin %q, want %q and %q", d.Namespace, d.Origin, w.namespace, w.origin)
	}
	if d.Status() != w.status {
		t.Errorf("http status %d, want %d", d.Status(), w.status)
	}
	if d.Error != w.isError || d.Fault != w.fault || d.Throttle != w.throttle {
		t.Errorf("error/fault/throttle %v/%v/%v, want %v/%v/%v", d.Error, d.Fault, d.Throttle, w.isError, w.fault, w.throttle)
	}
	if d.Operation() != w.operation || d.AWS["table_name"] != nilIfEmpty(w.table) || d.AWS["topic_arn"] != nilIfEmpty(w.topic) {
		t.Errorf("aws %v, want operation %q, table_name %q, topic_arn %q", d.AWS, w.operation, w.table, w.topic)
	}
	if d.StartTime <= 0 || d.EndTime < d.StartTime {
		t.Errorf("start %f end %f, want epoch seconds", d.StartTime, d.EndTime)
	}
	var exc string
	if d.Cause != nil && len(d.Cause.Exceptions) > 0 {
		exc = d.Cause.Exceptions[0].Type + ": " + d.Cause.Exceptions[0].Message
	}
	if exc != w.exception {
		t.Errorf("exception %q, want %q", exc, w.exception)
	}
	if w.stack {
		cause, _ := got.raw["cause"].(map[string]any)
		exs, _ := cause["exceptions"].([]any)
		var frames []any
		if len(exs) > 0 {
			frames, _ = exs[0].(map[string]any)["stack"].([]any)
		}
		if !slices.ContainsFunc(frames, func(f any) bool {
			path, _ := f.(map[string]any)["path"].(string)
			line, _ := f.(map[string]any)["line"].(float64)
			return strings.HasSuffix(path, "otlp_test.go") && line > 0
		}) {
			t.Errorf("exception stack %v, want a frame in otlp_test.go", frames)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// The stage-3 walk on the Lambda emulator, once per instrumentation: the
// function's spans nest under the function segment Lambda records, and
// the service graph and triage come out as with the X-Ray SDK.
func TestOTLPLambdaTracesMatchTheXRaySDKs(t *testing.T) {
	const fn = "mysfits-post"
	type result struct {
		graph  traces.ServiceGraph
		triage *traces.TriageReport
	}
	results := map[string]result{}
	for _, inst := range []struct {
		name string
		// handler is the post function under this instrumentation.
		handler func(t *testing.T, s *otlpDaemon, srv *httptest.Server) func(ctx context.Context, fail bool) (string, error)
	}{
		{"xray-sdk", func(_ *testing.T, _ *otlpDaemon, srv *httptest.Server) func(context.Context, bool) (string, error) {
			ddb, topics := awsClients(srv, awsv2.AWSV2Instrumentor)
			return func(ctx context.Context, fail bool) (string, error) {
				if fail {
					return "", xraysdk.Capture(ctx, "hangingException", func(context.Context) error {
						time.Sleep(50 * time.Millisecond)
						return errors.New(hangingMessage)
					})
				}
				return "stored", storeQuestion(ctx, ddb, topics)
			}
		}},
		{"opentelemetry", func(t *testing.T, s *otlpDaemon, srv *httptest.Server) func(context.Context, bool) (string, error) {
			tp := tracerProvider(t, s.d.OTLPEndpoint(), []attribute.KeyValue{
				attribute.String("service.name", fn), attribute.String("faas.name", fn),
				attribute.String("cloud.provider", "aws"), attribute.String("cloud.platform", "aws_lambda"),
			})
			tracer := tp.Tracer("otlp_test")
			ddb, topics := awsClients(srv, otelInstrument(tp))
			return func(ctx context.Context, fail bool) (string, error) {
				// What Lambda gives the handler: the trace header whose parent
				// is the function segment.
				header, _ := ctx.Value(xraysdk.LambdaTraceHeaderKey).(string)
				ctx = xrayprop.Propagator{}.Extract(ctx, propagation.MapCarrier{"X-Amzn-Trace-Id": header})
				// Lambda freezes the environment once the handler returns.
				defer func() {
					if err := tp.ForceFlush(context.WithoutCancel(ctx)); err != nil {
						t.Errorf("ForceFlush: %v", err)
					}
				}()
				if fail {
					_, span := tracer.Start(ctx, "hangingException")
					time.Sleep(50 * time.Millisecond)
					err := errors.New(hangingMessage)
					span.RecordError(err, trace.WithStackTrace(true))
					span.SetStatus(codes.Error, err.Error())
					span.End()
					return "", err
				}
				return "stored", storeQuestion(ctx, ddb, topics)
			}
		}},
	} {
		t.Run(inst.name, func(t *testing.T) {
			s := startOTLPDaemon(t)
			handle := inst.handler(t, s, fakeAWS(t))
			f := &lambdalocal.Function{Name: fn, ARN: "arn:aws:lambda:us-east-1:000000000000:function:" + fn,
				Timeout: 10 * time.Second, Tracer: s.em, Log: slog.New(slog.NewTextHandler(t.Output(), nil)),
				NewHandler: func() lambda.Handler {
					return lambda.NewHandler(func(ctx context.Context, e struct{ Fail bool }) (string, error) {
						return handle(ctx, e.Fail)
					})
				}}
			var ids []string
			for i, fail := range []bool{false, true, false, true} {
				_, err := lambdalocal.InvokeJSON[struct{ Fail bool }, string](context.Background(), f, struct{ Fail bool }{fail}, lambdalocal.Upstream{})
				var fnErr *lambdalocal.FunctionError
				if fail != errors.As(err, &fnErr) {
					t.Fatalf("invocation %d (fail=%v): %v", i, fail, err)
				}
				r := s.next(t)
				ids = append(ids, r.docs.ID)
				// One trace: Lambda's two segments, the code's subsegments
				// under the function segment, nothing left over.
				if r.summary.IsPartial || len(r.docs.Orphans) != 0 || len(r.docs.Segments) != 2 {
					t.Fatalf("invocation %d: trace partial=%v, %d orphans, %d segments; want Lambda's two segments, complete",
						i, r.summary.IsPartial, len(r.docs.Orphans), len(r.docs.Segments))
				}
				var function *traces.Document
				for i := range r.docs.Segments {
					if r.docs.Segments[i].Origin == traces.TypeLambdaFunction {
						function = &r.docs.Segments[i]
					}
				}
				want := []string{"DynamoDB", "SNS"}
				if fail {
					want = []string{"hangingException"}
				}
				var names []string
				for _, sub := range function.Subsegments {
					// Lambda's own subsegments (Initialization, Invocation,
					// Overhead) hold the code's, as on AWS.
					if sub.Namespace == "" && slices.Contains([]string{"Initialization", "Invocation", "Overhead"}, sub.Name) {
						for _, code := range sub.Subsegments {
							names = append(names, code.Name)
						}
						continue
					}
					names = append(names, sub.Name)
				}
				if !slices.Equal(names, want) {
					t.Errorf("invocation %d: function segment holds %v, want %v", i, names, want)
				}
			}

			g := s.store.ServiceGraph(0, 0, nil)
			sums := s.store.TraceSummaries(0, 0, nil)
			batch := s.store.BatchGetTraces(ids)
			report, err := traces.Analyze(&g, &sums, batch.Traces)
			if err != nil {
				t.Fatal(err)
			}
			if report.Node == nil || report.Node.Name != fn || report.Node.Type != traces.TypeLambdaFunction ||
				report.Fault == nil || report.Fault.Name != "hangingException" || report.Fault.ExceptionMessage != hangingMessage ||
				report.Stored != "not stored" {
				var b bytes.Buffer
				_ = report.WriteText(&b)
				t.Errorf("triage:\n%s\nwant the function failing in hangingException, the question not stored", b.String())
			}
			results[inst.name] = result{graph: g, triage: report}
		})
	}

	sdk, otel := results["xray-sdk"], results["opentelemetry"]
	if sdk.triage == nil || otel.triage == nil {
		t.Fatal("an instrumentation did not run")
	}
	// Same nodes: the DynamoDB node is named after the table under
	// OpenTelemetry (otelaws records aws.dynamodb.table_names, which X-Ray
	// maps to table_name), "DynamoDB" under the X-Ray SDK (whose awsv2
	// records no table name).
	nodes := func(g traces.ServiceGraph) (out []string) {
		for _, svc := range g.Services {
			name := svc.Name
			if svc.Type == traces.TypeDynamoDBTable {
				name = "(table)"
			}
			out = append(out, name+" "+svc.Type)
		}
		slices.Sort(out)
		return out
	}
	wantNodes := []string{"(table) " + traces.TypeDynamoDBTable, "SNS " + traces.TypeSNS, "client client",
		fn + " " + traces.TypeLambda, fn + " " + traces.TypeLambdaFunction}
	slices.Sort(wantNodes)
	if got := nodes(sdk.graph); !slices.Equal(got, wantNodes) {
		t.Errorf("X-Ray SDK nodes %v, want %v", got, wantNodes)
	}
	if got := nodes(otel.graph); !slices.Equal(got, wantNodes) {
		t.Errorf("OpenTelemetry nodes %v, want %v", got, wantNodes)
	}
	if !slices.ContainsFunc(otel.graph.Services, func(s traces.Service) bool { return s.Name == tableName && s.Type == traces.TypeDynamoDBTable }) {
		t.Errorf("OpenTelemetry graph %v, want the DynamoDB node named %q", nodes(otel.graph), tableName)
	}
	// The exception's type is each SDK's own spelling of the Go type: the
	// X-Ray SDK's "errors.errorString", the OpenTelemetry SDK's
	// "*errors.errorString"; the mapping keeps what the span recorded.
	a, b := *sdk.triage, *otel.triage
	if *a.Node != *b.Node || a.Failing != b.Failing || a.Good != b.Good || a.Stored != b.Stored ||
		a.Fault.Name != b.Fault.Name || a.Fault.ExceptionType != strings.TrimPrefix(b.Fault.ExceptionType, "*") ||
		a.Fault.ExceptionMessage != b.Fault.ExceptionMessage ||
		(a.Slowest == nil) != (b.Slowest == nil) {
		t.Errorf("triage differs:\nX-Ray SDK     %+v fault %+v\nOpenTelemetry %+v fault %+v", a, *a.Fault, b, *b.Fault)
	}
}

// otlpStatus decodes an OTLP error body.
func otlpStatus(t *testing.T, resp *http.Response) *statuspb.Status {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	st := &statuspb.Status{}
	if resp.Header.Get("Content-Type") == "application/json" {
		err = protojson.Unmarshal(b, st)
	} else {
		err = proto.Unmarshal(b, st)
	}
	if err != nil {
		t.Fatalf("error body %q (%s) is not a google.rpc.Status: %v", b, resp.Header.Get("Content-Type"), err)
	}
	return st
}

func TestOTLPRefusesWhatItCannotRead(t *testing.T) {
	s := startOTLPDaemon(t)
	endpoint := s.d.OTLPEndpoint()
	for _, tc := range []struct {
		name, method, path, contentType, encoding, body string
		status                                          int
		message                                         string // in the google.rpc.Status body
	}{
		{name: "text", contentType: "text/plain", body: "hello", status: http.StatusUnsupportedMediaType, message: "unsupported Content-Type"},
		{name: "no content type", body: "hello", status: http.StatusUnsupportedMediaType, message: "unsupported Content-Type"},
		{name: "protobuf garbage", contentType: "application/x-protobuf", body: "\xff\xff\xff", status: http.StatusBadRequest, message: "protobuf"},
		{name: "broken gzip", contentType: "application/x-protobuf", encoding: "gzip", body: "not gzip", status: http.StatusBadRequest, message: "gzip"},
		{name: "brotli", contentType: "application/x-protobuf", encoding: "br", body: "x", status: http.StatusUnsupportedMediaType, message: "Content-Encoding"},
		{name: "json garbage", contentType: "application/json", body: "{not json", status: http.StatusBadRequest, message: "JSON"},
		{name: "json id not hex", contentType: "application/json; charset=utf-8", status: http.StatusBadRequest, message: "not hex",
			body: `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0102030405060708","name":"x"}]}]}]}`},
		{name: "json wrong type", contentType: "application/json", status: http.StatusBadRequest, message: "JSON",
			body: `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0102030405060708","name":5}]}]}]}`},
		{name: "GET", method: http.MethodGet, status: http.StatusMethodNotAllowed},
		{name: "other signal", path: "/v1/metrics", contentType: "application/x-protobuf", status: http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method, url := cmpOr(tc.method, http.MethodPost), endpoint
			if tc.path != "" {
				url = strings.TrimSuffix(endpoint, contract.OTLPTracesPath) + tc.path
			}
			req, err := http.NewRequest(method, url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.encoding != "" {
				req.Header.Set("Content-Encoding", tc.encoding)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.message != "" {
				if st := otlpStatus(t, resp); !strings.Contains(st.GetMessage(), tc.message) {
					t.Errorf("message %q, want it to mention %q", st.GetMessage(), tc.message)
				}
			}
		})
	}

	// Spans without usable ids: the request is answered, the spans counted
	// as rejected (OTLP's partial success), nothing stored.
	bad := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{
		{TraceId: []byte{1, 2, 3}, SpanId: []byte{1, 2, 3, 4, 5, 6, 7, 8}, Name: "short trace id"},
		{TraceId: bytes.Repeat([]byte{7}, 16), SpanId: make([]byte, 8), Name: "zero span id"},
	}}}}}}
	body, err := proto.Marshal(bad)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(endpoint, "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out coltracepb.ExportTraceServiceResponse
	if resp.StatusCode != http.StatusOK || proto.Unmarshal(b, &out) != nil || out.GetPartialSuccess().GetRejectedSpans() != 2 {
		t.Errorf("status %d, response %v; want 200 with 2 spans rejected", resp.StatusCode, &out)
	}

	if n := s.store.Len(); n != 0 {
		t.Errorf("the store holds %d traces after refused requests, want none", n)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestOTLPListensOnLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"localhost:0", true},
		{"0.0.0.0:0", false},
		{":0", false},
		{"192.0.2.10:0", false},
		{"[::]:0", false},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			d, err := xraylocal.Listen("127.0.0.1:0", xraylocal.DaemonConfig{OTLPAddr: tc.addr})
			if tc.ok != (err == nil) {
				t.Fatalf("Listen with OTLPAddr %q: %v; want ok=%v", tc.addr, err, tc.ok)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "loopback") {
					t.Errorf("error %q, want it to say why", err)
				}
				return
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			defer func() { cancel(); <-done }()
			if ep := d.OTLPEndpoint(); !strings.HasPrefix(ep, "http://") || !strings.HasSuffix(ep, contract.OTLPTracesPath) {
				t.Errorf("OTLPEndpoint %q, want http://host:port%s", ep, contract.OTLPTracesPath)
			}
		})
	}
	d, err := xraylocal.Listen("127.0.0.1:0", xraylocal.DaemonConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if ep := d.OTLPEndpoint(); ep != "" {
		t.Errorf("OTLPEndpoint %q without OTLPAddr, want none", ep)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Run(ctx); err != nil { // closes the socket
		t.Error(err)
	}
}
