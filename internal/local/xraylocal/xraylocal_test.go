package xraylocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/v2/xray"
)

type collector struct {
	mu     sync.Mutex
	traces []Trace
}

func (c *collector) add(t Trace) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.traces = append(c.traces, t)
}

func (c *collector) wait(t *testing.T, n int) []Trace {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c.mu.Lock()
		got := append([]Trace(nil), c.traces...)
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

	tr := c.wait(t, 1)[0]
	if tr.ID != seg.TraceID || !tr.Complete {
		t.Fatalf("trace %s complete=%v, want %s complete", tr.ID, tr.Complete, seg.TraceID)
	}
	if got := len(tr.All()); got != 27 {
		t.Errorf("trace has %d segments and subsegments, want 27: the segment, 25 steps and the broken one", got)
	}
	if len(tr.Find("step-24")) != 1 {
		t.Error("a streamed subsegment is missing")
	}
	broken := tr.Find("broken")
	if len(broken) != 1 || !broken[0].Fault {
		t.Errorf("broken subsegment %+v, want fault=true", broken)
	}
	if tr.Status() != "fault" || !strings.Contains(tr.String(), "faulted: broken") {
		t.Errorf("trace line %q, want a fault naming the broken subsegment", tr)
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
	now := Epoch(time.Now())
	good := Segment{Name: "ok", ID: NewSegmentID(), TraceID: NewTraceID(), StartTime: now, EndTime: now + 0.25}
	if err := em.Emit(good); err != nil {
		t.Fatal(err)
	}
	got := c.wait(t, 1)
	time.Sleep(100 * time.Millisecond) // anything else would have been reported by now
	got = c.wait(t, 1)
	if len(got) != 1 || got[0].ID != good.TraceID || got[0].Duration() != 250*time.Millisecond {
		t.Errorf("traces %+v, want only the well-formed one, 250ms long", got)
	}
}

func TestTraceWithoutRootIsReportedIncompleteWhenItExpires(t *testing.T) {
	d, c := startDaemon(t, DaemonConfig{Settle: 20 * time.Millisecond, Expire: 200 * time.Millisecond})
	em, err := NewEmitter(d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	now := Epoch(time.Now())
	orphan := Segment{Name: "DynamoDB", ID: NewSegmentID(), TraceID: NewTraceID(), ParentID: NewSegmentID(),
		Type: "subsegment", Namespace: "aws", StartTime: now, EndTime: now + 0.01}
	if err := em.Emit(orphan); err != nil {
		t.Fatal(err)
	}
	tr := c.wait(t, 1)[0]
	if tr.Complete || !strings.Contains(tr.String(), "(incomplete)") {
		t.Errorf("trace %q complete=%v, want it reported as incomplete", tr, tr.Complete)
	}
}

func TestTraceLine(t *testing.T) {
	start := Epoch(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	api := Segment{Name: "questions/prod", ID: "a1", TraceID: "1-x", Origin: OriginAPIGatewayStage, StartTime: start, EndTime: start + 0.3}
	api.SetHTTPStatus(502)
	lambdaSvc := Segment{Name: "post", ID: "b1", ParentID: "a1", TraceID: "1-x", Origin: OriginLambda, StartTime: start + 0.01, EndTime: start + 0.29}
	fn := Segment{Name: "post", ID: "c1", ParentID: "b1", TraceID: "1-x", Origin: OriginLambdaFunction, StartTime: start + 0.02, EndTime: start + 0.28, Fault: true}
	hang := Segment{Name: "hangingException", ID: "d1", ParentID: "c1", TraceID: "1-x", Type: "subsegment", StartTime: start + 0.03, EndTime: start + 0.27, Fault: true}
	put := Segment{Name: "DynamoDB", ID: "e1", ParentID: "c1", TraceID: "1-x", Type: "subsegment", Namespace: "aws",
		AWS: map[string]any{"operation": "PutItem"}, StartTime: start + 0.02, EndTime: start + 0.03}
	cases := []struct {
		name string
		tr   Trace
		want string
	}{
		{"fault", Trace{ID: "1-x", Complete: true, Documents: []Segment{hang, fn, lambdaSvc, api}},
			"trace 1-x  300ms  502 fault  questions/prod > post > hangingException  faulted: hangingException"},
		{"ok with an AWS call", Trace{ID: "1-x", Complete: true, Documents: []Segment{put, {Name: "post", ID: "c1", TraceID: "1-x", Origin: OriginLambdaFunction, StartTime: start, EndTime: start + 0.05}}},
			"trace 1-x  50ms  ok  post > DynamoDB.PutItem"},
		// Durations read as cmd/traces list prints them (traces.FormatSeconds).
		{"sub-millisecond", Trace{ID: "1-x", Complete: true, Documents: []Segment{{Name: "questions/prod", ID: "a2", TraceID: "1-x",
			Origin: OriginAPIGatewayStage, StartTime: start, EndTime: start + 0.000114, HTTP: &HTTP{Response: &HTTPResponse{Status: 200}}}}},
			"trace 1-x  0.1ms  200 ok  questions/prod"},
		{"a few milliseconds", Trace{ID: "1-x", Complete: true, Documents: []Segment{{Name: "process", ID: "c2", TraceID: "1-x",
			Origin: OriginLambdaFunction, StartTime: start, EndTime: start + 0.005351}}},
			"trace 1-x  5.4ms  ok  process"},
		{"seconds", Trace{ID: "1-x", Complete: true, Documents: []Segment{{Name: "post", ID: "c3", TraceID: "1-x",
			Origin: OriginLambdaFunction, StartTime: start, EndTime: start + 1.00225}}},
			"trace 1-x  1.002s  ok  post"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.tr.String(); got != tc.want {
				t.Errorf("line\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSetHTTPStatusFlags(t *testing.T) {
	for status, want := range map[int][3]bool{200: {}, 404: {true, false, false}, 429: {true, false, true}, 502: {false, true, false}} {
		var s Segment
		s.SetHTTPStatus(status)
		if got := [3]bool{s.Error, s.Fault, s.Throttle}; got != want {
			t.Errorf("status %d: error/fault/throttle = %v, want %v", status, got, want)
		}
	}
}
