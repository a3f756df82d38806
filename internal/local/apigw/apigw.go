// Package apigw serves the questions REST API on localhost the way API
// Gateway's `prod` stage does: POST /questions through the Lambda proxy
// integration (same event, same response mapping, 502 on a failed
// invocation) behind the method's request validator (the component's model,
// BAD_REQUEST_BODY answered by the gateway), OPTIONS /questions from the
// MOCK integration with the CORS headers, API Gateway's own error answers
// with the CORS headers the gateway responses add, and, from stage 2, the
// stage's X-Ray segment.
package apigw

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/lambdalocal"
	"github.com/mysfits/mysfits-questions/internal/local/xraylocal"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// MaxPayload is API Gateway's request payload limit.
const MaxPayload = 10 << 20

// Invoker is the post function as the proxy integration calls it.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte, up lambdalocal.Upstream) ([]byte, error)
}

var _ Invoker = (*lambdalocal.Function)(nil)

// Config describes the deployed API the handler stands in for.
type Config struct {
	APIName       string // the stage segment is "{APIName}/{contract.StageName}"
	APIID         string
	AccountID     string
	Region        string
	AllowedOrigin string             // CORS origin of the MOCK and gateway responses
	Tracing       bool               // the stage's X-Ray tracing (stage >= 2)
	Tracer        *xraylocal.Emitter // where the stage segment goes
	Post          Invoker
	PostName      string       // the post function's name, in the Invoke subsegment
	Log           *slog.Logger // nil = slog.Default()
}

// API is the http.Handler for the API's resources; mount it at contract.ResourcePath.
type API struct {
	cfg        Config
	resourceID string
}

// New returns the API handler.
func New(cfg Config) *API {
	if cfg.AllowedOrigin == "" {
		cfg.AllowedOrigin = "*"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &API{cfg: cfg, resourceID: randomID(3)}
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// ServeHTTP answers one request to the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := uuid.NewString()
	var seg *traces.Document
	if a.cfg.Tracing && a.cfg.Tracer != nil {
		seg = a.stageSegment(r, start, requestID)
	}
	status := a.serve(w, r, requestID, seg)
	if seg != nil {
		seg.EndTime = traces.Epoch(time.Now())
		seg.SetHTTPStatus(status)
		if err := a.cfg.Tracer.Emit(*seg); err != nil {
			a.cfg.Log.Warn("X-Ray segment lost", "segment", seg.Name, "error", err)
		}
	}
}

// serve writes the answer and returns its status.
func (a *API) serve(w http.ResponseWriter, r *http.Request, requestID string, seg *traces.Document) int {
	h := w.Header()
	h.Set("x-amzn-RequestId", requestID)
	h.Set("x-amz-apigw-id", base64.RawURLEncoding.EncodeToString([]byte(requestID))[:16])
	if seg != nil {
		h.Set("X-Amzn-Trace-Id", "Root="+seg.TraceID)
	}
	if r.URL.Path != contract.ResourcePath {
		return a.gatewayError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	switch r.Method {
	case http.MethodOptions:
		a.corsHeaders(h, true)
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	case http.MethodPost:
		return a.proxy(w, r, requestID, seg)
	default:
		// A method the resource does not define.
		return a.gatewayError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
}

// proxy runs the Lambda proxy integration.
func (a *API) proxy(w http.ResponseWriter, r *http.Request, requestID string, seg *traces.Document) int {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPayload))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return a.gatewayError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request Too Long")
		}
		return a.gatewayError(w, http.StatusBadRequest, "BadRequestException", "Could not read the request body")
	}
	// A REST API without binary media types passes a body to the proxy
	// integration as UTF-8 text (API Gateway's content type conversions:
	// text data, binaryMediaTypes undefined -> UTF8-encoded string); bytes
	// that are not UTF-8 arrive as U+FFFD, which the function refuses.
	text := strings.ToValidUTF8(string(body), string(utf8.RuneError))
	if err := validateBody(r.Header, text); err != nil {
		if !errors.Is(err, errBodyInvalid) {
			a.cfg.Log.Error("request validator unavailable", "api_request_id", requestID, "error", err)
			return a.gatewayError(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
		}
		a.cfg.Log.Info("request body failed validation: BAD_REQUEST_BODY", "api_request_id", requestID, "reason", err.Error())
		var refused *bodyError
		if !errors.As(err, &refused) {
			refused = &bodyError{problems: []string{"instance does not match the model"}}
		}
		// The component's BAD_REQUEST_BODY template:
		// {"error":"invalid request body: $context.error.validationErrorString"}.
		return a.gatewayError(w, http.StatusBadRequest, "BadRequestException", contract.BadRequestBodyError(refused.validationString()))
	}
	event := a.proxyEvent(r, text, requestID)
	payload, err := json.Marshal(event)
	if err != nil {
		a.cfg.Log.Error("encoding the proxy event", "api_request_id", requestID, "error", err)
		return a.gatewayError(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
	}

	ctx, cancel := context.WithTimeout(r.Context(), contract.IntegrationTimeout)
	defer cancel()
	up := lambdalocal.Upstream{}
	var invoke *traces.Document
	if seg != nil {
		// API Gateway records the integration call as a subsegment; the
		// Lambda segments hang under it.
		invoke = &traces.Document{
			Name: "Lambda", ID: xraylocal.NewSegmentID(), Namespace: "aws",
			StartTime: traces.Epoch(time.Now()),
			AWS:       map[string]any{"operation": "Invoke", "function_name": a.cfg.PostName},
		}
		up = lambdalocal.Upstream{TraceID: seg.TraceID, ParentID: invoke.ID}
	}
	out, err := a.cfg.Post.Invoke(ctx, payload, up)
	if invoke != nil {
		invoke.EndTime = traces.Epoch(time.Now())
		invoke.SetHTTPStatus(http.StatusOK)
		seg.Subsegments = append(seg.Subsegments, *invoke)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return a.gatewayError(w, http.StatusGatewayTimeout, "IntegrationTimeoutException", "Endpoint request timed out")
		}
		// A function error (or a lost caller): the invocation failed.
		a.cfg.Log.Info("integration failed", "api_request_id", requestID, "error_type", errorTypeOf(err))
		return a.gatewayError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		a.cfg.Log.Warn("malformed Lambda proxy response", "api_request_id", requestID)
		return a.gatewayError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
	}
	return writeProxyResponse(w, resp, a.cfg.Log, requestID)
}

func errorTypeOf(err error) string {
	var fe *lambdalocal.FunctionError
	if errors.As(err, &fe) {
		return fe.Type
	}
	return "InvocationFailed"
}

// writeProxyResponse maps the function's answer onto HTTP as API Gateway
// does: headers, then multi-value headers, and a base64 body decoded.
func writeProxyResponse(w http.ResponseWriter, resp events.APIGatewayProxyResponse, log *slog.Logger, requestID string) int {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			log.Warn("Lambda proxy response body is not valid base64", "api_request_id", requestID)
			return gatewayErrorWith(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error", nil)
		}
		body = decoded
	}
	h := w.Header()
	for name, value := range resp.Headers {
		h.Set(name, value)
	}
	for name, values := range resp.MultiValueHeaders {
		h.Del(name)
		for _, v := range values {
			h.Add(name, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body) // the client may be gone; nothing left to tell it
	return resp.StatusCode
}

// corsHeaders are the headers of the OPTIONS MOCK integration (preflight)
// and of the gateway responses: the deployed API's.
func (a *API) corsHeaders(h http.Header, preflight bool) {
	for name, value := range contract.CORSHeaders(a.cfg.AllowedOrigin, preflight) {
		h.Set(name, value)
	}
}

// gatewayErrorField is the field the component's DEFAULT_4XX and
// DEFAULT_5XX gateway responses put API Gateway's message in
// ({"error":$context.error.messageString}): the same shape as the post
// function's own errors.
const gatewayErrorField = "error"

// gatewayError is an answer API Gateway writes itself (a gateway response),
// with the CORS headers so a browser can read it.
func (a *API) gatewayError(w http.ResponseWriter, status int, errorType, message string) int {
	return gatewayErrorWith(w, status, errorType, message, func(h http.Header) { a.corsHeaders(h, false) })
}

func gatewayErrorWith(w http.ResponseWriter, status int, errorType, message string, cors func(http.Header)) int {
	h := w.Header()
	if cors != nil {
		cors(h)
	}
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-ErrorType", errorType)
	body, _ := json.Marshal(map[string]string{gatewayErrorField: message}) // a map of strings always encodes
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// proxyEvent builds the event of the REST API Lambda proxy integration.
func (a *API) proxyEvent(r *http.Request, body, requestID string) events.APIGatewayProxyRequest {
	now := time.Now().UTC()
	headers, multi := proxyHeaders(r)
	query, multiQuery := proxyQuery(r)
	sourceIP := clientIP(r)
	return events.APIGatewayProxyRequest{
		Resource:                        contract.ResourcePath,
		Path:                            r.URL.Path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               multi,
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: multiQuery,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         a.cfg.AccountID,
			ResourceID:        a.resourceID,
			Stage:             contract.StageName,
			DomainName:        r.Host,
			DomainPrefix:      domainPrefix(r.Host),
			RequestID:         requestID,
			ExtendedRequestID: base64.RawURLEncoding.EncodeToString([]byte(requestID))[:16],
			Protocol:          r.Proto,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
			ResourcePath:     contract.ResourcePath,
			Path:             "/" + contract.StageName + r.URL.Path,
			HTTPMethod:       r.Method,
			RequestTime:      now.Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(),
			APIID:            a.cfg.APIID,
		},
		// A REST API without binary media types passes every body as text.
		Body:            body,
		IsBase64Encoded: false,
	}
}

// proxyHeaders returns the single-value map (last value wins) and the
// multi-value map, with the headers API Gateway adds.
func proxyHeaders(r *http.Request) (map[string]string, map[string][]string) {
	all := r.Header.Clone()
	all.Set("Host", r.Host)
	ip := clientIP(r)
	if prior := all.Get("X-Forwarded-For"); prior != "" {
		all.Set("X-Forwarded-For", prior+", "+ip)
	} else {
		all.Set("X-Forwarded-For", ip)
	}
	all.Set("X-Forwarded-Proto", "http")
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		all.Set("X-Forwarded-Port", port)
	}
	single := make(map[string]string, len(all))
	multi := make(map[string][]string, len(all))
	for name, values := range all {
		if len(values) == 0 {
			continue
		}
		single[name] = values[len(values)-1]
		multi[name] = values
	}
	return single, multi
}

// proxyQuery returns nil maps when there is no query string, as API Gateway
// sends null.
func proxyQuery(r *http.Request) (map[string]string, map[string][]string) {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(q))
	for name, values := range q {
		single[name] = values[len(values)-1]
	}
	return single, q
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func domainPrefix(host string) string {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	prefix, _, _ := strings.Cut(h, ".")
	return prefix
}

// stageSegment is the segment API Gateway records for a traced stage.
func (a *API) stageSegment(r *http.Request, start time.Time, requestID string) *traces.Document {
	return &traces.Document{
		Name:      a.cfg.APIName + "/" + contract.StageName,
		ID:        xraylocal.NewSegmentID(),
		TraceID:   xraylocal.NewTraceID(),
		Origin:    traces.TypeAPIGateway,
		StartTime: traces.Epoch(start),
		HTTP: &traces.HTTP{Request: &traces.HTTPRequest{
			Method:    r.Method,
			URL:       "http://" + r.Host + "/" + contract.StageName + r.URL.Path,
			UserAgent: r.UserAgent(),
			ClientIP:  clientIP(r),
		}},
		AWS: map[string]any{
			"api_gateway": map[string]any{
				"account_id":  a.cfg.AccountID,
				"rest_api_id": a.cfg.APIID,
				"stage":       contract.StageName,
				"request_id":  requestID,
			},
		},
	}
}
