package post_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/post"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/questions"
)

const (
	testTable  = handlertest.Table
	testOrigin = "https://www.mysfits.example"
	fixedID    = "3f2b8c1e-6d4a-4e7b-9a1c-5b0d2e8f7a61"
)

func newTestPost(db post.ItemPutter, logs *handlertest.LogBuffer) *post.Handler {
	return &post.Handler{
		Table:         testTable,
		DB:            db,
		AllowedOrigin: testOrigin,
		NewID:         func() string { return fixedID },
		Log:           logs.Logger(),
	}
}

// postResult runs one event through the handler and decodes the answer.
func postResult(t *testing.T, p *post.Handler, payload []byte) events.APIGatewayProxyResponse {
	t.Helper()
	out, err := handlertest.Invoke(t, handlertest.MarkedContext(), p.Handle, payload)
	if err != nil {
		t.Fatalf("invocation failed: %v", err)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("decoding response %s: %v", out, err)
	}
	return resp
}

func assertHeaders(t *testing.T, resp events.APIGatewayProxyResponse, origin string) {
	t.Helper()
	want := map[string]string{
		"Content-Type":                 "application/json",
		"Access-Control-Allow-Origin":  origin,
		"Access-Control-Allow-Headers": contract.CORSAllowHeaders,
		"Access-Control-Allow-Methods": contract.CORSAllowMethods,
	}
	if origin != "*" {
		want["Vary"] = "Origin"
	} else if v, ok := resp.Headers["Vary"]; ok {
		t.Errorf("Vary = %q with a wildcard origin", v)
	}
	for name, v := range want {
		if got := resp.Headers[name]; got != v {
			t.Errorf("header %s = %q, want %q", name, got, v)
		}
	}
}

type errorReply struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

func TestPostEvents(t *testing.T) {
	tests := []struct {
		event   string
		status  int
		field   string // field the error names
		problem string // part of the error message
		email   string // stored on success
		text    string
	}{
		{event: "valid", status: 201, email: "ada.lovelace@mysfits.example", text: "Do mysfits bite? Asking for a friend."},
		{event: "valid-multivalue-lowercase-charset", status: 201, email: "grace.hopper@mysfits.example", text: "Which mysfit is the\nfriendliest?"},
		{event: "valid-base64", status: 201, email: "alan.turing@mysfits.example", text: "¿Muerden los mysfits? 🐉"},

		{event: "invalid-json", status: 400, problem: "not valid JSON"},
		{event: "truncated-json", status: 400, problem: "truncated"},
		{event: "trailing-data", status: 400, problem: "data after the JSON object"},
		{event: "not-an-object", status: 400, problem: "must be a JSON object"},
		{event: "body-null", status: 400, problem: "body is empty"},
		{event: "email-wrong-type", status: 400, field: "email", problem: "must be a string"},
		{event: "text-wrong-type", status: 400, field: "questionText", problem: "must be a string"},
		{event: "email-missing", status: 400, field: "email", problem: "is required"},
		{event: "text-missing", status: 400, field: "questionText", problem: "is required"},
		{event: "email-empty", status: 400, field: "email", problem: "is required"},
		{event: "text-empty", status: 400, field: "questionText", problem: "must not be blank"},
		{event: "text-whitespace", status: 400, field: "questionText", problem: "must not be blank"},
		{event: "email-invalid", status: 400, field: "email", problem: "must be an e-mail address"},
		{event: "email-too-long", status: 400, field: "email", problem: "longer than 254"},
		{event: "email-local-part-too-long", status: 400, field: "email", problem: "local part longer than 64"},
		{event: "text-too-long", status: 400, field: "questionText", problem: "longer than 2000"},
		{event: "invalid-utf8", status: 400, problem: "UTF-8"},
		// Invalid UTF-8 in a text body reaches Lambda as U+FFFD.
		{event: "invalid-utf8-replaced", status: 400, field: "questionText", problem: "UTF-8"},
		{event: "control-characters", status: 400, field: "questionText", problem: "control characters"},
		{event: "email-control-character", status: 400, field: "email", problem: "control characters"},
		{event: "unknown-field", status: 400, field: "name", problem: "not a known field"},
		{event: "base64-invalid", status: 400, problem: "not valid base64"},
		{event: "base64-not-json", status: 400, problem: "not valid JSON"},
		{event: "content-type-missing", status: 415, problem: "application/json"},
		{event: "content-type-text-plain", status: 415, problem: "application/json"},
		{event: "content-type-latin1", status: 415, problem: "application/json"},
		{event: "body-oversized", status: 413, problem: "exceeds 16384 bytes"},
		{event: "body-oversized-base64", status: 413, problem: "exceeds 16384 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			payload := handlertest.ReadEvent(t, "post", tt.event)
			var req events.APIGatewayProxyRequest
			if err := json.Unmarshal(payload, &req); err != nil {
				t.Fatal(err)
			}
			db := &fakeDB{}
			var logs handlertest.LogBuffer
			resp := postResult(t, newTestPost(db, &logs), payload)

			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (body %s), want %d", resp.StatusCode, resp.Body, tt.status)
			}
			assertHeaders(t, resp, testOrigin)

			switch {
			case tt.status == http.StatusCreated:
				var got struct{ QuestionID string }
				if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || got.QuestionID != fixedID {
					t.Errorf("body %s: want {\"questionId\": %q}", resp.Body, fixedID)
				}
				assertStored(t, db, tt.email, tt.text)
			case tt.status == http.StatusNoContent:
				if resp.Body != "" || resp.Headers["Access-Control-Max-Age"] != contract.CORSMaxAge {
					t.Errorf("preflight body %q, max age %q", resp.Body, resp.Headers["Access-Control-Max-Age"])
				}
			default:
				var got errorReply
				if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
					t.Fatalf("error body %q is not JSON: %v", resp.Body, err)
				}
				if !strings.Contains(got.Error, tt.problem) || got.Field != tt.field {
					t.Errorf("error body %s, want error naming %q and field %q", resp.Body, tt.problem, tt.field)
				}
				if tt.status == http.StatusMethodNotAllowed && resp.Headers["Allow"] != contract.CORSAllowMethods {
					t.Errorf("Allow = %q, want %q", resp.Headers["Allow"], contract.CORSAllowMethods)
				}
			}
			if tt.status != http.StatusCreated && len(db.calls) != 0 {
				t.Errorf("rejected request stored %d items", len(db.calls))
			}
			for _, s := range handlertest.RequestSecrets(t, req) {
				if strings.Contains(resp.Body, s) {
					t.Errorf("response body %s echoes user data %q", resp.Body, s)
				}
			}
			assertAnswerLogged(t, &logs, tt.status)
			logs.AssertLogsFree(t, handlertest.RequestSecrets(t, req))
		})
	}
}

// assertStored checks the one item written: the exact attributes and the
// condition that forbids overwriting.
func assertStored(t *testing.T, db *fakeDB, email, text string) {
	t.Helper()
	if len(db.calls) != 1 {
		t.Fatalf("PutItem called %d times, want 1", len(db.calls))
	}
	if db.unmarked != 0 {
		t.Errorf("PutItem did not get the invocation's context")
	}
	in := db.calls[0]
	if aws.ToString(in.TableName) != testTable {
		t.Errorf("table = %q", aws.ToString(in.TableName))
	}
	if got := aws.ToString(in.ConditionExpression); got != "attribute_not_exists(QuestionId)" {
		t.Errorf("ConditionExpression = %q", got)
	}
	want := map[string]string{
		questions.AttrQuestionID:   fixedID,
		questions.AttrUserEmail:    email,
		questions.AttrQuestionText: text,
	}
	if len(in.Item) != len(want) {
		t.Errorf("item has %d attributes, want %d", len(in.Item), len(want))
	}
	for name, v := range want {
		s, ok := in.Item[name].(*types.AttributeValueMemberS)
		if !ok || s.Value != v {
			t.Errorf("item[%s] = %#v, want string %q", name, in.Item[name], v)
		}
	}
}

// assertAnswerLogged checks the answer was logged as structured JSON with its
// status and the API request id.
func assertAnswerLogged(t *testing.T, logs *handlertest.LogBuffer, status int) {
	t.Helper()
	for _, rec := range logs.Records(t) {
		if rec["status"] == float64(status) && rec["api_request_id"] != "" && rec["api_request_id"] != nil {
			return
		}
	}
	t.Errorf("no log record with status %d and api_request_id:\n%s", status, logs.String())
}

func TestPostStorageErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		problem string
	}{
		{"throttled", &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "rate exceeded"}, 503, "service unavailable"},
		{"table missing", &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}, 503, "service unavailable"},
		{"network down", errors.New("dial tcp 127.0.0.1:8000: connect: connection refused"), 503, "service unavailable"},
		{"deadline", context.DeadlineExceeded, 503, "service unavailable"},
		{"id collision", &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}, 500, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := &fakeDB{err: tt.err}
			var logs handlertest.LogBuffer
			payload := handlertest.ReadEvent(t, "post", "valid")
			resp := postResult(t, newTestPost(db, &logs), payload)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			assertHeaders(t, resp, testOrigin)
			var got errorReply
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || !strings.Contains(got.Error, tt.problem) {
				t.Errorf("body %s, want a JSON error saying %q", resp.Body, tt.problem)
			}
			if len(db.calls) != 1 {
				t.Errorf("PutItem called %d times, want 1", len(db.calls))
			}
			var req events.APIGatewayProxyRequest
			_ = json.Unmarshal(payload, &req)
			for _, s := range handlertest.RequestSecrets(t, req) {
				if strings.Contains(resp.Body, s) {
					t.Errorf("body %s echoes %q", resp.Body, s)
				}
			}
			logs.AssertLogsFree(t, handlertest.RequestSecrets(t, req))
			if !strings.Contains(logs.String(), fixedID) {
				t.Errorf("the failure log does not name question %s:\n%s", fixedID, logs.String())
			}
		})
	}
}

// An SDK retry of a write whose first answer was lost meets its own item:
// the question is stored, and the visitor must hear so.
func TestPostRetriedWriteThatLanded(t *testing.T) {
	db := &fakeDB{landed: true}
	var logs handlertest.LogBuffer
	resp := postResult(t, newTestPost(db, &logs), handlertest.ReadEvent(t, "post", "valid"))
	if resp.StatusCode != http.StatusCreated || !strings.Contains(resp.Body, fixedID) {
		t.Fatalf("answer %d %s, want 201 with question %s", resp.StatusCode, resp.Body, fixedID)
	}
	if got := db.calls[0].ReturnValuesOnConditionCheckFailure; got != types.ReturnValuesOnConditionCheckFailureAllOld {
		t.Errorf("ReturnValuesOnConditionCheckFailure = %q, want ALL_OLD to tell a landed retry from a collision", got)
	}
}

// The write gets the invocation's time less a margin, so a hanging DynamoDB
// ends in the handler's own JSON answer before Lambda's timeout.
func TestPostStorageDeadline(t *testing.T) {
	db := &fakeDB{}
	invocationDeadline := time.Now().Add(10 * time.Second)
	ctx, cancel := context.WithDeadline(handlertest.MarkedContext(), invocationDeadline)
	defer cancel()
	var logs handlertest.LogBuffer
	payload, err := handlertest.Invoke(t, ctx, newTestPost(db, &logs).Handle, handlertest.ReadEvent(t, "post", "valid"))
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(payload, &resp); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("answer %s, %v; want 201", payload, err)
	}
	if len(db.deadlines) != 1 || db.deadlines[0].IsZero() || !db.deadlines[0].Before(invocationDeadline.Add(-500*time.Millisecond)) {
		t.Errorf("PutItem deadlines %v, want one well before the invocation's %v", db.deadlines, invocationDeadline)
	}
}

func TestPostInjectedFault(t *testing.T) {
	faults := tracing.NewFaultInjector(contract.Faults{Percent: 100, Delay: contract.MinFaultDelay}, nil, nil)

	t.Run("valid request fails the invocation, nothing stored", func(t *testing.T) {
		db := &fakeDB{}
		var logs handlertest.LogBuffer
		p := newTestPost(db, &logs)
		p.Faults = faults
		payload := handlertest.ReadEvent(t, "post", "valid")
		start := time.Now()
		out, err := handlertest.Invoke(t, handlertest.MarkedContext(), p.Handle, payload)
		if !errors.Is(err, tracing.ErrInjectedFault) {
			t.Fatalf("Invoke = %s, %v; want ErrInjectedFault", out, err)
		}
		if elapsed := time.Since(start); elapsed < contract.MinFaultDelay {
			t.Errorf("failed after %s, before the fault delay", elapsed)
		}
		if len(db.calls) != 0 {
			t.Errorf("a faulted request stored %d items", len(db.calls))
		}
		var req events.APIGatewayProxyRequest
		_ = json.Unmarshal(payload, &req)
		for _, s := range handlertest.RequestSecrets(t, req) {
			if strings.Contains(err.Error(), s) {
				t.Errorf("fault error %q holds user data %q", err, s)
			}
		}
		logs.AssertLogsFree(t, handlertest.RequestSecrets(t, req))
	})

	t.Run("invalid request still gets its 400", func(t *testing.T) {
		db := &fakeDB{}
		var logs handlertest.LogBuffer
		p := newTestPost(db, &logs)
		p.Faults = faults
		resp := postResult(t, p, handlertest.ReadEvent(t, "post", "email-invalid"))
		if resp.StatusCode != http.StatusBadRequest || len(db.calls) != 0 {
			t.Errorf("status %d, %d stored; want 400, nothing stored", resp.StatusCode, len(db.calls))
		}
	})
}

func TestPostDefaults(t *testing.T) {
	db := &fakeDB{}
	var logs handlertest.LogBuffer
	p := &post.Handler{Table: testTable, DB: db, Log: logs.Logger()} // no origin, no id source
	resp := postResult(t, p, handlertest.ReadEvent(t, "post", "valid"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d: %s", resp.StatusCode, resp.Body)
	}
	assertHeaders(t, resp, "*")
	var got struct{ QuestionID string }
	_ = json.Unmarshal([]byte(resp.Body), &got)
	id, err := uuid.Parse(got.QuestionID)
	if err != nil || id.Version() != 4 || id.String() != got.QuestionID {
		t.Errorf("questionId %q is not a canonical UUID v4", got.QuestionID)
	}
	if s := db.calls[0].Item[questions.AttrQuestionID].(*types.AttributeValueMemberS); s.Value != got.QuestionID {
		t.Errorf("stored id %q, answered %q", s.Value, got.QuestionID)
	}
}

func TestNew(t *testing.T) {
	base := map[string]string{contract.EnvTableName: testTable}
	with := func(kv ...string) func(string) string {
		vars := map[string]string{}
		for k, v := range base {
			vars[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			vars[kv[i]] = kv[i+1]
		}
		return func(name string) string { return vars[name] }
	}
	cfg := aws.Config{Region: "us-east-1"}

	tests := []struct {
		name       string
		getenv     func(string) string
		wantOrigin string
		wantFaults bool
		problem    string // "" = valid
	}{
		{name: "defaults", getenv: with(), wantOrigin: "*"},
		{name: "origin", getenv: with(contract.EnvAllowedOrigin, testOrigin), wantOrigin: testOrigin},
		{name: "site URL with trailing slash", getenv: with(contract.EnvAllowedOrigin, "http://mysfits.s3-website-us-east-1.amazonaws.com/"), wantOrigin: "http://mysfits.s3-website-us-east-1.amazonaws.com"},
		{name: "origin with port", getenv: with(contract.EnvAllowedOrigin, "http://localhost:8080"), wantOrigin: "http://localhost:8080"},
		{name: "stage 2", getenv: with(contract.EnvStage, "2"), wantOrigin: "*"},
		{name: "stage 3 faults", getenv: with(contract.EnvStage, "3", contract.EnvFaultPercent, "50", contract.EnvFaultDelay, "5s"), wantOrigin: "*", wantFaults: true},
		{name: "stage 3 at 0 percent", getenv: with(contract.EnvStage, "3", contract.EnvFaultPercent, "0", contract.EnvFaultDelay, "5s"), wantOrigin: "*"},

		{name: "table missing", getenv: func(string) string { return "" }, problem: contract.EnvTableName},
		{name: "origin with a path", getenv: with(contract.EnvAllowedOrigin, "https://www.mysfits.example/contact"), problem: contract.EnvAllowedOrigin},
		{name: "origin not a URL", getenv: with(contract.EnvAllowedOrigin, "mysfits.example"), problem: contract.EnvAllowedOrigin},
		{name: "origin with a line break", getenv: with(contract.EnvAllowedOrigin, "https://a.example\r\nX: y"), problem: contract.EnvAllowedOrigin},
		{name: "bad stage", getenv: with(contract.EnvStage, "9"), problem: contract.EnvStage},
		{name: "stage 3 without fault settings takes the defaults", getenv: with(contract.EnvStage, "3"), wantOrigin: "*", wantFaults: true},
		{name: "stage 3 with a bad delay", getenv: with(contract.EnvStage, "3", contract.EnvFaultDelay, "5"), problem: contract.EnvFaultDelay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newHandler(cfg, tt.getenv)
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("New error = %v, want one naming %s", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if p.Table != testTable || p.DB == nil || p.AllowedOrigin != tt.wantOrigin || (p.Faults != nil) != tt.wantFaults {
				t.Errorf("New = table %q, db %v, origin %q, faults %v; want origin %q, faults %t",
					p.Table, p.DB != nil, p.AllowedOrigin, p.Faults != nil, tt.wantOrigin, tt.wantFaults)
			}
		})
	}
}
