package components

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/mysfits/mysfits-questions/contract"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

// With OpenTelemetry `pulumi up` warns that X-Ray's OTLP endpoint needs
// Transaction Search, an account setting the component cannot read, with
// how to check and enable it; with the X-Ray SDK it says nothing.
func TestTransactionSearchWarning(t *testing.T) {
	t.Parallel()
	for _, inst := range []contract.Instrumentation{contract.InstrumentationXRaySDK, contract.InstrumentationOpenTelemetry} {
		var svc *QuestionsService
		c := pm.NewCloud("mysfits-questions", "dev")
		if _, err := pm.Run(t, c, nil, func(ctx *pulumi.Context) error {
			var err error
			svc, err = NewQuestionsService(ctx, "questions", testArgsWith(contract.StageLambdaOnly, inst))
			return err
		}); err != nil {
			t.Fatalf("%s: %v", inst, err)
		}
		if inst == contract.InstrumentationXRaySDK {
			if svc.transactionSearchHint.OutputState != nil {
				t.Errorf("the X-Ray SDK's service warns about Transaction Search")
			}
			continue
		}
		res, err := internals.UnsafeAwaitOutput(context.Background(), svc.transactionSearchHint)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := res.Value.(string)
		if msg != transactionSearchWarning(pm.Region) {
			t.Errorf("warning %q, want transactionSearchWarning(%s)", msg, pm.Region)
		}
	}
	msg := transactionSearchWarning("eu-west-1")
	for _, want := range []string{"https://xray.eu-west-1.amazonaws.com/v1/traces", "Transaction Search", "eu-west-1",
		"aws xray get-trace-segment-destination --region eu-west-1", TransactionSearchDocs, "spans not exported"} {
		if !strings.Contains(msg, want) {
			t.Errorf("warning %q does not say %q", msg, want)
		}
	}
}

// A TracedGoFunction traced with OpenTelemetry may send spans to X-Ray's
// OTLP endpoint and is told where it is; an endpoint the caller set stays.
func TestTracedGoFunctionOpenTelemetry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  pulumi.StringMapInput
		want map[string]string
	}{
		{"no environment", nil, map[string]string{contract.EnvOTLPTracesEndpoint: "https://xray." + pm.Region + ".amazonaws.com/v1/traces"}},
		{"own endpoint kept", pulumi.StringMap{contract.EnvOTLPTracesEndpoint: pulumi.String("https://collector.example/v1/traces"), "A": pulumi.String("b")},
			map[string]string{contract.EnvOTLPTracesEndpoint: "https://collector.example/v1/traces", "A": "b"}},
		{"own base endpoint kept", pulumi.StringMap{contract.EnvOTLPEndpoint: pulumi.String("https://collector.example")},
			map[string]string{contract.EnvOTLPEndpoint: "https://collector.example"}},
	} {
		c := pm.NewCloud("mysfits-questions", "dev")
		if _, err := pm.Run(t, c, nil, func(ctx *pulumi.Context) error {
			_, err := NewTracedGoFunction(ctx, "otel", &TracedGoFunctionArgs{
				Package: contract.ProcessFunctionOTelPackage, Builder: testBuilder, Environment: tc.env,
				Timeout: 10 * time.Second, LogRetentionDays: 1, Instrumentation: contract.InstrumentationOpenTelemetry,
			})
			return err
		}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		f := findFunction(t, c, "otel")
		if got := pm.StringMap(t, f.lambda.Inputs, "environment", "variables"); !maps.Equal(got, tc.want) {
			t.Errorf("%s: environment %v, want %v", tc.name, got, tc.want)
		}
		logsArn := pm.Str(t, f.logs.State, "arn")
		pm.SameStatements(t, tc.name, pm.ParsePolicy(t, pm.Str(t, f.policy.Inputs, "policy")), []pm.Statement{
			pm.Allow([]string{logsArn, logsArn + ":*"}, "logs:CreateLogStream", "logs:PutLogEvents"),
			pm.Allow([]string{"*"}, "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:PutSpans", "xray:PutSpansForIndexing"),
		})
	}
	_, err := pm.Run(t, pm.NewCloud("mysfits-questions", "dev"), nil, func(ctx *pulumi.Context) error {
		_, err := NewTracedGoFunction(ctx, "bad", &TracedGoFunctionArgs{
			Package: contract.PostFunctionPackage, Builder: testBuilder, Timeout: 10 * time.Second, LogRetentionDays: 1, Instrumentation: 5,
		})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "instrumentation") {
		t.Errorf("an unknown instrumentation: %v", err)
	}
}

// Switching the instrumentation changes the functions' code, environment
// and policies, never a resource's name, type or parent: no URN changes,
// nothing is replaced or left behind.
func TestInstrumentationKeepsURNs(t *testing.T) {
	t.Parallel()
	urns := func(inst contract.Instrumentation) []string {
		d := deployService(t, "dev", testArgsWith(contract.StageFaults, inst))
		var out []string
		for _, r := range d.c.Resources() {
			out = append(out, r.URN)
		}
		slices.Sort(out)
		return out
	}
	if x, o := urns(contract.InstrumentationXRaySDK), urns(contract.InstrumentationOpenTelemetry); !slices.Equal(x, o) {
		t.Errorf("the X-Ray SDK's resources\n%v\ndiffer from OpenTelemetry's\n%v", x, o)
	}
}
