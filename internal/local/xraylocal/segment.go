// Package xraylocal is the X-Ray side of the local stack: the UDP emitter
// the API Gateway and Lambda stand-ins send their segments with (in the
// trace model's document type, internal/traces, so traces have the shape
// AWS gives them), and a daemon that feeds what the SDK and the stack send
// into the trace model's store and reports each finished trace.
package xraylocal

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"

	"github.com/mysfits/mysfits-questions/internal/traces"

	"github.com/aws/aws-xray-sdk-go/v2/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
)

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
	// Every segment the local stack begins is sampled: the SDK's default
	// (1 a second, then 5 %) would drop most of a burst, and who runs the
	// stack locally wants to see each request.
	all, err := sampling.NewLocalizedStrategyFromJSONBytes([]byte(`{"version": 2, "default": {"fixed_target": 0, "rate": 1.0}}`))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("X-Ray SDK sampling: %w", err)
	}
	sdkCtx, err := xray.ContextWithConfig(context.Background(), xray.Config{DaemonAddr: udp.String(), Emitter: sdkEmitter, SamplingStrategy: all})
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
func (e *Emitter) Emit(s traces.Document) error {
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
