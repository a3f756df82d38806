package lambdalocal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

// functionSegment is the trace's AWS::Lambda::Function segment.
func functionSegment(t *testing.T, tr *traces.TraceDocs) *traces.Document {
	t.Helper()
	for d := range tr.All() {
		if d.Origin == traces.TypeLambdaFunction {
			return d
		}
	}
	t.Fatalf("trace %s has no function segment", tr.ID)
	return nil
}

// runtimeShape is Lambda's own subsegments of a function segment: each
// one's name with the fields it carries (the aws object's keys after a
// slash), in order, and the names of what nests in Invocation.
func runtimeShape(fn *traces.Document) (subs [][]string, inInvocation []string) {
	for _, s := range fn.Subsegments {
		b, _ := json.Marshal(s) // a Document always encodes
		var fields map[string]any
		_ = json.Unmarshal(b, &fields)
		keys := []string{s.Name}
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			if k != "subsegments" {
				keys = append(keys, k)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(s.AWS)) {
			keys = append(keys, "aws/"+k)
		}
		subs = append(subs, keys)
		if s.Name == traces.LambdaInvocation {
			for _, c := range s.Subsegments {
				inInvocation = append(inInvocation, c.Name)
			}
		}
	}
	return subs, inInvocation
}

// recordedFunction is a function segment of the AWS recording with Lambda's
// runtime subsegments: the cold start's, or a warm one, faulted or not.
func recordedFunction(t *testing.T, cold, fault bool) *traces.Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "traces", "aws", "traces-lambda-runtime.json"))
	if err != nil {
		t.Fatal(err)
	}
	var batch traces.Traces
	if err := json.Unmarshal(b, &batch); err != nil {
		t.Fatal(err)
	}
	for _, tr := range batch.Traces {
		docs, err := traces.ParseTrace(tr)
		if err != nil {
			t.Fatal(err)
		}
		for i := range docs.Segments {
			fn := &docs.Segments[i]
			if fn.Origin != traces.TypeLambdaFunction || fn.Fault != fault || len(fn.Subsegments) == 0 {
				continue
			}
			if (fn.Subsegments[0].Name == traces.LambdaInitialization) == cold {
				return fn
			}
		}
	}
	t.Fatalf("no recorded function segment (cold %v, fault %v)", cold, fault)
	return nil
}

// TestLambdaRuntimeSubsegments: the function segment carries Lambda's own
// subsegments as AWS records them (testdata/traces/aws/traces-lambda-runtime.json):
// Initialization on the first invocation of a fresh execution environment
// only, before the segment; Invocation around the handler, holding the X-Ray
// SDK's subsegments and, when the function fails, its error; Overhead after.
func TestLambdaRuntimeSubsegments(t *testing.T) {
	em, got := daemon(t)
	const initTime = 30 * time.Millisecond
	fail := false
	f := &Function{Name: "fn", ARN: "arn:aws:lambda:us-east-1:000000000000:function:fn", Timeout: 5 * time.Second, Tracer: em,
		Log: slog.New(slog.NewTextHandler(t.Output(), nil)),
		NewHandler: func() lambda.Handler {
			time.Sleep(initTime) // the init phase: what a handler's construction costs
			return lambda.NewHandler(func(ctx context.Context) error {
				return xray.Capture(ctx, "work", func(context.Context) error {
					if fail {
						return errors.New("boom")
					}
					return nil
				})
			})
		}}
	invoke := func() *traces.Document {
		t.Helper()
		_, err := f.Invoke(context.Background(), []byte(`{}`), Upstream{})
		if (err != nil) != fail {
			t.Fatalf("Invoke: %v", err)
		}
		tr := nextTrace(t, got).docs
		return functionSegment(t, &tr)
	}

	// The first invocation starts the environment; it fails, as the
	// recording's cold start does.
	fail = true
	cold := invoke()
	want, _ := runtimeShape(recordedFunction(t, true, true))
	gotCold, inInvocation := runtimeShape(cold)
	if !slices.EqualFunc(gotCold, want, slices.Equal) || !slices.Equal(inInvocation, []string{"work"}) {
		t.Errorf("cold start: subsegments %v holding %v, want %v holding the handler's", gotCold, inInvocation, want)
	}
	if len(cold.Subsegments) == 3 {
		init, inv, over := cold.Subsegments[0], cold.Subsegments[1], cold.Subsegments[2]
		if d := init.Duration(); d < initTime.Seconds() || init.EndTime > cold.StartTime {
			t.Errorf("Initialization %.3fs ending at %f, want at least %s, before the function segment's start %f",
				d, init.EndTime, initTime, cold.StartTime)
		}
		if inv.StartTime < cold.StartTime || over.StartTime < inv.EndTime || over.EndTime > cold.EndTime || inv.AWS["function_arn"] != f.ARN {
			t.Errorf("Invocation %+v and Overhead %+v, want one after the other inside the function segment", inv, over)
		}
		// A function error marks Invocation as AWS does, with the error.
		if !inv.Fault || inv.Cause == nil || inv.Cause.Exceptions[0].Message != "boom" {
			t.Errorf("faulted Invocation %+v, want the function's error", inv)
		}
	}

	// The same environment again: a warm start has no Initialization.
	fail = false
	wantWarm, _ := runtimeShape(recordedFunction(t, false, false))
	if gotWarm, _ := runtimeShape(invoke()); !slices.EqualFunc(gotWarm, wantWarm, slices.Equal) {
		t.Errorf("warm start: subsegments %v, want %v", gotWarm, wantWarm)
	}
	fail = true
	wantFault, _ := runtimeShape(recordedFunction(t, false, true))
	if gotFault, _ := runtimeShape(invoke()); !slices.EqualFunc(gotFault, wantFault, slices.Equal) {
		t.Errorf("warm and faulted: subsegments %v, want %v", gotFault, wantFault)
	}
}
