package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/local/provision"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

const (
	testProject = "mysfits-questions"
	testEmail   = "admin@mysfits.example"
)

// The configuration keys the tests set, by the program's names for them.
var (
	keyStage              = configNames.Tracing.Stage
	keyFaultPercent       = configNames.Tracing.FaultPercent
	keyFaultDelay         = configNames.Tracing.FaultDelay
	keyInstrumentation    = configNames.Tracing.Instrumentation
	keyAdminEmail         = configNames.AdminEmail
	keyAlarmEmail         = configNames.AlarmEmail
	keyAllowedOrigin      = configNames.AllowedOrigin
	keyThrottleRateLimit  = configNames.ThrottleRateLimit
	keyThrottleBurstLimit = configNames.ThrottleBurstLimit
	keyLogRetentionDays   = configNames.LogRetentionDays
)

// testProgram is the program with a builder that really builds each
// function, once per test binary.
var testProgram program

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mysfits-questions-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testProgram = program{builder: pm.Memoize[components.Bundle](components.GoBuilder{TempDir: dir})}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ---- running the program on the mock cloud ------------------------------------

type programRun struct {
	cloud   *pm.Cloud
	exports map[string]any
	err     error
}

func newMockCloud(stack string) *pm.Cloud { return pm.NewCloud(testProject, stack) }

// projectConfig puts the project's namespace on cfg's keys.
func projectConfig(cfg map[string]string) map[string]string {
	full := map[string]string{}
	for k, v := range cfg {
		full[testProject+":"+k] = v
	}
	return full
}

// runProgram runs body (testProgram.run when nil) as a stack with the given
// project configuration (keys without the project prefix).
func runProgram(t *testing.T, cloud *pm.Cloud, cfg map[string]string, body pulumi.RunFunc) programRun {
	t.Helper()
	if body == nil {
		body = testProgram.run
	}
	exports, err := pm.Run(t, cloud, projectConfig(cfg), body)
	return programRun{cloud: cloud, exports: exports, err: err}
}

func newTestContext(t *testing.T, cloud *pm.Cloud, cfg map[string]string) *pulumi.Context {
	t.Helper()
	return pm.Context(t, cloud, projectConfig(cfg))
}

func mustRun(t *testing.T, stack string, cfg map[string]string) programRun {
	t.Helper()
	run := runProgram(t, newMockCloud(stack), cfg, nil)
	if run.err != nil {
		t.Fatalf("program failed: %v", run.err)
	}
	return run
}

func baseConfig(stage int) map[string]string {
	return map[string]string{
		keyAdminEmail:         testEmail,
		keyStage:              strconv.Itoa(stage),
		keyFaultPercent:       "30",
		keyFaultDelay:         "7s",
		keyAllowedOrigin:      "https://www.mysfits.example",
		keyThrottleRateLimit:  "25",
		keyThrottleBurstLimit: "50",
		keyLogRetentionDays:   "30",
	}
}

// TestOutputs: every stack output the main Mysfits project may read, at
// every stage, with the contract's endpoint shape.
func TestOutputs(t *testing.T) {
	t.Parallel()
	for _, stage := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("stage %d", stage), func(t *testing.T) {
			t.Parallel()
			run := mustRun(t, "dev", baseConfig(stage))
			c := run.cloud
			const origin = "https://www.mysfits.example"
			table := c.Get(t, "aws:dynamodb/table:Table", "questions-table")
			topic := c.Get(t, "aws:sns/topic:Topic", "questions-topic")
			dlq := c.Get(t, "aws:sqs/queue:Queue", "questions-dlq")
			tableArn, topicArn := pm.Str(t, table.State, "arn"), pm.Str(t, topic.State, "arn")
			post := c.Get(t, "aws:lambda/function:Function", "questions-post")
			process := c.Get(t, "aws:lambda/function:Function", "questions-process")
			api := c.Get(t, "aws:apigateway/restApi:RestApi", "questions-api")
			bucket := c.Get(t, "aws:s3/bucketV2:BucketV2", "questions-failures")
			opsTopic := c.Get(t, "aws:sns/topic:Topic", "questions-operations-topic")
			group := c.Get(t, "aws:xray/group:Group", "questions-faults")
			rule := c.Get(t, "aws:xray/samplingRule:SamplingRule", "questions-sampling")
			alarms := map[string]any{}
			for _, a := range contract.Alarms() {
				alarms[string(a.Key)] = pm.Str(t, c.Get(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "questions-"+string(a.Key)).State, "name")
			}
			if got := fmt.Sprint(run.exports["alarmNames"]); got != fmt.Sprint(alarms) {
				t.Errorf("export alarmNames = %s, want %s", got, fmt.Sprint(alarms))
			}
			want := map[string]any{
				"questionsApiEndpoint":         fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/prod", api.ID, pm.Region),
				"questionsRestApiId":           api.ID,
				"questionsAllowedOrigin":       origin,
				"questionsTableName":           pm.Str(t, table.State, "name"),
				"questionsTableArn":            tableArn,
				"questionsTopicArn":            topicArn,
				"questionsTopicName":           pm.Str(t, topic.State, "name"),
				"postQuestionFunctionName":     pm.Str(t, post.State, "name"),
				"processQuestionsFunctionName": pm.Str(t, process.State, "name"),
				"deadLetterQueueUrl":           pm.Str(t, dlq.State, "url"),
				"tracingStage":                 stage,
				// Operations (the existing outputs above are unchanged).
				"failureBucketName":             pm.Str(t, bucket.State, "bucket"),
				"operationsTopicArn":            pm.Str(t, opsTopic.State, "arn"),
				"xrayFaultGroupName":            pm.Str(t, group.Inputs, "groupName"),
				"xrayFaultGroupArn":             pm.Str(t, group.State, "arn"),
				"xraySamplingRuleName":          pm.Str(t, rule.State, "ruleName"),
				"adminEmailPendingConfirmation": true, // e-mail subscriptions wait for their owner
				"alarmEmailPendingConfirmation": true,
			}
			if len(run.exports) != len(want)+1 { // + alarmNames
				t.Errorf("exports = %v, want exactly %v", run.exports, want)
			}
			for k, v := range want {
				if run.exports[k] != v {
					t.Errorf("export %s = %v (%T), want %v", k, run.exports[k], run.exports[k], v)
				}
			}
			endpoint := regexp.MustCompile(`^https://[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com/prod$`)
			if e, _ := run.exports["questionsApiEndpoint"].(string); !endpoint.MatchString(e) {
				t.Errorf("endpoint %q does not have the contract's shape", e)
			}
		})
	}
}

func TestDeploymentTrigger(t *testing.T) {
	t.Parallel()
	trigger := func(cfg map[string]string) string {
		t.Helper()
		run := mustRun(t, "dev", cfg)
		return pm.Str(t, run.cloud.Get(t, "aws:apigateway/deployment:Deployment", "questions-api-deployment").Inputs, "triggers", "api")
	}
	with := func(stage int, key, value string) map[string]string {
		cfg := baseConfig(stage)
		cfg[key] = value
		return cfg
	}
	base := trigger(baseConfig(1))
	if again := trigger(baseConfig(1)); again != base {
		t.Errorf("the same program gave triggers %s and %s: every up would redeploy", base, again)
	}
	if got := trigger(baseConfig(3)); got != base {
		t.Errorf("changing the stage changed the API trigger (%s -> %s); stage settings need no redeployment", base, got)
	}
	if got := trigger(with(1, keyThrottleRateLimit, "99")); got != base {
		t.Errorf("changing throttling changed the API trigger; it is a stage setting")
	}
	if got := trigger(with(1, keyAllowedOrigin, "https://other.mysfits.example")); got == base {
		t.Errorf("changing the CORS origin (OPTIONS answer, gateway responses) did not change the trigger")
	}
}

// ---- configuration ------------------------------------------------------------

func TestLoadSettingsDefaults(t *testing.T) {
	t.Parallel()
	s, err := loadSettings(newTestContext(t, newMockCloud("dev"), map[string]string{keyAdminEmail: testEmail}))
	if err != nil {
		t.Fatalf("loadSettings: %v", err)
	}
	want := settings{Settings: contract.Settings{
		Tracing:          contract.Tracing{Stage: 1, Faults: contract.Faults{Percent: 50, Delay: 5 * time.Second}},
		AdminEmail:       testEmail,
		AllowedOrigin:    "*",
		Throttle:         components.Throttle{RateLimit: 10, BurstLimit: 20},
		LogRetentionDays: 14,
	}}
	if s != want {
		t.Errorf("defaults = %+v, want %+v", s, want)
	}
}

// `pulumi config set instrumentation opentelemetry` at any stage deploys
// OpenTelemetry's builds with what they need, and nothing else changes: the
// same resources, the same outputs.
func TestInstrumentationConfig(t *testing.T) {
	t.Parallel()
	for _, stage := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("stage %d", stage), func(t *testing.T) {
			t.Parallel()
			xray := mustRun(t, "dev", baseConfig(stage))
			cfg := baseConfig(stage)
			cfg[keyInstrumentation] = "opentelemetry"
			otel := mustRun(t, "dev", cfg)
			s, err := loadSettings(newTestContext(t, newMockCloud("dev"), cfg))
			if err != nil || s.Tracing.Instrumentation != contract.InstrumentationOpenTelemetry || s.Tracing.Stage != contract.TracingStage(stage) {
				t.Fatalf("loadSettings = %+v, %v", s.Tracing, err)
			}
			for _, name := range []string{"questions-post", "questions-process"} {
				x := pm.StringMap(t, xray.cloud.Get(t, "aws:lambda/function:Function", name).Inputs, "environment", "variables")
				o := pm.StringMap(t, otel.cloud.Get(t, "aws:lambda/function:Function", name).Inputs, "environment", "variables")
				if _, set := x[contract.EnvInstrumentation]; set {
					t.Errorf("%s: the X-Ray SDK's environment sets %s", name, contract.EnvInstrumentation)
				}
				if o[contract.EnvInstrumentation] != "opentelemetry" || o[contract.EnvOTLPTracesEndpoint] != contract.XRayOTLPTracesEndpoint(pm.Region) {
					t.Errorf("%s: OpenTelemetry's environment %v", name, o)
				}
			}
			if len(xray.cloud.Resources()) != len(otel.cloud.Resources()) || len(xray.exports) != len(otel.exports) {
				t.Errorf("%d resources and %d outputs with the X-Ray SDK, %d and %d with OpenTelemetry",
					len(xray.cloud.Resources()), len(xray.exports), len(otel.cloud.Resources()), len(otel.exports))
			}
		})
	}
}

// The origin rules themselves are contract.ParseOrigin's (tested there);
// this shows the configuration goes through them.
func TestLoadSettingsNormalizesOrigin(t *testing.T) {
	t.Parallel()
	raw, want := "HTTPS://WWW.Mysfits.Example:443/", "https://www.mysfits.example"
	s, err := loadSettings(newTestContext(t, newMockCloud("dev"), map[string]string{keyAdminEmail: testEmail, keyAllowedOrigin: raw}))
	if err != nil || s.AllowedOrigin != want {
		t.Errorf("allowedOrigin %q -> %q, %v; want %q", raw, s.AllowedOrigin, err, want)
	}
}

func TestLoadSettingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  map[string]string // applied over a valid configuration; "-" deletes
		want []string
	}{
		{"stage too high", map[string]string{keyStage: "4"}, []string{"stage: 4 is not allowed (must be 1, 2 or 3)"}},
		{"stage zero", map[string]string{keyStage: "0"}, []string{"stage: 0 is not allowed (must be 1, 2 or 3)"}},
		{"stage not a number", map[string]string{keyStage: "two"}, []string{`stage: "two" is not allowed (must be 1, 2 or 3)`}},
		{"fault percent over 100", map[string]string{keyFaultPercent: "150"}, []string{"faultPercent: 150 is not allowed", "between 0 and 100"}},
		{"fault percent negative", map[string]string{keyFaultPercent: "-1"}, []string{"faultPercent: -1 is not allowed"}},
		{"fault percent not a number", map[string]string{keyFaultPercent: "half"}, []string{`faultPercent: "half" is not allowed (must be an integer between 0 and 100)`}},
		{"fault delay not a duration", map[string]string{keyFaultDelay: "5 seconds"}, []string{`faultDelay: "5 seconds" is not allowed (must be a duration such as 5s`}},
		{"fault delay too long", map[string]string{keyFaultDelay: "30s"}, []string{`faultDelay: 30s is not allowed`, "between 100ms and 25s"}},
		{"fault delay too short", map[string]string{keyFaultDelay: "10ms"}, []string{`faultDelay: 10ms is not allowed`}},
		{"instrumentation unknown", map[string]string{keyInstrumentation: "otel"}, []string{`instrumentation: "otel" is not allowed (must be xray-sdk or opentelemetry)`}},
		{"admin e-mail missing", map[string]string{keyAdminEmail: "-"}, []string{"adminEmail: not set (required"}},
		{"admin e-mail empty", map[string]string{keyAdminEmail: ""}, []string{"adminEmail: not set"}},
		{"admin e-mail invalid", map[string]string{keyAdminEmail: "not-an-email"}, []string{`adminEmail: "not-an-email" is not allowed (it must be an e-mail address`}},
		{"admin e-mail with a name", map[string]string{keyAdminEmail: "Admin <admin@mysfits.example>"}, []string{`adminEmail: "Admin <admin@mysfits.example>" is not allowed`}},
		{"alarm e-mail invalid", map[string]string{keyAlarmEmail: "ops-at-mysfits"}, []string{`alarmEmail: "ops-at-mysfits" is not allowed (it must be an e-mail address`}},
		{"origin with a path", map[string]string{keyAllowedOrigin: "https://www.mysfits.example/contact.html"}, []string{`allowedOrigin: "https://www.mysfits.example/contact.html" is not allowed (must be * or an origin`}},
		{"origin not http", map[string]string{keyAllowedOrigin: "ftp://www.mysfits.example"}, []string{`allowedOrigin: "ftp://www.mysfits.example" is not allowed`}},
		{"negative rate", map[string]string{keyThrottleRateLimit: "-5"}, []string{"throttleRateLimit: -5 is not allowed (must be greater than 0)"}},
		{"zero rate", map[string]string{keyThrottleRateLimit: "0"}, []string{"throttleRateLimit: 0 is not allowed"}},
		{"fractional rate", map[string]string{keyThrottleRateLimit: "2.5"}, []string{`throttleRateLimit: "2.5" is not allowed (must be an integer)`}},
		{"negative burst", map[string]string{keyThrottleBurstLimit: "-1"}, []string{"throttleBurstLimit: -1 is not allowed (must be greater than 0)"}},
		{"retention not offered by CloudWatch", map[string]string{keyLogRetentionDays: "10"}, []string{"logRetentionDays: 10 is not allowed (must be one of 1, 3, 5, 7, 14, 30"}},
		{"retention zero", map[string]string{keyLogRetentionDays: "0"}, []string{"logRetentionDays: 0 is not allowed"}},
		{"retention not a number", map[string]string{keyLogRetentionDays: "two weeks"}, []string{`logRetentionDays: "two weeks" is not allowed`}},
		{
			"every error at once",
			map[string]string{keyStage: "9", keyFaultPercent: "200", keyLogRetentionDays: "2", keyInstrumentation: "zipkin"},
			[]string{"stage: 9 is not allowed", "faultPercent: 200 is not allowed", "logRetentionDays: 2 is not allowed", `instrumentation: "zipkin"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig(1)
			for k, v := range tt.cfg {
				if v == "-" {
					delete(cfg, k)
				} else {
					cfg[k] = v
				}
			}
			_, err := loadSettings(newTestContext(t, newMockCloud("dev"), cfg))
			if err == nil {
				t.Fatal("loadSettings accepted the configuration")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestInvalidConfigurationCreatesNothing(t *testing.T) {
	t.Parallel()
	cfg := baseConfig(1)
	cfg[keyStage] = "4"
	run := runProgram(t, newMockCloud("dev"), cfg, nil)
	if run.err == nil || !strings.Contains(run.err.Error(), "stage: 4 is not allowed") {
		t.Fatalf("program error = %v, want the stage error", run.err)
	}
	if n := len(run.cloud.Resources()); n != 0 {
		t.Errorf("%d resources registered despite invalid configuration", n)
	}
}

func TestMysfitsStackOrigin(t *testing.T) {
	t.Parallel()
	const mainStack = "mysfits/mysfits-site/dev"
	tests := []struct {
		name    string
		outputs map[string]any
		origin  string
		wantErr []string
	}{
		{name: "site URL with a page", outputs: map[string]any{"websiteUrl": "https://www.mysfits.example/index.html"}, origin: "https://www.mysfits.example"},
		{name: "S3 website URL", outputs: map[string]any{"websiteUrl": "http://mysfits-site.s3-website-us-east-1.amazonaws.com"}, origin: "http://mysfits-site.s3-website-us-east-1.amazonaws.com"},
		{name: "no such output", outputs: map[string]any{"bucketName": "x"}, wantErr: []string{"mysfitsStack", mainStack, "websiteUrl"}},
		{name: "not a URL", outputs: map[string]any{"websiteUrl": "mysfits-site"}, wantErr: []string{"mysfitsStack", "websiteUrl", `"mysfits-site" is not an http(s) URL`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cloud := newMockCloud("dev")
			cloud.StackOutputs[mainStack] = tt.outputs
			cfg := baseConfig(2)
			cfg[keyMysfitsStack] = mainStack // takes precedence over allowedOrigin
			run := runProgram(t, cloud, cfg, nil)
			if tt.wantErr != nil {
				if run.err == nil {
					t.Fatal("program succeeded, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(run.err.Error(), w) {
						t.Errorf("error %q does not contain %q", run.err, w)
					}
				}
				if len(cloud.OfType(components.QuestionsServiceType)) != 0 {
					t.Error("service created without an origin")
				}
				return
			}
			if run.err != nil {
				t.Fatalf("program failed: %v", run.err)
			}
			ref := cloud.Get(t, "pulumi:pulumi:StackReference", mainStack)
			if ref.ID != mainStack {
				t.Errorf("stack reference reads %q, want %q", ref.ID, mainStack)
			}
			env := pm.StringMap(t, cloud.Get(t, "aws:lambda/function:Function", "questions-post").Inputs, "environment", "variables")
			if env[contract.EnvAllowedOrigin] != tt.origin {
				t.Errorf("post function origin = %q, want %q", env[contract.EnvAllowedOrigin], tt.origin)
			}
			preflight := cloud.Get(t, "aws:apigateway/integrationResponse:IntegrationResponse", "questions-api-options-integration-response")
			if got := pm.Str(t, preflight.Inputs, "responseParameters", "method.response.header.Access-Control-Allow-Origin"); got != "'"+tt.origin+"'" {
				t.Errorf("preflight origin = %s, want '%s'", got, tt.origin)
			}
			for _, g := range cloud.OfType("aws:apigateway/response:Response") {
				if got := pm.Str(t, g.Inputs, "responseParameters", "gatewayresponse.header.Access-Control-Allow-Origin"); got != "'"+tt.origin+"'" {
					t.Errorf("%s origin = %s", g.Name, got)
				}
			}
			if run.exports["questionsAllowedOrigin"] != tt.origin {
				t.Errorf("exported origin = %v", run.exports["questionsAllowedOrigin"])
			}
		})
	}
}

// TestTwoStacksDoNotCollide deploys the program as two stacks of one
// account: nothing account-wide may carry a name fixed in code.
func TestTwoStacksDoNotCollide(t *testing.T) {
	t.Parallel()
	dev := mustRun(t, "dev", baseConfig(1)).cloud
	prod := mustRun(t, "prod", baseConfig(1)).cloud

	// Names that live inside one REST API (model, validator) are fine.
	apiScoped := map[string]bool{"aws:apigateway/model:Model": true, "aws:apigateway/requestValidator:RequestValidator": true}
	for _, r := range dev.Resources() {
		if !strings.HasPrefix(r.Type, "aws:") || apiScoped[r.Type] {
			continue
		}
		for _, key := range []string{"name", "namePrefix", "statementId"} {
			if v, ok := r.Inputs[key]; ok {
				t.Errorf("%s %s sets %s = %v; it must be generated per stack", r.Type, r.Name, key, v)
			}
		}
	}

	physical := func(c *pm.Cloud) map[string]string {
		names := map[string]string{}
		for _, r := range c.Resources() {
			if !strings.HasPrefix(r.Type, "aws:") || apiScoped[r.Type] {
				continue
			}
			// Buckets, X-Ray groups and sampling rules have names of their
			// own kind, account-wide (S3's even global).
			for _, key := range []string{"name", "groupName", "ruleName"} {
				if n, ok := r.State[key].(string); ok {
					names[n] = r.Type + " " + r.Name
				}
			}
			if n, ok := r.State["bucket"].(string); ok && r.Type == "aws:s3/bucketV2:BucketV2" {
				names[n] = r.Type + " " + r.Name
			}
		}
		return names
	}
	devNames, prodNames := physical(dev), physical(prod)
	if len(devNames) < 8 {
		t.Fatalf("only %d named resources seen: %v", len(devNames), devNames)
	}
	for n, what := range devNames {
		if other, clash := prodNames[n]; clash {
			t.Errorf("physical name %q used by dev %s and prod %s", n, what, other)
		}
	}
	urns := map[string]bool{}
	for _, r := range dev.Resources() {
		urns[r.URN] = true
	}
	for _, r := range prod.Resources() {
		if urns[r.URN] {
			t.Errorf("URN %s in both stacks", r.URN)
		}
	}
}

// TestRunBuildsFunctions runs the program with the builder main uses, not
// memoized: each function gets its own fresh folder and a zip whose hash
// is declared.
func TestRunBuildsFunctions(t *testing.T) {
	t.Parallel()
	buildDir := t.TempDir()
	run := runProgram(t, newMockCloud("dev"), baseConfig(1), program{builder: components.GoBuilder{TempDir: buildDir}}.run)
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	dirs := map[string]bool{}
	for _, name := range []string{"questions-post", "questions-process"} {
		fn := run.cloud.Get(t, "aws:lambda/function:Function", name)
		code, ok := fn.Inputs["code"].(*archive.Archive)
		if !ok {
			t.Fatalf("%s code = %#v", name, fn.Inputs["code"])
		}
		dir := filepath.Dir(code.Path)
		if filepath.Dir(dir) != buildDir {
			t.Errorf("%s was built in %s, not in a fresh folder under %s", name, dir, buildDir)
		}
		dirs[dir] = true
		data, err := os.ReadFile(code.Path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sum := sha256.Sum256(data)
		if got := pm.Str(t, fn.Inputs, "sourceCodeHash"); got != base64.StdEncoding.EncodeToString(sum[:]) {
			t.Errorf("%s sourceCodeHash does not match its zip", name)
		}
	}
	if len(dirs) != 2 {
		t.Errorf("the two functions were built into %d folders, want one fresh folder each", len(dirs))
	}
}

// ---- Pulumi.yaml and Pulumi.dev.yaml ------------------------------------------

// TestProjectFiles loads the project and the dev stack with Pulumi's own
// loaders, checks the config schema, and runs the program with the
// configuration the CLI would pass: project defaults under stack values.
func TestProjectFiles(t *testing.T) {
	t.Parallel()
	project, err := workspace.LoadProject("Pulumi.yaml")
	if err != nil {
		t.Fatalf("LoadProject: %v", err)
	}
	if err := project.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if project.Name.String() != testProject || project.Runtime.Name() != "go" {
		t.Errorf("project %s runtime %s, want %s on go", project.Name, project.Runtime.Name(), testProject)
	}
	if project.Description == nil || *project.Description == "" {
		t.Error("project has no description")
	}

	wantTypes := map[string]string{
		keyStage: "integer", keyAdminEmail: "string", keyFaultPercent: "integer", keyFaultDelay: "string",
		keyAllowedOrigin: "string", keyMysfitsStack: "string", keyAlarmEmail: "string", keyThrottleRateLimit: "integer",
		keyThrottleBurstLimit: "integer", keyLogRetentionDays: "integer", keyInstrumentation: "string",
	}
	if len(project.Config) != len(wantTypes) {
		t.Errorf("project declares %d keys, want %d", len(project.Config), len(wantTypes))
	}
	for key, typ := range wantTypes {
		ct, ok := project.Config[key]
		if !ok {
			t.Errorf("Pulumi.yaml does not declare %s", key)
			continue
		}
		if ct.TypeName() != typ || ct.Description == "" {
			t.Errorf("%s: type %q description %q, want type %s and a description", key, ct.TypeName(), ct.Description, typ)
		}
		// The CLI treats a typed key without default as required: only
		// adminEmail may lack one, and the program's defaults must match.
		if key == keyAdminEmail {
			if ct.Default != nil {
				t.Errorf("adminEmail has default %v; it must be required", ct.Default)
			}
			continue
		}
		if ct.Default == nil {
			t.Errorf("%s has no default: the CLI would require it", key)
			continue
		}
		if got, want := fmt.Sprint(ct.Default), programDefault(key); got != want {
			t.Errorf("%s default: Pulumi.yaml says %q, the program %q", key, got, want)
		}
	}

	stack, err := workspace.LoadProjectStack(nil, project, "Pulumi.dev.yaml")
	if err != nil {
		t.Fatalf("LoadProjectStack: %v", err)
	}
	cfg := map[string]string{}
	for key, ct := range project.Config {
		if ct.Default != nil {
			cfg[key] = fmt.Sprint(ct.Default)
		}
	}
	region := ""
	for key, value := range stack.Config {
		v, err := value.Value(config.NopDecrypter)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		switch {
		case key.Namespace() == "aws" && key.Name() == "region":
			region = v
		case key.Namespace() == testProject:
			ct, declared := project.Config[key.Name()]
			if !declared {
				t.Errorf("Pulumi.dev.yaml sets undeclared key %s", key)
				continue
			}
			if !workspace.ValidateConfigValue(ct.TypeName(), ct.Items, v) {
				t.Errorf("Pulumi.dev.yaml %s = %q is not a valid %s", key, v, ct.TypeName())
			}
			cfg[key.Name()] = v
		default:
			t.Errorf("Pulumi.dev.yaml sets unexpected key %s", key)
		}
	}
	if region != pm.Region {
		t.Errorf("dev stack region = %q, want %s", region, pm.Region)
	}
	s, err := loadSettings(newTestContext(t, newMockCloud("dev"), cfg))
	if err != nil {
		t.Fatalf("the dev stack's configuration is rejected: %v", err)
	}
	if s.AdminEmail != testEmail || s.Tracing.Stage != 1 {
		t.Errorf("dev stack settings = %+v, want %s at stage 1", s, testEmail)
	}
}

// programDefault is the value the program applies when key is absent: the
// contract's default (an absent key is parsed as "").
func programDefault(key string) string {
	d := contract.DefaultSettings("")
	return map[string]string{
		keyStage:              strconv.Itoa(int(d.Tracing.Stage)),
		keyFaultPercent:       strconv.Itoa(d.Tracing.Faults.Percent),
		keyFaultDelay:         d.Tracing.Faults.Delay.String(),
		keyInstrumentation:    d.Tracing.Instrumentation.String(),
		keyAllowedOrigin:      d.AllowedOrigin,
		keyAlarmEmail:         d.AlarmEmail,
		keyMysfitsStack:       "",
		keyThrottleRateLimit:  strconv.FormatFloat(d.Throttle.RateLimit, 'f', -1, 64),
		keyThrottleBurstLimit: strconv.Itoa(d.Throttle.BurstLimit),
		keyLogRetentionDays:   strconv.Itoa(d.LogRetentionDays),
	}[key]
}

// ---- security -----------------------------------------------------------------

// TestLeastPrivilege: the only IAM in the stack is one role per function
// with one inline policy; every resource a policy names is an exact ARN of
// this stack's resources (or, where AWS has no exact ARN to name, the
// sub-resources of one: a log group's streams, a table's streams for
// ListStreams, the failure bucket's objects for the process function's
// PutObject); only X-Ray writes use "*"; no action has a wildcard. The
// resource policies (bucket, queue) allow only AWS services, each limited
// to one exact ARN of this stack, and deny the rest.
func TestLeastPrivilege(t *testing.T) {
	t.Parallel()
	c := mustRun(t, "dev", baseConfig(3)).cloud
	for _, typ := range []string{"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policy:Policy",
		"aws:iam/policyAttachment:PolicyAttachment", "aws:iam/user:User", "aws:iam/group:Group", "aws:iam/instanceProfile:InstanceProfile"} {
		if rs := c.OfType(typ); len(rs) != 0 {
			t.Errorf("%d %s resources, want none: permissions come from each function's inline policy", len(rs), typ)
		}
	}
	roles, policies := c.OfType("aws:iam/role:Role"), c.OfType("aws:iam/rolePolicy:RolePolicy")
	if len(roles) != 2 || len(policies) != 2 {
		t.Fatalf("%d roles and %d role policies, want one of each per function", len(roles), len(policies))
	}
	for _, r := range roles {
		for _, k := range []string{"managedPolicyArns", "inlinePolicies", "permissionsBoundary"} {
			if v, ok := r.Inputs[k]; ok && v != nil && fmt.Sprint(v) != "[]" {
				t.Errorf("role %s sets %s = %v", r.Name, k, v)
			}
		}
	}

	table := c.Get(t, "aws:dynamodb/table:Table", "questions-table")
	tableArn := pm.Str(t, table.State, "arn")
	bucketArn := pm.Str(t, c.Get(t, "aws:s3/bucketV2:BucketV2", "questions-failures").State, "arn")
	exact := map[string]bool{
		tableArn:                            true,
		pm.Str(t, table.State, "streamArn"): true,
		pm.Str(t, c.Get(t, "aws:sns/topic:Topic", "questions-topic").State, "arn"): true,
		pm.Str(t, c.Get(t, "aws:sqs/queue:Queue", "questions-dlq").State, "arn"):   true,
		bucketArn: true,
		pm.Str(t, c.Get(t, "aws:cloudwatch/eventRule:EventRule", "questions-failure-notices").State, "arn"): true,
	}
	for _, r := range c.OfType("aws:iam/role:Role") {
		exact[pm.Str(t, r.State, "arn")] = true
	}
	subResources := map[string]bool{tableArn + "/stream/*": true, bucketArn + "/*": true}
	for _, g := range c.OfType("aws:cloudwatch/logGroup:LogGroup") {
		arn := pm.Str(t, g.State, "arn")
		exact[arn] = true
		subResources[arn+":*"] = true
	}
	xray := []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
	for _, p := range policies {
		for _, s := range pm.ParsePolicy(t, pm.Str(t, p.Inputs, "policy")) {
			if s.Effect != "Allow" || s.Principal != nil {
				t.Errorf("%s: statement %s, want Allow statements without a principal", p.Name, s)
			}
			for _, a := range s.Action {
				if strings.Contains(a, "*") {
					t.Errorf("%s grants wildcard action %s", p.Name, a)
				}
			}
			for _, r := range s.Resource {
				switch {
				case r == "*":
					if !slices.Equal(s.Action, xray) {
						t.Errorf("%s grants %v on *: only X-Ray writes may", p.Name, s.Action)
					}
				case exact[r]:
				case subResources[r]:
					if !slices.Equal(s.Action, []string{"dynamodb:ListStreams"}) && !slices.Contains(s.Action, "logs:PutLogEvents") &&
						!slices.Equal(s.Action, []string{"s3:PutObject"}) {
						t.Errorf("%s grants %v on %s", p.Name, s.Action, r)
					}
				default:
					t.Errorf("%s names %s, not an exact ARN of this stack", p.Name, r)
				}
			}
		}
	}

	// Resource policies.
	resourcePolicies := append(c.OfType("aws:s3/bucketPolicy:BucketPolicy"), c.OfType("aws:sqs/queuePolicy:QueuePolicy")...)
	if n := len(resourcePolicies) + len(c.OfType("aws:sns/topicPolicy:TopicPolicy")); n != 2 {
		t.Errorf("%d resource policies, want the failure bucket's and the notice queue's", n)
	}
	for _, p := range resourcePolicies {
		var doc struct {
			Statement []struct {
				Effect    string
				Principal any
				Action    []string
				Resource  []string
				Condition map[string]map[string]string
			}
		}
		if err := json.Unmarshal([]byte(pm.Str(t, p.Inputs, "policy")), &doc); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		for _, s := range doc.Statement {
			for _, r := range s.Resource {
				if !exact[r] && !subResources[r] {
					t.Errorf("%s names %s, not an ARN of this stack", p.Name, r)
				}
			}
			conditionARNs := 0
			for _, kv := range s.Condition {
				for _, v := range kv {
					if exact[v] {
						conditionARNs++
					}
				}
			}
			switch {
			case s.Effect == "Deny":
				// Denying anyone what they may not do grants nothing.
			case s.Effect == "Allow" && pm.Field(s.Principal, "Service") != nil && conditionARNs == 1 && !slices.ContainsFunc(s.Action, func(a string) bool { return strings.Contains(a, "*") }):
			default:
				t.Errorf("%s: %+v, want only a service allowed, on the condition of one ARN of this stack", p.Name, s)
			}
		}
	}
}

// TestCORSOriginAgrees: wherever the stack states the CORS origin (the
// preflight's MOCK answer and its declared headers, every gateway response,
// the post function's ALLOWED_ORIGIN, the export), it is the same one: the
// main site's when mysfitsStack or allowedOrigin says so, "*" otherwise.
func TestCORSOriginAgrees(t *testing.T) {
	t.Parallel()
	const mainStack = "mysfits/mysfits-site/prod"
	tests := []struct {
		name   string
		change func(cfg map[string]string, c *pm.Cloud)
		want   string
	}{
		{"default", func(cfg map[string]string, _ *pm.Cloud) { delete(cfg, keyAllowedOrigin) }, "*"},
		{"allowedOrigin", func(cfg map[string]string, _ *pm.Cloud) { cfg[keyAllowedOrigin] = "https://www.mysfits.example/" }, "https://www.mysfits.example"},
		{"mysfitsStack", func(cfg map[string]string, c *pm.Cloud) {
			delete(cfg, keyAllowedOrigin)
			cfg[keyMysfitsStack] = mainStack
			c.StackOutputs[mainStack] = map[string]any{"websiteUrl": "https://site.mysfits.example/index.html"}
		}, "https://site.mysfits.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newMockCloud("dev")
			cfg := baseConfig(2)
			tt.change(cfg, c)
			run := runProgram(t, c, cfg, nil)
			if run.err != nil {
				t.Fatalf("program failed: %v", run.err)
			}
			stated := map[string]string{
				"export questionsAllowedOrigin": fmt.Sprint(run.exports["questionsAllowedOrigin"]),
				"post function " + contract.EnvAllowedOrigin: pm.StringMap(t, c.Get(t, "aws:lambda/function:Function", "questions-post").Inputs,
					"environment", "variables")[contract.EnvAllowedOrigin],
			}
			const header = "Access-Control-Allow-Origin"
			preflight := c.Get(t, "aws:apigateway/integrationResponse:IntegrationResponse", "questions-api-options-integration-response")
			stated["preflight"] = strings.Trim(pm.Str(t, preflight.Inputs, "responseParameters", "method.response.header."+header), "'")
			declared := c.Get(t, "aws:apigateway/methodResponse:MethodResponse", "questions-api-options-response")
			if pm.Field(declared.Inputs, "responseParameters", "method.response.header."+header) != true {
				t.Errorf("the preflight method response does not declare %s", header)
			}
			responses := c.OfType("aws:apigateway/response:Response")
			if len(responses) == 0 {
				t.Fatal("no gateway responses")
			}
			for _, g := range responses {
				v, _ := pm.Field(g.Inputs, "responseParameters", "gatewayresponse.header."+header).(string)
				stated["gateway response "+pm.Str(t, g.Inputs, "responseType")] = strings.Trim(v, "'")
			}
			for where, got := range stated {
				if got != tt.want {
					t.Errorf("%s states origin %q, want %q", where, got, tt.want)
				}
			}
			// Every answer carries the same CORS headers as the post
			// function's (contract.CORSHeaders): a single origin varies
			// by Origin, the wildcard does not.
			wantVary := map[bool]string{true: "'Origin'", false: ""}[tt.want != contract.AnyOrigin]
			varies := map[string]any{"preflight": pm.Field(preflight.Inputs, "responseParameters", "method.response.header.Vary")}
			for _, g := range responses {
				varies["gateway response "+pm.Str(t, g.Inputs, "responseType")] = pm.Field(g.Inputs, "responseParameters", "gatewayresponse.header.Vary")
			}
			for where, got := range varies {
				if s, _ := got.(string); s != wantVary {
					t.Errorf("%s: Vary = %v, want %q", where, got, wantVary)
				}
			}
			if tt.want != contract.AnyOrigin && pm.Field(declared.Inputs, "responseParameters", "method.response.header.Vary") != true {
				t.Error("the preflight method response does not declare Vary")
			}
		})
	}
}

// ---- the deploy and the local stack agree ---------------------------------------

// TestLocalStackRunsTheDeployedFunctions: for every stage and fault setting,
// the local stack gives each function the environment and timeout the
// component gives it on AWS (with the local table and topic in place of
// the deployed ones). Both come from the contract; this keeps it so.
func TestLocalStackRunsTheDeployedFunctions(t *testing.T) {
	t.Parallel()
	faults := []contract.Faults{
		contract.DefaultTracing().Faults,
		{Percent: 100, Delay: time.Second},
		{Percent: 30, Delay: 20 * time.Second}, // a timeout above the default at every stage
	}
	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK, contract.StageFaults} {
		for _, f := range faults {
			t.Run(fmt.Sprintf("stage %d, %d%% after %s", stage, f.Percent, f.Delay), func(t *testing.T) {
				t.Parallel()
				cfg := baseConfig(int(stage))
				cfg[keyFaultPercent], cfg[keyFaultDelay] = strconv.Itoa(f.Percent), f.Delay.String()
				c := mustRun(t, "dev", cfg).cloud
				deployed := func(name string) contract.Function[string] {
					fn := c.Get(t, "aws:lambda/function:Function", name)
					return contract.Function[string]{
						Env:     pm.StringMap(t, fn.Inputs, "environment", "variables"),
						Timeout: time.Duration(pm.Num(t, fn.Inputs, "timeout")) * time.Second,
					}
				}
				local := devstack.Config{Tracing: contract.Tracing{Stage: stage, Faults: f}, AllowedOrigin: cfg[keyAllowedOrigin]}
				post, process := local.Functions(provision.Resources{
					TableName: pm.Str(t, c.Get(t, "aws:dynamodb/table:Table", "questions-table").State, "name"),
					TopicARN:  pm.Str(t, c.Get(t, "aws:sns/topic:Topic", "questions-topic").State, "arn"),
				})
				for _, tt := range []struct {
					name        string
					aws, onHost contract.Function[string]
				}{{"questions-post", deployed("questions-post"), post}, {"questions-process", deployed("questions-process"), process}} {
					if !maps.Equal(tt.aws.Env, tt.onHost.Env) {
						t.Errorf("%s environment: deployed %v, local %v", tt.name, tt.aws.Env, tt.onHost.Env)
					}
					if tt.aws.Timeout != tt.onHost.Timeout {
						t.Errorf("%s timeout: deployed %s, local %s", tt.name, tt.aws.Timeout, tt.onHost.Timeout)
					}
				}
			})
		}
	}
}
