package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/v2/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
)

// The X-Ray SDK keeps its configuration in process-global state, so it is
// set once here for the whole test binary: segments go to daemon, a UDP
// listener on loopback; every trace is sampled; a context-missing report is
// counted instead of logged. The handler tests with fakes never reach the SDK;
// the X-Ray tests do, one at a time (none of them is parallel).
var (
	daemon     *xrayDaemon
	ctxMissing countingStrategy
)

func TestMain(m *testing.M) {
	if err := configureXRay(); err != nil {
		fmt.Fprintln(os.Stderr, "configuring X-Ray for the tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	daemon.conn.Close()
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
	if daemon, err = startDaemon(); err != nil {
		return err
	}
	sampleAll, err := sampling.NewLocalizedStrategyFromJSONBytes([]byte(`{"version": 2, "default": {"fixed_target": 0, "rate": 1.0}, "rules": []}`))
	if err != nil {
		return err
	}
	return xray.Configure(xray.Config{
		DaemonAddr:             daemon.conn.LocalAddr().String(),
		SamplingStrategy:       sampleAll,
		ContextMissingStrategy: &ctxMissing,
	})
}

// countingStrategy counts the SDK's context-missing reports.
type countingStrategy struct{ n atomic.Int64 }

func (c *countingStrategy) ContextMissing(any) { c.n.Add(1) }

// daemonHeader starts every datagram the SDK sends.
const daemonHeader = `{"format": "json", "version": 1}`

// segmentDoc is the part of an X-Ray segment document the tests read.
type segmentDoc struct {
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
	Subsegments []segmentDoc `json:"subsegments"`
	// raw is the whole document as sent, fields the tests do not read
	// included; set on the documents of a datagram, not on nested ones.
	raw []byte
}

// flatten lists d and every subsegment inside it.
func (d segmentDoc) flatten() []segmentDoc {
	all := []segmentDoc{d}
	for _, s := range d.Subsegments {
		all = append(all, s.flatten()...)
	}
	return all
}

type datagram struct {
	doc segmentDoc
	err error // a datagram that is not header + segment JSON
}

// xrayDaemon stands in for the X-Ray daemon: it receives the SDK's UDP
// datagrams and decodes them.
type xrayDaemon struct {
	conn      *net.UDPConn
	datagrams chan datagram
}

func startDaemon() (*xrayDaemon, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	d := &xrayDaemon{conn: conn, datagrams: make(chan datagram, 256)}
	go d.receive()
	return d, nil
}

func (d *xrayDaemon) receive() {
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
			dg.doc.raw = bytes.Clone(body)
		}
		d.datagrams <- dg
	}
}

// collect returns every segment document of traceID, inline or streamed,
// received until stop says the trace is complete. Documents of other traces
// are dropped.
func (d *xrayDaemon) collect(t *testing.T, traceID string, stop func([]segmentDoc) bool) []segmentDoc {
	t.Helper()
	var docs []segmentDoc
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
func untilSegment(id string) func([]segmentDoc) bool {
	return func(docs []segmentDoc) bool {
		for _, d := range docs {
			if d.ID == id && d.Type != "subsegment" {
				return true
			}
		}
		return false
	}
}

// untilNamed stops once n documents called name arrived.
func untilNamed(name string, n int) func([]segmentDoc) bool {
	return func(docs []segmentDoc) bool { return len(named(docs, name)) >= n }
}

func named(docs []segmentDoc, name string) []segmentDoc {
	var out []segmentDoc
	for _, d := range docs {
		if d.Name == name {
			out = append(out, d)
		}
	}
	return out
}
