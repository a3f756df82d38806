package contract

import (
	"time"

	"github.com/mysfits/mysfits-questions/questions"
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
	// hold up its shard before it goes to the failure store.
	MaxRetryAttempts      int
	MaxRecordAge          time.Duration
	BisectOnFunctionErr   bool
	ReportBatchFailures   bool
	ParallelizationFactor int
}

// QuestionsStream is the one mapping definition. TRIM_HORIZON so questions
// written before the mapping is enabled are still notified.
func QuestionsStream() StreamMapping {
	return StreamMapping{
		StartingPosition:      "TRIM_HORIZON",
		BatchSize:             10,
		MaxBatchingWindow:     time.Second,
		MaxRetryAttempts:      3,
		MaxRecordAge:          time.Hour,
		BisectOnFunctionErr:   true,
		ReportBatchFailures:   true,
		ParallelizationFactor: 1,
	}
}
