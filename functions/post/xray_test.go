package post_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/contract"
	ht "github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/tracing"
)

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
			srv := ht.NewFakeAWS(t)
			tt.vars[contract.EnvTableName] = testTable
			p, err := newHandler(srv.Config(), ht.Getenv(tt.vars))
			if err != nil {
				t.Fatal(err)
			}
			p.Log = ht.Quiet
			payload := ht.ReadEvent(t, "post", "valid")

			var invokeErr error
			var out []byte
			docs := ht.InSegment(t, "postquestion", func(ctx context.Context) error {
				out, invokeErr = ht.Invoke(t, ctx, p.Handle, payload)
				return invokeErr
			})

			calls := srv.Answered()
			dynamo := ht.Named(docs, "DynamoDB")
			hanging := ht.Named(docs, tracing.HangingSubsegment)
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
					raw += len(d.Raw)
					for _, s := range ht.RequestSecrets(t, req) {
						if strings.Contains(string(d.Raw), s) {
							t.Errorf("trace document %s holds user data %q: %s", d.Name, s, d.Raw)
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
				ht.AssertCallTraced(t, calls[0], "PutItem", docs[0].TraceID, tt.traced)
				if calls[0].Params["ConditionExpression"] != "attribute_not_exists(QuestionId)" || calls[0].Params["TableName"] != testTable {
					t.Errorf("PutItem request %v", calls[0].Params)
				}
			}
			if want := map[bool]int{true: 1}[tt.wantDBCall && tt.traced]; len(dynamo) != want {
				t.Fatalf("%d DynamoDB subsegments, want %d: %+v", len(dynamo), want, docs)
			}
			if len(dynamo) == 1 {
				ht.AssertAWSSubsegment(t, dynamo[0], "PutItem")
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
	srv := ht.NewFakeAWS(t)
	p, err := newHandler(srv.Config(), ht.Getenv(map[string]string{contract.EnvTableName: testTable, contract.EnvStage: "2"}))
	if err != nil {
		t.Fatal(err)
	}
	p.Log = ht.Quiet
	ctx := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root="+traceID+";Parent="+parentID+";Sampled=1")
	if _, err := ht.Invoke(t, ctx, p.Handle, ht.ReadEvent(t, "post", "valid")); err != nil {
		t.Fatal(err)
	}
	docs := ht.Daemon.Collect(t, traceID, ht.UntilNamed("DynamoDB", 1))
	d := ht.Named(docs, "DynamoDB")[0]
	if d.Type != "subsegment" || d.ParentID != parentID || d.InProgress {
		t.Errorf("streamed subsegment %+v: want a closed subsegment of %s", d, parentID)
	}
	ht.AssertAWSSubsegment(t, d, "PutItem")
	calls := srv.Answered()
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	ht.AssertCallTraced(t, calls[0], "PutItem", traceID, true)
}

// Outside Lambda and without a segment (tests, a runner without X-Ray) the
// traced stages must work without the SDK complaining about a missing
// context. (The process function's half is process's TestXRayWithoutSegment.)
func TestXRayWithoutSegment(t *testing.T) {
	noContextMissing := ht.WatchContextMissing(t)
	srv := ht.NewFakeAWS(t)

	p, err := newHandler(srv.Config(), ht.Getenv(map[string]string{contract.EnvTableName: testTable, contract.EnvStage: "2"}))
	if err != nil {
		t.Fatal(err)
	}
	p.Log = ht.Quiet
	out, err := ht.Invoke(t, context.Background(), p.Handle, ht.ReadEvent(t, "post", "valid"))
	if err != nil || !strings.Contains(string(out), `"statusCode":201`) {
		t.Errorf("stage 2 post without a segment: %s, %v", out, err)
	}

	faulty, err := newHandler(srv.Config(), ht.Getenv(map[string]string{contract.EnvTableName: testTable, contract.EnvStage: "3",
		contract.EnvFaultPercent: "100", contract.EnvFaultDelay: contract.MinFaultDelay.String()}))
	if err != nil {
		t.Fatal(err)
	}
	faulty.Log = ht.Quiet
	if _, err := ht.Invoke(t, context.Background(), faulty.Handle, ht.ReadEvent(t, "post", "valid")); !errors.Is(err, tracing.ErrInjectedFault) {
		t.Errorf("stage 3 post without a segment: %v, want the injected fault", err)
	}

	noContextMissing()
	ht.AssertUntraced(t, srv.Answered(), 1) // one PutItem, nothing for the faulted post
}
