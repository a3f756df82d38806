package opentelemetry

import (
	"context"
	"reflect"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// A CLIENT span per AWS call, what otelaws (go.opentelemetry.io/contrib/
// instrumentation/github.com/aws/aws-sdk-go-v2/otelaws) records, written
// here for three reasons, all measured: otelaws v0.72 links the DynamoDB,
// S3, SQS and SNS clients into every function that uses it (its attribute
// table names them all), which put the post function's zip past 6 MB;
// it writes only the newer semantic conventions (rpc.system.name,
// rpc.method "Service/Operation"), which X-Ray does not read as an AWS
// call; and its module is marked deprecated ("no longer supported").
//
// The spans carry what X-Ray draws the called service's node from (AWS
// X-Ray Developer Guide, the OpenTelemetry to X-Ray mapping; the
// collector's awsxray exporter reads the same): kind CLIENT, rpc.system
// "aws-api", rpc.service, rpc.method and aws.region, then the response's
// HTTP status and the request id; and, as the X-Ray SDK's subsegments do,
// the table or topic called (resourceAttrs).
const (
	rpcSystemKey    = attribute.Key("rpc.system")
	rpcServiceKey   = attribute.Key("rpc.service")
	rpcMethodKey    = attribute.Key("rpc.method")
	awsRegionKey    = attribute.Key("aws.region")
	awsRequestIDKey = attribute.Key("aws.request_id")
	awsAPISystem    = "aws-api"
)

// The middlewares' ids, as a stack lists them.
const (
	awsSpanStartID  = "MysfitsOTelStart"
	awsSpanSpanID   = "MysfitsOTelSpan"
	awsSpanInjectID = "MysfitsOTelInject"
	awsSpanResultID = "MysfitsOTelResult"
)

// startTimeKey carries when the call began, before the SDK's own
// initialization (parameter validation), into the span.
type startTimeKey struct{}

// awsCallSpans adds the span middlewares to an operation's stack.
func awsCallSpans(tracer trace.Tracer) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		start := middleware.InitializeMiddlewareFunc(awsSpanStartID, func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(context.WithValue(ctx, startTimeKey{}, time.Now()), in)
		})
		span := middleware.InitializeMiddlewareFunc(awsSpanSpanID, func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			// Without a trace to join (a test, a runner without tracing) the
			// call goes untraced and carries no header, as with the X-Ray SDK.
			if !trace.SpanContextFromContext(ctx).IsValid() {
				return next.HandleInitialize(ctx, in)
			}
			service, operation := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
			opts := []trace.SpanStartOption{
				trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(
					rpcSystemKey.String(awsAPISystem),
					rpcServiceKey.String(service),
					rpcMethodKey.String(operation),
					awsRegionKey.String(awsmiddleware.GetRegion(ctx)),
				),
			}
			if t, ok := ctx.Value(startTimeKey{}).(time.Time); ok {
				opts = append(opts, trace.WithTimestamp(t))
			}
			opts = append(opts, trace.WithAttributes(resourceAttrs(in.Parameters)...))
			ctx, s := tracer.Start(ctx, service+"."+operation, opts...)
			defer s.End()
			out, md, err := next.HandleInitialize(ctx, in)
			if err != nil {
				s.SetAttributes(semconv.ErrorType(err))
				s.SetStatus(codes.Error, err.Error())
			}
			return out, md, err
		})
		// The services' own segments (SNS's, for one) join the trace through
		// the X-Amzn-Trace-Id header, as with the X-Ray SDK.
		inject := middleware.FinalizeMiddlewareFunc(awsSpanInjectID, func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				xray.Propagator{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
			}
			return next.HandleFinalize(ctx, in)
		})
		result := middleware.DeserializeMiddlewareFunc(awsSpanResultID, func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			s := trace.SpanFromContext(ctx)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
				s.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
			}
			if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
				s.SetAttributes(awsRequestIDKey.String(id))
			}
			return out, md, err
		})
		if err := stack.Initialize.Add(start, middleware.Before); err != nil {
			return err
		}
		if err := stack.Initialize.Add(span, middleware.After); err != nil {
			return err
		}
		if err := stack.Finalize.Add(inject, middleware.After); err != nil {
			return err
		}
		return stack.Deserialize.Add(result, middleware.Before)
	}
}

// resourceAttrs names the table (aws.dynamodb.table_names) or the topic
// (aws.sns.topic.arn) an operation's input names. It reads the input's
// TableName or TopicArn field by reflection: importing the clients'
// packages for their input types would link the DynamoDB client into the
// process function and the SNS client into the post function. Names and
// ARNs only, never an item or a message.
func resourceAttrs(params any) []attribute.KeyValue {
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	field := func(name string) string {
		f := v.Elem().FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.String {
			return ""
		}
		return f.Elem().String()
	}
	var attrs []attribute.KeyValue
	if table := field("TableName"); table != "" {
		attrs = append(attrs, semconv.AWSDynamoDBTableNames(table))
	}
	if topic := field("TopicArn"); topic != "" {
		attrs = append(attrs, semconv.AWSSNSTopicARN(topic))
	}
	return attrs
}
