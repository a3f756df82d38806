package lambdalocal

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type echoIn struct {
	N int `json:"n"`
}

type echoOut struct {
	Echo string `json:"echo"`
}

// Concurrent invocations each get their own answer. aws-lambda-go hands
// back bytes from a buffer the next invocation of the same handler reuses,
// which Lambda can afford because an execution environment runs one
// invocation at a time; the load test caught answers crossing between
// concurrent requests when they shared one handler.
func TestConcurrentInvocationsKeepTheirAnswers(t *testing.T) {
	handle := func(_ context.Context, in echoIn) (echoOut, error) {
		return echoOut{Echo: fmt.Sprintf("answer to %d", in.N)}, nil
	}
	cases := []struct {
		name string
		fn   *Function
	}{
		{"an environment per concurrent invocation", &Function{Name: "echo", Timeout: 10 * time.Second,
			NewHandler: func() lambda.Handler { return lambda.NewHandler(handle) }}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const workers, each = 16, 200
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range each {
						n := w*each + i
						out, err := InvokeJSON[echoIn, echoOut](context.Background(), tc.fn, echoIn{N: n}, Upstream{})
						if want := fmt.Sprintf("answer to %d", n); err != nil || out.Echo != want {
							t.Errorf("invocation %d answered %q, %v; want %q", n, out.Echo, err, want)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
