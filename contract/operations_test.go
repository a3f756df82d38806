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
	if got := contract.FailureRetentionDays(); got != 14 || contract.FailureRetention <= 24*time.Hour {
		t.Errorf("failure retention %d days (%s): must outlive the stream's 24 h by a long weekend", got, contract.FailureRetention)
	}
	if contract.SamplingFixedRate <= 0 || contract.SamplingFixedRate >= 1 || contract.SamplingReservoir < 1 {
		t.Errorf("sampling %d/s + %g: want a reservoir and a rate between 0 and 1", contract.SamplingReservoir, contract.SamplingFixedRate)
	}
}
