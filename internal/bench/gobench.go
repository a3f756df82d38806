package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// BenchResult is one line of go test -bench output.
type BenchResult struct {
	Name        string // without the -GOMAXPROCS suffix
	N           int64
	NsPerOp     float64
	BytesPerOp  float64
	AllocsPerOp float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

// ParseBench reads the result lines of go test -bench (with -benchmem or
// ReportAllocs): name, iterations, then value-unit pairs.
func ParseBench(out []byte) []BenchResult {
	var results []BenchResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		n, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			continue
		}
		r := BenchResult{Name: m[1], N: n}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.NsPerOp = v
			case "B/op":
				r.BytesPerOp = v
			case "allocs/op":
				r.AllocsPerOp = v
			}
		}
		results = append(results, r)
	}
	return results
}

// testBinary is a compiled test package: compiled once, its benchmarks run
// one at a time so that two can alternate.
type testBinary struct {
	path string // the executable
	dir  string // the package's folder, where go test runs a test binary
}

// compileTest builds pkg's test binary into dir.
func compileTest(ctx context.Context, root, pkg, dir string) (testBinary, error) {
	exe := filepath.Join(dir, strings.NewReplacer("/", "_", ".", "_").Replace(strings.Trim(pkg, "./"))+".test")
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", exe, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return testBinary{}, fmt.Errorf("go test -c %s: %w: %s", pkg, err, out)
	}
	return testBinary{path: exe, dir: filepath.Join(root, pkg)}, nil
}

// bench runs the benchmarks matching pattern (a -test.bench expression)
// once and returns their results; extra are more test flags.
func (t testBinary) bench(ctx context.Context, pattern, benchtime string, extra ...string) ([]BenchResult, []byte, error) {
	args := append([]string{"-test.run", "^$", "-test.bench", pattern, "-test.benchmem", "-test.benchtime", benchtime, "-test.count", "1"}, extra...)
	cmd := exec.CommandContext(ctx, t.path, args...)
	cmd.Dir = t.dir
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, out, fmt.Errorf("%s -test.bench %s: %w: %s", filepath.Base(t.path), pattern, err, tail(out, 2000))
	}
	res := ParseBench(out)
	if len(res) == 0 {
		return nil, out, fmt.Errorf("%s -test.bench %s: no benchmark ran: %s", filepath.Base(t.path), pattern, tail(out, 2000))
	}
	return res, out, nil
}

// tail is the end of out, for error messages.
func tail(out []byte, n int) string {
	s := strings.TrimSpace(string(out))
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

// abPair is two benchmarks measured side by side: their runs alternate,
// the order flipping every round so neither always runs first.
type abPair struct {
	a, b string // -test.bench patterns
}

// alternate runs the pair rounds times and returns the samples of each.
func (t testBinary) alternate(ctx context.Context, p abPair, rounds int, benchtime string) (a, b []BenchResult, err error) {
	for round := range rounds {
		order := []string{p.a, p.b}
		if round%2 == 1 {
			order = []string{p.b, p.a}
		}
		for _, pattern := range order {
			res, _, err := t.bench(ctx, pattern, benchtime)
			if err != nil {
				return nil, nil, err
			}
			if pattern == p.a {
				a = append(a, res[0])
			} else {
				b = append(b, res[0])
			}
		}
	}
	return a, b, nil
}

func nsPerOp(rs []BenchResult) Samples {
	s := make(Samples, len(rs))
	for i, r := range rs {
		s[i] = r.NsPerOp / 1e9
	}
	return s
}

func allocsPerOp(rs []BenchResult) Samples {
	s := make(Samples, len(rs))
	for i, r := range rs {
		s[i] = r.AllocsPerOp
	}
	return s
}

var pprofShare = regexp.MustCompile(`Showing nodes accounting for [^,]+, ([0-9.]+)% of`)

// profileShare is the share of a profile's samples whose stack holds a
// function matching focus (go tool pprof -focus), in percent; 0 when
// nothing matches.
func profileShare(ctx context.Context, binary, profile, focus string, extra ...string) (float64, error) {
	args := append([]string{"tool", "pprof", "-top", "-nodecount=0", "-focus", focus}, extra...)
	cmd := exec.CommandContext(ctx, "go", append(args, binary, profile)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("go tool pprof -focus %s: %w: %s", focus, err, tail(out, 500))
	}
	if bytes.Contains(out, []byte("matched no samples")) {
		return 0, nil
	}
	m := pprofShare.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("go tool pprof -focus %s: no share in %s", focus, tail(out, 500))
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
