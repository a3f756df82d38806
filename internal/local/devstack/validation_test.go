package devstack

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/apigw"
	"github.com/mysfits/mysfits-questions/questions"
)

// rawAnswer is an answer to a hand-made request.
type rawAnswer struct {
	status int
	header http.Header
	body   []byte
}

// postRaw sends body as is; contentType "" sends no Content-Type.
func postRaw(t *testing.T, stack *Stack, contentType string, body io.Reader) rawAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, stack.Endpoint()+contract.ResourcePath, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", contract.ResourcePath, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawAnswer{status: resp.StatusCode, header: resp.Header, body: raw}
}

// Every kind of bad input, posted through the local API Gateway to the real
// post function and DynamoDB Local: a 4xx JSON error naming the problem,
// from the request validator or from the function, and nothing stored or
// notified.
func TestBadInputIsRejectedAndNothingIsStored(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	stack, obs := startStack(t, atStage(contract.StageSDK))
	// The visitor's data, in every body below that can carry it: none of it
	// may come back in an answer or show up in a log or a trace.
	const email, text = "ada.validation@example.com", "Do mysfits validate their input?"
	body := func(email, text string) string {
		b, err := json.Marshal(map[string]string{questions.FieldEmail: email, questions.FieldQuestionText: text})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	valid := body(email, text)
	const jsonType = "application/json"
	// The component's BAD_REQUEST_BODY answer: the prefix and the
	// validator's list, which names a missing or extra field.
	gateway := contract.BadRequestBodyPrefix + ": ["
	notJSON := contract.BadRequestBodyError("[the request body is not a single JSON value]")

	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
		problem     string // in the answer's error: gateway or the function's own
		field       string // the field the function's answer names
	}{
		{name: "malformed JSON", contentType: jsonType, body: `{"email" "` + email + `"}`, status: 400, problem: notJSON},
		{name: "truncated JSON", contentType: jsonType, body: valid[:len(valid)-5], status: 400, problem: notJSON},
		{name: "trailing data", contentType: jsonType, body: valid + `{}`, status: 400, problem: notJSON},
		{name: "not an object", contentType: jsonType, body: `["` + email + `"]`, status: 400, problem: gateway + `instance type (array) does not match any allowed primitive type (allowed: ["object"])]`},
		{name: "e-mail a number", contentType: jsonType, body: `{"email":42,"questionText":"` + text + `"}`, status: 400, problem: gateway + `instance type (integer) does not match any allowed primitive type (allowed: ["string"])]`},
		{name: "text an array", contentType: jsonType, body: `{"email":"` + email + `","questionText":["` + text + `"]}`, status: 400, problem: gateway + `instance type (array) does not match any allowed primitive type (allowed: ["string"])]`},
		{name: "e-mail null", contentType: jsonType, body: `{"email":null,"questionText":"` + text + `"}`, status: 400, problem: gateway + `instance type (null) does not match any allowed primitive type (allowed: ["string"])]`},
		{name: "text missing", contentType: jsonType, body: `{"email":"` + email + `"}`, status: 400, problem: gateway + `object has missing required properties (["questionText"])]`},
		{name: "unknown field", contentType: jsonType, body: `{"email":"` + email + `","questionText":"` + text + `","name":"Ada"}`, status: 400, problem: gateway + `object instance has properties which are not allowed by the schema: ["name"]]`},
		{name: "e-mail empty", contentType: jsonType, body: body("", text), status: 400, problem: "is required", field: "email"},
		{name: "text empty", contentType: jsonType, body: body(email, ""), status: 400, problem: "must not be blank", field: "questionText"},
		{name: "text whitespace only", contentType: jsonType, body: body(email, " \n\t\r "), status: 400, problem: "must not be blank", field: "questionText"},
		{name: "e-mail invalid", contentType: jsonType, body: body("ada.validation.example.com", text), status: 400, problem: "must be an e-mail address", field: "email"},
		{name: "e-mail with a display name", contentType: jsonType, body: body("Ada <"+email+">", text), status: 400, problem: "must be an e-mail address", field: "email"},
		{name: "e-mail over 254 octets", contentType: jsonType, body: body(strings.Repeat("a", 64)+"@"+strings.Repeat("d", 63)+"."+strings.Repeat("d", 63)+"."+strings.Repeat("d", 59)+".com", text), status: 400, problem: "is too long (length: 256, maximum allowed: 254)]"},
		{name: "e-mail local part over 64 octets", contentType: jsonType, body: body(strings.Repeat("a", 65)+"@example.com", text), status: 400, problem: "local part longer than 64", field: "email"},
		{name: "text over 2000 characters", contentType: jsonType, body: body(email, strings.Repeat("é", questions.MaxQuestionRunes+1)), status: 400, problem: "is too long (length: 2001, maximum allowed: 2000)]"},
		{name: "invalid UTF-8", contentType: jsonType, body: "{\"email\":\"" + email + "\",\"questionText\":\"caf\xe9 " + text + "\"}", status: 400, problem: "UTF-8", field: "questionText"},
		{name: "lone surrogate escape", contentType: jsonType, body: `{"email":"` + email + `","questionText":"\ud800 ` + text + `"}`, status: 400, problem: "UTF-8", field: "questionText"},
		{name: "escaped control character", contentType: jsonType, body: `{"email":"` + email + `","questionText":"` + text + `\u0007"}`, status: 400, problem: "control characters", field: "questionText"},
		{name: "raw control character", contentType: jsonType, body: "{\"email\":\"" + email + "\",\"questionText\":\"" + text + "\x07\"}", status: 400, problem: notJSON},
		{name: "base64-encoded body", contentType: jsonType, body: base64.StdEncoding.EncodeToString([]byte(valid)), status: 400, problem: notJSON},
		{name: "no content type", body: valid, status: 415, problem: "Content-Type: application/json"},
		{name: "text/plain", contentType: "text/plain", body: valid, status: 415, problem: "Content-Type: application/json"},
		{name: "form-encoded", contentType: "application/x-www-form-urlencoded", body: "email=" + email, status: 415, problem: "Content-Type: application/json"},
		{name: "JSON in another charset", contentType: "application/json; charset=iso-8859-1", body: valid, status: 415, problem: "Content-Type: application/json"},
		// Valid for the model (whitespace does not count), too big for the function.
		{name: "body over 16 KiB", contentType: jsonType, body: `{"email":"` + email + `",` + strings.Repeat(" ", questions.MaxRequestBodySize) + `"questionText":"` + text + `"}`, status: 413, problem: "exceeds 16384 bytes"},
		{name: "body over API Gateway's 10 MB", contentType: jsonType, body: strings.Repeat(" ", apigw.MaxPayload) + valid, status: 413, problem: "Request Too Long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := postRaw(t, stack, tc.contentType, strings.NewReader(tc.body))
			var answer map[string]string
			if err := json.Unmarshal(a.body, &answer); err != nil {
				t.Fatalf("answered %d with %q, want a JSON object of strings", a.status, a.body)
			}
			if a.status != tc.status || !strings.Contains(answer["error"], tc.problem) || answer["field"] != tc.field {
				t.Errorf("answered %d %v, want %d with an error saying %q, field %q", a.status, answer, tc.status, tc.problem, tc.field)
			}
			if ct := a.header.Get("Content-Type"); ct != jsonType {
				t.Errorf("Content-Type %q, want %s", ct, jsonType)
			}
			if got := a.header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin %q, want * so the page can read the error", got)
			}
			for _, secret := range []string{email, text} {
				if strings.Contains(string(a.body), secret) {
					t.Errorf("the answer %s echoes %q", a.body, secret)
				}
			}
		})
	}

	// Nothing reached the table, so nothing can reach the stream: the scan
	// is of the real table, and the inbox gets several batching windows.
	if items := storedItems(t, stack.Resources().TableName); len(items) != 0 {
		t.Fatalf("the table holds %d items after only bad requests, want none: %v", len(items), items)
	}
	time.Sleep(3 * contract.QuestionsStream().MaxBatchingWindow)
	if _, notes, dead := obs.snapshot(); len(notes) != 0 || len(dead) != 0 {
		t.Fatalf("after only bad requests the inbox got %d and the dead-letter queue %d messages, want none", len(notes), len(dead))
	}
	checkLogsHoldNoUserData(t, obs, email, text)
	checkTracesHoldNoUserData(t, obs, email, text)

	// The same stack stores and notifies a good question: the checks above
	// would have seen one.
	good := postQuestion(t, stack, "grace.validation@example.com", "And a good question?")
	if good.status != http.StatusCreated {
		t.Fatalf("a valid question answered %d %v, want 201", good.status, good.body)
	}
	if items := storedItems(t, stack.Resources().TableName); len(items) != 1 {
		t.Errorf("the table holds %d items after one good question, want 1", len(items))
	}
	waitFor(t, "the good question's notification", func() bool { _, n, _ := obs.snapshot(); return len(n) == 1 })
}

// checkTracesHoldNoUserData: no segment the stack received (the API Gateway
// stage, Lambda, the SDK's subsegments, their causes and exceptions)
// carries an e-mail address or a question.
func checkTracesHoldNoUserData(t *testing.T, obs *observed, secrets ...string) {
	t.Helper()
	traces, _, _ := obs.snapshot()
	if len(traces) == 0 {
		t.Error("no traces were received: the check below would prove nothing")
	}
	for _, tr := range traces {
		doc, err := json.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range secrets {
			if strings.Contains(string(doc), secret) {
				t.Errorf("trace %s holds %q: %s", tr.ID, secret, doc)
			}
		}
	}
}
