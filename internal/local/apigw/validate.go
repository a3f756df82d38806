package apigw

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

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

// validateBody does what the method's request validator (body validation,
// one model for application/json) does on AWS:
//   - the model is chosen by the request's media type, parameters such as
//     charset ignored; a request without Content-Type is taken as
//     application/json, API Gateway's default content type;
//   - no model for the content type: no validation, the body goes to the
//     function (which answers 415);
//   - otherwise the body must be one JSON value that the draft 4 schema
//     accepts, or API Gateway answers BAD_REQUEST_BODY itself.
//
// The error names only the failing schema keywords, never a value: the
// execution log is no place for what a visitor typed.
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
		return fmt.Errorf("%w: not JSON", errBodyInvalid)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON value", errBodyInvalid)
	}
	if err := schema.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("%w: %s", errBodyInvalid, failedKeywords(ve))
		}
		return fmt.Errorf("%w: %w", errBodyInvalid, err)
	}
	return nil
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
