package xraylocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

// finished is a trace as OnTrace reported it.
type finished struct {
	docs    traces.TraceDocs
	summary traces.TraceSummary
}

type collector struct {
	mu     sync.Mutex
	traces []finished
}

func (c *collector) add(t traces.TraceDocs, s traces.TraceSummary) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.traces = append(c.traces, finished{t, s})
}

func (c *collector) wait(t *testing.T, n int) []finished {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c.mu.Lock()
		got := append([]finished(nil), c.traces...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d traces, want %d", len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func startDaemon(t *testing.T, cfg DaemonConfig) (*Daemon, *collector) {
	t.Helper()
	c := &collector{}
	cfg.OnTrace = c.add
	cfg.Log = slog.New(slog.NewTextHandler(t.Output(), nil))
	d, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return d, c
}

// The real SDK's segments, including subsegments it streams separately
// once a segment has more than 20, come together as one trace.
func TestDaemonAssemblesWhatTheSDKSends(t *testing.T) {
	d, c := startDaemon(t, DaemonConfig{Settle: 50 * time.Millisecond})
	em, err := NewEmitter(d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()

	ctx, seg := xray.BeginSegment(em.SDKContext(context.Background()), "service")
	for i := range 25 {
		_ = xray.Capture(ctx, fmt.Sprintf("step-%02d", i), func(context.Context) error { return nil })
	}
	_ = xray.Capture(ctx, "broken", func(context.Context) error { return errors.New("it broke") })
	seg.Close(nil)

	got := c.wait(t, 1)[0]
	tr, sum := got.docs, got.summary
	if tr.ID != seg.TraceID || sum.ID != seg.TraceID || sum.IsPartial || len(tr.Orphans) != 0 {
		t.Fatalf("trace %s partial=%v with %d orphans, want %s complete", tr.ID, sum.IsPartial, len(tr.Orphans), seg.TraceID)
	}
	if n := len(slices.Collect(tr.All())); n != 27 {
		t.Errorf("trace has %d segments and subsegments, want 27: the segment, 25 steps and the broken one", n)
	}
	if len(tr.Find("step-24")) != 1 {
		t.Error("a streamed subsegment is missing")
	}
	broken := tr.Find("broken")
	if len(broken) != 1 || !broken[0].Fault {
		t.Errorf("broken subsegment %+v, want fault=true", broken)
	}
	if line := traces.TraceLine(&tr, &sum); !sum.HasFault || !strings.Contains(line, "faulted: broken") {
		t.Errorf("trace line %q, want a fault naming the broken subsegment", line)
	}
	// The daemon fed the store the console reads: what it reported is there.
	if _, held, ok := d.cfg.Store.Trace(seg.TraceID); !ok || held.ID != sum.ID || !held.HasFault {
		t.Errorf("store holds %+v (%t), want the reported trace", held, ok)
	}
}

func TestDaemonDropsMalformedDatagrams(t *testing.T) {
	d, c := startDaemon(t, DaemonConfig{Settle: 20 * time.Millisecond})
	conn, err := net.DialUDP("udp", nil, d.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, bad := range []string{
		"no header at all",
		`{"format":"xml","version":1}` + "\n{}",
		header + "{not json",
		header + `{"name":"no ids"}`,
	} {
		if _, err := conn.Write([]byte(bad)); err != nil {
			t.Fatal(err)
		}
	}
	em, err := NewEmitter(d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	now := traces.Epoch(time.Now())
	good := traces.Document{Name: "ok", ID: NewSegmentID(), TraceID: NewTraceID(), StartTime: now, EndTime: now + 0.25}
	if err := em.Emit(good); err != nil {
		t.Fatal(err)
	}
	got := c.wait(t, 1)
	time.Sleep(100 * time.Millisecond) // anything else would have been reported by now
	got = c.wait(t, 1)
	if len(got) != 1 || got[0].docs.ID != good.TraceID || got[0].summary.ResponseTime != 0.25 {
		t.Errorf("traces %+v, want only the well-formed one, 250ms long", got)
	}
	if n := d.cfg.Store.Len(); n != 1 {
		t.Errorf("the store holds %d traces, want only the well-formed one", n)
	}
}

func TestTraceWithoutRootIsReportedIncompleteWhenItExpires(t *testing.T) {
	d, c := startDaemon(t, DaemonConfig{Settle: 20 * time.Millisecond, Expire: 200 * time.Millisecond})
	em, err := NewEmitter(d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	now := traces.Epoch(time.Now())
	orphan := traces.Document{Name: "DynamoDB", ID: NewSegmentID(), TraceID: NewTraceID(), ParentID: NewSegmentID(),
		Type: "subsegment", Namespace: "aws", StartTime: now, EndTime: now + 0.01}
	if err := em.Emit(orphan); err != nil {
		t.Fatal(err)
	}
	got := c.wait(t, 1)[0]
	if line := traces.TraceLine(&got.docs, &got.summary); !got.summary.IsPartial || !strings.Contains(line, "(incomplete)") {
		t.Errorf("trace %q partial=%v, want it reported as incomplete", line, got.summary.IsPartial)
	}
}
