package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// maxStage2Ratio is the target: a handler at stage 2 at most 1.25x stage 1.
const maxStage2Ratio = 1.25

// xrayFocus are the X-Ray SDK's own calls in a traced AWS call (the
// middleware itself wraps the rest of the SDK's stack, so only the calls
// it makes count), and the tracing package's part, for go tool pprof
// -focus.
var xrayFocus = []struct{ kind, what, focus string }{
	{"sdk", "begin subsegment (and the facade segment)", `aws-xray-sdk-go/v2/xray\.BeginSubsegment`},
	{"sdk", "close and emit (JSON, one UDP write per subsegment)", `aws-xray-sdk-go/v2/xray\.\(\*Segment\)\.Close`},
	{"sdk", "trace header and response capture", `aws-xray-sdk-go/v2/xray\.(\(\*Segment\)\.DownstreamHeader|HttpCaptureResponse)`},
	{"ours", "ours: functions/tracing (skip without trace context)", `functions/tracing\.(skipWithoutTraceContext|HasTraceContext)$`},
	{"runtime", "beside them, the Go runtime waking its network poller for timers", `runtime\.wakeNetPoller`},
}

// handlers is item 3: the post and process handlers in process at stages
// 1 and 2 on the real SDK clients (Go benchmarks beside the handlers, each
// in its own package and so its own test binary), alternating, then a CPU
// profile of post at stage 2 for what X-Ray spends.
func (r *runner) handlers(ctx context.Context) error {
	var postBin testBinary
	for _, h := range []struct{ name, pkg, bench string }{
		{"post", "./functions/submit", "BenchmarkPost"},
		{"process", "./functions/notify", "BenchmarkNotify"},
	} {
		bin, err := compileTest(ctx, r.cfg.Root, h.pkg, r.work)
		if err != nil {
			return err
		}
		if h.name == "post" {
			postBin = bin
		}
		pair := abPair{a: "^" + h.bench + "$/^stage2$", b: "^" + h.bench + "$/^stage1$"}
		s2, s1, err := bin.alternate(ctx, pair, r.cfg.BenchRounds, "1s")
		if err != nil {
			return err
		}
		t2, t1 := nsPerOp(s2), nsPerOp(s1)
		ratio := Ratio(t2.Median(), t1.Median())
		r.add(Row{Item: 3, What: h.name + " handler in process, stage 2 against stage 1 (time per invocation)",
			Measured: "stage 2 " + t2.MinMedian(FormatSeconds), Reference: "stage 1 " + t1.MinMedian(FormatSeconds),
			Ratio: FormatRatio(ratio), Target: fmt.Sprintf("≤ %.2fx", maxStage2Ratio), Result: AtMost(ratio, maxStage2Ratio)})
		a2, a1 := allocsPerOp(s2), allocsPerOp(s1)
		r.add(Row{Item: 3, What: h.name + " handler, allocations per invocation",
			Measured: fmt.Sprintf("stage 2 %.0f", a2.Median()), Reference: fmt.Sprintf("stage 1 %.0f", a1.Median()),
			Ratio: FormatRatio(Ratio(a2.Median(), a1.Median()))})
		r.progress("handlers: %s done", h.name)
	}

	profile := filepath.Join(r.work, "post-stage2.cpu")
	if _, _, err := postBin.bench(ctx, "^BenchmarkPost$/^stage2$", "5s", "-test.cpuprofile", profile); err != nil {
		return err
	}
	var parts []string
	var sdk float64
	for _, f := range xrayFocus {
		share, err := profileShare(ctx, postBin.path, profile, f.focus)
		if err != nil {
			return err
		}
		if f.kind == "sdk" {
			sdk += share
		}
		parts = append(parts, fmt.Sprintf("%s %.1f%%", f.what, share))
	}
	r.add(Row{Item: 3, What: "post stage 2: where the X-Ray calls go (pprof, share of CPU samples; a call holds what it calls)",
		Measured: fmt.Sprintf("X-Ray SDK's own calls %.1f%%: %s", sdk, strings.Join(parts, "; "))})
	return nil
}
