package submit_test

import (
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/contract"
	ht "github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/submit"
	"github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"
	"github.com/mysfits/mysfits-questions/functions/tracing/xraysdk"
)

// New runs the instrumentation the environment names, as the local stack
// needs; a bad name stops it, naming the variable.
func TestNewPicksTheInstrumentation(t *testing.T) {
	srv := ht.NewFakeAWS(t)
	env := map[string]string{contract.EnvTableName: ht.Table, contract.EnvStage: "2"}
	p, err := submit.New(srv.Config(), ht.Getenv(env))
	if _, ok := p.Tracing.(xraysdk.XRay); err != nil || !ok {
		t.Errorf("default: %T, %v; want the X-Ray SDK", p.Tracing, err)
	}
	env[contract.EnvInstrumentation] = "opentelemetry"
	env[contract.EnvOTLPEndpoint] = "http://127.0.0.1:4318"
	p, err = submit.New(srv.Config(), ht.Getenv(env))
	if _, ok := p.Tracing.(*opentelemetry.OTel); err != nil || !ok {
		t.Errorf("opentelemetry: %T, %v", p.Tracing, err)
	}
	env[contract.EnvInstrumentation] = "jaeger"
	if _, err := submit.New(srv.Config(), ht.Getenv(env)); err == nil || !strings.Contains(err.Error(), contract.EnvInstrumentation) {
		t.Errorf("a bad instrumentation: %v", err)
	}
}
