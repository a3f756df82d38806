package awsfake

import (
	"regexp"
	"testing"
)

const testURN = "urn:pulumi:dev::mysfits-questions::mysfits:questions:QuestionsService$aws:dynamodb/table:Table::questions-table"

func TestAutoName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, logical string
		want         *regexp.Regexp // nil: the type has no name to generate
	}{
		{"aws:dynamodb/table:Table", "questions-table", regexp.MustCompile(`^questions-table-[0-9a-f]{7}$`)},
		{"aws:lambda/function:Function", "questions-post", regexp.MustCompile(`^questions-post-[0-9a-f]{7}$`)},
		{"aws:s3/bucketV2:BucketV2", "Questions-Failures", regexp.MustCompile(`^questions-failures-[0-9a-f]{7}$`)},
		{"aws:xray/samplingRule:SamplingRule", "questions-sampling", regexp.MustCompile(`^questions-sampling-[0-9a-f]{7}$`)},
		{"aws:apigateway/method:Method", "questions-api-post", nil},
		{"aws:ec2/instance:Instance", "web", nil},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			t.Parallel()
			name, ok := AutoName(tt.typ, tt.logical, testURN)
			if tt.want == nil {
				if ok {
					t.Fatalf("AutoName = %q, want none", name)
				}
				return
			}
			if !ok || !tt.want.MatchString(name) {
				t.Fatalf("AutoName = %q, %v; want a match of %s", name, ok, tt.want)
			}
			if again, _ := AutoName(tt.typ, tt.logical, testURN); again != name {
				t.Errorf("AutoName is not stable: %q then %q", name, again)
			}
			if other, _ := AutoName(tt.typ, tt.logical, testURN+"x"); other == name {
				t.Errorf("AutoName of another URN is the same %q", name)
			}
		})
	}
}

func TestCompute(t *testing.T) {
	t.Parallel()
	hex10 := `[0-9a-f]{10}`
	tests := []struct {
		typ    string
		inputs map[string]any
		id     string            // a regexp
		out    map[string]string // regexps of string outputs
		flags  map[string]bool   // boolean outputs
	}{
		{
			typ: "aws:apigateway/restApi:RestApi", inputs: map[string]any{"name": "api"},
			id: `^` + hex10 + `$`,
			out: map[string]string{
				"name": `^api$`, "rootResourceId": `^` + hex10 + `$`,
				"executionArn": `^arn:aws:execute-api:us-east-1:123456789012:` + hex10 + `$`,
				"arn":          `^arn:aws:apigateway:us-east-1::/restapis/` + hex10 + `$`,
			},
		},
		{
			typ: "aws:apigateway/resource:Resource", inputs: map[string]any{"pathPart": "questions"},
			id: `^` + hex10 + `$`, out: map[string]string{"path": `^/questions$`},
		},
		{
			typ: "aws:apigateway/stage:Stage", inputs: map[string]any{"restApi": "abc", "stageName": "prod"},
			id: `^` + hex10 + `$`, out: map[string]string{"invokeUrl": `^https://abc\.execute-api\.us-east-1\.amazonaws\.com/prod$`},
		},
		{
			typ: "aws:dynamodb/table:Table", inputs: map[string]any{},
			id: `^questions-table-[0-9a-f]{7}$`,
			out: map[string]string{
				"name":      `^questions-table-[0-9a-f]{7}$`,
				"arn":       `^arn:aws:dynamodb:us-east-1:123456789012:table/questions-table-[0-9a-f]{7}$`,
				"streamArn": `^arn:aws:dynamodb:us-east-1:123456789012:table/questions-table-[0-9a-f]{7}/stream/`,
			},
		},
		{
			typ: "aws:lambda/function:Function", inputs: map[string]any{"name": "fn"},
			id: `^fn$`,
			out: map[string]string{
				"arn":       `^arn:aws:lambda:us-east-1:123456789012:function:fn$`,
				"invokeArn": `^arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:fn/invocations$`,
			},
		},
		{
			typ: "aws:sns/topicSubscription:TopicSubscription", inputs: map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:t", "protocol": "email"},
			id:    `^arn:aws:sns:us-east-1:123456789012:t:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
			out:   map[string]string{"ownerId": `^123456789012$`},
			flags: map[string]bool{"pendingConfirmation": true, "confirmationWasAuthenticated": false},
		},
		{
			typ: "aws:sqs/queue:Queue", inputs: map[string]any{"name": "dlq"},
			id:  `^https://sqs\.us-east-1\.amazonaws\.com/123456789012/dlq$`,
			out: map[string]string{"url": `^https://sqs\.us-east-1\.amazonaws\.com/123456789012/dlq$`, "arn": `^arn:aws:sqs:us-east-1:123456789012:dlq$`},
		},
		{typ: "aws:sqs/queuePolicy:QueuePolicy", inputs: map[string]any{"queueUrl": "https://q"}, id: `^https://q$`},
		{typ: "aws:iam/role:Role", inputs: map[string]any{"name": "r"}, id: `^r$`, out: map[string]string{"arn": `^arn:aws:iam::123456789012:role/r$`}},
		{typ: "aws:iam/rolePolicy:RolePolicy", inputs: map[string]any{"name": "p", "role": "r"}, id: `^r:p$`},
		{typ: "aws:cloudwatch/logGroup:LogGroup", inputs: map[string]any{"name": "g"}, id: `^g$`, out: map[string]string{"arn": `^arn:aws:logs:us-east-1:123456789012:log-group:g$`}},
		{typ: "aws:cloudwatch/metricAlarm:MetricAlarm", inputs: map[string]any{"name": "a"}, id: `^a$`, out: map[string]string{"arn": `^arn:aws:cloudwatch:us-east-1:123456789012:alarm:a$`}},
		{typ: "aws:cloudwatch/eventRule:EventRule", inputs: map[string]any{"name": "e"}, id: `^e$`, out: map[string]string{"arn": `^arn:aws:events:us-east-1:123456789012:rule/e$`}},
		{
			typ: "aws:cloudwatch/eventTarget:EventTarget", inputs: map[string]any{"rule": "e"},
			id: `^e-terraform-[0-9a-f]{20}$`, out: map[string]string{"targetId": `^terraform-[0-9a-f]{20}$`},
		},
		{typ: "aws:cloudwatch/eventTarget:EventTarget", inputs: map[string]any{"rule": "e", "targetId": "dlq"}, id: `^e-dlq$`},
		{
			typ: "aws:s3/bucketV2:BucketV2", inputs: map[string]any{"bucket": "b"}, id: `^b$`,
			out: map[string]string{"arn": `^arn:aws:s3:::b$`, "bucketDomainName": `^b\.s3\.amazonaws\.com$`, "region": `^us-east-1$`},
		},
		{typ: "aws:s3/bucketPolicy:BucketPolicy", inputs: map[string]any{"bucket": "b"}, id: `^b$`},
		{
			typ: "aws:xray/group:Group", inputs: map[string]any{"groupName": "faults"},
			id: `^arn:aws:xray:us-east-1:123456789012:group/faults/[0-9A-F]{32}$`, out: map[string]string{"arn": `^arn:aws:xray:`},
		},
		{typ: "aws:xray/samplingRule:SamplingRule", inputs: map[string]any{"ruleName": "s"}, id: `^s$`, out: map[string]string{"arn": `^arn:aws:xray:us-east-1:123456789012:sampling-rule/s$`}},
		{typ: "aws:lambda/permission:Permission", inputs: map[string]any{"action": "lambda:InvokeFunction"}, id: `^` + hex10 + `$`},
		{typ: "mysfits:questions:QuestionsService", inputs: map[string]any{}, id: `^` + hex10 + `$`},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			t.Parallel()
			id, out := Compute(Resource{Type: tt.typ, Name: "questions-table", URN: testURN, Inputs: tt.inputs})
			if !regexp.MustCompile(tt.id).MatchString(id) {
				t.Errorf("id = %q, want a match of %s", id, tt.id)
			}
			for k, re := range tt.out {
				s, _ := out[k].(string)
				if !regexp.MustCompile(re).MatchString(s) {
					t.Errorf("%s = %v, want a match of %s", k, out[k], re)
				}
			}
			for k, want := range tt.flags {
				if got, ok := out[k].(bool); !ok || got != want {
					t.Errorf("%s = %v, want %v", k, out[k], want)
				}
			}
		})
	}
}

func TestComputeRegion(t *testing.T) {
	t.Parallel()
	_, out := Compute(Resource{Type: "aws:sqs/queue:Queue", URN: testURN, Inputs: map[string]any{"name": "q"}, Region: "eu-west-1"})
	if got, want := out["arn"], "arn:aws:sqs:eu-west-1:123456789012:q"; got != want {
		t.Errorf("arn = %v, want %s", got, want)
	}
}

// TestComputeInstances: a new instance of a URN gets new ids AWS assigns
// but keeps its names; an update keeps what AWS assigned.
func TestComputeInstances(t *testing.T) {
	t.Parallel()
	api := func(instance, id string, prior map[string]any) (string, map[string]any) {
		return Compute(Resource{Type: "aws:apigateway/restApi:RestApi", Name: "api", URN: testURN, Instance: instance, ID: id, Prior: prior})
	}
	id0, out0 := api("", "", nil)
	idA, outA := api("a", "", nil)
	idB, outB := api("b", "", nil)
	if idA == idB || idA == id0 || outA["rootResourceId"] == outB["rootResourceId"] {
		t.Errorf("instances share ids: %s %s %s, roots %v %v", id0, idA, idB, outA["rootResourceId"], outB["rootResourceId"])
	}
	if outA["name"] != out0["name"] || outA["name"] != outB["name"] {
		t.Errorf("instances have different names: %v %v %v", out0["name"], outA["name"], outB["name"])
	}
	idU, outU := api("c", idA, outA)
	if idU != idA || outU["rootResourceId"] != outA["rootResourceId"] || outU["executionArn"] != outA["executionArn"] {
		t.Errorf("update changed what AWS assigned: %s %v, was %s %v", idU, outU, idA, outA)
	}

	_, target := Compute(Resource{Type: "aws:cloudwatch/eventTarget:EventTarget", URN: testURN, Instance: "x",
		Inputs: map[string]any{"rule": "r"}, ID: "r-terraform-1", Prior: map[string]any{"targetId": "terraform-1"}})
	if target["targetId"] != "terraform-1" {
		t.Errorf("update of a target: targetId = %v, want the one it had", target["targetId"])
	}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	types := Types()
	if len(types) != 35 {
		t.Errorf("%d types, want 35: %v", len(types), types)
	}
	for _, typ := range types {
		if !Models(typ) {
			t.Errorf("Models(%s) = false", typ)
		}
	}
	if Models("aws:ec2/instance:Instance") {
		t.Error("Models(aws:ec2/instance:Instance) = true")
	}
}

func TestGetRegion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		region string
		want   map[string]any
	}{
		{"", map[string]any{"name": "us-east-1", "id": "us-east-1", "endpoint": "ec2.us-east-1.amazonaws.com", "description": "US East (N. Virginia)"}},
		{"eu-west-1", map[string]any{"name": "eu-west-1", "id": "eu-west-1", "endpoint": "ec2.eu-west-1.amazonaws.com", "description": "Europe (Ireland)"}},
	}
	for _, tt := range tests {
		got := GetRegion(tt.region)
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("GetRegion(%q)[%s] = %v, want %v", tt.region, k, got[k], v)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("GetRegion(%q) = %v, want %v", tt.region, got, tt.want)
		}
	}
}
