//go:build unix

package devstack

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// DynamoDB Local frozen (SIGSTOP: a hung server, a long GC pause, a
// network partition) instead of down: connections are taken and never
// answered, so nothing fails fast. The post function's timeout ends the
// request with a JSON 5xx long before API Gateway's 29s integration
// timeout. The write was already on its way: once DynamoDB Local resumes it
// may land, which is why a 5xx means "not known to be stored" and never
// "not stored". What lands is whole and is notified like any question;
// the API and the stream mapping go on by themselves.
func TestDynamoDBHang(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on services of its own
	svc := outageServices(t, "")
	stack, obs := startStackOn(t, svc, atStage(contract.StageLambdaOnly), "")
	c := &client{t: t, stack: stack}
	c.postAccepted("before the hang")
	c.settleQuietly(svc, obs)

	svc.mu.Lock()
	group := -svc.procs[DynamoDBLocal].Pid() // its process group: the JVM and all it started
	svc.mu.Unlock()
	if err := syscall.Kill(group, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if err := syscall.Kill(group, syscall.SIGCONT); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(resume) // stopping a frozen process would wait for its grace period

	a, took := c.post("while DynamoDB hangs")
	if a.status < 500 || a.status == http.StatusGatewayTimeout || a.body["error"] == "" {
		t.Errorf("POST while DynamoDB hangs answered %d %v after %s, want a 5xx JSON error from the function or its timeout, not API Gateway's %s integration timeout (504)",
			a.status, a.body, took.Round(time.Millisecond), contract.IntegrationTimeout)
	}
	resume()
	up := time.Now()
	c.postAccepted("after the hang")
	r, settled := c.settle(svc, obs)
	if r.Accepted != 2 || r.Notified != 2+r.UnsettledStored || r.DeadLettered != 0 {
		t.Errorf("%d accepted, %d notified (%d of them answered 5xx), %d dead-lettered; want both accepted and whatever landed notified",
			r.Accepted, r.Notified, r.UnsettledStored, r.DeadLettered)
	}
	landed := "did not land"
	if r.UnsettledStored > 0 {
		landed = "landed when DynamoDB Local resumed and was notified"
	}
	t.Logf("MEASURED dynamodb-hang: POST while DynamoDB Local was frozen answered %d (JSON) after %s (post function timeout %s, API Gateway's limit %s); its write %s; after resuming, the next POST answered 201 and all were accounted for %s later, %d lost, %d duplicates",
		a.status, took.Round(time.Millisecond), contract.PostTimeout(0), contract.IntegrationTimeout, landed, settled.Sub(up).Round(10*time.Millisecond), len(r.Lost), r.Duplicates)
}
