package xraylocal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

// maxDatagram is the largest UDP payload; the SDK streams subsegments
// separately to stay far below it.
const maxDatagram = 64 << 10

// DaemonConfig says where the documents go and when a trace counts as
// finished.
type DaemonConfig struct {
	// Store keeps every well-formed document as it arrives; the trace
	// console reads it too. nil = a store of its own (traces.NewStore(0)).
	Store *traces.Store
	// Settle is how long a trace must stay quiet after its root segment
	// closed: subsegments sent by other goroutines may still be on the way.
	Settle time.Duration
	// Expire reports a trace that never got a closed root segment (a crash,
	// a lost datagram) this long after its last document.
	Expire time.Duration
	// OTLPAddr, when set, also receives OTLP/HTTP spans on this loopback
	// address ("127.0.0.1:4318", or port 0), as segment documents of the
	// same store (otlp.go); OTLPEndpoint is the URL to export to.
	OTLPAddr string
	// OnTrace receives every finished trace as Store holds it then,
	// assembled and summarized, in the daemon's goroutine.
	OnTrace func(traces.TraceDocs, traces.TraceSummary)
	Log     *slog.Logger // nil = slog.Default()
	Now     func() time.Time
}

// Daemon is a local stand-in for the X-Ray daemon: it feeds the
// `{"format":"json","version":1}\n{...}` datagrams to the store and reports
// each trace once it is finished.
type Daemon struct {
	conn *net.UDPConn
	otlp net.Listener // nil without DaemonConfig.OTLPAddr
	cfg  DaemonConfig

	mu      sync.Mutex
	pending map[string]*pendingTrace
}

// pendingTrace is what the daemon needs to tell when a trace is finished;
// its documents are in the store.
type pendingTrace struct {
	rootDone bool
	lastSeen time.Time
}

// Listen opens the daemon's UDP socket on addr ("127.0.0.1:2000", or port 0
// for a free one).
func Listen(addr string, cfg DaemonConfig) (*Daemon, error) {
	udp, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("X-Ray daemon address %q: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", udp)
	if err != nil {
		return nil, fmt.Errorf("X-Ray daemon: listening on udp %s: %w", addr, err)
	}
	var otlp net.Listener
	if cfg.OTLPAddr != "" {
		if otlp, err = listenOTLP(cfg.OTLPAddr); err != nil {
			conn.Close()
			return nil, err
		}
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 300 * time.Millisecond
	}
	if cfg.Expire <= 0 {
		cfg.Expire = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Store == nil {
		cfg.Store = traces.NewStore(0)
	}
	if cfg.OnTrace == nil {
		cfg.OnTrace = func(traces.TraceDocs, traces.TraceSummary) {}
	}
	return &Daemon{conn: conn, otlp: otlp, cfg: cfg, pending: map[string]*pendingTrace{}}, nil
}

// Addr is the address the daemon listens on.
func (d *Daemon) Addr() *net.UDPAddr { return d.conn.LocalAddr().(*net.UDPAddr) }

// Run receives datagrams until ctx ends, then reports what is still
// pending and closes the socket.
func (d *Daemon) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { d.conn.Close() })
	defer stop()
	stopOTLP := d.serveOTLP(ctx)
	defer stopOTLP()

	tick := time.NewTicker(d.cfg.Settle / 2)
	defer tick.Stop()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				d.flush(false)
			}
		}
	}()

	buf := make([]byte, maxDatagram)
	for {
		n, _, err := d.conn.ReadFromUDP(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				stopOTLP() // the spans of requests in flight count in the last report
				d.flush(true)
				return nil
			}
			return fmt.Errorf("X-Ray daemon: reading: %w", err)
		}
		doc, err := d.cfg.Store.AddDatagram(buf[:n])
		if err != nil {
			d.cfg.Log.Warn("X-Ray daemon: dropping a datagram", "error", err)
			continue
		}
		d.seen(doc)
	}
}

// seen notes a document of a pending trace; a closed root segment starts
// the trace's settling.
func (d *Daemon) seen(doc traces.Document) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.pending[doc.TraceID]
	if p == nil {
		p = &pendingTrace{}
		d.pending[doc.TraceID] = p
	}
	p.lastSeen = d.cfg.Now()
	if doc.ParentID == "" && !doc.IsSubsegment() && !doc.InProgress {
		p.rootDone = true
	}
}

// flush reports the traces that are finished (or expired, or all of them
// when the daemon stops), oldest first.
func (d *Daemon) flush(all bool) {
	now := d.cfg.Now()
	var ids []string
	d.mu.Lock()
	for id, p := range d.pending {
		quiet := now.Sub(p.lastSeen)
		if all || (p.rootDone && quiet >= d.cfg.Settle) || quiet >= d.cfg.Expire {
			ids = append(ids, id)
			delete(d.pending, id)
		}
	}
	d.mu.Unlock()
	type finished struct {
		docs    traces.TraceDocs
		summary traces.TraceSummary
	}
	done := make([]finished, 0, len(ids))
	for _, id := range ids {
		t, s, ok := d.cfg.Store.Trace(id)
		if !ok {
			d.cfg.Log.Warn("X-Ray daemon: a finished trace was pushed out of the store by newer ones before it was reported", "trace_id", id)
			continue
		}
		done = append(done, finished{t, s})
	}
	slices.SortFunc(done, func(a, b finished) int { return cmp.Compare(a.summary.StartTime, b.summary.StartTime) })
	for _, f := range done {
		d.cfg.OnTrace(f.docs, f.summary)
	}
}
