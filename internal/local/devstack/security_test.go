package devstack

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/tracing"
)

// The stage-3 fault path on the local stack: the failed request's answer,
// logs and every segment of its trace (the hangingException subsegment's
// cause and exception messages included) name no e-mail address and no
// question.
func TestFaultInjectionExposesNoUserData(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	stack, obs := startStack(t, contract.Tracing{Stage: contract.StageFaults,
		Faults: contract.Faults{Percent: 100, Delay: contract.MinFaultDelay}})
	const email, text = "ada.faults@example.com", "Will this question hang forever?"
	a := postQuestion(t, stack, email, text)
	if a.status != http.StatusBadGateway {
		t.Fatalf("POST answered %d %v, want the faulted 502", a.status, a.body)
	}
	for _, v := range a.body {
		if strings.Contains(v, email) || strings.Contains(v, text) {
			t.Errorf("the answer %v holds user data", a.body)
		}
	}
	waitFor(t, "the faulted trace", func() bool { _, ok := traceWith(obs, tracing.HangingSubsegment); return ok })
	tr, _ := traceWith(obs, tracing.HangingSubsegment)
	// The check below must have exception messages to look at.
	var messages int
	for s := range tr.All() {
		if s.Cause != nil {
			for _, e := range s.Cause.Exceptions {
				if e.Message != "" {
					messages++
				}
			}
		}
	}
	if messages == 0 {
		t.Fatalf("trace %s records no exception message: %+v", tr.ID, tr)
	}
	checkTracesHoldNoUserData(t, obs, email, text)
	checkLogsHoldNoUserData(t, obs, email, text)
	if items := storedItems(t, stack.Resources().TableName); len(items) != 0 {
		t.Errorf("the faulted request stored %d items", len(items))
	}
}
