package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/handlers"
)

// The handler benchmarks: one invocation as Lambda makes it (JSON payload
// through aws-lambda-go, a context with the request id, a deadline and the
// trace header active tracing passes), on the real SDK clients built from
// the Lambda configuration, with an in-process HTTP transport answering as
// DynamoDB and SNS do. At stage 2 the X-Ray middleware therefore runs as on
// Lambda: a subsegment per call under the facade segment, streamed over UDP
// to the daemon TestMain configured. `make bench` runs the stages side by
// side and prints their ratio; no test asserts a speed.
//
//	go test ./functions/handlers -run '^$' -bench . -benchmem

func BenchmarkPost(b *testing.B) {
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK} {
		b.Run(fmt.Sprintf("stage%d", stage), func(b *testing.B) {
			p, err := handlers.NewPost(benchConfig(b), getenv(map[string]string{
				contract.EnvTableName: testTable, contract.EnvStage: fmt.Sprint(int(stage)),
			}))
			if err != nil {
				b.Fatal(err)
			}
			p.Log = benchLogger()
			benchInvoke(b, p.Handle, benchEvent(b, "post", "valid"), func(out []byte) error {
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != http.StatusCreated {
					return fmt.Errorf("response %s, want 201", out)
				}
				return nil
			})
		})
	}
}

func BenchmarkNotify(b *testing.B) {
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK} {
		b.Run(fmt.Sprintf("stage%d", stage), func(b *testing.B) {
			n, err := handlers.NewNotify(benchConfig(b), getenv(map[string]string{
				contract.EnvTopicARN: testTopic, contract.EnvStage: fmt.Sprint(int(stage)),
			}))
			if err != nil {
				b.Fatal(err)
			}
			n.Log = benchLogger()
			benchInvoke(b, n.Handle, benchEvent(b, "stream", "inserts"), func(out []byte) error {
				var resp events.DynamoDBEventResponse
				if err := json.Unmarshal(out, &resp); err != nil || resp.BatchItemFailures == nil || len(resp.BatchItemFailures) > 0 {
					return fmt.Errorf("response %s, want no failures", out)
				}
				return nil
			})
		})
	}
}

// benchInvoke runs handler once per iteration the way the runtime does and
// checks the first answer, so a failing handler is never timed.
func benchInvoke(b *testing.B, handler any, payload []byte, check func([]byte) error) {
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

// benchConfig is the functions' own configuration (handlers.LambdaConfig
// on the variables Lambda sets) with the transport swapped for awsAnswers.
func benchConfig(b *testing.B) aws.Config {
	b.Helper()
	cfg, err := handlers.LambdaConfig(getenv(map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
	}))
	if err != nil {
		b.Fatal(err)
	}
	cfg.HTTPClient = &http.Client{Transport: awsAnswers{}}
	return cfg
}

// benchLogger encodes every record as the functions do, into nothing: the
// cost of logging stays in, the terminal's does not.
func benchLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func benchEvent(b *testing.B, kind, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(eventsDir, kind, name+".json"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// awsAnswers is an http.RoundTripper answering DynamoDB PutItem and SNS
// Publish in process, in the services' protocols, without a socket.
type awsAnswers struct{}

func (awsAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	h := http.Header{"X-Amzn-Requestid": {fakeRequestID}}
	answer := func(status int, contentType, text string) *http.Response {
		h.Set("Content-Type", contentType)
		return &http.Response{
			Status: http.StatusText(status), StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(strings.NewReader(text)), ContentLength: int64(len(text)), Request: r,
		}
	}
	if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.PutItem" {
		return answer(http.StatusOK, "application/x-amz-json-1.0", `{}`), nil
	}
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") == "Publish" {
		return answer(http.StatusOK, "text/xml", `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
  <ResponseMetadata><RequestId>`+fakeRequestID+`</RequestId></ResponseMetadata>
</PublishResponse>`), nil
	}
	return answer(http.StatusBadRequest, "application/x-amz-json-1.0", `{"__type":"UnknownOperationException"}`), nil
}
