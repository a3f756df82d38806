package components

import (
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

// A TracedGoFunction on its own: built code, active tracing, its own role
// with exactly the statements asked for plus logs and X-Ray, its own log
// group, and outputs that name what it created.
func TestNewTracedGoFunction(t *testing.T) {
	t.Parallel()
	c := pm.NewCloud("mysfits-questions", "dev")
	var fn *TracedGoFunction
	if _, err := pm.Run(t, c, nil, func(ctx *pulumi.Context) error {
		var err error
		fn, err = NewTracedGoFunction(ctx, "echo", &TracedGoFunctionArgs{
			Package:          "./functions/processstream",
			Builder:          testBuilder,
			Description:      "test function",
			Environment:      pulumi.StringMap{"A": pulumi.String("b")},
			Timeout:          12 * time.Second,
			LogRetentionDays: 7,
			Statements: []PolicyStatement{
				{Actions: []string{"sns:Publish"}, Resources: pulumi.ToStringArray([]string{"arn:aws:sns:us-east-1:123456789012:t"})},
			},
		})
		return err
	}); err != nil {
		t.Fatalf("NewTracedGoFunction: %v", err)
	}
	f := findFunction(t, c, "echo")
	in := f.lambda.Inputs
	if pm.Str(t, in, "tracingConfig", "mode") != "Active" || pm.Num(t, in, "timeout") != 12 || pm.Num(t, in, "memorySize") != functionMemoryMB ||
		pm.Str(t, in, "handler") != bootstrapName || pm.Str(t, in, "runtime") != functionRuntime {
		t.Errorf("function inputs = %v", in)
	}
	bundle, err := testBuilder.Build(t.Context(), "./functions/processstream")
	if err != nil {
		t.Fatal(err)
	}
	if got := pm.StringMap(t, in, "tags"); len(got) != 1 || got[ToolchainTag] == "" || got[ToolchainTag] != bundle.Toolchain {
		t.Errorf("tags = %v, want only %s=%s, the toolchain that built the archive", got, ToolchainTag, bundle.Toolchain)
	}
	if got := pm.StringMap(t, in, "environment", "variables"); len(got) != 1 || got["A"] != "b" {
		t.Errorf("environment = %v, want exactly A=b", got)
	}
	if pm.Num(t, f.logs.Inputs, "retentionInDays") != 7 {
		t.Errorf("log group = %v", f.logs.Inputs)
	}
	logsArn := pm.Str(t, f.logs.State, "arn")
	pm.SameStatements(t, "echo", pm.ParsePolicy(t, pm.Str(t, f.policy.Inputs, "policy")), []pm.Statement{
		pm.Allow([]string{"arn:aws:sns:us-east-1:123456789012:t"}, "sns:Publish"),
		pm.Allow([]string{logsArn, logsArn + ":*"}, "logs:CreateLogStream", "logs:PutLogEvents"),
		pm.Allow([]string{"*"}, xrayWriteActions...),
	})
	if comp := c.ByURN(f.lambda.Parent); comp == nil || comp.Type != TracedGoFunctionType {
		t.Errorf("function parent = %v, want the %s component", f.lambda.Parent, TracedGoFunctionType)
	}
	if fn == nil {
		t.Fatal("no component returned")
	}
}

// A QuestionsAPI on its own, in front of a TracedGoFunction: tracing follows
// its argument, the invoke permission names only POST /questions.
func TestNewQuestionsAPI(t *testing.T) {
	t.Parallel()
	for _, tracing := range []bool{false, true} {
		c := pm.NewCloud("mysfits-questions", "dev")
		if _, err := pm.Run(t, c, nil, func(ctx *pulumi.Context) error {
			fn, err := NewTracedGoFunction(ctx, "handler", &TracedGoFunctionArgs{
				Package: "./functions/postquestion", Builder: testBuilder, Timeout: 10 * time.Second, LogRetentionDays: 1,
			})
			if err != nil {
				return err
			}
			_, err = NewQuestionsAPI(ctx, "api", &QuestionsAPIArgs{
				Handler: fn, AllowedOrigin: testOrigin, Tracing: tracing, Throttle: Throttle{RateLimit: 5, BurstLimit: 10},
			})
			return err
		}); err != nil {
			t.Fatalf("NewQuestionsAPI: %v", err)
		}
		stage := c.Get(t, "aws:apigateway/stage:Stage", "api-prod")
		if pm.Field(stage.Inputs, "xrayTracingEnabled") != tracing {
			t.Errorf("tracing %v: stage inputs %v", tracing, stage.Inputs)
		}
		api := c.Get(t, "aws:apigateway/restApi:RestApi", "api")
		perm := c.Get(t, "aws:lambda/permission:Permission", "api-invoke")
		if got, want := pm.Str(t, perm.Inputs, "sourceArn"), pm.Str(t, api.State, "executionArn")+"/*/POST/questions"; got != want {
			t.Errorf("invoke permission source %s, want %s", got, want)
		}
		if comp := c.ByURN(api.Parent); comp == nil || comp.Type != QuestionsAPIType {
			t.Errorf("REST API parent = %v, want the %s component", api.Parent, QuestionsAPIType)
		}
	}
}
