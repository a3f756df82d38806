package stackconfig

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// DefaultInterval is how often a Follower reads the file. A change is
// applied after two readings agree, so within about a second: an editor
// or `pulumi config set` that writes the file in pieces is never read
// half-written twice in a row.
const DefaultInterval = 500 * time.Millisecond

// Follower applies each change of a stack file to a running stack, as
// `pulumi up` applies a changed configuration to a deployed one.
type Follower struct {
	Resolver Resolver
	Path     string
	Interval time.Duration // 0 = DefaultInterval
	// Apply switches the running stack to r's settings and describes what
	// changed; on an error the stack must keep what it runs.
	Apply func(r Resolved) (string, error)
	// Report hears each change: applied, pinned, refused, the file gone.
	// A message may hold several lines.
	Report func(msg string)
}

// reading is what one poll saw of the file.
type reading struct {
	exists bool
	// empty: an editor saving the file truncates it first, and a poll can
	// catch it so twice; Pulumi never writes a stack file with nothing in
	// it, so an empty file is a write under way, not "every key unset".
	empty bool
	sum   [sha256.Size]byte
	err   string // a read that failed for another reason than absence
}

func read(path string) (reading, []byte) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return reading{}, nil
	case err != nil:
		return reading{err: err.Error()}, nil
	}
	return reading{exists: true, empty: len(bytes.TrimSpace(b)) == 0, sum: sha256.Sum256(b)}, b
}

// Run follows the file until ctx ends. from is what the stack runs now,
// resolved from the file as it was (Load); a change made since is applied
// at the first readings.
func (f *Follower) Run(ctx context.Context, from Resolved) {
	interval := f.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	current := from
	last := reading{exists: from.File.Exists, sum: from.File.sum}
	var pending *reading
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now, content := read(f.Path)
		if now == last {
			pending = nil
			continue
		}
		if pending == nil || *pending != now {
			pending = &now // act once the next reading agrees
			continue
		}
		pending, last = nil, now
		f.handle(&current, now, content)
	}
}

// handle acts on a settled change of the file.
func (f *Follower) handle(current *Resolved, now reading, content []byte) {
	name := current.File.Name()
	keeps := "the stack keeps running " + Running(current.Settings.Tracing)
	switch {
	case now.err != "":
		f.Report(fmt.Sprintf("%s: %s; %s", name, now.err, keeps))
		return
	case !now.exists:
		f.Report(fmt.Sprintf("%s is gone; %s until it is back", name, keeps))
		return
	case now.empty:
		f.Report(fmt.Sprintf("%s is empty; %s until it has settings again", name, keeps))
		return
	}
	file, err := f.Resolver.Project.Parse(f.Path, content)
	if err != nil {
		f.Report(fmt.Sprintf("%s changed, not applied: %v\n%s", name, err, keeps))
		return
	}
	var lines []string
	for _, c := range f.Resolver.Changes(current.File, file) {
		lines = append(lines, c.String())
	}
	for _, k := range file.Undeclared {
		if !slices.Contains(current.File.Undeclared, k) {
			lines = append(lines, fmt.Sprintf("%s:%s is not a key of %s: nothing reads it", f.Resolver.Project.Name, k, ProjectFile))
		}
	}
	what := strings.Join(lines, ", ")
	next, err := f.Resolver.Resolve(file)
	if err != nil {
		f.Report(fmt.Sprintf("%s: %s refused, as `pulumi up` refuses it; %s:\n%v", name, what, keeps, err))
		return
	}
	if next.Settings == current.Settings {
		*current = next
		if what != "" {
			f.Report(fmt.Sprintf("%s: %s; nothing to apply", name, what))
		}
		return
	}
	desc, err := f.Apply(next)
	if err != nil {
		f.Report(fmt.Sprintf("%s: %s not applied; %s:\n%v", name, what, keeps, err))
		return
	}
	*current = next
	f.Report(fmt.Sprintf("%s: %s; applied, as `pulumi up` would:\n%s", name, what, desc))
}

// Load reads and resolves the file as the runner starts: what its first
// settings are and what Run follows from.
func (r Resolver) Load(path string) (Resolved, error) {
	f, err := r.Project.Read(path)
	if err != nil {
		return Resolved{}, err
	}
	return r.Resolve(f)
}

// Running says what a stack with t runs, for the console.
func Running(t contract.Tracing) string {
	s := fmt.Sprintf("stage %d (%s)", t.Stage, t.Stage.Describe())
	if t.Stage.FaultInjection() {
		s += fmt.Sprintf(": %d%% of POSTs hang %s and fail", t.Faults.Percent, t.Faults.Delay)
	}
	return s
}
