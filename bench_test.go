package main

import (
	"testing"

	"github.com/mysfits/mysfits-questions/components"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

// BenchmarkProgramOnMocks runs the whole Pulumi program at stage 2 on the
// mock cloud, as `pulumi preview` would without the engine:
//   - building: both functions built by GoBuilder each run, on a warm
//     build cache (the deploy loop a developer sees);
//   - prebuilt: the builds memoized, so only the program and the
//     components run.
//
// `make bench` runs both and holds the first to its target, 3 s warm;
// no test asserts a speed.
//
//	go test . -run '^$' -bench ProgramOnMocks -benchtime 3x
func BenchmarkProgramOnMocks(b *testing.B) {
	b.Run("building", func(b *testing.B) {
		benchProgram(b, program{builder: components.GoBuilder{TempDir: b.TempDir()}})
	})
	b.Run("prebuilt", func(b *testing.B) { benchProgram(b, testProgram) })
}

func benchProgram(b *testing.B, p program) {
	run := func() {
		exports, err := pm.Run(b, newMockCloud("dev"), projectConfig(baseConfig(2)), p.run)
		if err != nil {
			b.Fatalf("program failed: %v", err)
		}
		if exports["questionsApiEndpoint"] == nil {
			b.Fatalf("no questionsApiEndpoint in %v", exports)
		}
	}
	run() // warms the build cache, or fills the memo
	for b.Loop() {
		run()
	}
}
