package notify_test

import (
	"testing"

	"github.com/mysfits/mysfits-questions/contract"
	ht "github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/notify"
	"github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"
	"github.com/mysfits/mysfits-questions/functions/tracing/xraysdk"
)

// New runs the instrumentation the environment names, as the local stack
// needs.
func TestNewPicksTheInstrumentation(t *testing.T) {
	srv := ht.NewFakeAWS(t)
	env := map[string]string{contract.EnvTopicARN: ht.Topic, contract.EnvStage: "2"}
	n, err := notify.New(srv.Config(), ht.Getenv(env))
	if _, ok := n.Tracing.(xraysdk.XRay); err != nil || !ok {
		t.Errorf("default: %T, %v; want the X-Ray SDK", n.Tracing, err)
	}
	env[contract.EnvInstrumentation] = "opentelemetry"
	env[contract.EnvOTLPEndpoint] = "http://127.0.0.1:4318"
	n, err = notify.New(srv.Config(), ht.Getenv(env))
	if _, ok := n.Tracing.(*opentelemetry.OTel); err != nil || !ok {
		t.Errorf("opentelemetry: %T, %v", n.Tracing, err)
	}
}
