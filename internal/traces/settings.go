package traces

import (
	"slices"
	"sort"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// RunSettings are the tracing settings a local trace ran under. Only the
// local store knows them (the runner tells it, RecordSettings); traces read
// from AWS leave TraceSummary.Settings nil, as X-Ray has no such field.
type RunSettings struct {
	Stage        int    `json:"Stage"`
	FaultPercent int    `json:"FaultPercent"`
	FaultDelay   string `json:"FaultDelay"` // Go duration text, e.g. "5s"
}

// RunSettingsOf is t as a trace records it.
func RunSettingsOf(t contract.Tracing) RunSettings {
	return RunSettings{Stage: int(t.Stage), FaultPercent: t.Faults.Percent, FaultDelay: t.Faults.Delay.String()}
}

// settingsMark is a point of the settings timeline: from At (epoch seconds)
// on, requests ran under Settings.
type settingsMark struct {
	At       float64     `json:"At"`
	Settings RunSettings `json:"Settings"`
}

// RecordSettings notes that requests starting at or after at run under t,
// until the next call. The local runner calls it when it starts and at each
// live stage switch. A trace's settings are looked up by its root segment's
// start time when it is read, not when its documents arrive, so a request
// in flight at a switch keeps the settings it started with even though its
// documents come in afterwards.
func (s *Store) RecordSettings(at time.Time, t contract.Tracing) {
	m := settingsMark{At: Epoch(at), Settings: RunSettingsOf(t)}
	s.mu.Lock()
	changed := s.markLocked(m)
	p := s.persist
	if changed && p != nil {
		p.enqueue(historyLine{Settings: &m}.encode())
	}
	s.mu.Unlock()
	if changed && p != nil {
		p.flush(s)
	}
}

// markLocked inserts m into the timeline, in time order, and reports
// whether it changed anything. A mark repeating the settings already in
// effect is left out so that restarts at the same stage keep the timeline
// small. The timeline is replaced, never written into, so readers may hold
// the old slice without the lock.
func (s *Store) markLocked(m settingsMark) bool {
	i := sort.Search(len(s.timeline), func(i int) bool { return s.timeline[i].At > m.At })
	if i > 0 && s.timeline[i-1].Settings == m.Settings {
		return false
	}
	tl := slices.Insert(slices.Clip(s.timeline), i, m)
	// A later mark now repeating m's settings says nothing new.
	if i+1 < len(tl) && tl[i+1].Settings == m.Settings {
		tl = slices.Delete(tl, i+1, i+2)
	}
	s.timeline = tl
	return true
}

// settingsTimeline is the timeline as it is now, safe to read unlocked.
func (s *Store) settingsTimeline() []settingsMark {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.timeline
}

// settingsAt is the settings in effect at start (epoch seconds), nil
// before the first mark or when nothing was recorded.
func settingsAt(tl []settingsMark, start float64) *RunSettings {
	i := sort.Search(len(tl), func(i int) bool { return tl[i].At > start })
	if i == 0 || start <= 0 {
		return nil
	}
	rs := tl[i-1].Settings
	return &rs
}

// rootStart is when the trace's request started: its root segment's start,
// or the earliest document's while the root has not arrived.
func rootStart(t *TraceDocs) float64 {
	if root, ok := t.Root(); ok && root.StartTime > 0 {
		return root.StartTime
	}
	return t.StartTime()
}

// StageTraces is one stage's share of the held traces.
type StageTraces struct {
	Stage          int     `json:"Stage"`
	TraceCount     int     `json:"TraceCount"`
	FirstStartTime float64 `json:"FirstStartTime"`
	LastStartTime  float64 `json:"LastStartTime"`
}

// Stages is the answer of GET /traces/api/stages: the stages the held
// traces ran at, in stage order, and the settings in effect now (nil when
// the runner recorded none).
type Stages struct {
	Stages  []StageTraces `json:"Stages"`
	Current *RunSettings  `json:"Current,omitempty"`
}

// Stages counts the held traces by the stage they ran at; traces with no
// recorded settings are not counted.
func (s *Store) Stages() Stages {
	tl := s.settingsTimeline()
	by := map[int]*StageTraces{}
	for _, sn := range s.snapshot() {
		t := sn.assemble()
		rs := settingsAt(tl, rootStart(&t))
		if rs == nil {
			continue
		}
		st := t.StartTime()
		e := by[rs.Stage]
		if e == nil {
			e = &StageTraces{Stage: rs.Stage, FirstStartTime: st, LastStartTime: st}
			by[rs.Stage] = e
		}
		e.TraceCount++
		e.FirstStartTime = min(e.FirstStartTime, st)
		e.LastStartTime = max(e.LastStartTime, st)
	}
	out := Stages{Stages: make([]StageTraces, 0, len(by))}
	for _, e := range by {
		out.Stages = append(out.Stages, *e)
	}
	slices.SortFunc(out.Stages, func(a, b StageTraces) int { return a.Stage - b.Stage })
	if len(tl) > 0 {
		cur := tl[len(tl)-1].Settings
		out.Current = &cur
	}
	return out
}
