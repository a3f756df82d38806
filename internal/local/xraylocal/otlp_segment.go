package xraylocal

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

// From span to segment document, the way AWS maps them. The reference is
// the OpenTelemetry Collector's AWS X-Ray exporter, which AWS documents
// for sending OpenTelemetry traces to X-Ray (opentelemetry-collector-contrib,
// exporter/awsxrayexporter: README "Data Conversion", and
// internal/translator segment.go, cause.go, http.go, aws.go), and the X-Ray
// developer guide's "AWS X-Ray segment documents" for the fields:
//
//	trace_id     1-{first 4 bytes hex}-{other 12 bytes hex} of the trace id
//	id           span id (16 hex); parent_id the parent span id
//	type         "subsegment" unless the span is a segment: no parent, or
//	             SERVER kind (segment.go), or a local root, the span whose
//	             parent is remote (the ADOT SDKs' aws.span.kind LOCAL_ROOT)
//	name         peer.service, aws.service, service.name (SERVER only),
//	             rpc.service, http.host, net.peer.name, the span name; only
//	             X-Ray's name characters, at most 200
//	namespace    "aws" for rpc.system=aws-api or aws.service, "remote" for
//	             other CLIENT spans
//	             (rpc.system.name, service.peer.name and the "Service/Method"
//	             rpc.method of semantic conventions 1.39, which otelaws
//	             v0.72.0 records, count as their older keys: rpcServiceMethod)
//	start/end    epoch seconds
//	http         request method, url, user_agent, client_ip; response
//	             status (http.status_code / http.response.status_code) and
//	             content_length, old and current semantic conventions
//	fault etc.   4xx error (429 also throttle), 5xx fault, otherwise status
//	             ERROR is a fault (cause.go)
//	cause        one exception per "exception" event (type, message,
//	             remote for CLIENT and PRODUCER spans, Go stack frames), or
//	             the status message when there is none
//	aws          operation (aws.operation / rpc.method), table_name(s)
//	             (aws.table_name, aws.dynamodb.table_names), queue_url,
//	             request_id, account_id, remote_region (aws.region), the
//	             SDK name; topic_arn from aws.sns.topic.arn, the field the
//	             X-Ray SDK's parameter whitelist (AWSWhitelist.json) gives
//	             SNS Publish
//	origin       from cloud.platform, on segments only
//	metadata     the span's attributes under "default"; a segment also
//	             gets the resource's as otel.resource.*
//
// Where this file departs from the exporter, on purpose:
//   - Lambda (resource cloud.platform aws_lambda): Lambda itself records
//     the function's segment (AWS::Lambda::Function, lambdalocal does the
//     same), and the handler's trace context names that segment as parent.
//     So every span with a parent is a subsegment there, SERVER or not,
//     and nests under the function segment as the X-Ray SDK's subsegments
//     do: the service map gets no second function node. A Lambda span
//     without a parent (no active tracing) is a segment with origin
//     AWS::Lambda::Function, which the exporter leaves without origin.
//   - Trace ids are not checked for an X-Ray timestamp within 30 days: the
//     local store keeps what it is sent, as it does over UDP.
//   - No sql, annotations, links or service object: the console and
//     triage read none of them.

// addSpan maps one span, stores the document and lets the daemon's
// completion logic see it, as Run does for a datagram.
func (d *Daemon) addSpan(res *resourcepb.Resource, span *tracepb.Span) error {
	doc, err := spanDocument(res, span)
	if err != nil {
		return err
	}
	raw, err := doc.marshal()
	if err != nil {
		return err
	}
	if err := d.cfg.Store.Add(raw); err != nil {
		return fmt.Errorf("span %s: %w", doc.ID, err)
	}
	d.seen(doc.Document)
	return nil
}

// spanDoc is a span's X-Ray segment document.
type spanDoc struct {
	traces.Document
	// Cause shadows Document.Cause: the raw document keeps the stack
	// frames, which the trace model does not read.
	Cause    *spanCause                `json:"cause,omitempty"`
	Metadata map[string]map[string]any `json:"metadata,omitempty"`
}

type spanCause struct {
	Exceptions []spanException `json:"exceptions"`
}

type spanException struct {
	ID      string       `json:"id"`
	Type    string       `json:"type,omitempty"`
	Message string       `json:"message,omitempty"`
	Remote  bool         `json:"remote,omitempty"`
	Stack   []stackFrame `json:"stack,omitempty"`
}

type stackFrame struct {
	Path  string `json:"path,omitempty"`
	Line  int    `json:"line,omitempty"`
	Label string `json:"label,omitempty"`
}

// marshal encodes the document within X-Ray's size limit, giving up the
// metadata, then the stack frames, when it would not fit.
func (s *spanDoc) marshal() ([]byte, error) {
	shrink := []func(){
		func() {},
		func() { s.Metadata = nil },
		func() {
			if s.Cause != nil {
				for i := range s.Cause.Exceptions {
					s.Cause.Exceptions[i].Stack = nil
				}
			}
		},
	}
	var size int
	for _, fn := range shrink {
		fn()
		b, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("encoding span %s: %w", s.ID, err)
		}
		if len(b) <= traces.MaxDocumentSize {
			return b, nil
		}
		size = len(b)
	}
	return nil, fmt.Errorf("span %s: segment document of %d bytes is larger than %d", s.ID, size, traces.MaxDocumentSize)
}

// Semantic convention keys and values read here.
const (
	rpcSystemAWS       = "aws-api"
	platformLambda     = "aws_lambda"
	exceptionEventName = "exception"
	maxNameLength      = 200
	maxStackFrames     = 50
)

// spanDocument maps one span of the resource res.
func spanDocument(res *resourcepb.Resource, span *tracepb.Span) (*spanDoc, error) {
	traceID, err := xrayTraceID(span.GetTraceId())
	if err != nil {
		return nil, err
	}
	id, ok := spanID(span.GetSpanId())
	if !ok {
		return nil, fmt.Errorf("span %q of trace %s: invalid span id %x", span.GetName(), traceID, span.GetSpanId())
	}
	parent, _ := spanID(span.GetParentSpanId())
	a, ra := attrMap(span.GetAttributes()), attrMap(res.GetAttributes())
	kind := span.GetKind()
	lambda := ra.str("cloud.platform") == platformLambda

	segment := parent == "" || !lambda && (kind == tracepb.Span_SPAN_KIND_SERVER || localRoot(span))
	name, namespace := spanName(span, a, ra)
	doc := &spanDoc{Document: traces.Document{
		Name: name, ID: id, TraceID: traceID, ParentID: parent, Namespace: namespace,
		StartTime: nanosToEpoch(span.GetStartTimeUnixNano()),
		EndTime:   nanosToEpoch(span.GetEndTimeUnixNano()),
	}}
	if segment {
		doc.Origin = origin(ra)
	} else {
		doc.Type = "subsegment"
	}
	doc.HTTP = spanHTTP(kind, a)
	doc.Error, doc.Fault, doc.Throttle = outcomeFlags(span.GetStatus(), a)
	doc.Cause = spanCauseOf(span, a, ra)
	doc.AWS = spanAWS(a, ra)
	doc.Metadata = metadata(a, ra, segment)
	return doc, nil
}

// xrayTraceID writes a 16-byte trace id in X-Ray's form; the X-Ray ID
// generator puts the epoch seconds in the first 4 bytes.
func xrayTraceID(b []byte) (string, error) {
	if len(b) != 16 || allZero(b) {
		return "", fmt.Errorf("invalid trace id %x: want 16 bytes, not all zero", b)
	}
	h := hex.EncodeToString(b)
	return "1-" + h[:8] + "-" + h[8:], nil
}

func spanID(b []byte) (string, bool) {
	if len(b) != 8 || allZero(b) {
		return "", false
	}
	return hex.EncodeToString(b), true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// localRoot reports a span whose parent is in another process, as the
// exporters that know it say in the span flags (OTLP 1.1+; the Go SDK sets
// them). A CLIENT or PRODUCER local root is a call, not a service: the
// exporter splits such a span in two; here it stays the caller's
// subsegment.
func localRoot(span *tracepb.Span) bool {
	const known = uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	const remote = uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	switch span.GetKind() {
	case tracepb.Span_SPAN_KIND_CLIENT, tracepb.Span_SPAN_KIND_PRODUCER:
		return false
	}
	return span.GetFlags()&known != 0 && span.GetFlags()&remote != 0
}

func nanosToEpoch(ns uint64) float64 { return float64(ns) / 1e9 }

// spanName is X-Ray's name for the span: the service it stands for, not
// the operation (segment.go's order), and its namespace.
func spanName(span *tracepb.Span, a, ra attrs) (name, namespace string) {
	kind := span.GetKind()
	name = a.str("peer.service", "service.peer.name")
	if a.str("rpc.system", "rpc.system.name") == rpcSystemAWS {
		namespace = "aws"
	}
	if name == "" {
		if name = a.str("aws.service"); name != "" && namespace == "" {
			namespace = "aws"
		}
	}
	if name == "" && kind == tracepb.Span_SPAN_KIND_SERVER {
		name = ra.str("service.name")
	}
	if name == "" {
		name, _ = rpcServiceMethod(a)
	}
	for _, key := range []string{"http.host", "net.peer.name"} {
		if name == "" {
			name = a.str(key)
		}
	}
	if name == "" {
		name = span.GetName()
	}
	if namespace == "" && kind == tracepb.Span_SPAN_KIND_CLIENT {
		namespace = "remote"
	}
	return segmentName(name), namespace
}

// rpcServiceMethod are rpc.service and rpc.method. Semantic conventions
// 1.39 merged the two into rpc.method "Service/Method" (and renamed
// rpc.system rpc.system.name, peer.service service.peer.name), which is
// what otelaws v0.72.0 records: "DynamoDB/PutItem". The exporter reads the
// older keys only; reading both keeps the DynamoDB and SNS nodes.
func rpcServiceMethod(a attrs) (service, method string) {
	service, method = a.str("rpc.service"), a.str("rpc.method")
	if service == "" {
		if svc, m, ok := strings.Cut(method, "/"); ok {
			return svc, m
		}
	}
	return service, method
}

// segmentName keeps the characters X-Ray allows in a name (letters,
// digits, whitespace and _ . : / % & # = + \ - @), at most 200 of them.
func segmentName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune(`_.:/%&#=+\-@`, r) {
			return r
		}
		return -1
	}, name)
	if r := []rune(name); len(r) > maxNameLength {
		name = string(r[:maxNameLength])
	}
	if name == "" {
		return "span"
	}
	return name
}

// origin is the segment's AWS resource type, from the resource (the
// exporter's determineAwsOrigin, plus Lambda).
func origin(ra attrs) string {
	if p := ra.str("cloud.provider"); p != "" && p != "aws" {
		return ""
	}
	switch ra.str("cloud.platform") {
	case platformLambda:
		return traces.TypeLambdaFunction
	case "aws_ec2":
		return "AWS::EC2::Instance"
	case "aws_eks":
		return "AWS::EKS::Container"
	case "aws_elastic_beanstalk":
		return "AWS::ElasticBeanstalk::Environment"
	case "aws_app_runner":
		return "AWS::AppRunner::Service"
	case "aws_ecs":
		switch ra.str("aws.ecs.launchtype") {
		case "ec2":
			return "AWS::ECS::EC2"
		case "fargate":
			return "AWS::ECS::Fargate"
		}
		return "AWS::ECS::Container"
	}
	return ""
}

// statusCode is the HTTP status the span recorded, either convention.
func statusCode(a attrs) (int, bool) {
	n, ok := a.int("http.status_code", "http.response.status_code")
	return int(n), ok
}

// outcomeFlags are error, fault and throttle: from the HTTP status where
// it is a 4xx or 5xx, else fault when the span's status is ERROR.
func outcomeFlags(st *tracepb.Status, a attrs) (isError, fault, throttle bool) {
	code, _ := statusCode(a)
	switch {
	case code >= 400 && code <= 499:
		return true, false, code == 429
	case code >= 500 && code <= 599:
		return false, true, false
	}
	return false, st.GetCode() == tracepb.Status_STATUS_CODE_ERROR, false
}

func spanHTTP(kind tracepb.Span_SpanKind, a attrs) *traces.HTTP {
	req := &traces.HTTPRequest{
		Method:    a.str("http.method", "http.request.method"),
		URL:       a.str("http.url", "url.full"),
		UserAgent: a.str("http.user_agent", "user_agent.original"),
	}
	if ip := a.str("http.client_ip"); ip != "" {
		req.ClientIP, req.XForwardedFor = ip, true
	} else {
		req.ClientIP = a.str("client.address", "net.peer.ip")
	}
	if req.URL == "" {
		req.URL = assembleURL(kind, a)
	}
	var resp *traces.HTTPResponse
	if code, ok := statusCode(a); ok {
		resp = &traces.HTTPResponse{Status: code}
		if n, ok := a.int("http.response_content_length", "http.response.body.size"); ok {
			resp.ContentLength = int(n)
		}
	}
	if *req == (traces.HTTPRequest{}) && resp == nil {
		return nil
	}
	h := &traces.HTTP{Response: resp}
	if *req != (traces.HTTPRequest{}) {
		h.Request = req
	}
	return h
}

// assembleURL builds the request URL from its parts when the span has no
// full URL: scheme://host[:port]target.
func assembleURL(kind tracepb.Span_SpanKind, a attrs) string {
	host := a.str("http.host")
	if host == "" {
		hostKeys := []string{"server.address", "net.peer.name"}
		portKeys := []string{"server.port", "net.peer.port"}
		if kind == tracepb.Span_SPAN_KIND_SERVER {
			hostKeys = []string{"server.address", "http.server_name", "net.host.name"}
			portKeys = []string{"server.port", "net.host.port"}
		}
		host = a.str(hostKeys...)
		if port, ok := a.int(portKeys...); ok && host != "" {
			host += ":" + strconv.FormatInt(port, 10)
		}
	}
	if host == "" {
		return ""
	}
	scheme := a.str("http.scheme", "url.scheme")
	if scheme == "" {
		scheme = "http"
	}
	target := a.str("http.target")
	if target == "" {
		target = a.str("url.path")
		if q := a.str("url.query"); q != "" {
			target += "?" + q
		}
	}
	if target == "" {
		target = "/"
	}
	return scheme + "://" + host + target
}

// spanCauseOf is the cause: the span's exception events, or its status
// message when it failed without one.
func spanCauseOf(span *tracepb.Span, a, ra attrs) *spanCause {
	kind := span.GetKind()
	remote := kind == tracepb.Span_SPAN_KIND_CLIENT || kind == tracepb.Span_SPAN_KIND_PRODUCER
	var c spanCause
	for _, ev := range span.GetEvents() {
		if ev.GetName() != exceptionEventName {
			continue
		}
		ea := attrMap(ev.GetAttributes())
		ex := spanException{ID: NewSegmentID(), Type: ea.str("exception.type"), Message: ea.str("exception.message"), Remote: remote}
		if ra.str("telemetry.sdk.language") == "go" {
			ex.Stack = goStack(ea.str("exception.stacktrace"))
		}
		c.Exceptions = append(c.Exceptions, ex)
	}
	if len(c.Exceptions) > 0 {
		return &c
	}
	if span.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		return nil
	}
	msg := span.GetStatus().GetMessage()
	if msg == "" {
		msg = a.str("http.status_text")
	}
	if msg == "" {
		return nil
	}
	return &spanCause{Exceptions: []spanException{{ID: NewSegmentID(), Message: msg}}}
}

// goStack reads the frames of a Go stack trace as runtime.Stack writes it
// (what the SDK's RecordError records with WithStackTrace): a function
// line, then a tab-indented "path:line +0x.." line.
func goStack(trace string) []stackFrame {
	lines := strings.Split(trace, "\n")
	var frames []stackFrame
	for i := 1; i < len(lines) && len(frames) < maxStackFrames; i++ {
		loc, ok := strings.CutPrefix(lines[i], "\t")
		if !ok {
			continue
		}
		label := lines[i-1]
		if j := strings.LastIndexByte(label, '('); j > 0 {
			label = label[:j]
		}
		loc, _, _ = strings.Cut(loc, " +0x")
		f := stackFrame{Path: loc, Label: label}
		if j := strings.LastIndexByte(loc, ':'); j > 0 {
			if n, err := strconv.Atoi(loc[j+1:]); err == nil {
				f.Path, f.Line = loc[:j], n
			}
		}
		frames = append(frames, f)
	}
	return frames
}

// spanAWS is the aws object (aws.go's makeAws, the fields X-Ray reads on
// AWS calls and the SDK that recorded the span).
func spanAWS(a, ra attrs) map[string]any {
	m := map[string]any{}
	put := func(field, v string) {
		if v != "" {
			m[field] = v
		}
	}
	operation := a.str("aws.operation")
	if operation == "" {
		_, operation = rpcServiceMethod(a)
	}
	put("operation", operation)
	put("account_id", a.str("aws.account_id"))
	put("remote_region", a.str("aws.region"))
	put("request_id", a.str("aws.request_id", "aws.requestId"))
	put("queue_url", a.str("aws.queue_url", "aws.queue.url", "aws.sqs.queue.url", "messaging.url"))
	put("table_name", a.str("aws.table_name", "aws.table.name"))
	put("topic_arn", a.str("aws.sns.topic.arn"))
	if names := a.strs("aws.dynamodb.table_names"); len(names) == 1 {
		m["table_name"] = names[0]
	} else if len(names) > 1 {
		delete(m, "table_name")
		m["table_names"] = names
	}
	if sdk := ra.str("telemetry.sdk.name"); sdk != "" {
		if lang := ra.str("telemetry.sdk.language"); lang != "" {
			sdk += " for " + lang
		}
		xray := map[string]any{"sdk": sdk}
		if v := ra.str("telemetry.sdk.version"); v != "" {
			xray["sdk_version"] = v
		}
		m["xray"] = xray
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// metadata keeps the attributes under "default", as the exporter does
// with the ones it indexes nothing of: the console's raw view shows them.
func metadata(a, ra attrs, segment bool) map[string]map[string]any {
	def := map[string]any{}
	for k, v := range a {
		def[k] = rawValue(v)
	}
	if segment {
		for k, v := range ra {
			def["otel.resource."+k] = rawValue(v)
		}
	}
	if len(def) == 0 {
		return nil
	}
	return map[string]map[string]any{"default": def}
}

// attrs are a span's, an event's or a resource's attributes by key.
type attrs map[string]*commonpb.AnyValue

func attrMap(kvs []*commonpb.KeyValue) attrs {
	a := make(attrs, len(kvs))
	for _, kv := range kvs {
		a[kv.GetKey()] = kv.GetValue()
	}
	return a
}

// str is the first of keys holding a non-empty string.
func (a attrs) str(keys ...string) string {
	for _, k := range keys {
		if s := a[k].GetStringValue(); s != "" {
			return s
		}
	}
	return ""
}

// int is the first of keys holding an integer (or a number written as a
// string, as some instrumentations do).
func (a attrs) int(keys ...string) (int64, bool) {
	for _, k := range keys {
		switch v := a[k].GetValue().(type) {
		case *commonpb.AnyValue_IntValue:
			return v.IntValue, true
		case *commonpb.AnyValue_DoubleValue:
			return int64(v.DoubleValue), true
		case *commonpb.AnyValue_StringValue:
			if n, err := strconv.ParseInt(v.StringValue, 10, 64); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

// strs is key's string array, or its one string.
func (a attrs) strs(key string) []string {
	v := a[key]
	if s := v.GetStringValue(); s != "" {
		return []string{s}
	}
	var out []string
	for _, e := range v.GetArrayValue().GetValues() {
		if s := e.GetStringValue(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// rawValue is an attribute value as JSON shows it.
func rawValue(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		if math.IsNaN(x.DoubleValue) || math.IsInf(x.DoubleValue, 0) {
			return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64) // JSON has no NaN or Inf
		}
		return x.DoubleValue
	case *commonpb.AnyValue_BytesValue:
		return base64.StdEncoding.EncodeToString(x.BytesValue)
	case *commonpb.AnyValue_ArrayValue:
		out := make([]any, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, rawValue(e))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		out := map[string]any{}
		for _, kv := range x.KvlistValue.GetValues() {
			out[kv.GetKey()] = rawValue(kv.GetValue())
		}
		return out
	}
	return nil
}
