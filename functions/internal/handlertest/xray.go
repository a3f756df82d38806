package handlertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/v2/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
)

// The X-Ray SDK keeps its configuration in process-global state, so Main
// sets it once for a whole test binary: segments go to Daemon, a UDP
// listener on loopback; every trace is sampled; a context-missing report is
// counted in ContextMissing instead of logged. The handler tests with fakes
// never reach the SDK; the X-Ray tests do, one at a time (none of them is
// parallel).
var (
	Daemon         *XRayDaemon
	ContextMissing CountingStrategy
)

// Main is a handler package's TestMain: X-Ray configured as above, then
// the tests.
func Main(m *testing.M) {
	if err := configureXRay(); err != nil {
		fmt.Fprintln(os.Stderr, "configuring X-Ray for the tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	Daemon.conn.Close()
	os.Exit(code)
}

func configureXRay() error {
	// These variables would override what the tests configure.
	for _, name := range []string{"AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_SDK_DISABLED", "AWS_XRAY_TRACING_NAME"} {
		if err := os.Unsetenv(name); err != nil {
			return err
		}
	}
	var err error
	if Daemon, err = startDaemon(); err != nil {
		return err
	}
	sampleAll, err := sampling.NewLocalizedStrategyFromJSONBytes([]byte(`{"version": 2, "default": {"fixed_target": 0, "rate": 1.0}, "rules": []}`))
	if err != nil {
		return err
	}
	return xray.Configure(xray.Config{
		DaemonAddr:             Daemon.conn.LocalAddr().String(),
		SamplingStrategy:       sampleAll,
		ContextMissingStrategy: &ContextMissing,
	})
}

// CountingStrategy counts the SDK's context-missing reports.
type CountingStrategy struct{ n atomic.Int64 }

// ContextMissing is the SDK's report.
func (c *CountingStrategy) ContextMissing(any) { c.n.Add(1) }

// Count is the number of reports so far.
func (c *CountingStrategy) Count() int64 { return c.n.Load() }

// daemonHeader starts every datagram the SDK sends.
const daemonHeader = `{"format": "json", "version": 1}`

// SegmentDoc is the part of an X-Ray segment document the tests read.
type SegmentDoc struct {
	TraceID    string         `json:"trace_id"`
	ID         string         `json:"id"`
	ParentID   string         `json:"parent_id"`
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Namespace  string         `json:"namespace"`
	StartTime  float64        `json:"start_time"`
	EndTime    float64        `json:"end_time"`
	InProgress bool           `json:"in_progress"`
	Fault      bool           `json:"fault"`
	AWS        map[string]any `json:"aws"`
	HTTP       *struct {
		Response struct {
			Status int `json:"status"`
		} `json:"response"`
	} `json:"http"`
	Cause *struct {
		Exceptions []struct {
			Message string `json:"message"`
		} `json:"exceptions"`
	} `json:"cause"`
	Subsegments []SegmentDoc `json:"subsegments"`
	// Raw is the whole document as sent, fields the tests do not read
	// included; set on the documents of a datagram, not on nested ones.
	Raw []byte `json:"-"`
}

// flatten lists d and every subsegment inside it.
func (d SegmentDoc) flatten() []SegmentDoc {
	all := []SegmentDoc{d}
	for _, s := range d.Subsegments {
		all = append(all, s.flatten()...)
	}
	return all
}

type datagram struct {
	doc SegmentDoc
	err error // a datagram that is not header + segment JSON
}

// XRayDaemon stands in for the X-Ray daemon: it receives the SDK's UDP
// datagrams and decodes them.
type XRayDaemon struct {
	conn      *net.UDPConn
	datagrams chan datagram
}

func startDaemon() (*XRayDaemon, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	d := &XRayDaemon{conn: conn, datagrams: make(chan datagram, 256)}
	go d.receive()
	return d, nil
}

func (d *XRayDaemon) receive() {
	buf := make([]byte, 64<<10)
	for {
		n, _, err := d.conn.ReadFromUDP(buf)
		if err != nil {
			close(d.datagrams)
			return
		}
		var dg datagram
		header, body, ok := bytes.Cut(buf[:n], []byte("\n"))
		switch {
		case !ok || string(header) != daemonHeader:
			dg.err = fmt.Errorf("datagram does not start with the daemon header: %q", buf[:n])
		default:
			if err := json.Unmarshal(body, &dg.doc); err != nil {
				dg.err = fmt.Errorf("segment is not JSON: %w: %q", err, body)
			}
			dg.doc.Raw = bytes.Clone(body)
		}
		d.datagrams <- dg
	}
}

// Collect returns every segment document of traceID, inline or streamed,
// received until stop says the trace is complete. Documents of other traces
// are dropped.
func (d *XRayDaemon) Collect(t *testing.T, traceID string, stop func([]SegmentDoc) bool) []SegmentDoc {
	t.Helper()
	var docs []SegmentDoc
	timeout := time.After(5 * time.Second)
	for !stop(docs) {
		select {
		case dg := <-d.datagrams:
			if dg.err != nil {
				t.Error(dg.err)
				continue
			}
			if dg.doc.TraceID == traceID {
				docs = append(docs, dg.doc.flatten()...)
			}
		case <-timeout:
			t.Fatalf("trace %s incomplete after 5s; received %+v", traceID, docs)
		}
	}
	return docs
}

// untilSegment stops once the segment with id arrived; subsegments streamed
// separately are sent before it.
func untilSegment(id string) func([]SegmentDoc) bool {
	return func(docs []SegmentDoc) bool {
		for _, d := range docs {
			if d.ID == id && d.Type != "subsegment" {
				return true
			}
		}
		return false
	}
}

// UntilNamed stops once n documents called name arrived.
func UntilNamed(name string, n int) func([]SegmentDoc) bool {
	return func(docs []SegmentDoc) bool { return len(Named(docs, name)) >= n }
}

// Named are the documents called name.
func Named(docs []SegmentDoc, name string) []SegmentDoc {
	var out []SegmentDoc
	for _, d := range docs {
		if d.Name == name {
			out = append(out, d)
		}
	}
	return out
}

// InSegment runs one invocation inside a segment, as a local runner does,
// and returns the trace's documents once the segment is sent.
func InSegment(t *testing.T, name string, run func(ctx context.Context) error) []SegmentDoc {
	t.Helper()
	ctx, seg := xray.BeginSegment(context.Background(), name)
	err := run(ctx)
	seg.Close(err)
	return Daemon.Collect(t, seg.TraceID, untilSegment(seg.ID))
}

// AssertCallTraced checks the request carried the trace downstream exactly
// when the client is traced.
func AssertCallTraced(t *testing.T, c AWSCall, op, traceID string, traced bool) {
	t.Helper()
	if c.Operation != op {
		t.Errorf("operation %q, want %q", c.Operation, op)
	}
	if got := strings.Contains(c.TraceHeader, "Root="+traceID); got != traced {
		t.Errorf("%s trace header %q: carries trace %s = %t, want %t", op, c.TraceHeader, traceID, got, traced)
	}
}

// AssertAWSSubsegment checks a client's subsegment for op: the AWS fields
// the console shows and a closed, successful call.
func AssertAWSSubsegment(t *testing.T, d SegmentDoc, op string) {
	t.Helper()
	if d.Namespace != "aws" || d.AWS["operation"] != op || d.AWS["region"] != "us-east-1" || d.AWS["request_id"] != FakeRequestID {
		t.Errorf("%s subsegment: namespace %q, aws %v; want operation %s with the request id", d.Name, d.Namespace, d.AWS, op)
	}
	if d.Fault || d.HTTP == nil || d.HTTP.Response.Status != http.StatusOK || d.EndTime < d.StartTime {
		t.Errorf("%s subsegment: fault %t, http %+v, %f..%f", d.Name, d.Fault, d.HTTP, d.StartTime, d.EndTime)
	}
}

// WatchContextMissing proves ContextMissing counts (the SDK used directly
// without a segment reports) and returns a check that fails the test if
// the SDK reported a missing context since.
func WatchContextMissing(t *testing.T) (check func()) {
	t.Helper()
	before := ContextMissing.Count()
	_ = xray.Capture(context.Background(), "probe", func(context.Context) error { return nil })
	if ContextMissing.Count() == before {
		t.Fatal("context-missing reports are not counted; the assertions below would prove nothing")
	}
	before = ContextMissing.Count()
	return func() {
		t.Helper()
		if got := ContextMissing.Count() - before; got != 0 {
			t.Errorf("the SDK reported a missing context %d times", got)
		}
	}
}

// AssertUntraced checks that want calls were answered and none carried a
// trace header: there was no trace to carry.
func AssertUntraced(t *testing.T, calls []AWSCall, want int) {
	t.Helper()
	if len(calls) != want {
		t.Errorf("%d AWS calls, want %d", len(calls), want)
	}
	for _, c := range calls {
		if c.TraceHeader != "" {
			t.Errorf("%s sent trace header %q without a trace", c.Operation, c.TraceHeader)
		}
	}
}
