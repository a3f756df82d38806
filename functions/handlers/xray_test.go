package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/handlers"
	"github.com/mysfits/mysfits-questions/functions/tracing"
)

// awsCall is one request the fake AWS endpoint answered.
type awsCall struct {
	Operation   string
	TraceHeader string // X-Amzn-Trace-Id, set by the X-Ray middleware
	Params      map[string]any
}

// fakeAWS answers DynamoDB PutItem (AWS JSON 1.0) and SNS Publish (query
// protocol, XML) the way the services do, so the real SDK clients and the
// real X-Ray middleware run end to end.
type fakeAWS struct {
	*httptest.Server
	mu    sync.Mutex
	calls []awsCall
}

const fakeRequestID = "11111111-2222-4333-8444-555555555555"

func newFakeAWS(t *testing.T) *fakeAWS {
	t.Helper()
	f := &fakeAWS{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call := awsCall{TraceHeader: r.Header.Get("X-Amzn-Trace-Id")}
	w.Header().Set("X-Amzn-RequestId", fakeRequestID)
	switch {
	case r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.PutItem":
		call.Operation = "PutItem"
		if err := json.Unmarshal(body, &call.Params); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		fmt.Fprint(w, `{}`)
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("Action") != "Publish" {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"UnknownOperationException"}`)
			return
		}
		call.Operation = "Publish"
		call.Params = map[string]any{"TopicArn": form.Get("TopicArn"), "Subject": form.Get("Subject")}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>
</PublishResponse>`, fakeRequestID)
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

func (f *fakeAWS) answered() []awsCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]awsCall(nil), f.calls...)
}

// config is an SDK configuration aimed at the fake, with static credentials
// and no retries.
func (f *fakeAWS) config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		BaseEndpoint: aws.String(f.URL),
		HTTPClient:   f.Client(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func getenv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

var quiet = slog.New(slog.DiscardHandler)

// inSegment runs one invocation inside a segment, as a local runner does,
// and returns the trace's documents once the segment is sent.
func inSegment(t *testing.T, name string, run func(ctx context.Context) error) []segmentDoc {
	t.Helper()
	ctx, seg := xray.BeginSegment(context.Background(), name)
	err := run(ctx)
	seg.Close(err)
	return daemon.collect(t, seg.TraceID, untilSegment(seg.ID))
}

func TestXRayPostStages(t *testing.T) {
	const faultDelay = 200 * time.Millisecond
	tests := []struct {
		name       string
		vars       map[string]string
		wantDBCall bool // DynamoDB called, and a DynamoDB subsegment expected when traced
		traced     bool
		fault      bool
	}{
		{name: "stage 1: no SDK subsegments", vars: map[string]string{contract.EnvStage: "1"}, wantDBCall: true},
		{name: "stage 2: DynamoDB subsegment", vars: map[string]string{contract.EnvStage: "2"}, wantDBCall: true, traced: true},
		{name: "stage 3: hangingException, nothing stored", vars: map[string]string{
			contract.EnvStage: "3", contract.EnvFaultPercent: "100", contract.EnvFaultDelay: faultDelay.String()}, traced: true, fault: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeAWS(t)
			tt.vars[contract.EnvTableName] = testTable
			p, err := handlers.NewPost(srv.config(), getenv(tt.vars))
			if err != nil {
				t.Fatal(err)
			}
			p.Log = quiet
			payload := readEvent(t, "post", "valid")

			var invokeErr error
			var out []byte
			docs := inSegment(t, "postquestion", func(ctx context.Context) error {
				out, invokeErr = invoke(t, ctx, p.Handle, payload)
				return invokeErr
			})

			calls := srv.answered()
			dynamo := named(docs, "DynamoDB")
			hanging := named(docs, tracing.HangingSubsegment)
			switch {
			case tt.fault:
				if !errors.Is(invokeErr, tracing.ErrInjectedFault) {
					t.Fatalf("Invoke = %s, %v; want the injected fault", out, invokeErr)
				}
				if len(hanging) != 1 {
					t.Fatalf("%d %s subsegments in %+v", len(hanging), tracing.HangingSubsegment, docs)
				}
				h := hanging[0]
				if !h.Fault || h.Cause == nil || len(h.Cause.Exceptions) == 0 {
					t.Errorf("%s subsegment not recorded as a fault: %+v", h.Name, h)
				}
				if d := time.Duration((h.EndTime - h.StartTime) * float64(time.Second)); d < faultDelay-time.Millisecond {
					t.Errorf("%s lasted %s, want at least %s", h.Name, d, faultDelay)
				}
				// Nothing the trace holds, in any document (causes, exception
				// messages, metadata, annotations), names the visitor's data.
				var req events.APIGatewayProxyRequest
				_ = json.Unmarshal(payload, &req)
				raw := 0
				for _, d := range docs {
					raw += len(d.raw)
					for _, s := range requestSecrets(t, req) {
						if strings.Contains(string(d.raw), s) {
							t.Errorf("trace document %s holds user data %q: %s", d.Name, s, d.raw)
						}
						if d.Cause == nil {
							continue
						}
						for _, e := range d.Cause.Exceptions {
							if strings.Contains(e.Message, s) {
								t.Errorf("trace exception %q holds user data %q", e.Message, s)
							}
						}
					}
				}
				if raw == 0 {
					t.Error("no raw trace documents to check")
				}
			default:
				if invokeErr != nil {
					t.Fatalf("Invoke: %v", invokeErr)
				}
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != http.StatusCreated {
					t.Fatalf("response %s, want 201", out)
				}
				if len(hanging) != 0 {
					t.Errorf("%s subsegment without fault injection", tracing.HangingSubsegment)
				}
			}

			if got := len(calls); got != map[bool]int{true: 1}[tt.wantDBCall] {
				t.Fatalf("DynamoDB answered %d calls, want DynamoDB called: %t", got, tt.wantDBCall)
			}
			if tt.wantDBCall {
				assertCallTraced(t, calls[0], "PutItem", docs[0].TraceID, tt.traced)
				if calls[0].Params["ConditionExpression"] != "attribute_not_exists(QuestionId)" || calls[0].Params["TableName"] != testTable {
					t.Errorf("PutItem request %v", calls[0].Params)
				}
			}
			if want := map[bool]int{true: 1}[tt.wantDBCall && tt.traced]; len(dynamo) != want {
				t.Fatalf("%d DynamoDB subsegments, want %d: %+v", len(dynamo), want, docs)
			}
			if len(dynamo) == 1 {
				assertAWSSubsegment(t, dynamo[0], "PutItem")
			}
		})
	}
}

func TestXRayNotifyStages(t *testing.T) {
	for _, stage := range []string{"1", "2"} {
		t.Run("stage "+stage, func(t *testing.T) {
			srv := newFakeAWS(t)
			n, err := handlers.NewNotify(srv.config(), getenv(map[string]string{contract.EnvTopicARN: testTopic, contract.EnvStage: stage}))
			if err != nil {
				t.Fatal(err)
			}
			n.Log = quiet
			var out []byte
			docs := inSegment(t, "processstream", func(ctx context.Context) error {
				var err error
				out, err = invoke(t, ctx, n.Handle, readEvent(t, "stream", "inserts"))
				return err
			})
			var resp events.DynamoDBEventResponse
			if err := json.Unmarshal(out, &resp); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("response %s, want no failures", out)
			}
			traced := stage == "2"
			calls := srv.answered()
			if len(calls) != 3 {
				t.Fatalf("SNS answered %d calls, want 3", len(calls))
			}
			for _, c := range calls {
				assertCallTraced(t, c, "Publish", docs[0].TraceID, traced)
				if c.Params["TopicArn"] != testTopic {
					t.Errorf("published to %v", c.Params["TopicArn"])
				}
			}
			subsegments := named(docs, "SNS")
			if want := map[bool]int{true: 3}[traced]; len(subsegments) != want {
				t.Fatalf("%d SNS subsegments, want %d: %+v", len(subsegments), want, docs)
			}
			for _, s := range subsegments {
				assertAWSSubsegment(t, s, "Publish")
			}
		})
	}
}

// In Lambda there is no segment in the context, only the trace header the
// runtime puts there; the SDK then streams each subsegment on its own under
// the facade segment Lambda itself reports.
func TestXRayLambdaFacade(t *testing.T) {
	const (
		traceID  = "1-5759e988-bd862e3fe1be46a994272793"
		parentID = "53995c3f42cd8ad8"
	)
	srv := newFakeAWS(t)
	p, err := handlers.NewPost(srv.config(), getenv(map[string]string{contract.EnvTableName: testTable, contract.EnvStage: "2"}))
	if err != nil {
		t.Fatal(err)
	}
	p.Log = quiet
	ctx := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root="+traceID+";Parent="+parentID+";Sampled=1")
	if _, err := invoke(t, ctx, p.Handle, readEvent(t, "post", "valid")); err != nil {
		t.Fatal(err)
	}
	docs := daemon.collect(t, traceID, untilNamed("DynamoDB", 1))
	d := named(docs, "DynamoDB")[0]
	if d.Type != "subsegment" || d.ParentID != parentID || d.InProgress {
		t.Errorf("streamed subsegment %+v: want a closed subsegment of %s", d, parentID)
	}
	assertAWSSubsegment(t, d, "PutItem")
	calls := srv.answered()
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	assertCallTraced(t, calls[0], "PutItem", traceID, true)
}

// Outside Lambda and without a segment (tests, a runner without X-Ray) the
// traced stages must work without the SDK complaining about a missing context.
func TestXRayWithoutSegment(t *testing.T) {
	// The counter does count: the SDK used directly without a segment reports.
	before := ctxMissing.n.Load()
	_ = xray.Capture(context.Background(), "probe", func(context.Context) error { return nil })
	if ctxMissing.n.Load() == before {
		t.Fatal("context-missing reports are not counted; the assertions below would prove nothing")
	}

	srv := newFakeAWS(t)
	before = ctxMissing.n.Load()

	p, err := handlers.NewPost(srv.config(), getenv(map[string]string{contract.EnvTableName: testTable, contract.EnvStage: "2"}))
	if err != nil {
		t.Fatal(err)
	}
	p.Log = quiet
	out, err := invoke(t, context.Background(), p.Handle, readEvent(t, "post", "valid"))
	if err != nil || !strings.Contains(string(out), `"statusCode":201`) {
		t.Errorf("stage 2 post without a segment: %s, %v", out, err)
	}

	n, err := handlers.NewNotify(srv.config(), getenv(map[string]string{contract.EnvTopicARN: testTopic, contract.EnvStage: "2"}))
	if err != nil {
		t.Fatal(err)
	}
	n.Log = quiet
	if out, err := invoke(t, context.Background(), n.Handle, readEvent(t, "stream", "inserts")); err != nil || strings.Contains(string(out), "itemIdentifier") {
		t.Errorf("stage 2 notify without a segment: %s, %v", out, err)
	}

	faulty, err := handlers.NewPost(srv.config(), getenv(map[string]string{contract.EnvTableName: testTable, contract.EnvStage: "3",
		contract.EnvFaultPercent: "100", contract.EnvFaultDelay: contract.MinFaultDelay.String()}))
	if err != nil {
		t.Fatal(err)
	}
	faulty.Log = quiet
	if _, err := invoke(t, context.Background(), faulty.Handle, readEvent(t, "post", "valid")); !errors.Is(err, tracing.ErrInjectedFault) {
		t.Errorf("stage 3 post without a segment: %v, want the injected fault", err)
	}

	if got := ctxMissing.n.Load() - before; got != 0 {
		t.Errorf("the SDK reported a missing context %d times", got)
	}
	calls := srv.answered()
	if len(calls) != 4 { // one PutItem, three Publish, nothing for the faulted post
		t.Errorf("%d AWS calls, want 4", len(calls))
	}
	for _, c := range calls {
		if c.TraceHeader != "" {
			t.Errorf("%s sent trace header %q without a trace", c.Operation, c.TraceHeader)
		}
	}
}

// assertCallTraced checks the request carried the trace downstream exactly
// when the client is traced.
func assertCallTraced(t *testing.T, c awsCall, op, traceID string, traced bool) {
	t.Helper()
	if c.Operation != op {
		t.Errorf("operation %q, want %q", c.Operation, op)
	}
	if got := strings.Contains(c.TraceHeader, "Root="+traceID); got != traced {
		t.Errorf("%s trace header %q: carries trace %s = %t, want %t", op, c.TraceHeader, traceID, got, traced)
	}
}

func assertAWSSubsegment(t *testing.T, d segmentDoc, op string) {
	t.Helper()
	if d.Namespace != "aws" || d.AWS["operation"] != op || d.AWS["region"] != "us-east-1" || d.AWS["request_id"] != fakeRequestID {
		t.Errorf("%s subsegment: namespace %q, aws %v; want operation %s with the request id", d.Name, d.Namespace, d.AWS, op)
	}
	if d.Fault || d.HTTP == nil || d.HTTP.Response.Status != http.StatusOK || d.EndTime < d.StartTime {
		t.Errorf("%s subsegment: fault %t, http %+v, %f..%f", d.Name, d.Fault, d.HTTP, d.StartTime, d.EndTime)
	}
}
