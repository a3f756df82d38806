package components

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/contract"
)

// TracedGoFunctionType is the component's type token.
const TracedGoFunctionType = "mysfits:questions:TracedGoFunction"

// xrayWriteActions are what active tracing needs; X-Ray has no resource-level
// permissions for them, so they are the one grant on "*".
var xrayWriteActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}

// otlpWriteActions are what a function tracing with OpenTelemetry needs on
// top: sending spans to X-Ray's OTLP endpoint, which indexes a share of
// them as trace summaries (Service Authorization Reference, "Actions,
// resources, and condition keys for AWS X-Ray":
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).
// They too are X-Ray writes without resource-level permissions.
var otlpWriteActions = []string{"xray:PutSpans", "xray:PutSpansForIndexing"}

// xrayActions are the X-Ray writes of a function traced with inst.
func xrayActions(inst contract.Instrumentation) []string {
	if inst == contract.InstrumentationOpenTelemetry {
		return slices.Concat(xrayWriteActions, otlpWriteActions)
	}
	return xrayWriteActions
}

// How every function runs: Go's custom runtime on Graviton, the smallest
// memory size (the handlers wait on DynamoDB and SNS, they do not compute).
const (
	functionRuntime      = "provided.al2023"
	functionArchitecture = "arm64"
	functionMemoryMB     = 128
	// maxFunctionTimeout is Lambda's limit.
	maxFunctionTimeout = 15 * time.Minute
	// ToolchainTag is the function's tag naming the Go release that
	// compiled its archive (Bundle.Toolchain), so a console shows it.
	ToolchainTag = "go-toolchain"
)

// TracedGoFunctionArgs describe a Lambda function built from a Go main package.
type TracedGoFunctionArgs struct {
	// Package is the main package, relative to the root of the module the
	// Builder builds from (GoBuilder: this module, ModulePath, wherever the
	// program runs), such as ./functions/postquestion, or an import path.
	Package string
	// Builder makes the deployment package; nil means GoBuilder{}.
	Builder     Builder
	Description string
	Environment pulumi.StringMapInput
	// Timeout is rounded to whole seconds by the caller; at most 15 minutes.
	Timeout          time.Duration
	LogRetentionDays int
	// Statements are what the code itself needs. The component adds writes
	// to its own log group and X-Ray, and nothing else.
	Statements []PolicyStatement
	// Instrumentation is what records the function's own spans (Package
	// must be its build). With OpenTelemetry the component also lets the
	// role send spans to X-Ray's OTLP endpoint and names that endpoint in
	// the environment (contract.EnvOTLPTracesEndpoint).
	Instrumentation contract.Instrumentation
}

func (a *TracedGoFunctionArgs) validate() error {
	var errs []error
	if a.Package == "" {
		errs = append(errs, errors.New("package: required"))
	}
	if a.Timeout < time.Second || a.Timeout > maxFunctionTimeout || a.Timeout%time.Second != 0 {
		errs = append(errs, fmt.Errorf("timeout %s: must be whole seconds between 1s and %s", a.Timeout, maxFunctionTimeout))
	}
	if !contract.ValidLogRetention(a.LogRetentionDays) {
		errs = append(errs, fmt.Errorf("log retention %d days: must be one of %s", a.LogRetentionDays, contract.LogRetentionChoices()))
	}
	for i, s := range a.Statements {
		if len(s.Actions) == 0 || s.Resources == nil {
			errs = append(errs, fmt.Errorf("statement %d: needs actions and resources", i))
		}
	}
	if !a.Instrumentation.Valid() {
		errs = append(errs, fmt.Errorf("instrumentation %s: must be %s", a.Instrumentation, contract.InstrumentationChoices()))
	}
	return errors.Join(errs...)
}

// TracedGoFunction is a Lambda function on provided.al2023/arm64 with active
// X-Ray tracing, its own least-privilege role and its own log group. It
// builds its code during the program run, reproducibly, so an unchanged
// package gives an unchanged function.
type TracedGoFunction struct {
	pulumi.ResourceState

	FunctionName   pulumi.StringOutput
	FunctionArn    pulumi.StringOutput
	InvokeArn      pulumi.StringOutput
	RoleArn        pulumi.StringOutput
	LogGroupName   pulumi.StringOutput
	SourceCodeHash pulumi.StringOutput
}

// NewTracedGoFunction builds args.Package and deploys it. Children are
// named from name; none has a fixed physical name.
func NewTracedGoFunction(ctx *pulumi.Context, name string, args *TracedGoFunctionArgs, opts ...pulumi.ResourceOption) (*TracedGoFunction, error) {
	if args == nil {
		return nil, fmt.Errorf("traced function %s: args are required", name)
	}
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("traced function %s: %w", name, err)
	}
	fn := &TracedGoFunction{}
	if err := ctx.RegisterComponentResource(TracedGoFunctionType, name, fn, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(fn)

	builder := args.Builder
	if builder == nil {
		builder = GoBuilder{}
	}
	bundle, err := builder.Build(ctx.Context(), args.Package)
	if err != nil {
		return nil, fmt.Errorf("traced function %s: %w", name, err)
	}
	if bundle.ZipPath == "" || bundle.SourceCodeHash == "" {
		return nil, fmt.Errorf("traced function %s: builder returned an incomplete bundle for %s", name, args.Package)
	}

	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, err
	}

	trust, err := assumeRolePolicy("lambda.amazonaws.com")
	if err != nil {
		return nil, fmt.Errorf("traced function %s: %w", name, err)
	}
	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Description:      pulumi.String("Execution role of the " + name + " function"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, err
	}
	statements := append(slices.Clone(args.Statements),
		// The function logs to this group only (LoggingConfig below), so it
		// needs no logs:CreateLogGroup and no access to other groups.
		PolicyStatement{
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: pulumi.StringArray{logs.Arn, pulumi.Sprintf("%s:*", logs.Arn)},
		},
		PolicyStatement{Actions: xrayActions(args.Instrumentation), Resources: pulumi.ToStringArray([]string{"*"})},
	)
	policy, err := iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: permissionsPolicy(statements),
	}, parent)
	if err != nil {
		return nil, err
	}

	functionArgs := &lambda.FunctionArgs{
		Description:    pulumi.String(args.Description),
		Role:           role.Arn,
		Code:           pulumi.NewFileArchive(bundle.ZipPath),
		SourceCodeHash: pulumi.String(bundle.SourceCodeHash),
		Runtime:        pulumi.String(functionRuntime),
		Architectures:  pulumi.ToStringArray([]string{functionArchitecture}),
		Handler:        pulumi.String(bootstrapName),
		MemorySize:     pulumi.Int(functionMemoryMB),
		Timeout:        pulumi.Int(int(args.Timeout / time.Second)),
		Environment:    &lambda.FunctionEnvironmentArgs{Variables: environment(ctx, args, parent)},
		// Active at every stage: the stages differ in what else is traced.
		TracingConfig: &lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("JSON"),
			LogGroup:  logs.Name,
			// AWS stores INFO when these are unset; saying so keeps an
			// unchanged program from showing a diff on every `pulumi up`.
			ApplicationLogLevel: pulumi.String("INFO"),
			SystemLogLevel:      pulumi.String("INFO"),
		},
	}
	if bundle.Toolchain != "" {
		functionArgs.Tags = pulumi.StringMap{ToolchainTag: pulumi.String(bundle.Toolchain)}
	}
	function, err := lambda.NewFunction(ctx, name, functionArgs, parent, pulumi.DependsOn([]pulumi.Resource{policy, logs})) // the first invocation can already log and trace
	if err != nil {
		return nil, err
	}

	fn.FunctionName = function.Name
	fn.FunctionArn = function.Arn
	fn.InvokeArn = function.InvokeArn
	fn.RoleArn = role.Arn
	fn.LogGroupName = logs.Name
	fn.SourceCodeHash = pulumi.String(bundle.SourceCodeHash).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(fn, pulumi.Map{
		"functionName":   fn.FunctionName,
		"functionArn":    fn.FunctionArn,
		"invokeArn":      fn.InvokeArn,
		"roleArn":        fn.RoleArn,
		"logGroupName":   fn.LogGroupName,
		"sourceCodeHash": fn.SourceCodeHash,
	}); err != nil {
		return nil, err
	}
	return fn, nil
}

// environment is the function's environment: args.Environment, and with
// OpenTelemetry where the spans go, X-Ray's OTLP endpoint in the stack's
// region (the route AWS documents for sending OpenTelemetry spans to X-Ray
// without a collector: CloudWatch User Guide, "OTLP Endpoints"). The
// function would default to the same; naming it shows in the console
// where the spans go, and an endpoint the caller set (either of the two
// standard variables) is kept.
func environment(ctx *pulumi.Context, args *TracedGoFunctionArgs, parent pulumi.ResourceOrInvokeOption) pulumi.StringMapInput {
	if args.Instrumentation != contract.InstrumentationOpenTelemetry {
		return args.Environment
	}
	var env pulumi.StringMapOutput
	if args.Environment == nil {
		env = pulumi.StringMap{}.ToStringMapOutput()
	} else {
		env = args.Environment.ToStringMapOutput()
	}
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent)
	return pulumi.All(env, region.Name()).ApplyT(func(v []any) map[string]string {
		vars := maps.Clone(v[0].(map[string]string))
		if vars == nil {
			vars = map[string]string{}
		}
		_, traces := vars[contract.EnvOTLPTracesEndpoint]
		_, base := vars[contract.EnvOTLPEndpoint]
		if !traces && !base {
			vars[contract.EnvOTLPTracesEndpoint] = contract.XRayOTLPTracesEndpoint(v[1].(string))
		}
		return vars
	}).(pulumi.StringMapOutput)
}
