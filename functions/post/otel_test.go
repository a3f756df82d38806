package post_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mysfits/mysfits-questions/contract"
	ht "github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/post"
	"github.com/mysfits/mysfits-questions/functions/tracing"
)

// The spans the real OpenTelemetry SDK records for a POST at each stage,
// under the trace header Lambda's active tracing passes: none at stage 1,
// the DynamoDB call at stage 2, hangingException at stage 3, each a child
// of the function's segment, and all exported before the invocation
// returned (the batch would otherwise wait 5 s).
func TestOTelPostStages(t *testing.T) {
	const faultDelay = 200 * time.Millisecond
	tests := []struct {
		name  string
		vars  map[string]string
		spans int
		fault bool
	}{
		{name: "stage 1: no SDK spans", vars: map[string]string{contract.EnvStage: "1"}},
		{name: "stage 2: the DynamoDB call", vars: map[string]string{contract.EnvStage: "2"}, spans: 1},
		{name: "stage 3: hangingException, nothing stored", vars: map[string]string{
			contract.EnvStage: "3", contract.EnvFaultPercent: "100", contract.EnvFaultDelay: faultDelay.String()}, spans: 1, fault: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ht.NewFakeAWS(t)
			tt.vars[contract.EnvTableName] = testTable
			tt.vars[contract.EnvInstrumentation] = "opentelemetry"
			factory, mem := ht.InMemoryOTel()
			p, err := post.New(srv.Config(), ht.Getenv(tt.vars), factory)
			if err != nil {
				t.Fatal(err)
			}
			p.Log = ht.Quiet
			payload := ht.ReadEvent(t, "post", "valid")
			out, invokeErr := ht.Invoke(t, ht.LambdaContext(true), p.Handle, payload)

			spans := mem.GetSpans()
			if len(spans) != tt.spans {
				t.Fatalf("%d spans exported by the time the invocation returned, want %d: %+v", len(spans), tt.spans, spans.Snapshots())
			}
			calls := srv.Answered()
			var req events.APIGatewayProxyRequest
			_ = json.Unmarshal(payload, &req)
			ht.AssertSpansFree(t, spans, ht.RequestSecrets(t, req))
			switch {
			case tt.fault:
				if !errors.Is(invokeErr, tracing.ErrInjectedFault) {
					t.Fatalf("Invoke = %s, %v; want the injected fault", out, invokeErr)
				}
				if len(calls) != 0 {
					t.Errorf("%d DynamoDB calls, want none: the faulted question is not stored", len(calls))
				}
				h := spans[0]
				ht.AssertJoinsLambdaTrace(t, h)
				if h.Name != tracing.HangingSubsegment || h.SpanKind != trace.SpanKindInternal {
					t.Errorf("span %q kind %s, want %s, internal", h.Name, h.SpanKind, tracing.HangingSubsegment)
				}
				if h.Status.Code != codes.Error || h.Status.Description == "" {
					t.Errorf("%s status %+v, want Error with the fault's text", h.Name, h.Status)
				}
				if len(h.Events) != 1 || h.Events[0].Name != "exception" {
					t.Fatalf("%s events %+v, want one exception", h.Name, h.Events)
				}
				ex := ht.Attrs(h.Events[0].Attributes)
				if ex["exception.message"] != h.Status.Description || ex["exception.type"] == "" {
					t.Errorf("exception event %v, want the fault's type and message", ex)
				}
				if d := h.EndTime.Sub(h.StartTime); d < faultDelay {
					t.Errorf("%s lasted %s, want at least %s", h.Name, d, faultDelay)
				}
			default:
				var resp events.APIGatewayProxyResponse
				if invokeErr != nil || json.Unmarshal(out, &resp) != nil || resp.StatusCode != http.StatusCreated {
					t.Fatalf("Invoke = %s, %v; want 201", out, invokeErr)
				}
				if len(calls) != 1 {
					t.Fatalf("%d DynamoDB calls, want 1", len(calls))
				}
				if tt.spans == 0 {
					ht.AssertUntraced(t, calls, 1)
					return
				}
				ht.AssertAWSCallSpan(t, spans[0], "DynamoDB", "PutItem", "aws.dynamodb.table_names", `["`+testTable+`"]`)
				ht.AssertCallCarries(t, calls[0], spans[0])
			}
		})
	}
}

// Lambda decides the sampling: an invocation it does not sample records
// nothing and passes the decision on; one outside Lambda, without a trace
// header, records nothing and sends no header. Both still answer.
func TestOTelPostUnsampled(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sampled *bool
	}{
		{name: "Sampled=0", sampled: new(bool)},
		{name: "no trace header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := ht.NewFakeAWS(t)
			factory, mem := ht.InMemoryOTel()
			p, err := post.New(srv.Config(), ht.Getenv(map[string]string{contract.EnvTableName: testTable,
				contract.EnvStage: "3", contract.EnvFaultPercent: "0", contract.EnvInstrumentation: "opentelemetry"}), factory)
			if err != nil {
				t.Fatal(err)
			}
			p.Log = ht.Quiet
			ctx := ht.LambdaContext(false)
			if tc.sampled == nil {
				ctx = t.Context()
			}
			out, err := ht.Invoke(t, ctx, p.Handle, ht.ReadEvent(t, "post", "valid"))
			if err != nil {
				t.Fatalf("Invoke: %s, %v", out, err)
			}
			if spans := mem.GetSpans(); len(spans) != 0 {
				t.Errorf("%d spans, want none: %+v", len(spans), spans)
			}
			calls := srv.Answered()
			if tc.sampled == nil {
				ht.AssertUntraced(t, calls, 1)
				return
			}
			if len(calls) != 1 || !strings.HasPrefix(calls[0].TraceHeader, "Root="+ht.LambdaTraceID+";Parent=") ||
				!strings.HasSuffix(calls[0].TraceHeader, ";Sampled=0") {
				t.Errorf("calls %+v, want one carrying Lambda's trace, not sampled", calls)
			}
		})
	}
}
