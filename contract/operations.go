package contract

import (
	"fmt"
	"time"
)

// The failure store: where the stream mapping puts a batch it gave up on,
// whole (an S3 bucket on AWS, a folder on the local stack), and the notice
// queue (see NoticeQueueSuffix for its older names) that holds one notice
// per batch there, which the failure-store alarm counts.
//
// A notice must outlive its batch, or the alarm clears while a failure
// still sits in the bucket. S3 expires an object at the first midnight
// UTC after its creation plus the rule's days (Amazon S3 user guide,
// "Lifecycle configuration elements": created 1/15 10:30 UTC with 3 days,
// it expires 1/19 00:00 UTC), then removes it asynchronously, with no
// documented bound (Amazon S3 user guide, "Expiring objects": "There
// might be a delay between the expiration date and the date at which
// Amazon S3 removes an object"). SQS keeps a message at most 14 days
// (SQS API reference, SetQueueAttributes, MessageRetentionPeriod: 60 to
// 1,209,600 seconds). So the queue keeps its notices the longest SQS allows, and the bucket's
// expiry is what is left after S3's rounding and a margin for its removal:
//
//	FailureRetention + LifecycleRounding + ExpiryMargin = NoticeRetention <= MaxQueueRetention
const (
	// MaxQueueRetention is the longest SQS keeps a message.
	MaxQueueRetention = 14 * 24 * time.Hour
	// NoticeRetention is how long the notice queue keeps a notice.
	NoticeRetention = MaxQueueRetention
	// LifecycleRounding: S3 rounds an expiry up to the next midnight UTC,
	// up to a day after creation plus the rule's days.
	LifecycleRounding = 24 * time.Hour
	// ExpiryMargin is the time S3 gets to remove an expired object
	// before its notice expires.
	ExpiryMargin = 24 * time.Hour
	// FailureRetention is how long a failed batch is kept (the bucket's
	// lifecycle expiry, whole days): longer than a long weekend, well
	// past the stream's StreamRetention, and never past its notice.
	FailureRetention = NoticeRetention - LifecycleRounding - ExpiryMargin
	// StreamRetention is how long a DynamoDB stream keeps a record
	// (DynamoDB developer guide, "Change data capture for DynamoDB
	// Streams": 24 hours).
	StreamRetention = 24 * time.Hour
	// FailureKeyPrefix is where Lambda writes the records of a failed
	// batch: aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/... (Lambda
	// developer guide, "Retain discarded records for a DynamoDB event
	// source in Lambda").
	FailureKeyPrefix = "aws/lambda/"
	// FailureNoticeType is the EventBridge detail type S3 sends for a new
	// object; the notice queue gets one per failed batch.
	FailureNoticeType = "Object Created"
)

// FailureRetentionDays is FailureRetention in the whole days an S3
// lifecycle rule takes.
func FailureRetentionDays() int { return int(FailureRetention / (24 * time.Hour)) }

// AlarmKey names one operations alarm: the resource name suffix and the
// key under which the stack exports its name.
type AlarmKey string

// The operations alarms. All of them notify the one operations topic.
const (
	AlarmFailureStore AlarmKey = "failure-store-not-empty"
	AlarmPostErrors   AlarmKey = "post-errors"
	AlarmAPI5XX       AlarmKey = "api-5xx"
	AlarmIteratorAge  AlarmKey = "stream-iterator-age"
	AlarmProcessError AlarmKey = "process-errors"
)

// Metric is one CloudWatch metric an alarm reads. Its dimensions' values are
// the deployed resources' names, filled in by the component.
type Metric struct {
	Namespace  string
	Name       string
	Statistic  string
	Dimensions []string // dimension names, such as FunctionName
}

// AlarmSubject is the part of the service an alarm watches; the
// component fills in its metric dimensions from it.
type AlarmSubject int

// The subjects.
const (
	SubjectNoticeQueue AlarmSubject = iota + 1
	SubjectPostFunction
	SubjectAPIStage
	SubjectProcessFunction
)

// Alarm is one operations alarm: what it reads, when it fires, what it
// tells the reader to do.
type Alarm struct {
	Key     AlarmKey
	Subject AlarmSubject
	// Metric is the alarm's metric; for a share, the failures counted.
	Metric Metric
	// Total, when set, makes the alarm a share: 100 * Metric / Total in
	// percent, counted only once Total reaches MinTotal in a period, so a
	// single failed request of a quiet stack pages nobody.
	Total    *Metric
	MinTotal int

	Period            time.Duration
	EvaluationPeriods int
	DatapointsToAlarm int
	// Comparison is a CloudWatch comparison operator.
	Comparison string
	Threshold  float64
	// TreatMissingData: a metric no one emits (no traffic, an idle queue)
	// is not a failure.
	TreatMissingData string
	// QuietAtFaultStage: at stage 3 the exercise makes these fail on
	// purpose, so the alarm keeps evaluating (the console shows it in
	// ALARM) but notifies nobody.
	QuietAtFaultStage bool
	Description       string
}

// CloudWatch dimension names (Lambda developer guide, "Types of metrics for
// Lambda functions"; API Gateway developer guide, "Amazon API Gateway
// dimensions and metrics"; SQS developer guide, "Available CloudWatch
// metrics for Amazon SQS"); the component fills in each value.
const (
	DimensionFunctionName = "FunctionName"
	DimensionQueueName    = "QueueName"
	DimensionAPIName      = "ApiName"
	DimensionStage        = "Stage"
)

// Alarm thresholds, each written once.
const (
	// ErrorSharePercent: more than this share of requests failing in
	// ErrorSharePeriod pages.
	ErrorSharePercent = 5
	ErrorSharePeriod  = 5 * time.Minute
	// ErrorShareMinRequests: below this many requests in a period the
	// share is not computed.
	ErrorShareMinRequests = 10
	// IteratorAgeLimit: the stream mapping's oldest record older than this
	// for IteratorAgeMinutes minutes in a row means the stream is not
	// moving (a healthy stack is at about a second).
	IteratorAgeLimit   = 5 * time.Minute
	IteratorAgeMinutes = 3
	// ProcessErrorLimit errors of the process function in ProcessErrorPeriod
	// page: one failed try that the mapping retries successfully does not,
	// a record that fails every retry (4 tries, plus bisection) does.
	ProcessErrorLimit  = 3
	ProcessErrorPeriod = 5 * time.Minute
)

// Alarms are the operations alarms, in the order the stack creates them.
func Alarms() []Alarm {
	lambdaMetric := func(name, stat string) Metric {
		return Metric{Namespace: "AWS/Lambda", Name: name, Statistic: stat, Dimensions: []string{DimensionFunctionName}}
	}
	apiMetric := func(name string) Metric {
		return Metric{Namespace: "AWS/ApiGateway", Name: name, Statistic: "Sum", Dimensions: []string{DimensionAPIName, DimensionStage}}
	}
	postInvocations := lambdaMetric("Invocations", "Sum")
	apiCount := apiMetric("Count")
	return []Alarm{
		{
			Key:     AlarmFailureStore,
			Subject: SubjectNoticeQueue,
			// One notice per failed batch: S3 tells EventBridge of each new
			// object, a rule sends it to the notice queue, and redrive
			// deletes the notices of what it redrove.
			Metric:            Metric{Namespace: "AWS/SQS", Name: "ApproximateNumberOfMessagesVisible", Statistic: "Maximum", Dimensions: []string{DimensionQueueName}},
			Period:            time.Minute,
			EvaluationPeriods: 1,
			DatapointsToAlarm: 1,
			Comparison:        "GreaterThanOrEqualToThreshold",
			Threshold:         1,
			TreatMissingData:  "notBreaching",
			Description:       "A stream batch failed every retry and is kept whole in the failure bucket: questions were stored but the administrator was not notified. Run `go run ./cmd/redrive --aws` to list them and `--apply` to notify them.",
		},
		{
			Key:               AlarmPostErrors,
			Subject:           SubjectPostFunction,
			Metric:            lambdaMetric("Errors", "Sum"),
			Total:             &postInvocations,
			MinTotal:          ErrorShareMinRequests,
			Period:            ErrorSharePeriod,
			EvaluationPeriods: 1,
			DatapointsToAlarm: 1,
			Comparison:        "GreaterThanThreshold",
			Threshold:         ErrorSharePercent,
			TreatMissingData:  "notBreaching",
			QuietAtFaultStage: true,
			Description:       fmt.Sprintf("More than %d%% of the post function's invocations failed: visitors get 502 answers. Open the X-Ray fault group.", ErrorSharePercent),
		},
		{
			Key:               AlarmAPI5XX,
			Subject:           SubjectAPIStage,
			Metric:            apiMetric("5XXError"),
			Total:             &apiCount,
			MinTotal:          ErrorShareMinRequests,
			Period:            ErrorSharePeriod,
			EvaluationPeriods: 1,
			DatapointsToAlarm: 1,
			Comparison:        "GreaterThanThreshold",
			Threshold:         ErrorSharePercent,
			TreatMissingData:  "notBreaching",
			QuietAtFaultStage: true,
			Description:       fmt.Sprintf("More than %d%% of POST /questions answered 5xx (502, 503, 504): questions may not be stored. Open the X-Ray fault group.", ErrorSharePercent),
		},
		{
			Key:               AlarmIteratorAge,
			Subject:           SubjectProcessFunction,
			Metric:            lambdaMetric("IteratorAge", "Maximum"),
			Period:            time.Minute,
			EvaluationPeriods: IteratorAgeMinutes,
			DatapointsToAlarm: IteratorAgeMinutes,
			Comparison:        "GreaterThanThreshold",
			Threshold:         float64(IteratorAgeLimit / time.Millisecond), // IteratorAge is in milliseconds
			TreatMissingData:  "notBreaching",
			Description:       fmt.Sprintf("The table stream's oldest unprocessed record has been older than %s for %d minutes: notifications are late.", IteratorAgeLimit, IteratorAgeMinutes),
		},
		{
			Key:               AlarmProcessError,
			Subject:           SubjectProcessFunction,
			Metric:            lambdaMetric("Errors", "Sum"),
			Period:            ProcessErrorPeriod,
			EvaluationPeriods: 1,
			DatapointsToAlarm: 1,
			Comparison:        "GreaterThanOrEqualToThreshold",
			Threshold:         ProcessErrorLimit,
			TreatMissingData:  "notBreaching",
			Description:       fmt.Sprintf("The process function failed %d or more times in %s: notifications are late or going to the failure bucket (SNS down, a bad record).", ProcessErrorLimit, ProcessErrorPeriod),
		},
	}
}

// Notifies reports whether the alarm sends its notifications at stage.
func (a Alarm) Notifies(stage TracingStage) bool {
	return !(a.QuietAtFaultStage && stage.FaultInjection())
}

// ShareExpression is the metric math of a share alarm over the metric ids
// failed and total: the share in percent, 0 while there are fewer than
// MinTotal requests.
func (a Alarm) ShareExpression(failed, total string) string {
	return fmt.Sprintf("IF(%s >= %d, 100 * %s / %s, 0)", total, a.MinTotal, failed, total)
}

// The X-Ray sampling rule of the API stage (X-Ray developer guide,
// "Configuring sampling rules"; API Gateway developer guide, "Configure
// AWS X-Ray sampling rules for API Gateway APIs"): every request up to
// SamplingReservoir a second, SamplingFixedRate of the rest.
const (
	// SamplingReservoir covers a learner's stack (a few requests a second
	// at most) entirely.
	SamplingReservoir = 5
	// SamplingFixedRate caps a busy stack: beyond the reservoir, 5 %.
	SamplingFixedRate = 0.05
	// SamplingPriority is before the default rule (10000).
	SamplingPriority = 9000
	// SamplingServiceType is what API Gateway stages identify as.
	SamplingServiceType = "AWS::ApiGateway::Stage"
	// XRayNameLength is the longest group or sampling rule name X-Ray takes.
	XRayNameLength = 32
)
