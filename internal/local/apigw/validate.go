package apigw

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/mysfits/mysfits-questions/contract"
)

// questionModel is the POST method's request model, compiled once from the
// schema the component deploys.
var questionModel = sync.OnceValues(compileQuestionModel)

func compileQuestionModel() (*jsonschema.Schema, error) {
	raw, err := contract.QuestionModelSchema()
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4 // the only draft API Gateway models support
	const url = "mem://models/" + contract.QuestionModelName + ".json"
	if err := c.AddResource(url, strings.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("question model: %w", err)
	}
	schema, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("question model: %w", err)
	}
	return schema, nil
}

// errBodyInvalid is a body the request validator refuses.
var errBodyInvalid = errors.New("request body does not match the model")

// bodyError is a refused body: what API Gateway's validator reports about
// it, worded as API Gateway words $context.error.validationErrorString,
// and the failed schema keywords for the log (which never holds values).
type bodyError struct {
	problems []string
	keywords string
}

func (e *bodyError) Error() string { return errBodyInvalid.Error() + ": " + e.keywords }
func (e *bodyError) Unwrap() error { return errBodyInvalid }

// validationString is the list as API Gateway puts it in
// $context.error.validationErrorString: [problem, problem].
func (e *bodyError) validationString() string { return "[" + strings.Join(e.problems, ", ") + "]" }

// validateBody does what the method's request validator (body validation,
// one model for application/json) does on AWS:
//   - the model is chosen by the request's media type, parameters such as
//     charset ignored; a request without Content-Type is taken as
//     application/json, API Gateway's default content type;
//   - no model for the content type: no validation, the body goes to the
//     function (which answers 415);
//   - otherwise the body must be one JSON value that the draft 4 schema
//     accepts, or API Gateway answers BAD_REQUEST_BODY itself, with what
//     failed (a *bodyError).
func validateBody(header http.Header, body string) error {
	if !hasModel(header.Get("Content-Type")) {
		return nil
	}
	schema, err := questionModel()
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return notJSON("not JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return notJSON("data after the JSON value")
	}
	if err := schema.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Errorf("%w: %w", errBodyInvalid, err)
		}
		model, err := modelRules()
		if err != nil {
			return err
		}
		return &bodyError{problems: model.problems(doc, ve), keywords: failedKeywords(ve)}
	}
	return nil
}

// notJSON is a body the validator cannot parse. API Gateway's wording for
// it is not documented; this list says what the local gateway found.
func notJSON(why string) *bodyError {
	return &bodyError{problems: []string{"the request body is not a single JSON value"}, keywords: why}
}

// hasModel reports whether the POST method has a model for contentType.
func hasModel(contentType string) bool {
	if strings.TrimSpace(contentType) == "" {
		return true
	}
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mediaType), contract.QuestionModelContentType)
}

// failedKeywords lists the schema locations that failed, such as
// /properties/email/type.
func failedKeywords(ve *jsonschema.ValidationError) string {
	var locations []string
	for _, unit := range ve.BasicOutput().Errors {
		if unit.KeywordLocation != "" {
			locations = append(locations, unit.KeywordLocation)
		}
	}
	if len(locations) == 0 {
		return "the schema"
	}
	return strings.Join(locations, ", ")
}

// rules is what the messages need of the model: the keywords it uses.
type rules struct {
	Type       string           `json:"type"`
	Required   []string         `json:"required"`
	Properties map[string]rules `json:"properties"`
	MaxLength  int              `json:"maxLength"`
}

var modelRules = sync.OnceValues(func() (rules, error) {
	raw, err := contract.QuestionModelSchema()
	if err != nil {
		return rules{}, err
	}
	var r rules
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return rules{}, fmt.Errorf("question model: %w", err)
	}
	return r, nil
})

// The messages of the JSON schema validator API Gateway runs
// (java-json-tools json-schema-validator, validation.properties), for the
// keywords the model uses; API Gateway passes them on in
// $context.error.validationErrorString, such as
// [object has missing required properties (["email"])].
const (
	msgType           = "instance type (%s) does not match any allowed primitive type (allowed: %s)"
	msgRequired       = "object has missing required properties (%s)"
	msgAdditional     = "object instance has properties which are not allowed by the schema: %s"
	msgMaxLength      = "string \"%s\" is too long (length: %d, maximum allowed: %d)"
	schemaTypeKeyword = "type"
)

// problems words each failure of the model in the validator's terms: the
// object's own (type, missing and extra fields) first, then each field's
// in name order. The keywords come from the compiled schema's report; the
// details (which fields, which type) from the document itself.
func (r rules) problems(doc any, ve *jsonschema.ValidationError) []string {
	failed := map[string]bool{}
	for _, unit := range ve.BasicOutput().Errors {
		failed[unit.KeywordLocation] = true
	}
	var out []string
	if failed["/"+schemaTypeKeyword] {
		return []string{fmt.Sprintf(msgType, instanceType(doc), jsonList(r.Type))}
	}
	obj, _ := doc.(map[string]any)
	if failed["/required"] {
		var missing []string
		for _, name := range r.Required {
			if _, ok := obj[name]; !ok {
				missing = append(missing, name)
			}
		}
		slices.Sort(missing)
		out = append(out, fmt.Sprintf(msgRequired, jsonList(missing...)))
	}
	if failed["/additionalProperties"] {
		var extra []string
		for name := range obj {
			if _, ok := r.Properties[name]; !ok {
				extra = append(extra, name)
			}
		}
		slices.Sort(extra)
		out = append(out, fmt.Sprintf(msgAdditional, jsonList(extra...)))
	}
	for _, name := range slices.Sorted(maps.Keys(r.Properties)) {
		field, value := r.Properties[name], obj[name]
		switch base := "/properties/" + name + "/"; {
		case failed[base+schemaTypeKeyword]:
			out = append(out, fmt.Sprintf(msgType, instanceType(value), jsonList(field.Type)))
		case failed[base+"maxLength"]:
			s, _ := value.(string)
			out = append(out, fmt.Sprintf(msgMaxLength, s, utf8.RuneCountInString(s), field.MaxLength))
		}
	}
	if len(out) == 0 {
		out = append(out, "instance does not match the model") // a keyword the model does not use
	}
	return out
}

// instanceType is the validator's name for a JSON value's type.
func instanceType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			return "number"
		}
		return "integer"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonList renders names as the validator does: ["a","b"].
func jsonList(names ...string) string {
	if names == nil {
		names = []string{}
	}
	b, _ := json.Marshal(names) // strings always encode
	return string(b)
}
