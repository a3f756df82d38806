package apigw

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/questions"
)

func TestQuestionModelCompiles(t *testing.T) {
	if _, err := questionModel(); err != nil {
		t.Fatalf("the component's model does not compile as draft 4: %v", err)
	}
}

// notJSONList is the local gateway's list for a body that is not one JSON
// value (API Gateway does not document its wording for it).
const notJSONList = "[the request body is not a single JSON value]"

// The request validator answers BAD_REQUEST_BODY itself, as the component
// configures it, and lets through what the model accepts or does not cover.
func TestRequestValidator(t *testing.T) {
	const jsonType = "application/json"
	cases := []struct {
		name        string
		contentType string // "" sends no Content-Type
		body        string
		// rejected is the validation list the gateway answers with, as API
		// Gateway's validator words it; "" = the function is invoked.
		rejected  string
		wantEvent string // the body the function gets, when not rejected ("" = as sent)
	}{
		{name: "valid", contentType: jsonType, body: validBody},
		{name: "charset parameter and case ignored", contentType: "Application/JSON; charset=UTF-8", body: validBody},
		{name: "no content type is validated as JSON", body: validBody},
		{name: "no content type, invalid body", body: `{"email":1}`,
			rejected: `[object has missing required properties (["questionText"]), instance type (integer) does not match any allowed primitive type (allowed: ["string"])]`},
		{name: "other content type is not validated", contentType: "text/plain", body: "email=a@b.example"},
		{name: "form content type is not validated", contentType: "application/x-www-form-urlencoded", body: "{"},
		{name: "malformed JSON", contentType: jsonType, body: `{"email" "a@b.example"}`, rejected: notJSONList},
		{name: "truncated JSON", contentType: jsonType, body: `{"email":"a@b.example","questionText":"H`, rejected: notJSONList},
		{name: "trailing data", contentType: jsonType, body: validBody + ` {}`, rejected: notJSONList},
		{name: "empty body", contentType: jsonType, body: ``, rejected: notJSONList},
		{name: "array", contentType: jsonType, body: `[` + validBody + `]`,
			rejected: `[instance type (array) does not match any allowed primitive type (allowed: ["object"])]`},
		{name: "null", contentType: jsonType, body: `null`,
			rejected: `[instance type (null) does not match any allowed primitive type (allowed: ["object"])]`},
		{name: "base64 of a valid body", contentType: jsonType, body: "eyJlbWFpbCI6ImFAYi5leGFtcGxlIiwicXVlc3Rpb25UZXh0IjoiSGkifQ==", rejected: notJSONList},
		{name: "email missing", contentType: jsonType, body: `{"questionText":"Hi"}`,
			rejected: `[object has missing required properties (["email"])]`},
		{name: "both missing", contentType: jsonType, body: `{}`,
			rejected: `[object has missing required properties (["email","questionText"])]`},
		{name: "text a number", contentType: jsonType, body: `{"email":"a@b.example","questionText":7}`,
			rejected: `[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]`},
		{name: "text a decimal", contentType: jsonType, body: `{"email":"a@b.example","questionText":7.5}`,
			rejected: `[instance type (number) does not match any allowed primitive type (allowed: ["string"])]`},
		{name: "email null", contentType: jsonType, body: `{"email":null,"questionText":"Hi"}`,
			rejected: `[instance type (null) does not match any allowed primitive type (allowed: ["string"])]`},
		{name: "unknown field", contentType: jsonType, body: `{"email":"a@b.example","questionText":"Hi","name":"Vi"}`,
			rejected: `[object instance has properties which are not allowed by the schema: ["name"]]`},
		{name: "email over 254 characters", contentType: jsonType, body: `{"email":"` + strings.Repeat("a", 250) + `@b.example","questionText":"Hi"}`,
			rejected: `[string "` + strings.Repeat("a", 250) + `@b.example" is too long (length: 260, maximum allowed: 254)]`},
		{name: "text over 2000 characters", contentType: jsonType, body: `{"email":"a@b.example","questionText":"` + strings.Repeat("é", questions.MaxQuestionRunes+1) + `"}`,
			rejected: `[string "` + strings.Repeat("é", questions.MaxQuestionRunes+1) + `" is too long (length: 2001, maximum allowed: 2000)]`},
		{name: "text of 2000 two-byte characters", contentType: jsonType, body: `{"email":"a@b.example","questionText":"` + strings.Repeat("é", questions.MaxQuestionRunes) + `"}`},
		{name: "raw control character in a string", contentType: jsonType, body: "{\"email\":\"a@b.example\",\"questionText\":\"H\x07i\"}", rejected: notJSONList},
		// The handler's rules, past the model: the function answers these.
		{name: "empty strings", contentType: jsonType, body: `{"email":"","questionText":""}`},
		{name: "escaped control character", contentType: jsonType, body: `{"email":"a@b.example","questionText":"H\u0007i"}`},
		{name: "invalid UTF-8 arrives as U+FFFD", contentType: jsonType, body: "{\"email\":\"a@b.example\",\"questionText\":\"caf\xe9\"}",
			wantEvent: "{\"email\":\"a@b.example\",\"questionText\":\"caf\uFFFD\"}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			post := &fakePost{reply: respond(events.APIGatewayProxyResponse{StatusCode: 201, Body: `{"questionId":"q1"}`})}
			srv := newServer(t, post)
			header := map[string]string{}
			if tc.contentType != "" {
				header["Content-Type"] = tc.contentType
			}
			resp, body := do(t, http.MethodPost, srv.URL+"/questions", strings.NewReader(tc.body), header)
			if tc.rejected == "" {
				if resp.StatusCode != 201 || len(post.events) != 1 {
					t.Fatalf("answered %d %s after %d invocations, want the function's 201", resp.StatusCode, body, len(post.events))
				}
				want := tc.wantEvent
				if want == "" {
					want = tc.body
				}
				if got := post.events[0].Body; got != want {
					t.Errorf("the function got body %q, want %q", got, want)
				}
				return
			}
			if len(post.events) != 0 {
				t.Errorf("the function was invoked for a body the validator refuses")
			}
			var answer map[string]string
			if err := json.Unmarshal(body, &answer); err != nil {
				t.Fatalf("answer %q is not a JSON object of strings: %v", body, err)
			}
			if want := contract.BadRequestBodyError(tc.rejected); resp.StatusCode != http.StatusBadRequest || len(answer) != 1 || answer["error"] != want {
				t.Errorf("answered %d %v, want 400 {\"error\": %q} (the component's BAD_REQUEST_BODY)", resp.StatusCode, answer, want)
			}
			for k, v := range map[string]string{
				"Content-Type":                 "application/json",
				"x-amzn-ErrorType":             "BadRequestException",
				"Access-Control-Allow-Origin":  "https://www.mysfits.example",
				"Access-Control-Allow-Headers": contract.CORSAllowHeaders,
				"Access-Control-Allow-Methods": contract.CORSAllowMethods,
			} {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// The validation failure is logged by schema keyword, never with the values.
// The answer goes to the visitor who sent the body, and like API Gateway's
// validator it may quote what they sent (an unknown field's name, a string
// over its length).
func TestValidatorLogsNoUserData(t *testing.T) {
	var logs strings.Builder
	post := &fakePost{reply: respond(events.APIGatewayProxyResponse{StatusCode: 201})}
	api := New(Config{APIName: "questions", APIID: "abc123", AccountID: "000000000000", Region: "us-east-1",
		Post: post, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	const email, text = "visitor@example.com", "Do mysfits bite at night?"
	for _, body := range []string{
		`{"` + email + `":1,"email":"` + email + `","questionText":"` + text + `"}`,
		`{"email":["` + email + `"],"questionText":"` + text + strings.Repeat("!", questions.MaxQuestionRunes) + `"}`,
	} {
		resp, answer := do(t, http.MethodPost, srv.URL+"/questions", strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(answer), contract.BadRequestBodyPrefix) {
			t.Errorf("answered %d %s, want the 400 of BAD_REQUEST_BODY", resp.StatusCode, answer)
		}
	}
	got := logs.String()
	if !strings.Contains(got, "BAD_REQUEST_BODY") || !strings.Contains(got, "/additionalProperties") || !strings.Contains(got, "/properties/email/type") {
		t.Errorf("logs do not say which keywords failed:\n%s", got)
	}
	for _, secret := range []string{email, text} {
		if strings.Contains(got, secret) {
			t.Errorf("logs hold %q:\n%s", secret, got)
		}
	}
}
