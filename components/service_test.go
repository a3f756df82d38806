package components

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/contract"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

const (
	testEmail  = "admin@mysfits.example"
	testOrigin = "https://www.mysfits.example"
)

// testArgs are the service's arguments at a stage, with fault settings that
// differ from the defaults so a test sees where they go.
func testArgs(stage contract.TracingStage) *QuestionsServiceArgs {
	return testArgsWith(stage, contract.InstrumentationXRaySDK)
}

// testArgsWith are testArgs with the functions traced by inst.
func testArgsWith(stage contract.TracingStage, inst contract.Instrumentation) *QuestionsServiceArgs {
	return &QuestionsServiceArgs{
		AdminEmail:    testEmail,
		AllowedOrigin: testOrigin,
		Tracing: contract.Tracing{Stage: stage, Faults: contract.Faults{Percent: 30, Delay: 7 * time.Second},
			Instrumentation: inst},
		Throttle:         Throttle{RateLimit: 25, BurstLimit: 50},
		LogRetentionDays: 30,
		Builder:          testBuilder,
	}
}

// deployed is a QuestionsService on the mock cloud, with the resources the
// checks look at.
type deployed struct {
	c                                     *pm.Cloud
	args                                  *QuestionsServiceArgs
	table, topic, dlq, bucket             *pm.Resource
	post, process                         function
	tableArn, streamArn, topicArn, dlqArn string
	bucketArn                             string
}

// deployService runs NewQuestionsService named "questions" as a stack.
func deployService(t *testing.T, stack string, args *QuestionsServiceArgs) deployed {
	t.Helper()
	c := pm.NewCloud("mysfits-questions", stack)
	if _, err := pm.Run(t, c, nil, func(ctx *pulumi.Context) error {
		_, err := NewQuestionsService(ctx, "questions", args)
		return err
	}); err != nil {
		t.Fatalf("NewQuestionsService: %v", err)
	}
	d := deployed{
		c: c, args: args,
		table:   c.Get(t, "aws:dynamodb/table:Table", "questions-table"),
		topic:   c.Get(t, "aws:sns/topic:Topic", "questions-topic"),
		dlq:     c.Get(t, "aws:sqs/queue:Queue", "questions-dlq"),
		bucket:  c.Get(t, "aws:s3/bucketV2:BucketV2", "questions-failures"),
		post:    findFunction(t, c, "questions-post"),
		process: findFunction(t, c, "questions-process"),
	}
	d.tableArn, d.streamArn = pm.Str(t, d.table.State, "arn"), pm.Str(t, d.table.State, "streamArn")
	d.topicArn, d.dlqArn = pm.Str(t, d.topic.State, "arn"), pm.Str(t, d.dlq.State, "arn")
	d.bucketArn = pm.Str(t, d.bucket.State, "arn")
	return d
}

// function is a deployed TracedGoFunction as the mock saw it.
type function struct {
	lambda, role, policy, logs *pm.Resource
}

func findFunction(t *testing.T, c *pm.Cloud, name string) function {
	t.Helper()
	f := function{
		lambda: c.Get(t, "aws:lambda/function:Function", name),
		role:   c.Get(t, "aws:iam/role:Role", name+"-role"),
		policy: c.Get(t, "aws:iam/rolePolicy:RolePolicy", name+"-policy"),
		logs:   c.Get(t, "aws:cloudwatch/logGroup:LogGroup", name+"-logs"),
	}
	if got, want := pm.Str(t, f.lambda.Inputs, "role"), pm.Str(t, f.role.State, "arn"); got != want {
		t.Errorf("%s runs with role %s, want its own role %s", name, got, want)
	}
	if got, want := pm.Str(t, f.policy.Inputs, "role"), pm.Str(t, f.role.State, "name"); got != want {
		t.Errorf("%s policy is attached to %s, want %s", name, got, want)
	}
	comp := c.ByURN(f.lambda.Parent)
	if comp == nil || comp.Type != TracedGoFunctionType || comp.Name != name {
		t.Errorf("%s is not parented to its TracedGoFunction component", name)
	}
	for _, child := range []*pm.Resource{f.role, f.policy, f.logs} {
		if child.Parent != f.lambda.Parent {
			t.Errorf("%s (%s) is not a child of the %s component", child.Name, child.Type, name)
		}
	}
	return f
}

// TestQuestionsServiceStages deploys the service at each stage, with each
// instrumentation, and runs every check on it: what differs between stages
// is in the table, what must hold at every stage is in the checks, which
// also know what each instrumentation adds.
func TestQuestionsServiceStages(t *testing.T) {
	t.Parallel()
	stages := []struct {
		stage contract.TracingStage
		// apiTracing is the REST API stage's X-Ray tracing; faultEnv whether
		// the functions get the fault settings.
		apiTracing, faultEnv bool
	}{
		{contract.StageLambdaOnly, false, false},
		{contract.StageSDK, true, false},
		{contract.StageFaults, true, true},
	}
	checks := []struct {
		name  string
		check func(*testing.T, deployed)
	}{
		{"functions", checkFunctions},
		{"builds", checkBuilds},
		{"environment", checkEnvironment},
		{"timeouts", checkTimeouts},
		{"iam", checkIAM},
		{"storage and notification", checkStorage},
		{"stream mapping", checkStreamMapping},
		{"api", checkAPI},
		{"failure store", checkFailureStore},
		{"alarms", checkAlarms},
		{"x-ray group and sampling", checkTracingRules},
		{"e-mail subscriptions", checkSubscriptions},
		{"parents", checkParents},
	}
	for _, st := range stages {
		for _, inst := range []contract.Instrumentation{contract.InstrumentationXRaySDK, contract.InstrumentationOpenTelemetry} {
			t.Run(fmt.Sprintf("stage %d %s", st.stage, inst), func(t *testing.T) {
				t.Parallel()
				d := deployService(t, "dev", testArgsWith(st.stage, inst))
				stage := d.c.Get(t, "aws:apigateway/stage:Stage", "questions-api-prod")
				if got := pm.Field(stage.Inputs, "xrayTracingEnabled"); got != st.apiTracing {
					t.Errorf("xrayTracingEnabled = %v, want %v", got, st.apiTracing)
				}
				if got := pm.Str(t, stage.Inputs, "stageName"); got != contract.StageName {
					t.Errorf("stage name = %q, want %s", got, contract.StageName)
				}
				for _, f := range []function{d.post, d.process} {
					env := pm.StringMap(t, f.lambda.Inputs, "environment", "variables")
					if _, has := env[contract.EnvFaultPercent]; has != st.faultEnv {
						t.Errorf("%s has %s: %v, want %v", f.lambda.Name, contract.EnvFaultPercent, has, st.faultEnv)
					}
				}
				for _, c := range checks {
					t.Run(c.name, func(t *testing.T) { c.check(t, d) })
				}
			})
		}
	}
}

func checkFunctions(t *testing.T, d deployed) {
	t.Helper()
	for _, f := range []function{d.post, d.process} {
		in := f.lambda.Inputs
		if got := pm.Str(t, in, "tracingConfig", "mode"); got != "Active" {
			t.Errorf("%s tracing mode = %q, want Active at every stage", f.lambda.Name, got)
		}
		if pm.Str(t, in, "runtime") != "provided.al2023" || pm.Str(t, in, "handler") != "bootstrap" ||
			!slices.Equal(pm.StringList(pm.Field(in, "architectures")), []string{"arm64"}) {
			t.Errorf("%s runtime/handler/architectures = %v/%v/%v", f.lambda.Name, in["runtime"], in["handler"], in["architectures"])
		}
		if got := pm.Str(t, in, "loggingConfig", "logFormat"); got != "JSON" {
			t.Errorf("%s log format = %q", f.lambda.Name, got)
		}
		// Unset levels are stored as INFO by AWS: a diff on every update.
		if app, sys := pm.Str(t, in, "loggingConfig", "applicationLogLevel"), pm.Str(t, in, "loggingConfig", "systemLogLevel"); app != "INFO" || sys != "INFO" {
			t.Errorf("%s log levels = %q/%q, want INFO/INFO as AWS stores them", f.lambda.Name, app, sys)
		}
		if got, want := pm.Str(t, in, "loggingConfig", "logGroup"), pm.Str(t, f.logs.State, "name"); got != want {
			t.Errorf("%s logs to %q, want its own group %q", f.lambda.Name, got, want)
		}
		if got := pm.Num(t, f.logs.Inputs, "retentionInDays"); got != 30 {
			t.Errorf("%s log retention = %d, want the configured 30", f.lambda.Name, got)
		}
		code, ok := in["code"].(*archive.Archive)
		if !ok || !strings.HasSuffix(code.Path, ".zip") {
			t.Fatalf("%s code = %#v, want a zip file archive", f.lambda.Name, in["code"])
		}
		data, err := os.ReadFile(code.Path)
		if err != nil {
			t.Fatalf("%s code: %v", f.lambda.Name, err)
		}
		sum := sha256.Sum256(data)
		if got := pm.Str(t, in, "sourceCodeHash"); got != base64.StdEncoding.EncodeToString(sum[:]) {
			t.Errorf("%s sourceCodeHash %s is not the zip's base64 sha256", f.lambda.Name, got)
		}
		if !slices.Contains(f.lambda.Dependencies, f.policy.URN) || !slices.Contains(f.lambda.Dependencies, f.logs.URN) {
			t.Errorf("%s does not wait for its policy and log group", f.lambda.Name)
		}
	}
}

func checkEnvironment(t *testing.T, d deployed) {
	t.Helper()
	stage := d.args.Tracing.Stage
	stageVars := map[string]string{contract.EnvStage: strconv.Itoa(int(stage))}
	if stage == contract.StageFaults {
		stageVars[contract.EnvFaultPercent] = "30"
		stageVars[contract.EnvFaultDelay] = "7s"
	}
	wantPost := map[string]string{
		contract.EnvTableName:     pm.Str(t, d.table.State, "name"),
		contract.EnvAllowedOrigin: testOrigin,
	}
	wantProcess := map[string]string{contract.EnvTopicARN: d.topicArn}
	if d.args.Tracing.Instrumentation == contract.InstrumentationOpenTelemetry {
		// The build's instrumentation, and where its spans go: X-Ray's OTLP
		// endpoint in the stack's region.
		stageVars[contract.EnvInstrumentation] = "opentelemetry"
		stageVars[contract.EnvOTLPTracesEndpoint] = "https://xray." + pm.Region + ".amazonaws.com/v1/traces"
	}
	for k, v := range stageVars {
		wantPost[k], wantProcess[k] = v, v
	}
	for _, tt := range []struct {
		f    function
		want map[string]string
	}{{d.post, wantPost}, {d.process, wantProcess}} {
		got := pm.StringMap(t, tt.f.lambda.Inputs, "environment", "variables")
		if !maps.Equal(got, tt.want) {
			t.Errorf("%s environment = %v, want %v", tt.f.lambda.Name, got, tt.want)
		}
		if _, has := got[contract.EnvFaultPercent]; has != (stage == contract.StageFaults) {
			t.Errorf("%s has %s = %v at stage %d", tt.f.lambda.Name, contract.EnvFaultPercent, has, stage)
		}
		// What the functions will read back must be what was configured.
		loaded, err := contract.LoadTracing(func(k string) string { return got[k] })
		if err != nil || loaded.Stage != stage || loaded.Instrumentation != d.args.Tracing.Instrumentation {
			t.Errorf("%s: LoadTracing = %+v, %v", tt.f.lambda.Name, loaded, err)
		}
	}
}

// checkBuilds: each function runs the build of its instrumentation, the
// package contract names (so a zip carries one tracing SDK), and with
// OpenTelemetry `pulumi up` warns about Transaction Search.
func checkBuilds(t *testing.T, d deployed) {
	t.Helper()
	inst := d.args.Tracing.Instrumentation
	postPkg, processPkg := inst.Packages()
	for _, tt := range []struct {
		f   function
		pkg string
	}{{d.post, postPkg}, {d.process, processPkg}} {
		bundle, err := testBuilder.Build(t.Context(), tt.pkg)
		if err != nil {
			t.Fatal(err)
		}
		if got := pm.Str(t, tt.f.lambda.Inputs, "sourceCodeHash"); got != bundle.SourceCodeHash {
			t.Errorf("%s runs %s, want the build of %s", tt.f.lambda.Name, got, tt.pkg)
		}
	}
	if want := map[contract.Instrumentation]string{
		contract.InstrumentationXRaySDK: contract.PostFunctionPackage, contract.InstrumentationOpenTelemetry: contract.PostFunctionOTelPackage,
	}[inst]; postPkg != want {
		t.Errorf("%s builds %s, want %s", inst, postPkg, want)
	}
}

func checkTimeouts(t *testing.T, d deployed) {
	t.Helper()
	postTimeout := time.Duration(pm.Num(t, d.post.lambda.Inputs, "timeout")) * time.Second
	if postTimeout <= 7*time.Second {
		t.Errorf("post timeout %s does not exceed faultDelay 7s", postTimeout)
	}
	if postTimeout != contract.PostTimeout(7*time.Second) {
		t.Errorf("post timeout %s, want contract.PostTimeout(7s) = %s at every stage", postTimeout, contract.PostTimeout(7*time.Second))
	}
	if got := time.Duration(pm.Num(t, d.process.lambda.Inputs, "timeout")) * time.Second; got != contract.ProcessTimeout {
		t.Errorf("process timeout = %s, want %s", got, contract.ProcessTimeout)
	}
}

func checkIAM(t *testing.T, d deployed) {
	t.Helper()
	logs := func(f function) pm.Statement {
		arn := pm.Str(t, f.logs.State, "arn")
		return pm.Allow([]string{arn, arn + ":*"}, "logs:CreateLogStream", "logs:PutLogEvents")
	}
	// Active tracing's writes, and with OpenTelemetry the OTLP endpoint's.
	xrayWrites := []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
	if d.args.Tracing.Instrumentation == contract.InstrumentationOpenTelemetry {
		xrayWrites = append(xrayWrites, "xray:PutSpans", "xray:PutSpansForIndexing")
	}
	xray := pm.Allow([]string{"*"}, xrayWrites...)
	pm.SameStatements(t, "post", pm.ParsePolicy(t, pm.Str(t, d.post.policy.Inputs, "policy")), []pm.Statement{
		pm.Allow([]string{d.tableArn}, "dynamodb:PutItem"),
		logs(d.post),
		xray,
	})
	pm.SameStatements(t, "process", pm.ParsePolicy(t, pm.Str(t, d.process.policy.Inputs, "policy")), []pm.Statement{
		pm.Allow([]string{d.streamArn}, "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
		pm.Allow([]string{d.tableArn + "/stream/*"}, "dynamodb:ListStreams"),
		pm.Allow([]string{d.topicArn}, "sns:Publish"),
		// The S3 on-failure destination: its objects, and listing it
		// (Lambda requires both); nothing of the queue any more.
		pm.Allow([]string{d.bucketArn + "/*"}, "s3:PutObject"),
		pm.Allow([]string{d.bucketArn}, "s3:ListBucket"),
		logs(d.process),
		xray,
	})
	for _, f := range []function{d.post, d.process} {
		trust := pm.ParsePolicy(t, pm.Str(t, f.role.Inputs, "assumeRolePolicy"))
		if len(trust) != 1 || trust[0].Effect != "Allow" || !slices.Equal(trust[0].Action, []string{"sts:AssumeRole"}) ||
			pm.Field(trust[0].Principal, "Service") != "lambda.amazonaws.com" || trust[0].Resource != nil {
			t.Errorf("%s trust policy = %+v, want lambda.amazonaws.com may sts:AssumeRole", f.role.Name, trust)
		}
	}
	// Only X-Ray writes may use "*", in any policy of the stack.
	for _, p := range d.c.OfType("aws:iam/rolePolicy:RolePolicy") {
		for _, s := range pm.ParsePolicy(t, pm.Str(t, p.Inputs, "policy")) {
			if slices.Contains(s.Resource, "*") && !slices.Equal(s.Action, xrayWrites) {
				t.Errorf("%s grants %v on *", p.Name, s.Action)
			}
			for _, a := range s.Action {
				if strings.Contains(a, "*") {
					t.Errorf("%s grants wildcard action %s", p.Name, a)
				}
			}
		}
	}
}

func checkStorage(t *testing.T, d deployed) {
	t.Helper()
	in := d.table.Inputs
	if pm.Str(t, in, "billingMode") != "PAY_PER_REQUEST" || pm.Str(t, in, "hashKey") != "QuestionId" ||
		pm.Field(in, "streamEnabled") != true || pm.Str(t, in, "streamViewType") != "NEW_IMAGE" ||
		pm.Field(in, "serverSideEncryption", "enabled") != true || pm.Field(in, "pointInTimeRecovery", "enabled") != true {
		t.Errorf("d.table inputs = %v", in)
	}
	attrs := pm.Field(in, "attributes").([]any)
	if len(attrs) != 1 || pm.Field(attrs[0], "name") != "QuestionId" || pm.Field(attrs[0], "type") != "S" {
		t.Errorf("d.table attributes = %v, want only QuestionId (S)", attrs)
	}
	if got := pm.Str(t, d.topic.Inputs, "kmsMasterKeyId"); got != "alias/aws/sns" {
		t.Errorf("d.topic key = %q", got)
	}
	sub := d.c.Get(t, "aws:sns/topicSubscription:TopicSubscription", "questions-admin-email")
	if pm.Str(t, sub.Inputs, "protocol") != "email" || pm.Str(t, sub.Inputs, "endpoint") != testEmail || pm.Str(t, sub.Inputs, "topic") != d.topicArn {
		t.Errorf("subscription = %v", sub.Inputs)
	}
	if pm.Field(d.dlq.Inputs, "sqsManagedSseEnabled") != true || pm.Num(t, d.dlq.Inputs, "messageRetentionSeconds") != 14*24*3600 {
		t.Errorf("notice queue = %v", d.dlq.Inputs)
	}
}

func checkStreamMapping(t *testing.T, d deployed) {
	t.Helper()
	mappings := d.c.OfType("aws:lambda/eventSourceMapping:EventSourceMapping")
	if len(mappings) != 1 {
		t.Fatalf("%d event source mappings, want 1", len(mappings))
	}
	in := mappings[0].Inputs
	want := map[string]any{
		"eventSourceArn":                 d.streamArn,
		"functionName":                   pm.Str(t, d.process.lambda.State, "arn"),
		"startingPosition":               "TRIM_HORIZON",
		"batchSize":                      float64(contract.QuestionsStream().BatchSize),
		"maximumBatchingWindowInSeconds": float64(1),
		"maximumRetryAttempts":           float64(3),
		"maximumRecordAgeInSeconds":      float64(3600),
		"bisectBatchOnFunctionError":     true,
		"parallelizationFactor":          float64(1),
	}
	for k, v := range want {
		if in[k] != v {
			t.Errorf("mapping %s = %v, want %v", k, in[k], v)
		}
	}
	if got := pm.StringList(in["functionResponseTypes"]); !slices.Equal(got, []string{"ReportBatchItemFailures"}) {
		t.Errorf("functionResponseTypes = %v", got)
	}
	if got := pm.Str(t, in, "destinationConfig", "onFailure", "destinationArn"); got != d.bucketArn {
		t.Errorf("on-failure destination = %s, want the failure bucket %s", got, d.bucketArn)
	}
	// Lambda writes to the bucket only once it is private, encrypted and
	// expiring.
	for _, typ := range []string{"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
		"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
		"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"} {
		for _, r := range d.c.OfType(typ) {
			if !slices.Contains(mappings[0].Dependencies, r.URN) {
				t.Errorf("mapping does not wait for %s", typ)
			}
		}
	}
	// Lambda checks the role can read the stream when the mapping is
	// created: the mapping waits for the function, which waits for
	// its policy (checked in "functions").
	if !slices.Contains(mappings[0].Dependencies, d.process.lambda.URN) {
		t.Errorf("mapping does not wait for the d.process function: %v", mappings[0].Dependencies)
	}
}

func checkAPI(t *testing.T, d deployed) {
	t.Helper()
	api := d.c.Get(t, "aws:apigateway/restApi:RestApi", "questions-api")
	if got := pm.Str(t, api.Inputs, "endpointConfiguration", "types"); got != "REGIONAL" {
		t.Errorf("endpoint type = %q", got)
	}
	res := d.c.Get(t, "aws:apigateway/resource:Resource", "questions-api-questions")
	if pm.Str(t, res.Inputs, "pathPart") != "questions" || pm.Str(t, res.Inputs, "parentId") != pm.Str(t, api.State, "rootResourceId") {
		t.Errorf("resource = %v", res.Inputs)
	}
	methods := map[string]*pm.Resource{}
	for _, m := range d.c.OfType("aws:apigateway/method:Method") {
		methods[pm.Str(t, m.Inputs, "httpMethod")] = m
		if pm.Str(t, m.Inputs, "resourceId") != res.ID {
			t.Errorf("method %s is not on /questions", m.Name)
		}
	}
	if len(methods) != 2 || methods["POST"] == nil || methods["OPTIONS"] == nil {
		t.Fatalf("methods = %v, want POST and OPTIONS", methods)
	}
	validator := d.c.Get(t, "aws:apigateway/requestValidator:RequestValidator", "questions-api-validator")
	model := d.c.Get(t, "aws:apigateway/model:Model", "questions-api-model")
	if pm.Str(t, methods["POST"].Inputs, "requestValidatorId") != validator.ID || pm.Field(validator.Inputs, "validateRequestBody") != true {
		t.Errorf("POST is not validated: %v / %v", methods["POST"].Inputs, validator.Inputs)
	}
	if got := pm.Str(t, methods["POST"].Inputs, "requestModels", "application/json"); got != pm.Str(t, model.Inputs, "name") {
		t.Errorf("POST model = %q, want %q", got, pm.Str(t, model.Inputs, "name"))
	}
	var schema map[string]any
	if err := json.Unmarshal([]byte(pm.Str(t, model.Inputs, "schema")), &schema); err != nil {
		t.Fatalf("model schema: %v", err)
	}
	if schema["additionalProperties"] != false || fmt.Sprint(schema["required"]) != "[email questionText]" ||
		pm.Num(t, schema, "properties", "email", "maxLength") != 254 || pm.Num(t, schema, "properties", "questionText", "maxLength") != 2000 {
		t.Errorf("model schema = %v", schema)
	}

	integrations := map[string]*pm.Resource{}
	for _, i := range d.c.OfType("aws:apigateway/integration:Integration") {
		integrations[pm.Str(t, i.Inputs, "httpMethod")] = i
	}
	postInt := integrations["POST"]
	if postInt == nil || pm.Str(t, postInt.Inputs, "type") != "AWS_PROXY" || pm.Str(t, postInt.Inputs, "integrationHttpMethod") != "POST" ||
		pm.Str(t, postInt.Inputs, "uri") != pm.Str(t, d.post.lambda.State, "invokeArn") {
		t.Errorf("POST integration = %v, want a Lambda proxy to the d.post function", postInt)
	}

	// CORS: the preflight and API Gateway's own errors.
	optInt := integrations["OPTIONS"]
	if optInt == nil || pm.Str(t, optInt.Inputs, "type") != "MOCK" {
		t.Fatalf("OPTIONS integration = %v, want MOCK", optInt)
	}
	wantCORS := map[string]string{
		"Access-Control-Allow-Origin":  "'" + testOrigin + "'",
		"Access-Control-Allow-Headers": "'Content-Type'",
		"Access-Control-Allow-Methods": "'OPTIONS,POST'",
	}
	optResp := d.c.Get(t, "aws:apigateway/integrationResponse:IntegrationResponse", "questions-api-options-integration-response")
	declared := d.c.Get(t, "aws:apigateway/methodResponse:MethodResponse", "questions-api-options-response")
	for h, v := range wantCORS {
		if got := pm.Str(t, optResp.Inputs, "responseParameters", "method.response.header."+h); got != v {
			t.Errorf("preflight %s = %s, want %s", h, got, v)
		}
		if pm.Field(declared.Inputs, "responseParameters", "method.response.header."+h) == nil {
			t.Errorf("preflight method response does not declare %s", h)
		}
	}
	if !slices.Contains(optResp.Dependencies, optInt.URN) {
		t.Error("OPTIONS integration response does not wait for its integration")
	}
	gateway := map[string]*pm.Resource{}
	for _, g := range d.c.OfType("aws:apigateway/response:Response") {
		gateway[pm.Str(t, g.Inputs, "responseType")] = g
		if pm.Str(t, g.Inputs, "restApiId") != api.ID {
			t.Errorf("gateway response %s is on another API", g.Name)
		}
	}
	for _, typ := range []string{"DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY"} {
		g := gateway[typ]
		if g == nil {
			t.Errorf("no %s gateway response", typ)
			continue
		}
		for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers"} {
			if got := pm.Str(t, g.Inputs, "responseParameters", "gatewayresponse.header."+h); got != wantCORS[h] {
				t.Errorf("%s %s = %s, want %s", typ, h, got, wantCORS[h])
			}
		}
	}

	perm := d.c.Get(t, "aws:lambda/permission:Permission", "questions-api-invoke")
	if pm.Str(t, perm.Inputs, "principal") != "apigateway.amazonaws.com" || pm.Str(t, perm.Inputs, "action") != "lambda:InvokeFunction" ||
		pm.Str(t, perm.Inputs, "function") != pm.Str(t, d.post.lambda.State, "name") ||
		pm.Str(t, perm.Inputs, "sourceArn") != pm.Str(t, api.State, "executionArn")+"/*/POST/questions" {
		t.Errorf("invoke permission = %v", perm.Inputs)
	}

	settings := d.c.Get(t, "aws:apigateway/methodSettings:MethodSettings", "questions-api-throttling")
	if pm.Str(t, settings.Inputs, "methodPath") != "*/*" || pm.Str(t, settings.Inputs, "stageName") != "prod" ||
		pm.Num(t, settings.Inputs, "settings", "throttlingRateLimit") != 25 || pm.Num(t, settings.Inputs, "settings", "throttlingBurstLimit") != 50 {
		t.Errorf("method settings = %v, want */* throttled at 25/s burst 50", settings.Inputs)
	}

	deployment := d.c.Get(t, "aws:apigateway/deployment:Deployment", "questions-api-deployment")
	if pm.Str(t, deployment.Inputs, "triggers", "api") == "" {
		t.Error("deployment has no trigger")
	}
	for _, typ := range []string{"aws:apigateway/method:Method", "aws:apigateway/integration:Integration",
		"aws:apigateway/integrationResponse:IntegrationResponse", "aws:apigateway/methodResponse:MethodResponse",
		"aws:apigateway/response:Response", "aws:apigateway/model:Model"} {
		for _, r := range d.c.OfType(typ) {
			if !slices.Contains(deployment.Dependencies, r.URN) {
				t.Errorf("deployment does not depend on %s %s", typ, r.Name)
			}
		}
	}
	st := d.c.Get(t, "aws:apigateway/stage:Stage", "questions-api-prod")
	if pm.Str(t, st.Inputs, "deployment") != deployment.ID {
		t.Error("stage does not use the deployment")
	}
}

func checkParents(t *testing.T, d deployed) {
	t.Helper()
	svc := d.c.Get(t, "mysfits:questions:QuestionsService", "questions")
	if resource.URN(svc.Parent).QualifiedType() != resource.RootStackType {
		t.Errorf("service parent = %s, want the stack", svc.Parent)
	}
	d.c.Get(t, "mysfits:questions:QuestionsApi", "questions-api")
	// Every AWS resource sits under one of the project's components.
	for _, r := range d.c.Resources() {
		if !strings.HasPrefix(r.Type, "aws:") {
			continue
		}
		p := d.c.ByURN(r.Parent)
		if p == nil || !strings.HasPrefix(p.Type, "mysfits:questions:") {
			t.Errorf("%s %s is not parented to a component", r.Type, r.Name)
		}
		if !strings.HasPrefix(r.Name, "questions") {
			t.Errorf("%s %s is not named from the component", r.Type, r.Name)
		}
	}
}
