package traces

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// DefaultHistoryAge is how long OpenStore keeps a trace, by its start time,
// unless told otherwise. A week covers a learner's walk through the stages
// over several sittings without the folder growing for ever.
const DefaultHistoryAge = 7 * 24 * time.Hour

// HistoryFile is the file in StoreOptions.Dir that holds the history.
const HistoryFile = "traces.jsonl"

// historyFormat names the history file's format in its first line, so a
// file that is not one (another tool's, a future version's) is told apart
// from a damaged one and neither is read as traces.
const (
	historyFormat  = "mysfits-questions trace history"
	historyVersion = 1
)

// minCompaction is how many lines the history file may gain before it is
// rewritten, when it held fewer than that at its last rewrite: rewriting a
// small file after every few documents would cost more than it saves.
const minCompaction = 1000

// pruneEvery spaces the checks for traces past the age bound; they are
// cheap, but nothing needs them more often.
const pruneEvery = time.Minute

// StoreOptions configure OpenStore.
type StoreOptions struct {
	// Limit is how many traces are kept, the newest; 0 = DefaultStoreLimit.
	Limit int
	// MaxAge drops traces that started longer ago; 0 = DefaultHistoryAge.
	MaxAge time.Duration
	// Dir is the history folder (the local stack's <state>/traces); ""
	// keeps the traces in memory only.
	Dir string
	// Log hears about a history file set aside or failing to be written;
	// nil = slog.Default().
	Log *slog.Logger
	// Now is the clock the age bound is measured by; nil = time.Now.
	Now func() time.Time
}

// OpenStore is a store that keeps its traces, and the settings timeline
// (RecordSettings), in o.Dir, so a restart of the local runner on the same
// state folder brings back every stage's traces. It reads what an earlier
// run left there first. Nothing about the folder is fatal: a file that is
// damaged or not a history is reported and renamed aside
// (<name>.corrupt-<time>), keeping what could be read; a folder that cannot
// be written is reported and the store keeps its traces in memory only.
//
// The history is an append-only file of JSON lines, rewritten (compacted)
// to what the store holds when it has doubled since its last rewrite and
// whenever it is opened. Appending keeps each received document's cost to
// one small write on the daemon's path and loses at most the line being
// written when the runner is killed; a periodic snapshot would rewrite
// every trace each time and lose everything since the last one.
//
// Lines, after the header {"Format": "mysfits-questions trace history",
// "Version": 1}:
//
//	{"Document": "<segment document, as received, as a JSON string>"}
//	{"Settings": {"At": <epoch seconds>, "Settings": <RunSettings>}}
//
// replayed in order through the same rules as Add and RecordSettings.
func OpenStore(o StoreOptions) *Store {
	s := NewStore(o.Limit)
	if o.Dir == "" {
		return s
	}
	p := &persister{
		dir:    o.Dir,
		path:   filepath.Join(o.Dir, HistoryFile),
		maxAge: cmp.Or(o.MaxAge, DefaultHistoryAge),
		log:    cmp.Or(o.Log, slog.Default()),
		now:    o.Now,
	}
	if p.now == nil {
		p.now = time.Now
	}
	if err := p.open(s); err != nil {
		p.log.Error("trace history not kept: traces stay in memory only", "folder", o.Dir, "error", err)
		return s
	}
	s.persist = p
	return s
}

// Close writes what is pending and closes the history file; the store
// keeps working in memory. A store without history has nothing to close.
func (s *Store) Close() error {
	s.mu.Lock()
	p := s.persist
	s.persist = nil // from now on nothing is queued
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	p.flush(s)
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	if p.file == nil {
		return nil
	}
	err := p.file.Close()
	p.file = nil
	return err
}

// persister writes a store's history. Lines are queued under the store's
// lock, so the file has them in the order the store applied them (which
// matters: a completed document replaces an in-progress one, not the other
// way round), and written after it is released, so readers never wait on
// the disk.
type persister struct {
	dir, path string
	maxAge    time.Duration
	log       *slog.Logger
	now       func() time.Time

	mu      sync.Mutex // guards pending and stopped; taken inside the store's lock
	pending [][]byte
	stopped bool // writing failed: queue nothing more

	writeMu   sync.Mutex // one writer of the file at a time
	file      *os.File   // nil once closed or broken
	appended  int        // lines appended since the last rewrite
	rewritten int        // lines the last rewrite wrote
	lastPrune time.Time
}

// historyLine is one line of the history file after the header.
type historyLine struct {
	Document *string       `json:"Document,omitempty"`
	Settings *settingsMark `json:"Settings,omitempty"`
}

type historyHeader struct {
	Format  string `json:"Format"`
	Version int    `json:"Version"`
}

func (l historyLine) encode() []byte { return jsonLine(l) }

func docLine(raw []byte) []byte {
	s := string(raw)
	return historyLine{Document: &s}.encode()
}

// enqueue notes a line to write; call it with the store locked.
func (p *persister) enqueue(line []byte) {
	p.mu.Lock()
	if !p.stopped {
		p.pending = append(p.pending, line)
	}
	p.mu.Unlock()
}

// flush writes the pending lines, then keeps the bounds: traces past the
// age bound go (at most once a minute) and the file is rewritten once it
// has doubled.
func (p *persister) flush(s *Store) {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	p.mu.Lock()
	lines := p.pending
	p.pending = nil
	p.mu.Unlock()
	if p.file == nil {
		return
	}
	if len(lines) > 0 {
		if _, err := p.file.Write(bytes.Join(lines, nil)); err != nil {
			p.broken(fmt.Errorf("appending to %s: %w", p.path, err))
			return
		}
		p.appended += len(lines)
	}
	now := p.now()
	if now.Sub(p.lastPrune) >= pruneEvery {
		p.lastPrune = now
		s.dropOlder(Epoch(now.Add(-p.maxAge)))
	}
	if p.appended > max(p.rewritten, minCompaction) {
		if err := p.rewrite(s); err != nil {
			p.broken(err)
		}
	}
}

// broken stops writing after a failure: the store goes on in memory, and
// the file keeps what it had, which the next start reads.
func (p *persister) broken(err error) {
	p.log.Error("trace history: writing failed, traces from now on stay in memory only", "file", p.path, "error", err)
	p.mu.Lock()
	p.stopped, p.pending = true, nil
	p.mu.Unlock()
	if p.file != nil {
		_ = p.file.Close() // already failing; the error above says why
		p.file = nil
	}
}

// open reads the history into s, sets a bad file aside and rewrites the
// file to what s holds.
func (p *persister) open(s *Store) error {
	if fi, err := os.Stat(p.dir); err == nil && !fi.IsDir() {
		p.setAside(p.dir, "not a folder")
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return fmt.Errorf("creating the history folder: %w", err)
	}
	f, err := os.Open(p.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("reading the history: %w", err)
	default:
		problem := s.replay(f)
		_ = f.Close() // read only
		if problem != "" {
			p.setAside(p.path, problem)
		}
	}
	p.lastPrune = p.now()
	s.dropOlder(Epoch(p.lastPrune.Add(-p.maxAge)))
	return p.rewrite(s)
}

// setAside renames a file that is not a usable history out of the way,
// keeping it for a look, and says so.
func (p *persister) setAside(path, problem string) {
	aside := path + ".corrupt-" + p.now().UTC().Format("20060102T150405.000Z")
	if err := os.Rename(path, aside); err != nil {
		p.log.Error("trace history: file is not usable and could not be set aside", "file", path, "problem", problem, "error", err)
		return
	}
	p.log.Warn("trace history: file set aside", "file", path, "problem", problem, "moved_to", aside)
}

// maxHistoryLine bounds a line: a document of MaxDocumentSize quoted as a
// JSON string, every byte escaped at worst.
const maxHistoryLine = 6*MaxDocumentSize + 1024

// replay applies the history in r to s (which has no persister yet) and
// says what is wrong with it, "" when nothing. It keeps every line it can
// read: one damaged line should not cost a week of traces. A last line
// without its newline is a write the runner was killed in and is dropped
// without setting the file aside.
func (s *Store) replay(r io.Reader) (problem string) {
	br := bufio.NewReaderSize(r, 64<<10)
	var bad []string
	note := func(n int, what string) {
		if len(bad) < 3 {
			bad = append(bad, fmt.Sprintf("line %d: %s", n, what))
		} else if len(bad) == 3 {
			bad = append(bad, "...")
		}
	}
	for n := 1; ; n++ {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			if n == 1 {
				return "empty file, not a trace history"
			}
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			note(n, err.Error())
			break
		}
		torn := errors.Is(err, io.EOF) // no newline: the last write was cut
		if n == 1 {
			var h historyHeader
			if json.Unmarshal(line, &h) != nil || h.Format != historyFormat {
				return fmt.Sprintf("not a trace history (first line %.60q)", line)
			}
			if h.Version != historyVersion {
				return fmt.Sprintf("trace history version %d, this runner reads version %d", h.Version, historyVersion)
			}
			continue
		}
		if what := s.replayLine(line); what != "" && !torn {
			note(n, what)
		}
		if torn {
			break
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("damaged, the readable lines were kept: %s", joinProblems(bad))
}

func joinProblems(ps []string) string {
	var b bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// readLine reads one line without its newline; io.EOF with a line means
// the file ended without one.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxHistoryLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxHistoryLine)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == nil {
			return bytes.TrimSuffix(line, []byte("\n")), nil
		}
		return line, err
	}
}

// replayLine applies one line; it says what is wrong with it, "" if
// nothing.
func (s *Store) replayLine(line []byte) string {
	var l historyLine
	if err := json.Unmarshal(line, &l); err != nil {
		return fmt.Sprintf("not JSON (%v)", err)
	}
	switch {
	case l.Document != nil && l.Settings == nil:
		if _, err := s.add([]byte(*l.Document)); err != nil {
			return err.Error()
		}
	case l.Settings != nil && l.Document == nil:
		if l.Settings.At <= 0 || l.Settings.Settings.Stage == 0 {
			return "settings without a time or a stage"
		}
		s.mu.Lock()
		s.markLocked(*l.Settings)
		s.mu.Unlock()
	default:
		return "neither a Document nor Settings"
	}
	return ""
}

// rewrite replaces the file with what s holds now: the settings marks
// still needed, then every trace's documents in the order they arrived,
// oldest trace first. Written beside it and renamed over it, so a crash
// leaves the old file or the new one, never half of one.
func (p *persister) rewrite(s *Store) error {
	var buf bytes.Buffer
	buf.Write(jsonLine(historyHeader{Format: historyFormat, Version: historyVersion}))
	s.mu.Lock()
	s.trimTimelineLocked()
	for _, m := range s.timeline {
		buf.Write(historyLine{Settings: &m}.encode())
	}
	lines := 1 + len(s.timeline)
	for el := s.order.Front(); el != nil; el = el.Next() {
		for _, r := range el.Value.(*storedTrace).docs {
			buf.Write(docLine(r.raw))
			lines++
		}
	}
	// What was queued is in the buffer already.
	p.mu.Lock()
	p.pending = nil
	p.mu.Unlock()
	s.mu.Unlock()

	tmp := p.path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if p.file != nil {
		_ = p.file.Close() // only appended to; replaced next
		p.file = nil
	}
	if err := os.Rename(tmp, p.path); err != nil {
		return fmt.Errorf("replacing %s: %w", p.path, err)
	}
	f, err := os.OpenFile(p.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("opening %s: %w", p.path, err)
	}
	p.file, p.appended, p.rewritten = f, 0, lines
	return nil
}

// jsonLine is v as one line of the file.
func jsonLine(v any) []byte {
	b, _ := json.Marshal(v) // fixed shapes of strings and numbers always encode
	return append(b, '\n')
}

// trimTimelineLocked drops the settings marks no held trace needs: those
// before the one in effect when the oldest held trace started. The last
// mark always stays: it is the settings now.
func (s *Store) trimTimelineLocked() {
	if len(s.timeline) < 2 {
		return
	}
	oldest := 0.0
	for el := s.order.Front(); el != nil; el = el.Next() {
		if st := el.Value.(*storedTrace).startTime(); st > 0 && (oldest == 0 || st < oldest) {
			oldest = st
		}
	}
	keep := len(s.timeline) - 1
	if oldest > 0 {
		for keep > 0 && s.timeline[keep].At > oldest {
			keep--
		}
	}
	if keep > 0 {
		s.timeline = slices.Clone(s.timeline[keep:])
	}
}

// startTime is the earliest start of the trace's documents.
func (t *storedTrace) startTime() float64 {
	var start float64
	for _, r := range t.docs {
		if st := r.doc.StartTime; st > 0 && (start == 0 || st < start) {
			start = st
		}
	}
	return start
}

// dropOlder removes the traces that started before cutoff (epoch seconds).
func (s *Store) dropOlder(cutoff float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for el := s.order.Front(); el != nil; {
		next := el.Next()
		t := el.Value.(*storedTrace)
		if st := t.startTime(); st > 0 && st < cutoff {
			s.order.Remove(el)
			delete(s.traces, t.id)
		}
		el = next
	}
}
