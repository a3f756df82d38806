// Package bench is the benchmark harness behind `make bench`: it measures
// the functions against the seed's Python init and against a bare
// aws-lambda-go bootstrap (cold start on a Runtime API emulator, package
// size), the handlers in process at stages 1 and 2, the local API against
// raw PutItem, the deploy loop and the test loop, and prints one table.
//
// Every row is measured with its reference in the same run, the two
// alternating, and reported as minimum and median over the runs: the
// machines it runs on are shared, so absolute numbers move from run to run
// while ratios measured side by side hold. No test asserts a speed; the
// targets are checked here and written down in docs/benchmarks.md.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mysfits/mysfits-questions/internal/local/devstack"
)

// Sections, in the order they run: the ones most disturbed by other work
// on the machine first, the test loop (which loads both cores) last.
const (
	SectionSize     = "size"     // item 2: zip size per function against the floor
	SectionCold     = "cold"     // item 1: cold start against the floor and the seed
	SectionHandlers = "handlers" // item 3: handler cost at stages 1 and 2
	SectionAPI      = "api"      // item 4: local API against raw PutItem
	SectionDeploy   = "deploy"   // item 5: the Pulumi program on mocks, builds
	SectionTests    = "tests"    // item 6: make test warm, .ci/run on a fresh clone
)

// AllSections are every section in running order.
var AllSections = []string{SectionSize, SectionCold, SectionHandlers, SectionAPI, SectionDeploy, SectionTests}

// Config says what to run and how often.
type Config struct {
	Root     string   // the module root; "" = found from the current folder
	StateDir string   // logs and builds; "" = Root/.local/bench
	Python   string   // the interpreter with Debian's boto3 and X-Ray SDK; "" = /usr/bin/python3
	Sections []string // nil = AllSections

	ColdRounds    int // starts of each bootstrap; 0 = 15
	BenchRounds   int // alternating runs of each Go benchmark pair; 0 = 6
	LoadRounds    int // alternating load and raw PutItem runs of each; 0 = 3
	LoadQuestions int // per run; 0 = 2000
	LoadClients   int // 0 = 16

	Progress io.Writer // what the harness is doing; nil = discard
}

func (c Config) withDefaults() (Config, error) {
	var err error
	if c.Root == "" {
		if c.Root, err = devstack.FindRoot("."); err != nil {
			return c, err
		}
	}
	if c.StateDir == "" {
		c.StateDir = ".local/bench"
	}
	if !filepath.IsAbs(c.StateDir) {
		c.StateDir = filepath.Join(c.Root, c.StateDir)
	}
	if c.Python == "" {
		c.Python = "/usr/bin/python3"
	}
	if c.Sections == nil {
		c.Sections = AllSections
	}
	for _, s := range c.Sections {
		if !slices.Contains(AllSections, s) {
			return c, fmt.Errorf("unknown section %q (sections: %s)", s, strings.Join(AllSections, ", "))
		}
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.ColdRounds, 15)
	def(&c.BenchRounds, 6)
	def(&c.LoadRounds, 3)
	def(&c.LoadQuestions, 2000)
	def(&c.LoadClients, 16)
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c, nil
}

// Row is one line of the table: a measurement with its reference from the
// same run.
type Row struct {
	Item      int
	What      string
	Measured  string
	Reference string
	Ratio     string
	Target    string
	Result    string
	Load      string // the 1-minute load average when the section began
}

// Report is a whole run.
type Report struct {
	Machine  []string
	Started  time.Time
	Elapsed  time.Duration
	LoadAvgs []string // at the start, then after each section
	Rows     []Row
	Notes    []string // what a section found beyond its rows
}

// Run runs the sections and returns the table. A section that fails adds
// a row saying so and the others still run; the error lists the failures.
func Run(ctx context.Context, c Config) (*Report, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("state folder: %w", err)
	}
	work, err := os.MkdirTemp(c.StateDir, "run-")
	if err != nil {
		return nil, fmt.Errorf("state folder: %w", err)
	}
	defer os.RemoveAll(work)
	r := &runner{cfg: c, work: work, report: &Report{Started: time.Now(), Machine: machine(ctx, c)}}
	defer r.closeStack()
	r.report.LoadAvgs = append(r.report.LoadAvgs, "start: "+LoadAvg())

	sections := map[string]func(context.Context) error{
		SectionSize:     r.size,
		SectionCold:     r.cold,
		SectionHandlers: r.handlers,
		SectionAPI:      r.api,
		SectionDeploy:   r.deploy,
		SectionTests:    r.tests,
	}
	var errs []error
	for _, name := range AllSections {
		if !slices.Contains(c.Sections, name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		r.load = strings.Fields(LoadAvg())[0]
		r.progress("== %s (load average %s)", name, LoadAvg())
		if err := sections[name](ctx); err != nil {
			r.progress("%s failed: %v", name, err)
			r.add(Row{Item: itemOf(name), What: name + " section", Measured: "failed: " + oneLine(err.Error()), Result: "FAILED"})
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		if name == SectionAPI {
			r.closeStack() // the later sections start services of their own
		}
		r.report.LoadAvgs = append(r.report.LoadAvgs, "after "+name+": "+LoadAvg())
	}
	r.report.Elapsed = time.Since(r.report.Started).Round(time.Second)
	return r.report, errors.Join(errs...)
}

func itemOf(section string) int {
	return map[string]int{SectionCold: 1, SectionSize: 2, SectionHandlers: 3, SectionAPI: 4, SectionDeploy: 5, SectionTests: 6}[section]
}

// runner holds what the sections share: the builds and the local stack.
type runner struct {
	cfg    Config
	work   string
	report *Report
	load   string

	builds *functionBuilds
	stack  *devstack.Deployment
	notify *notificationCounter
}

func (r *runner) progress(format string, args ...any) {
	fmt.Fprintf(r.cfg.Progress, "bench: "+format+"\n", args...)
}

func (r *runner) add(row Row) {
	row.Load = r.load
	r.report.Rows = append(r.report.Rows, row)
}

func (r *runner) note(format string, args ...any) {
	r.report.Notes = append(r.report.Notes, fmt.Sprintf(format, args...))
}

func (r *runner) closeStack() {
	if r.stack != nil {
		if err := r.stack.Close(); err != nil {
			r.progress("stopping the local stack: %v", err)
		}
		r.stack = nil
	}
}

// AtMost is the result of a target "value <= limit".
func AtMost(value, limit float64) string {
	switch {
	case math.IsNaN(value):
		return "-"
	case value <= limit:
		return "met"
	default:
		return fmt.Sprintf("MISSED by %.0f%%", (value/limit-1)*100)
	}
}

// AtLeast is the result of a target "value >= limit".
func AtLeast(value, limit float64) string {
	switch {
	case math.IsNaN(value):
		return "-"
	case value >= limit:
		return "met"
	default:
		return fmt.Sprintf("MISSED by %.0f%%", (limit/value-1)*100)
	}
}

// Print writes the report: the machine, the load averages and the table
// as Markdown, so a run can go into docs/benchmarks.md as printed.
func (rep *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "Benchmarks, %s, %s\n\n", rep.Started.UTC().Format("2006-01-02 15:04 UTC"), rep.Elapsed)
	for _, m := range rep.Machine {
		fmt.Fprintf(w, "- %s\n", m)
	}
	fmt.Fprintf(w, "- load average (1, 5, 15 min): %s\n\n", strings.Join(rep.LoadAvgs, "; "))
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| # \t what \t measured \t reference (same run) \t ratio \t target \t result \t load |")
	fmt.Fprintln(tw, "|---\t---\t---\t---\t---\t---\t---\t---|")
	for _, r := range rep.Rows {
		cells := []string{fmt.Sprint(r.Item), r.What, r.Measured, r.Reference, r.Ratio, r.Target, r.Result, r.Load}
		for i, c := range cells {
			if c == "" {
				cells[i] = "-"
			}
			cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
		}
		fmt.Fprintf(tw, "| %s |\n", strings.Join(cells, " \t "))
	}
	_ = tw.Flush()
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

// machine describes the machine and the tools for the report.
func machine(ctx context.Context, c Config) []string {
	cpu := firstMatch("/proc/cpuinfo", "model name")
	mem := firstMatch("/proc/meminfo", "MemTotal")
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	lines := []string{
		fmt.Sprintf("machine: %s/%s, %d CPUs (%s), %s memory, Linux %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), orUnknown(cpu), orUnknown(mem), orUnknown(strings.TrimSpace(string(kernel)))),
		fmt.Sprintf("harness built with %s; the functions with the toolchain go.mod pins", runtime.Version()),
	}
	tools := []string{}
	for _, t := range []struct{ name, cmd string }{
		{"java", "java -version"},
		{"python", c.Python + ` -c 'import sys, boto3; print(sys.version.split()[0], "with boto3", boto3.__version__)'`},
		{"aws-xray-sdk (Python)", "dpkg-query -W -f '${Version}' python3-aws-xray-sdk"},
	} {
		out, err := exec.CommandContext(ctx, "sh", "-c", t.cmd+" 2>&1").Output()
		line := strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
		if err != nil {
			line = "not available"
		}
		tools = append(tools, t.name+" "+line)
	}
	return append(lines, "tools: "+strings.Join(tools, "; "))
}

func firstMatch(path, key string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
