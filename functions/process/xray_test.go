package process_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/contract"
	ht "github.com/mysfits/mysfits-questions/functions/internal/handlertest"
)

func TestXRayNotifyStages(t *testing.T) {
	for _, stage := range []string{"1", "2"} {
		t.Run("stage "+stage, func(t *testing.T) {
			srv := ht.NewFakeAWS(t)
			n, err := newHandler(srv.Config(), ht.Getenv(map[string]string{contract.EnvTopicARN: testTopic, contract.EnvStage: stage}))
			if err != nil {
				t.Fatal(err)
			}
			n.Log = ht.Quiet
			var out []byte
			docs := ht.InSegment(t, "processstream", func(ctx context.Context) error {
				var err error
				out, err = ht.Invoke(t, ctx, n.Handle, ht.ReadEvent(t, "stream", "inserts"))
				return err
			})
			var resp events.DynamoDBEventResponse
			if err := json.Unmarshal(out, &resp); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("response %s, want no failures", out)
			}
			traced := stage == "2"
			calls := srv.Answered()
			if len(calls) != 3 {
				t.Fatalf("SNS answered %d calls, want 3", len(calls))
			}
			for _, c := range calls {
				ht.AssertCallTraced(t, c, "Publish", docs[0].TraceID, traced)
				if c.Params["TopicArn"] != testTopic {
					t.Errorf("published to %v", c.Params["TopicArn"])
				}
			}
			subsegments := ht.Named(docs, "SNS")
			if want := map[bool]int{true: 3}[traced]; len(subsegments) != want {
				t.Fatalf("%d SNS subsegments, want %d: %+v", len(subsegments), want, docs)
			}
			for _, s := range subsegments {
				ht.AssertAWSSubsegment(t, s, "Publish")
			}
		})
	}
}

// Outside Lambda and without a segment (tests, a runner without X-Ray) the
// traced stage must work without the SDK complaining about a missing
// context. (The post function's half is post's TestXRayWithoutSegment.)
func TestXRayWithoutSegment(t *testing.T) {
	noContextMissing := ht.WatchContextMissing(t)
	srv := ht.NewFakeAWS(t)

	n, err := newHandler(srv.Config(), ht.Getenv(map[string]string{contract.EnvTopicARN: testTopic, contract.EnvStage: "2"}))
	if err != nil {
		t.Fatal(err)
	}
	n.Log = ht.Quiet
	if out, err := ht.Invoke(t, context.Background(), n.Handle, ht.ReadEvent(t, "stream", "inserts")); err != nil || strings.Contains(string(out), "itemIdentifier") {
		t.Errorf("stage 2 notify without a segment: %s, %v", out, err)
	}

	noContextMissing()
	ht.AssertUntraced(t, srv.Answered(), 3) // three Publish
}
