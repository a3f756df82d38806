package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

const (
	testEmail      = "admin@mysfits.example"
	testAlarmEmail = "ops@mysfits.example"
	testOrigin     = "https://www.mysfits.example"
	// The integration server's fake monitor names every URN with this
	// project and stack; the mock cloud uses the same to find parents.
	testProject = "project"
	testStack   = "stack"
)

// serviceURN is the URN the engine gives a top-level QuestionsService.
func serviceURN(name string) resource.URN {
	return resource.NewURN(testStack, testProject, "", tokens.Type(components.QuestionsServiceType), name)
}

// construct runs Construct for a QuestionsService named "questions" with
// inputs, through the integration server, on a fresh mock cloud.
func construct(t *testing.T, inputs map[string]property.Value) (*pm.Cloud, p.ConstructResponse, error) {
	t.Helper()
	cloud := pm.NewCloud(testProject, testStack)
	resp, err := newServer(t, plainMonitor{cloud}).Construct(p.ConstructRequest{
		Urn:    serviceURN("questions"),
		Inputs: property.NewMap(inputs),
	})
	return cloud, resp, err
}

// TestConstruct constructs the component the way a TypeScript, Python or
// YAML program does and checks the children it registers (by type and
// name, all under the component), that the inputs reach them, and the
// outputs it answers with.
func TestConstruct(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		inputs map[string]property.Value
		// What the inputs, or their defaults, come to.
		stage                 contract.TracingStage
		alarmEmail, origin    string
		rate, burst, logsDays int
		faultEnv              map[string]string
		// otelEnv is what OpenTelemetry's builds get; nil: the X-Ray SDK's.
		otelEnv map[string]string
	}{
		{
			name:   "defaults",
			inputs: map[string]property.Value{inputNames.AdminEmail: property.New(testEmail)},
			stage:  contract.DefaultStage, alarmEmail: testEmail, origin: contract.AnyOrigin,
			rate: contract.DefaultThrottleRateLimit, burst: contract.DefaultThrottleBurstLimit,
			logsDays: contract.DefaultLogRetentionDays,
		},
		{
			name: "stage 3 with every input",
			inputs: map[string]property.Value{
				inputNames.AdminEmail:           property.New(testEmail),
				inputNames.AlarmEmail:           property.New(testAlarmEmail),
				inputNames.AllowedOrigin:        property.New(testOrigin + "/"), // normalized like the config's
				inputNames.Tracing.Stage:        property.New(3.0),
				inputNames.Tracing.FaultPercent: property.New(30.0),
				inputNames.Tracing.FaultDelay:   property.New("7s"),
				inputNames.ThrottleRateLimit:    property.New(25.0),
				inputNames.ThrottleBurstLimit:   property.New(50.0),
				inputNames.LogRetentionDays:     property.New(30.0),
			},
			stage: contract.StageFaults, alarmEmail: testAlarmEmail, origin: testOrigin, rate: 25, burst: 50, logsDays: 30,
			faultEnv: map[string]string{contract.EnvFaultPercent: "30", contract.EnvFaultDelay: (7 * time.Second).String()},
		},
		{
			name: "stage 2 on OpenTelemetry",
			inputs: map[string]property.Value{
				inputNames.AdminEmail:              property.New(testEmail),
				inputNames.Tracing.Stage:           property.New(2.0),
				inputNames.Tracing.Instrumentation: property.New("opentelemetry"),
			},
			stage: contract.StageSDK, alarmEmail: testEmail, origin: contract.AnyOrigin,
			rate: contract.DefaultThrottleRateLimit, burst: contract.DefaultThrottleBurstLimit,
			logsDays: contract.DefaultLogRetentionDays,
			otelEnv: map[string]string{contract.EnvInstrumentation: "opentelemetry",
				contract.EnvOTLPTracesEndpoint: contract.XRayOTLPTracesEndpoint(pm.Region)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cloud, resp, err := construct(t, tc.inputs)
			if err != nil {
				t.Fatalf("Construct: %v", err)
			}
			if resp.Urn != serviceURN("questions") {
				t.Errorf("URN = %s, want %s", resp.Urn, serviceURN("questions"))
			}
			svc := cloud.Get(t, components.QuestionsServiceType, "questions")
			if svc.URN != string(resp.Urn) {
				t.Fatalf("the component registered as %s, Construct answered %s", svc.URN, resp.Urn)
			}

			children := checkChildren(t, cloud, svc)
			checkInputsReachChildren(t, children, tc.stage, tc.origin, tc.rate, tc.burst, tc.logsDays, tc.faultEnv)
			checkAlarmEmail(t, cloud, tc.alarmEmail)
			checkOutputs(t, resp.State, children)
			for _, fn := range []string{"post", "process"} {
				env := pm.StringMap(t, children[fn].Inputs, "environment", "variables")
				if _, set := env[contract.EnvInstrumentation]; set != (tc.otelEnv != nil) {
					t.Errorf("%s environment %v: %s set = %t", fn, env, contract.EnvInstrumentation, set)
				}
				for k, v := range tc.otelEnv {
					if env[k] != v {
						t.Errorf("%s %s = %q, want %q", fn, k, env[k], v)
					}
				}
			}
		})
	}
}

// children are the resources the checks look at, by role.
type children map[string]*pm.Resource

// wantChildren are the resources every QuestionsService named "questions"
// registers: role -> type and name.
var wantChildren = map[string]struct{ typ, name string }{
	"table":         {"aws:dynamodb/table:Table", "questions-table"},
	"topic":         {"aws:sns/topic:Topic", "questions-topic"},
	"subscription":  {"aws:sns/topicSubscription:TopicSubscription", "questions-admin-email"},
	"queue":         {"aws:sqs/queue:Queue", "questions-dlq"},
	"mapping":       {"aws:lambda/eventSourceMapping:EventSourceMapping", "questions-stream"},
	"api":           {components.QuestionsAPIType, "questions-api"},
	"restApi":       {"aws:apigateway/restApi:RestApi", "questions-api"},
	"resource":      {"aws:apigateway/resource:Resource", "questions-api-" + contract.PathPart},
	"postMethod":    {"aws:apigateway/method:Method", "questions-api-post"},
	"optionsMethod": {"aws:apigateway/method:Method", "questions-api-options"},
	"integration":   {"aws:apigateway/integration:Integration", "questions-api-post-integration"},
	"deployment":    {"aws:apigateway/deployment:Deployment", "questions-api-deployment"},
	"stage":         {"aws:apigateway/stage:Stage", "questions-api-" + contract.StageName},
	"throttling":    {"aws:apigateway/methodSettings:MethodSettings", "questions-api-throttling"},
	"permission":    {"aws:lambda/permission:Permission", "questions-api-invoke"},
}

// functionChildren are what each TracedGoFunction registers, by suffix.
var functionChildren = map[string]string{
	"":        "aws:lambda/function:Function",
	"-role":   "aws:iam/role:Role",
	"-policy": "aws:iam/rolePolicy:RolePolicy",
	"-logs":   "aws:cloudwatch/logGroup:LogGroup",
}

// checkChildren finds every expected child and checks that it, and every
// other resource the Construct registered, sits under the component.
func checkChildren(t *testing.T, cloud *pm.Cloud, svc *pm.Resource) children {
	t.Helper()
	found := children{}
	for role, want := range wantChildren {
		found[role] = cloud.Get(t, want.typ, want.name)
	}
	for _, fn := range []string{"post", "process"} {
		comp := cloud.Get(t, components.TracedGoFunctionType, "questions-"+fn)
		for suffix, typ := range functionChildren {
			r := cloud.Get(t, typ, "questions-"+fn+suffix)
			if r.Parent != comp.URN {
				t.Errorf("%s (%s) is not a child of its TracedGoFunction %s", r.Name, r.Type, comp.Name)
			}
			found[fn+suffix] = r
		}
	}
	for _, r := range cloud.Resources() {
		if r == svc {
			continue
		}
		if !descendsFrom(cloud, r, svc.URN) {
			t.Errorf("%s (%s) is not inside the QuestionsService component", r.Name, r.Type)
		}
	}
	for _, role := range []string{"table", "topic", "subscription", "queue", "mapping", "api"} {
		if found[role].Parent != svc.URN {
			t.Errorf("%s %s is not a direct child of the component", role, found[role].Name)
		}
	}
	return found
}

func descendsFrom(cloud *pm.Cloud, r *pm.Resource, urn string) bool {
	for r != nil && r.Parent != "" {
		if r.Parent == urn {
			return true
		}
		r = cloud.ByURN(r.Parent)
	}
	return false
}

func checkInputsReachChildren(t *testing.T, c children, stage contract.TracingStage, origin string,
	rate, burst, logsDays int, faultEnv map[string]string,
) {
	t.Helper()
	if got := pm.Str(t, c["subscription"].Inputs, "endpoint"); got != testEmail {
		t.Errorf("subscription endpoint = %q, want adminEmail %s", got, testEmail)
	}
	if got, want := pm.Field(c["stage"].Inputs, "xrayTracingEnabled"), stage.APIGatewayTracing(); got != want {
		t.Errorf("API stage xrayTracingEnabled = %v, want %v at stage %d", got, want, stage)
	}
	if got := pm.Num(t, c["throttling"].Inputs, "settings", "throttlingRateLimit"); got != rate {
		t.Errorf("throttling rate = %d, want %d", got, rate)
	}
	if got := pm.Num(t, c["throttling"].Inputs, "settings", "throttlingBurstLimit"); got != burst {
		t.Errorf("throttling burst = %d, want %d", got, burst)
	}
	for _, fn := range []string{"post", "process"} {
		env := pm.StringMap(t, c[fn].Inputs, "environment", "variables")
		if got := env[contract.EnvStage]; got != strconv.Itoa(int(stage)) {
			t.Errorf("%s %s = %q, want %d", fn, contract.EnvStage, got, stage)
		}
		for k, v := range faultEnv {
			if env[k] != v {
				t.Errorf("%s %s = %q, want %q", fn, k, env[k], v)
			}
		}
		if len(faultEnv) == 0 {
			if _, has := env[contract.EnvFaultPercent]; has {
				t.Errorf("%s has %s below stage 3", fn, contract.EnvFaultPercent)
			}
		}
		if got := pm.Num(t, c[fn+"-logs"].Inputs, "retentionInDays"); got != logsDays {
			t.Errorf("%s log retention = %d, want %d", fn, got, logsDays)
		}
		if got := pm.Str(t, c[fn].Inputs, "sourceCodeHash"); got == "" {
			t.Errorf("%s has no sourceCodeHash: its code was not built", fn)
		}
	}
	if got := pm.Str(t, c["post"].Inputs, "environment", "variables", contract.EnvAllowedOrigin); got != origin {
		t.Errorf("post function's allowed origin = %q, want %q", got, origin)
	}
}

// checkOutputs: the component answers with every output the schema
// declares, known, with the values of the children they come from.
func checkOutputs(t *testing.T, state property.Map, c children) {
	t.Helper()
	_, res := componentSpec(t)
	for name, prop := range res.Properties {
		v, ok := state.GetOk(name)
		switch {
		case !ok:
			t.Errorf("no output %s", name)
		case prop.Type == "string" && (!v.IsString() || v.AsString() == ""):
			t.Errorf("output %s = %v, want a known string", name, v)
		case prop.Type == "boolean" && !v.IsBool():
			t.Errorf("output %s = %v, want a known boolean", name, v)
		case prop.Type == "object" && (!v.IsMap() || v.AsMap().Len() == 0):
			t.Errorf("output %s = %v, want a known map", name, v)
		}
	}
	alarms := state.Get("alarmNames")
	for _, a := range contract.Alarms() {
		if !alarms.IsMap() || !alarms.AsMap().Get(string(a.Key)).IsString() {
			t.Errorf("alarmNames has no %s: %v", a.Key, alarms)
		}
	}
	if pending := state.Get("adminEmailPending"); !pending.IsBool() || !pending.AsBool() {
		t.Errorf("adminEmailPending = %v, want true: an e-mail subscription waits for its confirmation", pending)
	}
	if state.Len() != len(res.Properties) {
		t.Errorf("outputs %v, want the schema's %v", keys(state.AsMap()), keys(res.Properties))
	}
	restAPIID := c["restApi"].ID
	want := map[string]string{
		"apiEndpoint":         fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", restAPIID, pm.Region, contract.StageName),
		"restApiId":           restAPIID,
		"tableName":           pm.Str(t, c["table"].State, "name"),
		"tableArn":            pm.Str(t, c["table"].State, "arn"),
		"topicArn":            pm.Str(t, c["topic"].State, "arn"),
		"topicName":           pm.Str(t, c["topic"].State, "name"),
		"postFunctionName":    pm.Str(t, c["post"].State, "name"),
		"processFunctionName": pm.Str(t, c["process"].State, "name"),
		"deadLetterQueueUrl":  pm.Str(t, c["queue"].State, "url"),
		"deadLetterQueueArn":  pm.Str(t, c["queue"].State, "arn"),
	}
	for name, w := range want {
		if v := state.Get(name); !v.IsString() || v.AsString() != w {
			t.Errorf("output %s = %v, want %q", name, v, w)
		}
	}
}

// TestConstructRejectsInvalidInputs: bad inputs fail the Construct before
// anything is registered, and the error names every bad input as the
// program wrote it, with its value and what is allowed.
func TestConstructRejectsInvalidInputs(t *testing.T) {
	t.Parallel()
	cloud, _, err := construct(t, map[string]property.Value{
		inputNames.AdminEmail:              property.New("not-an-address"),
		inputNames.Tracing.Stage:           property.New(4.0),
		inputNames.Tracing.FaultPercent:    property.New(101.0),
		inputNames.LogRetentionDays:        property.New(15.0),
		inputNames.Tracing.Instrumentation: property.New("otel"),
	})
	if err == nil {
		t.Fatal("Construct accepted invalid inputs")
	}
	for _, want := range []string{`adminEmail: "not-an-address"`, "stage: 4 is not allowed", "faultPercent: 101 is not allowed",
		"logRetentionDays: 15 is not allowed", `instrumentation: "otel" is not allowed (must be xray-sdk or opentelemetry)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if rs := cloud.Resources(); len(rs) != 0 {
		t.Errorf("%d resources registered, want none", len(rs))
	}
}

// checkAlarmEmail: the administrator is subscribed to the questions topic,
// and the alarm address (adminEmail unless alarmEmail is given) to the
// other, the operations topic.
func checkAlarmEmail(t *testing.T, cloud *pm.Cloud, want string) {
	t.Helper()
	var others []string
	for _, sub := range cloud.OfType("aws:sns/topicSubscription:TopicSubscription") {
		if sub.Name != wantChildren["subscription"].name {
			others = append(others, pm.Str(t, sub.Inputs, "endpoint"))
		}
	}
	if len(others) != 1 || others[0] != want {
		t.Errorf("the other e-mail subscriptions go to %v, want the alarms to go to %s", others, want)
	}
}
