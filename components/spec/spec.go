// Package spec holds the settings of the questions service that both the
// Pulumi component and the local stack apply, so the local table, stream
// mapping, queues and CORS answer behave as the deployed ones. It depends on
// nothing but the standard library and the shared function environment.
package spec

import (
	"time"

	"github.com/mysfits/mysfits-questions/functions/questions"
)

// Table: on-demand, QuestionId string hash key, stream with new images.
const (
	TableHashKey        = questions.AttrQuestionID
	TableHashKeyType    = "S"
	TableBillingMode    = "PAY_PER_REQUEST"
	TableStreamViewType = "NEW_IMAGE"
)

// StreamMapping is how the table stream feeds the process function.
type StreamMapping struct {
	StartingPosition string
	BatchSize        int
	// MaxBatchingWindow lets a short burst of questions share one invocation.
	MaxBatchingWindow time.Duration
	// MaxRetryAttempts and MaxRecordAge bound how long a failing record can
	// hold up its shard before it goes to the dead-letter queue.
	MaxRetryAttempts      int
	MaxRecordAge          time.Duration
	BisectOnFunctionErr   bool
	ReportBatchFailures   bool
	ParallelizationFactor int
}

// QuestionsStream is the one mapping definition. TRIM_HORIZON so questions
// written before the mapping is enabled are still notified.
var QuestionsStream = StreamMapping{
	StartingPosition:      "TRIM_HORIZON",
	BatchSize:             10,
	MaxBatchingWindow:     time.Second,
	MaxRetryAttempts:      3,
	MaxRecordAge:          time.Hour,
	BisectOnFunctionErr:   true,
	ReportBatchFailures:   true,
	ParallelizationFactor: 1,
}

// DeadLetterRetention keeps failed notifications long enough to replay after
// a long weekend.
const DeadLetterRetention = 14 * 24 * time.Hour

// CORS answer for /questions.
const (
	CORSAllowMethods = "OPTIONS,POST"
	CORSAllowHeaders = "Content-Type"
	CORSMaxAge       = "600"
)

// Function settings.
const (
	FunctionRuntime      = "provided.al2023"
	FunctionArchitecture = "arm64"
	FunctionHandler      = "bootstrap"
	FunctionMemoryMB     = 128
	ProcessTimeout       = 30 * time.Second
	// postTimeoutMargin is added to the fault delay so a hanging request ends
	// with the injected fault, not a Lambda timeout.
	postTimeoutMargin = 5 * time.Second
	minPostTimeout    = 10 * time.Second
	// maxPostTimeout is API Gateway's integration timeout: running longer
	// only hides the function's own answer behind the gateway's 504. It
	// still exceeds lambdaenv.MaxFaultDelay.
	maxPostTimeout = 29 * time.Second
)

// PostTimeout is the post function's timeout for a given fault delay: always
// longer than the delay, never longer than API Gateway waits.
func PostTimeout(faultDelay time.Duration) time.Duration {
	t := min(max(faultDelay+postTimeoutMargin, minPostTimeout), maxPostTimeout)
	return (t + time.Second - 1).Truncate(time.Second) // whole seconds, rounded up
}
