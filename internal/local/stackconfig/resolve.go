package stackconfig

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mysfits/mysfits-questions/contract"
)

// Pin is a setting given on the command line: it overrides the file, now
// and at every change of it.
type Pin struct {
	Flag string // as the user typed it, "--stage"
	Text string
}

// localAdmin stands in for adminEmail when the file leaves it unset: the
// deploy requires it, but locally the administrator's inbox is a queue
// and the address is never used, so an unset one must not stop the
// runner. A set one is still checked as the deploy checks it.
const localAdmin = "admin@mysfits.example" // .example: reserved, never delivered

// Resolver turns a stack file and the pinned flags into settings, by the
// deploy's own parse.
type Resolver struct {
	Project Project
	Pins    map[string]Pin // by config key
	// Used are the keys the local stack runs with; an encrypted value is
	// an error for those only (the others are checked when set in plain
	// text, and otherwise not needed locally).
	Used []string
}

// Resolved is the settings one reading of the file gives.
type Resolved struct {
	Settings contract.Settings
	File     File
	pins     map[string]Pin
}

// Source says where the key's value came from: the flag that pins it, the
// stack file, or "default".
func (r Resolved) Source(key string) string {
	if p, ok := r.pins[key]; ok {
		return p.Flag
	}
	if v, ok := r.File.Values[key]; ok && v != "" {
		return r.File.Name()
	}
	return "default"
}

// Pinned is the pin of key, if a flag gave it.
func (r Resolved) Pinned(key string) (Pin, bool) {
	p, ok := r.pins[key]
	return p, ok
}

// Resolve parses the file's values with the pins over them. The error is
// the deploy's: "invalid configuration:" and a line per bad setting, each
// named by its key, or by its flag when pinned.
func (r Resolver) Resolve(f File) (Resolved, error) {
	for _, key := range f.Secrets {
		if _, pinned := r.Pins[key]; pinned || !slices.Contains(r.Used, key) {
			continue
		}
		return Resolved{}, &ValueError{Key: r.Project.Name + ":" + key,
			Problem: "an encrypted value (secure:), which only Pulumi can decrypt; the local stack reads plain values: " +
				"set it without --secret, or run another stack (--stack NAME)"}
	}
	get := func(key string) string {
		if p, ok := r.Pins[key]; ok {
			return p.Text
		}
		return f.Values[key]
	}
	names := contract.ConfigKeys().Renamed(func(key string) string {
		if p, ok := r.Pins[key]; ok {
			return p.Flag
		}
		return key
	})
	raw := contract.ConfigKeys().Raw(get)
	if strings.TrimSpace(raw.AdminEmail) == "" {
		raw.AdminEmail = localAdmin
	}
	s, err := contract.ParseSettings(raw, names)
	if err != nil {
		// The deploy's words (main.go's loadSettings), so a learner sees
		// locally what `pulumi up` would say.
		return Resolved{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return Resolved{Settings: s, File: f, pins: r.Pins}, nil
}

// FileChange is one key the file changed.
type FileChange struct {
	Key, Before, After string // "" = unset
	// Hidden is an e-mail address: the console says it changed, not to what.
	Hidden bool
	Pin    *Pin // the flag that keeps the running value, if pinned
}

func (c FileChange) String() string {
	show := func(v string) string {
		if v == "" {
			return "(unset)"
		}
		return fmt.Sprintf("%q", v)
	}
	s := c.Key + " changed"
	if !c.Hidden {
		s = fmt.Sprintf("%s %s -> %s", c.Key, show(c.Before), show(c.After))
	}
	if c.Pin != nil {
		s += fmt.Sprintf(" (pinned by %s %s: not applied)", c.Pin.Flag, c.Pin.Text)
	}
	return s
}

// Changes are the keys whose text differs from before to after, in key
// order.
func (r Resolver) Changes(before, after File) []FileChange {
	keys := slices.Collect(maps.Keys(before.Values))
	for k := range after.Values {
		if _, ok := before.Values[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	names := contract.ConfigKeys()
	var out []FileChange
	for _, k := range keys {
		if before.Values[k] == after.Values[k] {
			continue
		}
		c := FileChange{Key: k, Before: before.Values[k], After: after.Values[k],
			Hidden: k == names.AdminEmail || k == names.AlarmEmail}
		if p, ok := r.Pins[k]; ok {
			c.Pin = &p
		}
		out = append(out, c)
	}
	return out
}
