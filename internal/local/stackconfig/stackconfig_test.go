package stackconfig

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// project is this repository's Pulumi project: the tests read stack files
// against the keys it really declares.
func project(t *testing.T) Project {
	t.Helper()
	p, err := LoadProject(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadProject(t *testing.T) {
	p := project(t)
	if p.Name != "mysfits-questions" {
		t.Errorf("project name %q", p.Name)
	}
	// Every key the settings parse reads is declared, so none is taken
	// for a typo.
	keys := contract.ConfigKeys()
	for _, k := range []string{keys.Tracing.Stage, keys.Tracing.FaultPercent, keys.Tracing.FaultDelay, keys.AllowedOrigin, keys.AdminEmail, keys.LogRetentionDays} {
		if !p.Declared[k] {
			t.Errorf("Pulumi.yaml does not declare %s", k)
		}
	}
	if _, err := LoadProject(t.TempDir()); err == nil {
		t.Error("a folder without Pulumi.yaml loaded")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ProjectFile), []byte("runtime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadProject(dir); err == nil || !strings.Contains(err.Error(), "no project name") {
		t.Errorf("a Pulumi.yaml without a name: %v", err)
	}
}

func TestStackFile(t *testing.T) {
	p := Project{Dir: "/proj", Name: "mysfits-questions"}
	for _, tc := range []struct{ stack, want, wantErr string }{
		{stack: "dev", want: "/proj/Pulumi.dev.yaml"},
		{stack: "walk-check_2.x", want: "/proj/Pulumi.walk-check_2.x.yaml"},
		{stack: "acme/mysfits-questions/prod", want: "/proj/Pulumi.prod.yaml"},
		{stack: "", wantErr: "a stack name is"},
		{stack: "a b", wantErr: "a stack name is"},
		{stack: "dev/", wantErr: "a stack name is"},
	} {
		got, err := p.StackFile(tc.stack)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("StackFile(%q) = %q, %v; want an error saying %q", tc.stack, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("StackFile(%q) = %q, %v; want %q", tc.stack, got, err, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	p := project(t)
	for _, tc := range []struct {
		name, yaml string
		want       map[string]string
		secrets    []string
		undeclared []string
		wantErr    string
	}{
		{name: "what pulumi config set writes", yaml: "config:\n  mysfits-questions:stage: \"2\"\n  aws:region: us-east-1\n",
			want: map[string]string{"stage": "2"}},
		{name: "hand-written numbers are their text, as Pulumi reads them", yaml: "config:\n  mysfits-questions:stage: 3\n  mysfits-questions:faultPercent: 100\n  mysfits-questions:faultDelay: 300ms\n",
			want: map[string]string{"stage": "3", "faultPercent": "100", "faultDelay": "300ms"}},
		{name: "an empty value takes the default", yaml: "config:\n  mysfits-questions:stage:\n", want: map[string]string{"stage": ""}},
		{name: "no config section", yaml: "encryptionsalt: v1:abc\n", want: map[string]string{}},
		{name: "an empty config section", yaml: "config:\n", want: map[string]string{}},
		{name: "an empty file", yaml: "", want: map[string]string{}},
		{name: "an anchor and its alias", yaml: "x: &two \"2\"\nconfig:\n  mysfits-questions:stage: *two\n", want: map[string]string{"stage": "2"}},
		{name: "secrets are set aside", yaml: "config:\n  mysfits-questions:adminEmail:\n    secure: v1:AAAA\n  mysfits-questions:stage: \"1\"\n",
			want: map[string]string{"stage": "1"}, secrets: []string{"adminEmail"}},
		{name: "a typo is reported, not read", yaml: "config:\n  mysfits-questions:stag: \"2\"\n",
			want: map[string]string{}, undeclared: []string{"stag"}},
		{name: "a map", yaml: "config:\n  mysfits-questions:stage:\n    value: 2\n", wantErr: `mysfits-questions:stage: a map; the setting takes one value`},
		{name: "a list", yaml: "config:\n  mysfits-questions:faultPercent: [1, 2]\n", wantErr: `mysfits-questions:faultPercent: a list`},
		{name: "set twice", yaml: "config:\n  mysfits-questions:stage: \"1\"\n  mysfits-questions:stage: \"2\"\n", wantErr: "mysfits-questions:stage: set twice"},
		{name: "config not a map", yaml: "config: 2\n", wantErr: "config: want a map"},
		{name: "not YAML", yaml: "config: [\n", wantErr: "yaml:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := p.Parse("/proj/Pulumi.walk.yaml", []byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !f.Exists || f.Name() != "Pulumi.walk.yaml" {
				t.Errorf("file %+v", f)
			}
			if !maps.Equal(f.Values, tc.want) || !slices.Equal(f.Secrets, tc.secrets) || !slices.Equal(f.Undeclared, tc.undeclared) {
				t.Errorf("values %v secrets %v undeclared %v; want %v %v %v", f.Values, f.Secrets, f.Undeclared, tc.want, tc.secrets, tc.undeclared)
			}
		})
	}

	missing, err := p.Read(filepath.Join(t.TempDir(), "Pulumi.none.yaml"))
	if err != nil || missing.Exists || len(missing.Values) != 0 {
		t.Errorf("a missing file reads as %+v, %v; want no values and no error", missing, err)
	}
}

func TestResolve(t *testing.T) {
	p := project(t)
	faults := contract.DefaultTracing().Faults
	used := []string{"stage", "faultPercent", "faultDelay", "allowedOrigin"}
	pinStage := map[string]Pin{"stage": {Flag: "--stage", Text: "2"}}
	for _, tc := range []struct {
		name    string
		yaml    string // "" = no file
		pins    map[string]Pin
		want    contract.Tracing
		origin  string
		sources map[string]string
		wantErr string // the whole message, when an error
	}{
		{name: "no file: the defaults", want: contract.DefaultTracing(), origin: "*",
			sources: map[string]string{"stage": "default", "faultPercent": "default", "allowedOrigin": "default"}},
		{name: "the file", yaml: "config:\n  mysfits-questions:stage: \"3\"\n  mysfits-questions:faultPercent: \"100\"\n  mysfits-questions:allowedOrigin: https://www.mysfits.example\n",
			want: contract.Tracing{Stage: 3, Faults: contract.Faults{Percent: 100, Delay: faults.Delay}}, origin: "https://www.mysfits.example",
			sources: map[string]string{"stage": "Pulumi.walk.yaml", "faultPercent": "Pulumi.walk.yaml", "faultDelay": "default"}},
		{name: "a flag over the file", yaml: "config:\n  mysfits-questions:stage: \"3\"\n", pins: pinStage,
			want: contract.Tracing{Stage: 2, Faults: faults}, origin: "*", sources: map[string]string{"stage": "--stage"}},
		{name: "a pinned key's bad file value is not read", yaml: "config:\n  mysfits-questions:stage: \"7\"\n", pins: pinStage,
			want: contract.Tracing{Stage: 2, Faults: faults}, origin: "*"},
		{name: "the deploy's message", yaml: "config:\n  mysfits-questions:stage: \"7\"\n",
			wantErr: "invalid configuration:\nstage: 7 is not allowed (must be 1, 2 or 3)"},
		{name: "each bad key, as the deploy lists them", yaml: "config:\n  mysfits-questions:faultDelay: soon\n  mysfits-questions:logRetentionDays: \"8\"\n",
			wantErr: "invalid configuration:\nfaultDelay: \"soon\" is not allowed (must be a duration such as 5s or 1500ms)\nlogRetentionDays: 8 is not allowed (must be one of " + contract.LogRetentionChoices() + ")"},
		{name: "a bad flag is named by the flag", pins: map[string]Pin{"faultPercent": {Flag: "--fault-percent", Text: "101"}},
			wantErr: "invalid configuration:\n--fault-percent: 101 is not allowed (must be between 0 and 100)"},
		{name: "a set admin address is checked", yaml: "config:\n  mysfits-questions:adminEmail: nobody\n",
			wantErr: "invalid configuration:\nadminEmail: \"nobody\" is not allowed (it must be an e-mail address such as name@example.com)"},
		{name: "an encrypted key the stack runs with", yaml: "config:\n  mysfits-questions:stage:\n    secure: v1:AAAA\n",
			wantErr: "mysfits-questions:stage: an encrypted value (secure:), which only Pulumi can decrypt; the local stack reads plain values: set it without --secret, or run another stack (--stack NAME)"},
		{name: "an encrypted key the stack does not need", yaml: "config:\n  mysfits-questions:adminEmail:\n    secure: v1:AAAA\n",
			want: contract.DefaultTracing(), origin: "*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := File{Path: "/proj/Pulumi.walk.yaml", Values: map[string]string{}}
			if tc.yaml != "" {
				var err error
				if f, err = p.Parse(f.Path, []byte(tc.yaml)); err != nil {
					t.Fatal(err)
				}
			}
			r, err := Resolver{Project: p, Pins: tc.pins, Used: used}.Resolve(f)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("error:\n%v\nwant:\n%s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Settings.Tracing != tc.want || r.Settings.AllowedOrigin != tc.origin {
				t.Errorf("settings %+v %q, want %+v %q", r.Settings.Tracing, r.Settings.AllowedOrigin, tc.want, tc.origin)
			}
			for key, want := range tc.sources {
				if got := r.Source(key); got != want {
					t.Errorf("source of %s: %q, want %q", key, got, want)
				}
			}
		})
	}
}

func TestChanges(t *testing.T) {
	r := Resolver{Project: project(t), Pins: map[string]Pin{"faultPercent": {Flag: "--fault-percent", Text: "10"}}}
	before := File{Values: map[string]string{"stage": "1", "adminEmail": "a@mysfits.example", "faultPercent": "50"}}
	after := File{Values: map[string]string{"stage": "2", "adminEmail": "b@mysfits.example", "faultPercent": "100", "faultDelay": "1s"}}
	var got []string
	for _, c := range r.Changes(before, after) {
		got = append(got, c.String())
	}
	want := []string{
		"adminEmail changed", // never the address: the console is no place for it
		`faultDelay (unset) -> "1s"`,
		`faultPercent "50" -> "100" (pinned by --fault-percent 10: not applied)`,
		`stage "1" -> "2"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes\n %q\nwant\n %q", got, want)
	}
}

// follow runs a Follower on a file in a temporary folder with a short
// interval; apply fails while failApply is set.
type follow struct {
	path string

	mu        sync.Mutex
	applied   []contract.Settings
	reports   []string
	failApply error
}

func startFollow(t *testing.T, r Resolver, initial string) *follow {
	t.Helper()
	f := &follow{path: filepath.Join(t.TempDir(), "Pulumi.walk.yaml")}
	if initial != "" {
		f.write(t, initial)
	}
	from, err := r.Load(f.path)
	if err != nil {
		t.Fatal(err)
	}
	fl := &Follower{Resolver: r, Path: f.path, Interval: 10 * time.Millisecond,
		Apply: func(r Resolved) (string, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.failApply != nil {
				return "", f.failApply
			}
			f.applied = append(f.applied, r.Settings)
			return "  (what changed)", nil
		},
		Report: func(msg string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.reports = append(f.reports, msg)
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fl.Run(ctx, from) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

func (f *follow) write(t *testing.T, content string) {
	t.Helper()
	if err := os.WriteFile(f.path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// report waits for a report holding want and returns it.
func (f *follow) report(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		i := slices.IndexFunc(f.reports, func(r string) bool { return strings.Contains(r, want) })
		var got string
		if i >= 0 {
			got = f.reports[i]
			f.reports = slices.Delete(f.reports, 0, i+1)
		}
		f.mu.Unlock()
		if i >= 0 {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t.Fatalf("no report saying %q; reports: %q", want, f.reports)
	return ""
}

func (f *follow) appliedStages() []contract.TracingStage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s []contract.TracingStage
	for _, a := range f.applied {
		s = append(s, a.Tracing.Stage)
	}
	return s
}

func TestFollower(t *testing.T) {
	t.Parallel()
	r := Resolver{Project: project(t), Pins: map[string]Pin{"faultDelay": {Flag: "--fault-delay", Text: "1s"}}}
	f := startFollow(t, r, "config:\n  mysfits-questions:stage: \"1\"\n")

	f.write(t, "config:\n  mysfits-questions:stage: \"2\"\n")
	if got := f.report(t, `stage "1" -> "2"`); !strings.Contains(got, "Pulumi.walk.yaml: stage \"1\" -> \"2\"; applied, as `pulumi up` would:\n  (what changed)") {
		t.Errorf("applied report %q", got)
	}

	f.write(t, "config:\n  mysfits-questions:stage: \"7\"\n")
	got := f.report(t, "refused")
	want := "Pulumi.walk.yaml: stage \"2\" -> \"7\" refused, as `pulumi up` refuses it; the stack keeps running stage 2 (+ API Gateway tracing and X-Ray SDK subsegments):\n" +
		"invalid configuration:\nstage: 7 is not allowed (must be 1, 2 or 3)"
	if got != want {
		t.Errorf("refusal:\n%s\nwant:\n%s", got, want)
	}

	// The pinned key moves in the file, the stack does not.
	f.write(t, "config:\n  mysfits-questions:stage: \"2\"\n  mysfits-questions:faultDelay: 3s\n")
	f.report(t, `Pulumi.walk.yaml: faultDelay (unset) -> "3s" (pinned by --fault-delay 1s: not applied); nothing to apply`)

	f.write(t, "config:\n  mysfits-questions:stage: \"2\"\n  mysfits-questions:stag: \"3\"\n")
	f.report(t, "mysfits-questions:stag is not a key of Pulumi.yaml: nothing reads it")

	f.mu.Lock()
	f.failApply = errors.New("the API would not start")
	f.mu.Unlock()
	f.write(t, "config:\n  mysfits-questions:stage: \"3\"\n")
	f.report(t, "stage \"2\" -> \"3\" not applied; the stack keeps running stage 2 (+ API Gateway tracing and X-Ray SDK subsegments):\nthe API would not start")

	if err := os.Remove(f.path); err != nil {
		t.Fatal(err)
	}
	f.report(t, "Pulumi.walk.yaml is gone; the stack keeps running stage 2")

	// Caught between an editor's truncation and its write.
	f.write(t, "")
	f.report(t, "Pulumi.walk.yaml is empty; the stack keeps running stage 2")

	f.mu.Lock()
	f.failApply = nil
	f.mu.Unlock()
	f.write(t, "config:\n  mysfits-questions:stage: \"3\"\n")
	f.report(t, `stage "2" -> "3"; applied`)

	f.write(t, "config: [\n")
	f.report(t, "Pulumi.walk.yaml changed, not applied: yaml:")

	if got := f.appliedStages(); !slices.Equal(got, []contract.TracingStage{2, 3}) {
		t.Errorf("applied stages %v, want 2 then 3: no refused or pinned change reaches the stack", got)
	}
}

// A change made between the runner's start and the first poll is not lost.
func TestFollowerAppliesAChangeMadeBeforeItRuns(t *testing.T) {
	t.Parallel()
	r := Resolver{Project: project(t)}
	path := filepath.Join(t.TempDir(), "Pulumi.walk.yaml")
	from, err := r.Load(path) // no file yet: the defaults
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("config:\n  mysfits-questions:stage: \"2\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	applied := make(chan contract.Settings, 1)
	fl := &Follower{Resolver: r, Path: path, Interval: 10 * time.Millisecond,
		Apply:  func(r Resolved) (string, error) { applied <- r.Settings; return "", nil },
		Report: func(string) {}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go fl.Run(ctx, from)
	select {
	case s := <-applied:
		if s.Tracing.Stage != 2 {
			t.Errorf("applied stage %d, want 2", s.Tracing.Stage)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the change was not applied")
	}
}
