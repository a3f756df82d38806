// Package xraylocal is the X-Ray side of the local stack: the segment
// documents that API Gateway and Lambda emit on AWS (the local stack emits
// them itself, so traces have the same shape), the UDP emitter, and a
// daemon that receives what the SDK and the stack send, assembles traces
// and reports each finished one.
package xraylocal

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/mysfits/mysfits-questions/internal/traces"

	"github.com/aws/aws-xray-sdk-go/v2/xray"
)

// The segment document is the trace model's (internal/traces): the stack
// writes the documents of the AWS services it stands in for in the same
// type the trace console and cmd/traces read.
type (
	Segment      = traces.Document
	HTTP         = traces.HTTP
	HTTPRequest  = traces.HTTPRequest
	HTTPResponse = traces.HTTPResponse
	Cause        = traces.Cause
	Exception    = traces.Exception
)

// Origins of the segments AWS services emit.
const (
	OriginAPIGatewayStage = "AWS::ApiGateway::Stage"
	OriginLambda          = "AWS::Lambda"
	OriginLambdaFunction  = "AWS::Lambda::Function"
)

// Epoch is the time format of segment documents: seconds since the epoch.
func Epoch(t time.Time) float64 { return float64(t.UnixNano()) / float64(time.Second) }

// FromEpoch converts back.
func FromEpoch(s float64) time.Time {
	sec := int64(s)
	return time.Unix(sec, int64((s-float64(sec))*float64(time.Second)))
}

// NewTraceID and NewSegmentID are the SDK's id formats.
func NewTraceID() string   { return xray.NewTraceID() }
func NewSegmentID() string { return xray.NewSegmentID() }

// TraceHeader is the value of X-Amzn-Trace-Id (and of the Lambda trace
// context) that makes the SDK attach subsegments under parent.
func TraceHeader(traceID, parentID string) string {
	return fmt.Sprintf("Root=%s;Parent=%s;Sampled=1", traceID, parentID)
}

// header precedes every document sent to the daemon.
const header = `{"format": "json", "version": 1}` + "\n"

// Emitter sends segment documents to a daemon over UDP, as the SDK does.
// Safe for concurrent use.
type Emitter struct {
	addr *net.UDPAddr
	sdk  *xray.Config // the SDK's own emitter for the same daemon
	mu   sync.Mutex
	conn *net.UDPConn
}

// NewEmitter returns an emitter for the daemon at addr (host:port).
func NewEmitter(addr string) (*Emitter, error) {
	udp, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("X-Ray daemon address %q: %w", addr, err)
	}
	conn, err := net.DialUDP("udp", nil, udp)
	if err != nil {
		return nil, fmt.Errorf("X-Ray daemon address %q: %w", addr, err)
	}
	sdkEmitter, err := xray.NewDefaultEmitter(udp)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("X-Ray SDK emitter: %w", err)
	}
	sdkCtx, err := xray.ContextWithConfig(context.Background(), xray.Config{DaemonAddr: udp.String(), Emitter: sdkEmitter})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("X-Ray SDK configuration: %w", err)
	}
	return &Emitter{addr: udp, sdk: xray.GetRecorder(sdkCtx), conn: conn}, nil
}

// Addr is the daemon's address.
func (e *Emitter) Addr() *net.UDPAddr { return e.addr }

// Emit sends one document. Like the SDK, a lost datagram is not an error
// the traced code should see, but the caller may log it.
func (e *Emitter) Emit(s Segment) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encoding segment %s: %w", s.Name, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.conn.Write(append([]byte(header), doc...)); err != nil {
		return fmt.Errorf("sending segment %s to the X-Ray daemon: %w", s.Name, err)
	}
	return nil
}

// Close releases the socket.
func (e *Emitter) Close() error { return e.conn.Close() }

// SDKContext returns ctx carrying an X-Ray SDK configuration that sends to
// the same daemon, so traced code needs no global configuration.
func (e *Emitter) SDKContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, xray.RecorderContextKey{}, e.sdk)
}
