package contract_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/questions"
)

// The model is valid JSON Schema draft 4 (the only draft API Gateway
// accepts) and draws the line where the handler's limits are.
func TestQuestionModelSchema(t *testing.T) {
	raw, err := contract.QuestionModelSchema()
	if err != nil {
		t.Fatal(err)
	}
	var declared struct {
		Schema string `json:"$schema"`
	}
	if err := json.Unmarshal([]byte(raw), &declared); err != nil || declared.Schema != "http://json-schema.org/draft-04/schema#" {
		t.Fatalf("schema declares %q (%v), want draft 4", declared.Schema, err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	if err := c.AddResource("question.json", strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("question.json") // also checks it against the draft 4 meta-schema
	if err != nil {
		t.Fatalf("the model is not a valid draft 4 schema: %v", err)
	}

	text := func(n int) string { return strings.Repeat("é", n) } // runes, not bytes
	email := func(n int) string { return strings.Repeat("a", n-len("@b.example")) + "@b.example" }
	tests := []struct {
		name  string
		doc   map[string]any
		valid bool
	}{
		{"both fields", map[string]any{"email": "a@b.example", "questionText": "Hi"}, true},
		{"at the limits", map[string]any{"email": email(questions.MaxEmailLength), "questionText": text(questions.MaxQuestionRunes)}, true},
		{"empty strings (the handler names them)", map[string]any{"email": "", "questionText": ""}, true},
		{"email missing", map[string]any{"questionText": "Hi"}, false},
		{"text missing", map[string]any{"email": "a@b.example"}, false},
		{"extra field", map[string]any{"email": "a@b.example", "questionText": "Hi", "name": "Vi"}, false},
		{"email a number", map[string]any{"email": 42.0, "questionText": "Hi"}, false},
		{"text null", map[string]any{"email": "a@b.example", "questionText": nil}, false},
		{"email too long", map[string]any{"email": email(questions.MaxEmailLength + 1), "questionText": "Hi"}, false},
		{"text too long", map[string]any{"email": "a@b.example", "questionText": text(questions.MaxQuestionRunes + 1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := schema.Validate(tt.doc); (err == nil) != tt.valid {
				t.Errorf("Validate = %v, want valid %t", err, tt.valid)
			}
		})
	}
	for _, notObject := range []any{[]any{}, "x", 1.0, nil} {
		if schema.Validate(notObject) == nil {
			t.Errorf("%#v validated, want only an object to", notObject)
		}
	}
}

// The gateway response puts the error inside a JSON string literal with
// API Gateway's variable in it: the fixed part must need no escaping.
func TestBadRequestBodyError(t *testing.T) {
	const list = `[object has missing required properties (["email"])]`
	template := `{"error":"` + contract.BadRequestBodyError(contract.ValidationErrorVariable) + `"}`
	quoted, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	// API Gateway substitutes the list JSON-escaped, without the quotes.
	body := strings.Replace(template, contract.ValidationErrorVariable, string(quoted[1:len(quoted)-1]), 1)
	var answer map[string]string
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatalf("template %s gives %s, not JSON: %v", template, body, err)
	}
	if want := contract.BadRequestBodyError(list); answer["error"] != want || len(answer) != 1 {
		t.Errorf("answer %v, want {\"error\": %q}", answer, want)
	}
}
