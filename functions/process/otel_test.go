package process_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/contract"
	ht "github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/process"
)

// The spans the real OpenTelemetry SDK records for a stream batch of three
// new questions: none at stage 1; from stage 2 one SNS Publish span per
// question, each a child of the function's segment, each passed on to SNS,
// all exported before the invocation returned.
func TestOTelNotifyStages(t *testing.T) {
	for _, stage := range []string{"1", "2", "3"} {
		t.Run("stage "+stage, func(t *testing.T) {
			srv := ht.NewFakeAWS(t)
			factory, mem := ht.InMemoryOTel()
			vars := map[string]string{contract.EnvTopicARN: testTopic, contract.EnvStage: stage, contract.EnvInstrumentation: "opentelemetry"}
			n, err := process.New(srv.Config(), ht.Getenv(vars), factory)
			if err != nil {
				t.Fatal(err)
			}
			n.Log = ht.Quiet
			payload := ht.ReadEvent(t, "stream", "inserts")
			out, err := ht.Invoke(t, ht.LambdaContext(true), n.Handle, payload)
			var resp events.DynamoDBEventResponse
			if err != nil || json.Unmarshal(out, &resp) != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("Invoke = %s, %v; want no failures", out, err)
			}
			calls, spans := srv.Answered(), mem.GetSpans()
			if len(calls) != 3 {
				t.Fatalf("SNS answered %d calls, want 3", len(calls))
			}
			var ev events.DynamoDBEvent
			_ = json.Unmarshal(payload, &ev)
			ht.AssertSpansFree(t, spans, ht.StreamSecrets(ev))
			if stage == "1" {
				if len(spans) != 0 {
					t.Errorf("%d spans at stage 1, want none", len(spans))
				}
				ht.AssertUntraced(t, calls, 3)
				return
			}
			if len(spans) != 3 {
				t.Fatalf("%d spans, want one per Publish: %+v", len(spans), spans)
			}
			for i, s := range spans {
				ht.AssertAWSCallSpan(t, s, "SNS", "Publish", "aws.sns.topic.arn", testTopic)
				ht.AssertCallCarries(t, calls[i], s)
			}
		})
	}
}
