package xraysdk_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/smithy-go/middleware"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing/xraysdk"
)

func TestInstrument(t *testing.T) {
	own := func(*middleware.Stack) error { return nil }
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK, contract.StageFaults} {
		t.Run(fmt.Sprintf("stage %d", stage), func(t *testing.T) {
			// Spare capacity: an append on a shared backing array would write into it.
			options := make([]func(*middleware.Stack) error, 1, 8)
			options[0] = own
			cfg := aws.Config{Region: "us-east-1", APIOptions: options}

			got := xraysdk.For(stage).Instrument(cfg)

			if len(cfg.APIOptions) != 1 || options[:cap(options)][1] != nil {
				t.Fatalf("Instrument modified the caller's APIOptions")
			}
			added := len(got.APIOptions) - 1
			if stage.SDKSubsegments() != (added > 0) {
				t.Fatalf("stage %d: %d API options added", stage, added)
			}
			if got.Region != cfg.Region {
				t.Errorf("Region = %q", got.Region)
			}
			if !stage.SDKSubsegments() {
				return
			}
			// The options must build a stack in which the X-Ray middleware is
			// wrapped, not missing.
			stack := middleware.NewStack("PutItem", func() any { return nil })
			for _, opt := range got.APIOptions {
				if err := opt(stack); err != nil {
					t.Fatalf("API option: %v", err)
				}
			}
			ids := strings.Join(stack.Initialize.List(), ",") + "," + strings.Join(stack.Deserialize.List(), ",")
			for _, id := range []string{"XRayInitializeMiddlewareAfter", "XRayDeserializeMiddleware"} {
				if !strings.Contains(ids, id) {
					t.Errorf("stack %s lacks %s", ids, id)
				}
			}
		})
	}
}

func TestHasTraceContext(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"plain", context.Background(), false},
		{"segment", context.WithValue(context.Background(), xray.ContextKey, &xray.Segment{}), true},
		{"lambda invocation", context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"), true},
		{"lambda invocation without a trace header", context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, ""), false},
	}
	for _, tt := range tests {
		if got := xraysdk.HasTraceContext(tt.ctx); got != tt.want {
			t.Errorf("%s: HasTraceContext = %t, want %t", tt.name, got, tt.want)
		}
	}
}

// The X-Ray SDK's build runs the X-Ray SDK only: a configuration asking for
// OpenTelemetry is refused with what to deploy instead.
func TestNewRefusesOpenTelemetry(t *testing.T) {
	if _, err := xraysdk.New(aws.Config{}, contract.Tracing{Stage: contract.StageSDK}, nil); err != nil {
		t.Errorf("New(X-Ray SDK) = %v", err)
	}
	_, err := xraysdk.New(aws.Config{}, contract.Tracing{Stage: contract.StageSDK, Instrumentation: contract.InstrumentationOpenTelemetry}, nil)
	if err == nil || !strings.Contains(err.Error(), contract.EnvInstrumentation+"=opentelemetry") {
		t.Errorf("New(OpenTelemetry) = %v, want a refusal naming %s", err, contract.EnvInstrumentation)
	}
}

// Capture runs the function in a subsegment when there is a trace to join,
// and runs it plainly otherwise.
func TestCaptureWithoutTraceContext(t *testing.T) {
	called := false
	err := xraysdk.For(contract.StageFaults).Capture(context.Background(), "hangingException", func(context.Context) error {
		called = true
		return errors.New("boom")
	})
	if !called || err == nil || err.Error() != "boom" {
		t.Errorf("Capture without a trace: called %t, %v", called, err)
	}
}
