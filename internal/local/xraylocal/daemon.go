package xraylocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// maxDatagram is the largest UDP payload; the SDK streams subsegments
// separately to stay far below it.
const maxDatagram = 64 << 10

// DaemonConfig tunes when a trace counts as finished.
type DaemonConfig struct {
	// Settle is how long a trace must stay quiet after its root segment
	// closed: subsegments sent by other goroutines may still be on the way.
	Settle time.Duration
	// Expire reports a trace that never got a closed root segment (a crash,
	// a lost datagram) this long after its last document.
	Expire time.Duration
	// OnTrace receives every finished trace, in the daemon's goroutine.
	OnTrace func(Trace)
	// OnDocument receives each well-formed segment document as it arrived
	// (the JSON after the header line), before it is grouped; the bytes are
	// the callee's to keep.
	OnDocument func(doc []byte)
	Log        *slog.Logger // nil = slog.Default()
	Now        func() time.Time
}

// Daemon is a local stand-in for the X-Ray daemon: it decodes the
// `{"format":"json","version":1}\n{...}` datagrams, groups documents by
// trace id and reports each trace once it is finished.
type Daemon struct {
	conn *net.UDPConn
	cfg  DaemonConfig

	mu      sync.Mutex
	pending map[string]*pendingTrace
}

type pendingTrace struct {
	docs     []Segment
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
	if cfg.OnTrace == nil {
		cfg.OnTrace = func(Trace) {}
	}
	return &Daemon{conn: conn, cfg: cfg, pending: map[string]*pendingTrace{}}, nil
}

// Addr is the address the daemon listens on.
func (d *Daemon) Addr() *net.UDPAddr { return d.conn.LocalAddr().(*net.UDPAddr) }

// Run receives datagrams until ctx ends, then reports what is still
// pending and closes the socket.
func (d *Daemon) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { d.conn.Close() })
	defer stop()

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
				d.flush(true)
				return nil
			}
			return fmt.Errorf("X-Ray daemon: reading: %w", err)
		}
		doc, raw, err := decodeDatagram(buf[:n])
		if err != nil {
			d.cfg.Log.Warn("X-Ray daemon: dropping a datagram", "error", err)
			continue
		}
		if d.cfg.OnDocument != nil {
			d.cfg.OnDocument(bytes.Clone(raw))
		}
		d.add(doc)
	}
}

// decodeDatagram checks the header line and decodes the document after it,
// which it also returns as sent.
func decodeDatagram(b []byte) (Segment, []byte, error) {
	head, body, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return Segment{}, nil, errors.New("no header line")
	}
	var h struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(head, &h); err != nil || h.Format != "json" || h.Version != 1 {
		return Segment{}, nil, fmt.Errorf("unexpected header %.60q", head)
	}
	var s Segment
	if err := json.Unmarshal(body, &s); err != nil {
		return Segment{}, nil, fmt.Errorf("decoding the segment document: %w", err)
	}
	if s.TraceID == "" || s.ID == "" {
		return Segment{}, nil, errors.New("segment document without trace_id or id")
	}
	return s, body, nil
}

func (d *Daemon) add(s Segment) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.pending[s.TraceID]
	if p == nil {
		p = &pendingTrace{}
		d.pending[s.TraceID] = p
	}
	p.docs = append(p.docs, s)
	p.lastSeen = d.cfg.Now()
	if s.ParentID == "" && s.Type != "subsegment" && !s.InProgress {
		p.rootDone = true
	}
}

// flush reports the traces that are finished (or expired, or all of them
// when the daemon stops), oldest first.
func (d *Daemon) flush(all bool) {
	now := d.cfg.Now()
	var done []Trace
	d.mu.Lock()
	for id, p := range d.pending {
		quiet := now.Sub(p.lastSeen)
		if all || (p.rootDone && quiet >= d.cfg.Settle) || quiet >= d.cfg.Expire {
			done = append(done, Trace{ID: id, Documents: p.docs, Complete: p.rootDone})
			delete(d.pending, id)
		}
	}
	d.mu.Unlock()
	sortTraces(done)
	for _, t := range done {
		d.cfg.OnTrace(t)
	}
}
