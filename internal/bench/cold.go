package bench

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
)

// The cold start's targets.
const (
	minSpeedupOverSeed = 50.0 // post's init at least 50x faster than the seed's Python init
	maxFloorRatio      = 2.0  // within 2x of the bare bootstrap
)

// cold is item 1: each function's own bootstrap, built for this machine
// with the deploy's flags, started against the Runtime API emulator,
// alternating with the floor and the seed's Python init.
func (r *runner) cold(ctx context.Context) error {
	builds, err := r.ensureBuilds(ctx, true)
	if err != nil {
		return err
	}
	d, err := r.ensureStack(ctx)
	if err != nil {
		return err
	}
	res := d.Resources()
	proxy, err := NewAWSProxy(r.work, map[string]string{
		"dynamodb." + devstack.Region + ".amazonaws.com": d.Services.DynamoDBEndpoint,
		"sns." + devstack.Region + ".amazonaws.com":      d.Services.GoAWSEndpoint,
	})
	if err != nil {
		return err
	}
	defer proxy.Close()

	postEvent, err := os.ReadFile(filepath.Join(r.cfg.Root, "testdata", "events", "post", "valid.json"))
	if err != nil {
		return err
	}
	streamEvent, err := os.ReadFile(filepath.Join(r.cfg.Root, "testdata", "events", "stream", "inserts.json"))
	if err != nil {
		return err
	}
	functionEnv := func(stage contract.TracingStage, inst contract.Instrumentation) (post, process []string) {
		cfg := devstack.Config{Tracing: contract.Tracing{Stage: stage, Faults: contract.DefaultTracing().Faults, Instrumentation: inst}}
		p, q := cfg.Functions(res)
		return envList(p.Env), envList(q.Env)
	}
	xray, otel := contract.InstrumentationXRaySDK, contract.InstrumentationOpenTelemetry
	post1, process1 := functionEnv(contract.StageLambdaOnly, xray)
	post2, process2 := functionEnv(contract.StageSDK, xray)
	otelPost1, otelProcess1 := functionEnv(contract.StageLambdaOnly, otel)
	otelPost2, otelProcess2 := functionEnv(contract.StageSDK, otel)
	subjects := []coldSubject{
		{name: "floor", argv: []string{builds.host["floor"]}, payload: postEvent},
		{name: "post stage 1", argv: []string{builds.host["post"]}, env: post1, payload: postEvent, check: checkStatus(201)},
		{name: "post stage 2", argv: []string{builds.host["post"]}, env: post2, payload: postEvent, check: checkStatus(201), traced: true},
		{name: "process stage 1", argv: []string{builds.host["process"]}, env: process1, payload: streamEvent, check: checkNoBatchFailures},
		{name: "process stage 2", argv: []string{builds.host["process"]}, env: process2, payload: streamEvent, check: checkNoBatchFailures, traced: true},
		// OpenTelemetry's builds, exporting to a local OTLP receiver.
		{name: "post-otel stage 1", argv: []string{builds.host["post-otel"]}, env: otelPost1, payload: postEvent, check: checkStatus(201)},
		{name: "post-otel stage 2", argv: []string{builds.host["post-otel"]}, env: otelPost2, payload: postEvent, check: checkStatus(201), otlp: true},
		{name: "process-otel stage 1", argv: []string{builds.host["process-otel"]}, env: otelProcess1, payload: streamEvent, check: checkNoBatchFailures},
		{name: "process-otel stage 2", argv: []string{builds.host["process-otel"]}, env: otelProcess2, payload: streamEvent, check: checkNoBatchFailures, otlp: true},
	}
	script := filepath.Join(r.cfg.Root, "internal", "bench", "testdata", "python", "bootstrap.py")
	seedErr := exec.CommandContext(ctx, r.cfg.Python, "-c", "import boto3, aws_xray_sdk").Run()
	if seedErr == nil {
		subjects = append(subjects, coldSubject{name: "seed python", argv: []string{r.cfg.Python, script}, env: post1, payload: postEvent, check: checkStatus(200)})
	}

	logDir := filepath.Join(r.cfg.StateDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(logDir, "cold-start.log"))
	if err != nil {
		return err
	}
	defer logf.Close()

	runs := map[string][]coldRun{}
	for round := range r.cfg.ColdRounds {
		// Rotate the order so no bootstrap always follows the same one.
		for i := range subjects {
			s := subjects[(i+round)%len(subjects)]
			taskRoot := filepath.Dir(s.argv[len(s.argv)-1])
			base := append(lambdaEnv(s.name, taskRoot, devstack.Region), proxy.Env()...)
			run, err := startOnce(ctx, s, base, logf)
			if err != nil {
				return fmt.Errorf("%w (log: %s)", err, logf.Name())
			}
			runs[s.name] = append(runs[s.name], run)
		}
		if round == 0 {
			r.progress("cold starts: round 1 of %d done", r.cfg.ColdRounds)
		}
	}

	next := func(name string) Samples {
		return coldSamples(runs[name], func(c coldRun) float64 { return c.toNext.Seconds() })
	}
	resp := func(name string) Samples {
		return coldSamples(runs[name], func(c coldRun) float64 { return c.toResponse.Seconds() })
	}
	rss := func(name string) Samples {
		return coldSamples(runs[name], func(c coldRun) float64 { return float64(c.peakRSS) })
	}

	floorNext := next("floor")
	for _, name := range []string{"post stage 1", "post stage 2", "process stage 1", "process stage 2",
		"post-otel stage 1", "post-otel stage 2", "process-otel stage 1", "process-otel stage 2"} {
		ratio := Ratio(next(name).Median(), floorNext.Median())
		r.add(Row{Item: 1, What: name + ": exec → first GET /next (init)",
			Measured: next(name).MinMedian(FormatSeconds), Reference: "floor " + floorNext.MinMedian(FormatSeconds),
			Ratio: FormatRatio(ratio), Target: fmt.Sprintf("≤ %.0fx floor", maxFloorRatio), Result: AtMost(ratio, maxFloorRatio)})
	}
	if seedErr != nil {
		r.add(Row{Item: 1, What: "post stage 2 against the seed's Python init", Measured: "not measured: " + r.cfg.Python + " lacks boto3 or aws_xray_sdk (make bench installs python3-boto3 and python3-aws-xray-sdk)", Result: "-"})
	} else {
		seed := next("seed python")
		speedup := Ratio(seed.Median(), next("post stage 2").Median())
		r.add(Row{Item: 1, What: "post stage 2 against the seed's Python init (boto3, aws_xray_sdk, patch_all(), a Table): exec → first GET /next",
			Measured: next("post stage 2").MinMedian(FormatSeconds), Reference: "seed " + seed.MinMedian(FormatSeconds),
			Ratio: FormatRatio(speedup) + " faster", Target: fmt.Sprintf("≥ %.0fx faster", minSpeedupOverSeed), Result: AtLeast(speedup, minSpeedupOverSeed)})
	}
	for _, c := range []struct{ name, what string }{
		{"post stage 2", "post stage 2: exec → first response (PutItem on DynamoDB Local, TLS through the proxy)"},
		{"process stage 2", "process stage 2: exec → first response (3 SNS Publish on GoAWS, TLS through the proxy)"},
		{"post-otel stage 2", "post-otel stage 2: exec → first response (PutItem, then the spans exported over OTLP/HTTP)"},
		{"process-otel stage 2", "process-otel stage 2: exec → first response (3 Publish, then the spans exported over OTLP/HTTP)"},
	} {
		r.add(Row{Item: 1, What: c.what, Measured: resp(c.name).MinMedian(FormatSeconds),
			Reference: "floor " + resp("floor").MinMedian(FormatSeconds), Ratio: FormatRatio(Ratio(resp(c.name).Median(), resp("floor").Median()))})
	}
	rssNames := []string{"post stage 2", "process stage 2", "post-otel stage 2", "process-otel stage 2"}
	if seedErr == nil {
		rssNames = append(rssNames, "seed python")
	}
	for _, name := range rssNames {
		r.add(Row{Item: 1, What: name + ": peak RSS (VmHWM)", Measured: rss(name).MinMedian(FormatBytes),
			Reference: "floor " + rss("floor").MinMedian(FormatBytes), Ratio: FormatRatio(Ratio(rss(name).Median(), rss("floor").Median()))})
	}
	for _, name := range []string{"post", "process", "post-otel", "process-otel"} {
		inits, err := initTrace(ctx, builds.host[name], lambdaEnv(name, filepath.Dir(builds.host[name]), devstack.Region), 5)
		if err != nil {
			return err
		}
		floorInits, err := initTrace(ctx, builds.host["floor"], lambdaEnv("floor", filepath.Dir(builds.host["floor"]), devstack.Region), 5)
		if err != nil {
			return err
		}
		r.add(Row{Item: 1, What: name + ": package inits before main (GODEBUG=inittrace=1, mean of 5)",
			Measured: describeInits(inits), Reference: "floor " + describeInits(floorInits)})
	}
	r.note("Cold starts: %d rounds, the bootstraps in rotating order; each start is a fresh process on a fresh Runtime API emulator with one queued invocation (trace header sampled), killed at its second GET /next. The Go bootstraps are the deploy's build for linux/%s; their AWS calls go through an HTTPS proxy of the harness to DynamoDB Local and GoAWS, so the first response includes a TLS handshake as on Lambda. The -otel rows are OpenTelemetry's builds (`instrumentation: opentelemetry`), exporting their stage-2 spans to a local OTLP/HTTP receiver before each response (on AWS: X-Ray's OTLP endpoint, signed).", r.cfg.ColdRounds, hostArch())
	return nil
}

func coldSamples(runs []coldRun, value func(coldRun) float64) Samples {
	s := make(Samples, len(runs))
	for i, c := range runs {
		s[i] = value(c)
	}
	return s
}

// envList turns a function's environment into KEY=value lines, sorted.
func envList(env map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// ensureStack starts the local stack once per run (stage 1, free ports):
// the cold starts use its table and topic, the API runs on it.
func (r *runner) ensureStack(ctx context.Context) (*devstack.Deployment, error) {
	if r.stack != nil {
		return r.stack, nil
	}
	r.progress("starting the local stack (DynamoDB Local, GoAWS) on free ports")
	r.notify = &notificationCounter{}
	d, err := devstack.Up(ctx, devstack.UpConfig{
		Services: devstack.ServicesConfig{Root: r.cfg.Root, StateDir: filepath.Join(r.cfg.StateDir, "stack")},
		Stack: devstack.Config{
			Tracing:        contract.DefaultTracing(),
			HTTPAddr:       "127.0.0.1:0",
			XRayAddr:       "127.0.0.1:0",
			OnNotification: r.notify.seen,
		},
		Warnings: r.cfg.Progress,
		Progress: r.cfg.Progress,
	})
	if err != nil {
		return nil, err
	}
	r.stack = d
	return d, nil
}

// waitQuiet waits until the stack has notified nothing for quiet (the
// stream of the last run drained), at most limit. It waits quiet first in
// any case: the mapping takes about a second to deliver the first batch
// of records just written.
func (r *runner) waitQuiet(ctx context.Context, quiet, limit time.Duration) {
	if r.notify == nil {
		return
	}
	deadline := time.Now().Add(limit)
	select {
	case <-ctx.Done():
		return
	case <-time.After(quiet):
	}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if r.notify.quietFor() >= quiet {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
