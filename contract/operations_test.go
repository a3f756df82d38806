package contract_test

import (
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

func TestAlarms(t *testing.T) {
	want := map[contract.AlarmKey]struct {
		metric         string
		share          bool
		quietAtStage3  bool
		threshold      float64
		periodsToAlarm int
	}{
		contract.AlarmFailureStore: {"ApproximateNumberOfMessagesVisible", false, false, 1, 1},
		contract.AlarmPostErrors:   {"Errors", true, true, 5, 1},
		contract.AlarmAPI5XX:       {"5XXError", true, true, 5, 1},
		contract.AlarmIteratorAge:  {"IteratorAge", false, false, 300000, 3},
		contract.AlarmProcessError: {"Errors", false, false, 3, 1},
	}
	alarms := contract.Alarms()
	if len(alarms) != len(want) {
		t.Fatalf("%d alarms, want %d", len(alarms), len(want))
	}
	for _, a := range alarms {
		w, ok := want[a.Key]
		if !ok {
			t.Errorf("unexpected alarm %s", a.Key)
			continue
		}
		delete(want, a.Key)
		if a.Metric.Name != w.metric || (a.Total != nil) != w.share || a.QuietAtFaultStage != w.quietAtStage3 ||
			a.Threshold != w.threshold || a.DatapointsToAlarm != w.periodsToAlarm || a.EvaluationPeriods != w.periodsToAlarm {
			t.Errorf("%s = %+v, want %+v", a.Key, a, w)
		}
		if a.Period < time.Minute || a.Period%time.Minute != 0 || a.TreatMissingData != "notBreaching" || a.Description == "" || len(a.Metric.Dimensions) == 0 {
			t.Errorf("%s: period %s, missing data %q, description %q, dimensions %v", a.Key, a.Period, a.TreatMissingData, a.Description, a.Metric.Dimensions)
		}
		if a.Total != nil && (a.MinTotal < 1 || a.Total.Namespace != a.Metric.Namespace) {
			t.Errorf("%s: a share of %s over %+v from %d requests", a.Key, a.Metric.Name, a.Total, a.MinTotal)
		}
	}
	for key := range want {
		t.Errorf("no %s alarm", key)
	}
}

// The exercise's injected faults page nobody; every other alarm always does.
func TestAlarmNotifies(t *testing.T) {
	for _, a := range contract.Alarms() {
		for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK, contract.StageFaults} {
			want := !(stage == contract.StageFaults && (a.Key == contract.AlarmPostErrors || a.Key == contract.AlarmAPI5XX))
			if got := a.Notifies(stage); got != want {
				t.Errorf("%s at stage %d notifies %t, want %t", a.Key, stage, got, want)
			}
		}
	}
}

func TestShareExpression(t *testing.T) {
	a := contract.Alarm{MinTotal: 10}
	if got, want := a.ShareExpression("errors", "invocations"), "IF(invocations >= 10, 100 * errors / invocations, 0)"; got != want {
		t.Errorf("ShareExpression = %q, want %q", got, want)
	}
}

func TestFailureRetention(t *testing.T) {
	longWeekend := 3 * 24 * time.Hour
	if got := contract.FailureRetentionDays(); got != 12 || contract.FailureRetention%(24*time.Hour) != 0 ||
		contract.FailureRetention < contract.StreamRetention+longWeekend {
		t.Errorf("failure retention %d days (%s): whole days, and must outlive the stream's %s by a long weekend", got, contract.FailureRetention, contract.StreamRetention)
	}
	if contract.SamplingFixedRate <= 0 || contract.SamplingFixedRate >= 1 || contract.SamplingReservoir < 1 {
		t.Errorf("sampling %d/s + %g: want a reservoir and a rate between 0 and 1", contract.SamplingReservoir, contract.SamplingFixedRate)
	}
}

// s3Expiry is when S3 expires an object created at created under a rule
// of days: the creation time plus the days, rounded up to the next
// midnight UTC (Amazon S3 user guide, "Lifecycle configuration elements").
// A sum that falls on midnight exactly is taken to the next one: the
// latest S3 could mean.
func s3Expiry(t *testing.T, created time.Time, days int) time.Time {
	t.Helper()
	return created.UTC().AddDate(0, 0, days).Truncate(24 * time.Hour).Add(24 * time.Hour)
}

// A notice outlives its batch by at least the margin S3 gets to remove an
// expired object, whenever in the day the batch failed: the failure-store
// alarm never clears while the batch may still be in the bucket.
func TestNoticeOutlivesItsBatch(t *testing.T) {
	const sqsMaxRetentionSeconds = 1209600 // SQS API reference, SetQueueAttributes, MessageRetentionPeriod
	if contract.MaxQueueRetention != sqsMaxRetentionSeconds*time.Second {
		t.Errorf("MaxQueueRetention = %s, want SQS's %d s", contract.MaxQueueRetention, sqsMaxRetentionSeconds)
	}
	if r := contract.NoticeRetention; r > contract.MaxQueueRetention || r < time.Minute || r%time.Second != 0 {
		t.Errorf("notice retention %s: SQS takes whole seconds from 60 to %d", r, sqsMaxRetentionSeconds)
	}
	if contract.ExpiryMargin <= 0 {
		t.Errorf("expiry margin %s: S3 removes expired objects asynchronously", contract.ExpiryMargin)
	}
	day := time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC) // a European clock change: UTC has none
	for _, tt := range []struct {
		name    string
		created time.Time
	}{
		{"at midnight", day},
		{"just after midnight", day.Add(time.Millisecond)},
		{"at noon", day.Add(12 * time.Hour)},
		{"just before midnight", day.Add(24*time.Hour - time.Millisecond)},
		{"at the end of a month", time.Date(2026, 1, 31, 23, 59, 59, 0, time.UTC)},
		{"in another time zone", time.Date(2026, 6, 1, 0, 30, 0, 0, time.FixedZone("UTC+2", 2*60*60))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expires := s3Expiry(t, tt.created, contract.FailureRetentionDays())
			// The notice is sent after the object is written: it expires no
			// earlier than this.
			noticeGone := tt.created.Add(contract.NoticeRetention)
			if left := noticeGone.Sub(expires); left < contract.ExpiryMargin {
				t.Errorf("created %s: the object expires %s, its notice %s: %s left for S3 to remove it, want at least %s",
					tt.created.UTC().Format(time.RFC3339Nano), expires.Format(time.RFC3339), noticeGone.UTC().Format(time.RFC3339Nano), left, contract.ExpiryMargin)
			}
		})
	}
}
