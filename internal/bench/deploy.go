package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// maxProgramSeconds is the target for the program on mocks, warm: 3 s.
const maxProgramSeconds = 3.0

// deploy is item 5: the Pulumi program on mocks (a benchmark beside
// main.go), each function's build cold and warm (a benchmark beside the
// builder), and an unchanged rebuild changing no archive byte.
func (r *runner) deploy(ctx context.Context) error {
	root, err := compileTest(ctx, r.cfg.Root, ".", r.work)
	if err != nil {
		return err
	}
	building, prebuilt, err := root.alternate(ctx, abPair{a: "^BenchmarkProgramOnMocks$/^building$", b: "^BenchmarkProgramOnMocks$/^prebuilt$"}, 3, "2x")
	if err != nil {
		return err
	}
	tb, tp := nsPerOp(building), nsPerOp(prebuilt)
	r.add(Row{Item: 5, What: "Pulumi program on mocks, warm, stage 2, both functions built by GoBuilder (warm build cache)",
		Measured: tb.MinMedian(FormatSeconds), Reference: "the program alone, builds memoized " + tp.MinMedian(FormatSeconds),
		Ratio: FormatRatio(Ratio(tb.Median(), tp.Median())), Target: fmt.Sprintf("≤ %.0f s", maxProgramSeconds), Result: AtMost(tb.Median(), maxProgramSeconds)})

	comps, err := compileTest(ctx, r.cfg.Root, "./components", r.work)
	if err != nil {
		return err
	}
	hashes := map[string][]string{}
	if r.builds != nil {
		for name, b := range r.builds.deploy {
			hashes[name] = append(hashes[name], b.SourceCodeHash)
		}
	}
	for _, f := range []function{postFunction, processFunction} {
		var warm []BenchResult
		for range 3 {
			res, out, err := comps.bench(ctx, "^BenchmarkGoBuilder$/^"+f.name+"$/^warm$", "2x")
			if err != nil {
				return err
			}
			warm = append(warm, res...)
			hashes[f.name] = append(hashes[f.name], bundleHashes(out)...)
		}
		r.progress("deploy: %s warm builds done; a cold build (fresh GOCACHE) takes minutes", f.name)
		cold, out, err := comps.bench(ctx, "^BenchmarkGoBuilder$/^"+f.name+"$/^cold$", "1x")
		if err != nil {
			return err
		}
		hashes[f.name] = append(hashes[f.name], bundleHashes(out)...)
		w, c := nsPerOp(warm), nsPerOp(cold)
		r.add(Row{Item: 5, What: f.name + " build (GoBuilder, linux/arm64): warm build cache",
			Measured: w.MinMedian(FormatSeconds) + " (each the mean of 2 builds)", Reference: "cold (a fresh GOCACHE) " + c.MinMedian(FormatSeconds),
			Ratio: FormatRatio(Ratio(c.Median(), w.Median())) + " (cold/warm)"})
	}
	for _, f := range []function{postFunction, processFunction} {
		h := hashes[f.name]
		distinct := slices.Compact(slices.Sorted(slices.Values(h)))
		result := "met"
		measured := fmt.Sprintf("%d builds (cold, warm and this run's other builds), one SHA-256: %s", len(h), strings.Join(distinct, ", "))
		if len(distinct) != 1 || len(h) < 2 {
			result = "MISSED"
			measured = fmt.Sprintf("%d builds, %d distinct SHA-256: %s", len(h), len(distinct), strings.Join(distinct, ", "))
		}
		r.add(Row{Item: 5, What: f.name + ": an unchanged rebuild gives the same archive bytes", Measured: measured, Target: "identical", Result: result})
	}
	return nil
}

var bundleHashLine = regexp.MustCompile(`bundle \S+ SourceCodeHash (\S+)`)

// bundleHashes are the hashes BenchmarkGoBuilder logs for each build.
func bundleHashes(out []byte) []string {
	var hs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := bundleHashLine.FindStringSubmatch(sc.Text()); m != nil {
			hs = append(hs, m[1])
		}
	}
	return hs
}
