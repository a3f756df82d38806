// Package post is the post function's handler: POST /questions through API
// Gateway, the visitor's question stored in DynamoDB. It links the DynamoDB
// client and no other (the process function's SNS side lives in package
// process), and no tracing SDK: each build of the function (the X-Ray
// SDK's functions/postquestion, OpenTelemetry's functions/otel/postquestion)
// passes New the instrumentation it links. Package submit runs it in
// process with the instrumentation the environment names.
package post

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/tracing"
	"github.com/mysfits/mysfits-questions/questions"
)

// ItemPutter is the part of the DynamoDB client the handler uses.
type ItemPutter interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

var _ ItemPutter = (*dynamodb.Client)(nil)

// Handler stores a visitor's question: API Gateway proxy request in, JSON out.
type Handler struct {
	Table         string
	DB            ItemPutter
	AllowedOrigin string                  // CORS origin; "" means "*"
	Faults        *tracing.FaultInjector  // nil = no fault injection
	Tracing       tracing.Instrumentation // nil = untraced
	NewID         func() string           // nil = random UUID v4
	Log           *slog.Logger            // nil = JSON on stderr
}

// New builds the handler from the function's environment: the table
// name, the CORS origin (default "*"), the tracing settings, which decide
// whether the DynamoDB client is traced and whether faults are injected,
// and the SDK's endpoint settings for DynamoDB (an emulator's), with the
// instrumentation instrument makes. Each build passes the one it links
// (xraysdk.New, opentelemetry.New), which refuses settings asking for the
// other: a build linking both SDKs would not fit the 6 MB a zip may have.
func New(cfg aws.Config, getenv func(string) string, instrument tracing.Factory) (*Handler, error) {
	table, err := lambdaenv.Require(getenv, contract.EnvTableName)
	if err != nil {
		return nil, err
	}
	origin := cmp.Or(getenv(contract.EnvAllowedOrigin), contract.AnyOrigin)
	origin, err = contract.ParseOrigin(origin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", contract.EnvAllowedOrigin, err)
	}
	t, err := contract.LoadTracing(getenv)
	if err != nil {
		return nil, err
	}
	endpoint, err := lambdaenv.ServiceEndpoint(getenv, dynamodb.ServiceID)
	if err != nil {
		return nil, err
	}
	inst, err := instrument(cfg, t, getenv)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(inst.Instrument(cfg),
		func(o *dynamodb.Options) { lambdaenv.WithEndpoint(&o.BaseEndpoint, endpoint) })
	p := &Handler{
		Table:         table,
		DB:            db,
		AllowedOrigin: origin,
		Tracing:       inst,
		Log:           lambdaenv.NewLogger(),
	}
	if t.Stage.FaultInjection() && t.Faults.Percent > 0 {
		p.Faults = tracing.NewFaultInjector(t.Faults, nil, inst)
	}
	return p, nil
}

// Errors of the HTTP layer, mapped to status codes in statusFor.
var (
	errUnsupportedMediaType = errors.New("unsupported content type: send Content-Type: application/json")
	errBadBase64            = fmt.Errorf("%w: body is marked base64-encoded but is not valid base64", questions.ErrInvalid)
)

// Handle answers one API Gateway proxy request. Rejections and storage
// failures are HTTP answers; only an injected fault fails the invocation, so
// that API Gateway answers 502 as the stage-3 exercise expects.
func (p *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	ctx, end := tracing.Or(p.Tracing).Begin(ctx)
	defer end() // the spans leave before the answer does
	log := lambdaenv.InvocationLogger(ctx, p.Log).With("api_request_id", req.RequestContext.RequestID)

	// API Gateway routes only POST /questions here: it answers OPTIONS
	// (the MOCK integration) and other paths and methods itself.
	sub, err := decodeRequest(req)
	if err != nil {
		body := errorBody{Error: err.Error()}
		var fe *questions.FieldError
		if errors.As(err, &fe) {
			body.Field = fe.Field
		}
		return p.reply(log, statusFor(err), body), nil
	}

	if err := p.Faults.Maybe(ctx); err != nil {
		log.Error("injected fault: failing the invocation", "error", err)
		return events.APIGatewayProxyResponse{}, err
	}

	id, err := p.newID()
	if err != nil {
		log.Error("generating a question id", "error", err)
		return p.reply(log, http.StatusInternalServerError, errorBody{Error: "internal error: could not assign a question id"}), nil
	}
	log = log.With("question_id", id)
	q := questions.Question{ID: id, Email: sub.Email, Text: sub.QuestionText}
	if err := p.store(ctx, q); err != nil {
		var exists *types.ConditionalCheckFailedException
		if errors.As(err, &exists) {
			// A fresh random id already taken by another question: a bug,
			// not a visitor's or an outage's doing.
			log.Error("question id already stored", lambdaenv.ErrorAttr(err))
			return p.reply(log, http.StatusInternalServerError, errorBody{Error: "internal error: the question could not be stored"}), nil
		}
		log.Error("storing the question", lambdaenv.ErrorAttr(err))
		return p.reply(log, http.StatusServiceUnavailable, errorBody{Error: "service unavailable: the question could not be stored, please retry later"}), nil
	}
	return p.reply(log, http.StatusCreated, created{QuestionID: id}), nil
}

// decodeRequest checks the content type, undoes API Gateway's base64 encoding
// and validates the submission.
func decodeRequest(req events.APIGatewayProxyRequest) (questions.Submission, error) {
	if !hasJSONContentType(req) {
		return questions.Submission{}, errUnsupportedMediaType
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		// Refuse before decoding what cannot fit once decoded.
		if len(req.Body) > base64.StdEncoding.EncodedLen(questions.MaxRequestBodySize) {
			return questions.Submission{}, questions.ErrTooLarge
		}
		decoded, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return questions.Submission{}, errBadBase64
		}
		body = decoded
	}
	return questions.DecodeSubmission(body)
}

// hasJSONContentType requires every Content-Type the request carries, in
// either header map and whatever the name's case, to be application/json;
// JSON is UTF-8, so a charset parameter may only say so.
func hasJSONContentType(req events.APIGatewayProxyRequest) bool {
	var values []string
	for name, v := range req.Headers {
		if strings.EqualFold(name, "Content-Type") {
			values = append(values, v)
		}
	}
	for name, vs := range req.MultiValueHeaders {
		if strings.EqualFold(name, "Content-Type") {
			values = append(values, vs...)
		}
	}
	if len(values) == 0 {
		return false
	}
	for _, v := range values {
		mediaType, params, err := mime.ParseMediaType(v)
		if err != nil || mediaType != "application/json" {
			return false
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
			return false
		}
	}
	return true
}

// statusFor maps a rejection to its status code.
func statusFor(err error) int {
	switch {
	case errors.Is(err, errUnsupportedMediaType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, questions.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, questions.ErrInvalid):
		return http.StatusBadRequest
	default:
		return http.StatusInternalServerError
	}
}

func (p *Handler) newID() (string, error) {
	if p.NewID != nil {
		return p.NewID(), nil
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return "", fmt.Errorf("generating a question id: %w", err)
	}
	return id.String(), nil
}

// storageMargin is the part of the invocation's time kept back from the
// write, so a hanging DynamoDB ends in this handler's own 503 rather than in
// a Lambda timeout (a 502 without the JSON answer).
const storageMargin = time.Second

// store writes q once: the condition makes a second write with the same id
// fail instead of overwriting a question. When the SDK retried a write whose
// first answer was lost, the condition fails on our own item: the returned
// old item tells that case (stored) from a real id collision.
func (p *Handler) store(ctx context.Context, q questions.Question) error {
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-storageMargin))
		defer cancel()
	}
	item := map[string]types.AttributeValue{
		questions.AttrQuestionID:   &types.AttributeValueMemberS{Value: q.ID},
		questions.AttrQuestionText: &types.AttributeValueMemberS{Value: q.Text},
		questions.AttrUserEmail:    &types.AttributeValueMemberS{Value: q.Email},
	}
	_, err := p.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(p.Table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(" + questions.AttrQuestionID + ")"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var exists *types.ConditionalCheckFailedException
	if errors.As(err, &exists) && sameItem(exists.Item, item) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("putting question %s: %w", q.ID, err)
	}
	return nil
}

// sameItem compares items of string attributes, the only kind a question has.
func sameItem(a, b map[string]types.AttributeValue) bool {
	if len(a) != len(b) {
		return false
	}
	for name, av := range a {
		x, okA := av.(*types.AttributeValueMemberS)
		y, okB := b[name].(*types.AttributeValueMemberS)
		if !okA || !okB || x.Value != y.Value {
			return false
		}
	}
	return true
}

type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

type created struct {
	QuestionID string `json:"questionId"`
}

// reply builds a response with the JSON and CORS headers every answer
// carries (a browser can only read an answer that has them) and logs its status.
func (p *Handler) reply(log *slog.Logger, status int, body any) events.APIGatewayProxyResponse {
	origin := cmp.Or(p.AllowedOrigin, contract.AnyOrigin)
	headers := contract.CORSHeaders(origin, false)
	headers["Content-Type"] = "application/json"
	headers["X-Content-Type-Options"] = "nosniff"
	resp := events.APIGatewayProxyResponse{StatusCode: status, Headers: headers}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil { // unreachable: the bodies are structs of strings
			log.Error("encoding response body", "error", err)
			status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
		}
		resp.StatusCode, resp.Body = status, string(b)
	}
	attrs := []any{"status", status}
	if eb, ok := body.(errorBody); ok {
		attrs = append(attrs, "problem", eb.Error)
		if eb.Field != "" {
			attrs = append(attrs, "field", eb.Field)
		}
	}
	log.Info("request answered", attrs...)
	return resp
}
