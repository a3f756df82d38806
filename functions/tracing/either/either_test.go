package either_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing/either"
	"github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"
	"github.com/mysfits/mysfits-questions/functions/tracing/xraysdk"
)

// New makes the instrumentation the settings name.
func TestNew(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	env := func(string) string { return "" }
	x, err := either.New(cfg, contract.Tracing{Stage: contract.StageSDK}, env)
	if _, ok := x.(xraysdk.XRay); err != nil || !ok {
		t.Errorf("X-Ray SDK: %T, %v", x, err)
	}
	o, err := either.New(cfg, contract.Tracing{Stage: contract.StageSDK, Instrumentation: contract.InstrumentationOpenTelemetry}, env)
	if _, ok := o.(*opentelemetry.OTel); err != nil || !ok {
		t.Errorf("OpenTelemetry: %T, %v", o, err)
	}
	if _, err := either.New(cfg, contract.Tracing{Stage: contract.StageSDK, Instrumentation: 9}, env); err == nil {
		t.Error("an unknown instrumentation was accepted")
	}
}

// Each deployed build links one tracing SDK, and the handler packages
// neither: with both, the post function's zip passes 6 MB (the benchmark's
// size rows measure it).
func TestBuildsLinkOneSDK(t *testing.T) {
	const (
		xraySDK = "github.com/aws/aws-xray-sdk-go/v2/xray"
		otelSDK = "go.opentelemetry.io/otel/sdk/trace"
	)
	deps := func(pkg string) []string {
		cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", pkg)
		cmd.Dir = "../../.."
		cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	for _, tc := range []struct {
		pkg           string
		links, avoids string
	}{
		{contract.PostFunctionPackage, xraySDK, otelSDK},
		{contract.ProcessFunctionPackage, xraySDK, otelSDK},
		{contract.PostFunctionOTelPackage, otelSDK, xraySDK},
		{contract.ProcessFunctionOTelPackage, otelSDK, xraySDK},
		{"./functions/post", "", xraySDK},
		{"./functions/post", "", otelSDK},
		{"./functions/process", "", xraySDK},
		{"./functions/process", "", otelSDK},
	} {
		d := deps(tc.pkg)
		if tc.links != "" && !slices.Contains(d, tc.links) {
			t.Errorf("%s does not link %s", tc.pkg, tc.links)
		}
		if slices.Contains(d, tc.avoids) {
			t.Errorf("%s links %s", tc.pkg, tc.avoids)
		}
	}
}
