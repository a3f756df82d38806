package submit_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/contract"
	ht "github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/submit"
)

// BenchmarkPost is the post handler at stages 1 and 2, one invocation as
// Lambda makes it (see handlertest.BenchInvoke).
//
//	go test ./functions/submit -run '^$' -bench . -benchmem
func BenchmarkPost(b *testing.B) {
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK} {
		b.Run(fmt.Sprintf("stage%d", stage), func(b *testing.B) {
			p, err := submit.New(ht.BenchConfig(b), ht.Getenv(map[string]string{
				contract.EnvTableName: ht.Table, contract.EnvStage: fmt.Sprint(int(stage)),
			}))
			if err != nil {
				b.Fatal(err)
			}
			p.Log = ht.BenchLogger()
			ht.BenchInvoke(b, p.Handle, ht.ReadEvent(b, "post", "valid"), func(out []byte) error {
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != http.StatusCreated {
					return fmt.Errorf("response %s, want 201", out)
				}
				return nil
			})
		})
	}
}
