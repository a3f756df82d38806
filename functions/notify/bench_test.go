package notify_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/contract"
	ht "github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/notify"
)

// BenchmarkNotify is the process handler at stages 1 and 2 on a batch of
// three inserts, one invocation as Lambda makes it (see
// handlertest.BenchInvoke).
//
//	go test ./functions/notify -run '^$' -bench . -benchmem
func BenchmarkNotify(b *testing.B) {
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK} {
		b.Run(fmt.Sprintf("stage%d", stage), func(b *testing.B) {
			n, err := notify.New(ht.BenchConfig(b), ht.Getenv(map[string]string{
				contract.EnvTopicARN: ht.Topic, contract.EnvStage: fmt.Sprint(int(stage)),
			}))
			if err != nil {
				b.Fatal(err)
			}
			n.Log = ht.BenchLogger()
			ht.BenchInvoke(b, n.Handle, ht.ReadEvent(b, "stream", "inserts"), func(out []byte) error {
				var resp events.DynamoDBEventResponse
				if err := json.Unmarshal(out, &resp); err != nil || resp.BatchItemFailures == nil || len(resp.BatchItemFailures) > 0 {
					return fmt.Errorf("response %s, want no failures", out)
				}
				return nil
			})
		})
	}
}
