package handlertest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
)

// The handler benchmarks: one invocation as Lambda makes it (JSON payload
// through aws-lambda-go, a context with the request id, a deadline and the
// trace header active tracing passes), on the real SDK clients built from
// the Lambda configuration, with an in-process HTTP transport answering as
// DynamoDB and SNS do. At stage 2 the X-Ray middleware therefore runs as on
// Lambda: a subsegment per call under the facade segment, streamed over UDP
// to the daemon Main configured. `make bench` runs the stages side by side
// and prints their ratio; no test asserts a speed.

// BenchInvoke runs handler once per iteration the way the runtime does and
// checks the first answer, so a failing handler is never timed.
func BenchInvoke(b *testing.B, handler any, payload []byte, check func([]byte) error) {
	b.Helper()
	h := lambda.NewHandler(handler)
	const traceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	invocation := func() ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "c6af9ac6-7b61-11e6-9a41-93e812345678"})
		ctx = context.WithValue(ctx, xray.LambdaTraceHeaderKey, traceHeader) //nolint:staticcheck // the key the runtime uses
		return h.Invoke(ctx, payload)
	}
	out, err := invocation()
	if err == nil {
		err = check(out)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := invocation(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchConfig is the functions' own configuration (lambdaenv.AWSConfig on
// the variables Lambda sets) with the transport swapped for awsAnswers.
func BenchConfig(b *testing.B) aws.Config {
	b.Helper()
	cfg, err := lambdaenv.AWSConfig(Getenv(map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
	}))
	if err != nil {
		b.Fatal(err)
	}
	cfg.HTTPClient = &http.Client{Transport: awsAnswers{}}
	return cfg
}

// BenchLogger encodes every record as the functions do, into nothing: the
// cost of logging stays in, the terminal's does not.
func BenchLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
