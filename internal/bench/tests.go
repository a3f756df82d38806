package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mysfits/mysfits-questions/internal/lambdabuild"
)

// The test loop's targets: a warm make test within a minute, a fresh CI
// run within 6 minutes.
const (
	maxMakeTestSeconds = 60.0
	maxFreshCISeconds  = 6 * 60.0
)

// tests is item 6: `make test` warm in this checkout and `bash .ci/run` on
// a fresh clone, timed, with the slowest packages and tests from go test
// -json (make test passes TESTFLAGS to go test).
func (r *runner) tests(ctx context.Context) error {
	logDir := filepath.Join(r.cfg.StateDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	// Warm: every test binary compiled once (run by true, so nothing runs).
	r.progress("tests: compiling every test binary first (go test -exec true ./...)")
	warm := exec.CommandContext(ctx, "go", "test", "-count=1", "-exec", "true", "./...")
	warm.Dir = r.cfg.Root
	if out, err := warm.CombinedOutput(); err != nil {
		r.note("Warming the test binaries failed (%v): %s", err, tail(out, 500))
	}

	r.progress("tests: make test (warm)")
	mt, err := timedCommand(ctx, r.cfg.Root, filepath.Join(logDir, "make-test.log"), nil, "make", "test")
	if err != nil {
		return err
	}
	r.testRows("make test, warm (this checkout)", mt, maxMakeTestSeconds)

	clone, err := os.MkdirTemp("", "mysfits-questions-fresh-clone-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(clone)
	repo := filepath.Join(clone, "repo")
	r.progress("tests: git clone into %s, then bash .ci/run there", repo)
	cl := exec.CommandContext(ctx, "git", "clone", "--quiet", "--no-hardlinks", r.cfg.Root, repo)
	if out, err := cl.CombinedOutput(); err != nil {
		return fmt.Errorf("git clone: %w: %s", err, out)
	}
	ci, err := timedCommand(ctx, repo, filepath.Join(logDir, "ci-run.log"), []string{"CI=true"}, "bash", ".ci/run")
	if err != nil {
		return err
	}
	r.testRows("bash .ci/run on a fresh clone of HEAD (npm ci, GoAWS build; module and build caches reused)", ci, maxFreshCISeconds)
	return nil
}

// testLoop is one timed run of a test command.
type testLoop struct {
	elapsed  time.Duration
	exit     error
	packages []elapsedEntry
	tests    []elapsedEntry
	failed   []string
}

type elapsedEntry struct {
	name    string
	seconds float64
}

// timedCommand runs a test command with TESTFLAGS=-json, its output to
// logPath, and reads the JSON lines go test printed.
func timedCommand(ctx context.Context, dir, logPath string, env []string, name string, args ...string) (testLoop, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return testLoop{}, err
	}
	defer logf.Close()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "TESTFLAGS=-json"), env...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	runErr := cmd.Run()
	t := testLoop{elapsed: time.Since(start), exit: runErr}
	if _, err := logf.Write(out.Bytes()); err != nil {
		return t, err
	}
	t.packages, t.tests, t.failed = parseTestJSON(out.Bytes())
	return t, nil
}

// testEvent is the part of a go test -json event read here.
type testEvent struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
}

// parseTestJSON sorts the packages and top-level tests by elapsed time,
// slowest first, and lists what failed. Lines that are not test events
// (make, go vet, npm) are skipped.
func parseTestJSON(out []byte) (packages, tests []elapsedEntry, failed []string) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var ev testEvent
		if json.Unmarshal(line, &ev) != nil || (ev.Action != "pass" && ev.Action != "fail") || ev.Package == "" {
			continue
		}
		short := shortPackage(ev.Package)
		switch {
		case ev.Test == "":
			packages = append(packages, elapsedEntry{short, ev.Elapsed})
		case !strings.Contains(ev.Test, "/"):
			tests = append(tests, elapsedEntry{short + "." + ev.Test, ev.Elapsed})
		}
		if ev.Action == "fail" {
			name := short
			if ev.Test != "" {
				name += "." + ev.Test
			}
			failed = append(failed, name)
		}
	}
	bySeconds := func(a, b elapsedEntry) int {
		if a.seconds != b.seconds {
			if a.seconds > b.seconds {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	}
	slices.SortFunc(packages, bySeconds)
	slices.SortFunc(tests, bySeconds)
	return packages, tests, failed
}

// shortPackage drops the module path from an import path.
func shortPackage(pkg string) string {
	const module = lambdabuild.ModulePath
	if pkg == module {
		return "(root)"
	}
	return strings.TrimPrefix(pkg, module+"/")
}

func slowest(entries []elapsedEntry, n int) string {
	if len(entries) == 0 {
		return "- (no go test -json output: this checkout's Makefile does not pass TESTFLAGS)"
	}
	var parts []string
	for _, e := range entries[:min(n, len(entries))] {
		parts = append(parts, fmt.Sprintf("%s %.1f s", e.name, e.seconds))
	}
	return strings.Join(parts, ", ")
}

func (r *runner) testRows(what string, t testLoop, limit float64) {
	status := "exit 0"
	if t.exit != nil {
		status = "FAILED: " + t.exit.Error()
		if len(t.failed) > 0 {
			status += " (" + strings.Join(t.failed[:min(5, len(t.failed))], ", ") + ")"
		}
	}
	r.add(Row{Item: 6, What: what, Measured: fmt.Sprintf("%s (%s)", FormatSeconds(t.elapsed.Seconds()), status),
		Target: "≤ " + FormatSeconds(limit), Result: AtMost(t.elapsed.Seconds(), limit)})
	r.add(Row{Item: 6, What: "  slowest packages", Measured: slowest(t.packages, 5)})
	r.add(Row{Item: 6, What: "  slowest tests", Measured: slowest(t.tests, 8)})
}
