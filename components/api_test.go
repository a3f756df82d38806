package components

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/questions"
)

func mustShape(t *testing.T, origin string) apiShape {
	t.Helper()
	s, err := newAPIShape(origin)
	if err != nil {
		t.Fatalf("newAPIShape(%q): %v", origin, err)
	}
	return s
}

func mustHash(t *testing.T, s apiShape, uri string) string {
	t.Helper()
	h, err := s.hash(uri)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestQuestionModelSchema(t *testing.T) {
	t.Parallel()
	var schema struct {
		Type                 string   `json:"type"`
		Required             []string `json:"required"`
		AdditionalProperties *bool    `json:"additionalProperties"`
		Properties           map[string]struct {
			Type      string `json:"type"`
			MaxLength int    `json:"maxLength"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(mustShape(t, "*").Model.Schema), &schema); err != nil {
		t.Fatalf("model schema is not JSON: %v", err)
	}
	if schema.Type != "object" || schema.AdditionalProperties == nil || *schema.AdditionalProperties {
		t.Errorf("schema must be a closed object, got type %q additionalProperties %v", schema.Type, schema.AdditionalProperties)
	}
	if strings.Join(schema.Required, ",") != "email,questionText" {
		t.Errorf("required = %v, want [email questionText]", schema.Required)
	}
	want := map[string]int{questions.FieldEmail: questions.MaxEmailLength, questions.FieldQuestionText: questions.MaxQuestionRunes}
	if len(schema.Properties) != len(want) {
		t.Errorf("properties = %v, want exactly %v", schema.Properties, want)
	}
	for field, max := range want {
		p := schema.Properties[field]
		if p.Type != "string" || p.MaxLength != max {
			t.Errorf("%s = %+v, want a string of at most %d", field, p, max)
		}
	}
}

// The deployed model and BAD_REQUEST_BODY answer are the shared ones the
// local API Gateway applies, so the two cannot drift apart.
func TestAPIShapeUsesTheSharedModel(t *testing.T) {
	t.Parallel()
	s := mustShape(t, "*")
	schema, err := contract.QuestionModelSchema()
	if err != nil {
		t.Fatal(err)
	}
	if s.Model != (modelShape{Name: contract.QuestionModelName, ContentType: contract.QuestionModelContentType, Schema: schema}) {
		t.Errorf("model = %+v, want the shared %s schema for %s", s.Model, contract.QuestionModelName, contract.QuestionModelContentType)
	}
	for _, gr := range s.GatewayResponses {
		template := gr.Templates[jsonContentType]
		if gr.Type != "BAD_REQUEST_BODY" {
			if template != gatewayErrorTemplate {
				t.Errorf("%s template = %q, want %q", gr.Type, template, gatewayErrorTemplate)
			}
			continue
		}
		// The template is the shared error with API Gateway's variable in it;
		// contract.TestBadRequestBodyError shows it makes JSON.
		if want := `{"error":"` + contract.BadRequestBodyError(contract.ValidationErrorVariable) + `"}`; template != want {
			t.Errorf("BAD_REQUEST_BODY template = %s, want %s", template, want)
		}
	}
}

func TestAPIShapeCORS(t *testing.T) {
	t.Parallel()
	const origin = "https://www.mysfits.example"
	s := mustShape(t, origin)
	wantPreflight := map[string]string{
		"method.response.header.Access-Control-Allow-Origin":  "'" + origin + "'",
		"method.response.header.Access-Control-Allow-Headers": "'" + contract.CORSAllowHeaders + "'",
		"method.response.header.Access-Control-Allow-Methods": "'" + contract.CORSAllowMethods + "'",
		"method.response.header.Access-Control-Max-Age":       "'" + contract.CORSMaxAge + "'",
		"method.response.header.Vary":                         "'Origin'", // as the post function's answers
	}
	if len(s.Options.ResponseParameters) != len(wantPreflight) {
		t.Errorf("preflight parameters = %v, want %v", s.Options.ResponseParameters, wantPreflight)
	}
	for k, v := range wantPreflight {
		if s.Options.ResponseParameters[k] != v {
			t.Errorf("preflight %s = %q, want %q", k, s.Options.ResponseParameters[k], v)
		}
	}
	types := map[string]bool{}
	for _, gr := range s.GatewayResponses {
		types[gr.Type] = true
		if got := gr.Parameters["gatewayresponse.header.Access-Control-Allow-Origin"]; got != "'"+origin+"'" {
			t.Errorf("%s Allow-Origin = %q", gr.Type, got)
		}
		if got := gr.Parameters["gatewayresponse.header.Access-Control-Allow-Headers"]; got != "'"+contract.CORSAllowHeaders+"'" {
			t.Errorf("%s Allow-Headers = %q", gr.Type, got)
		}
	}
	for _, want := range []string{"DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY"} {
		if !types[want] {
			t.Errorf("no %s gateway response", want)
		}
	}
}

func TestAPIShapeHash(t *testing.T) {
	t.Parallel()
	const uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:post/invocations"
	base := mustHash(t, mustShape(t, "*"), uri)
	if again := mustHash(t, mustShape(t, "*"), uri); again != base {
		t.Fatalf("same API hashed to %s and %s", base, again)
	}
	changed := map[string]string{
		"origin":          mustHash(t, mustShape(t, "https://www.mysfits.example"), uri),
		"integration URI": mustHash(t, mustShape(t, "*"), strings.Replace(uri, "post", "post2", 1)),
	}
	schemaChange := mustShape(t, "*")
	schemaChange.Model.Schema = strings.Replace(schemaChange.Model.Schema, "2000", "3000", 1)
	changed["model"] = mustHash(t, schemaChange, uri)
	responseChange := mustShape(t, "*")
	responseChange.GatewayResponses = responseChange.GatewayResponses[:2]
	changed["gateway responses"] = mustHash(t, responseChange, uri)
	for what, h := range changed {
		if h == base {
			t.Errorf("changing the %s did not change the deployment trigger", what)
		}
	}
}

func TestTracedGoFunctionArgsValidate(t *testing.T) {
	t.Parallel()
	valid := func() TracedGoFunctionArgs {
		return TracedGoFunctionArgs{
			Package:          "./functions/postquestion",
			Timeout:          10 * time.Second,
			LogRetentionDays: 14,
			Statements:       []PolicyStatement{{Actions: []string{"dynamodb:PutItem"}, Resources: pulumi.ToStringArray([]string{"arn"})}},
		}
	}
	if a := valid(); a.validate() != nil {
		t.Fatalf("valid args rejected: %v", a.validate())
	}
	tests := []struct {
		name   string
		change func(*TracedGoFunctionArgs)
		want   string
	}{
		{"no package", func(a *TracedGoFunctionArgs) { a.Package = "" }, "package"},
		{"zero timeout", func(a *TracedGoFunctionArgs) { a.Timeout = 0 }, "timeout 0s"},
		{"fractional timeout", func(a *TracedGoFunctionArgs) { a.Timeout = 1500 * time.Millisecond }, "timeout 1.5s"},
		{"timeout over 15m", func(a *TracedGoFunctionArgs) { a.Timeout = 16 * time.Minute }, "timeout 16m0s"},
		{"retention", func(a *TracedGoFunctionArgs) { a.LogRetentionDays = 10 }, "log retention 10 days"},
		{"statement without resources", func(a *TracedGoFunctionArgs) { a.Statements[0].Resources = nil }, "statement 0"},
	}
	for _, tt := range tests {
		a := valid()
		tt.change(&a)
		if err := a.validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: validate() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestQuestionsServiceArgsValidate(t *testing.T) {
	t.Parallel()
	valid := func() QuestionsServiceArgs {
		return QuestionsServiceArgs{
			AdminEmail:       "admin@mysfits.example",
			AllowedOrigin:    "*",
			Tracing:          contract.DefaultTracing(),
			Throttle:         Throttle{RateLimit: 10, BurstLimit: 20},
			LogRetentionDays: 14,
		}
	}
	if a := valid(); a.Validate() != nil {
		t.Fatalf("valid args rejected: %v", a.Validate())
	}
	tests := []struct {
		name   string
		change func(*QuestionsServiceArgs)
		want   string
	}{
		{"email", func(a *QuestionsServiceArgs) { a.AdminEmail = "admin" }, "AdminEmail: "},
		{"alarm email", func(a *QuestionsServiceArgs) { a.AlarmEmail = "ops at mysfits" }, "AlarmEmail: "},
		{"origin", func(a *QuestionsServiceArgs) { a.AllowedOrigin = "https://x.example/path" }, "AllowedOrigin: "},
		{"stage", func(a *QuestionsServiceArgs) { a.Tracing.Stage = 4 }, "Tracing.Stage: 4 is not allowed"},
		{"no fault delay", func(a *QuestionsServiceArgs) { a.Tracing.Faults.Delay = 0 }, "Tracing.Faults.Delay: 0s is not allowed"},
		{"bad faults below stage 3", func(a *QuestionsServiceArgs) { a.Tracing.Faults = contract.Faults{Percent: 101, Delay: time.Second} }, "Tracing.Faults.Percent: 101 is not allowed"},
		{"throttle", func(a *QuestionsServiceArgs) { a.Throttle.BurstLimit = 0 }, "Throttle.BurstLimit: 0 is not allowed"},
		{"retention", func(a *QuestionsServiceArgs) { a.LogRetentionDays = 0 }, "LogRetentionDays: 0 is not allowed"},
	}
	for _, tt := range tests {
		a := valid()
		tt.change(&a)
		if err := a.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}
