package lambdabuild

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
)

// BenchmarkGoBuilder builds each function as the component does:
//   - warm: on the caller's build cache, once warmed (an unchanged
//     `pulumi up`);
//   - cold: each build on a fresh, empty GOCACHE (a new machine or CI;
//     the module cache is the caller's).
//
// Every build logs its archive's hash and must give the first build's
// bytes, cold or warm: `make bench` compares them across its runs too.
//
//	go test ./components -run '^$' -bench GoBuilder/post/warm -benchtime 3x
func BenchmarkGoBuilder(b *testing.B) {
	for _, fn := range []struct{ name, pkg string }{{"post", postPackage}, {"process", processPackage}} {
		var first string // the hash every build of fn must give
		build := func(b *testing.B) {
			b.Helper()
			bundle, err := GoBuilder{TempDir: b.TempDir()}.Build(context.Background(), fn.pkg)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("bundle %s SourceCodeHash %s", fn.pkg, bundle.SourceCodeHash)
			if first == "" {
				first = bundle.SourceCodeHash
			} else if bundle.SourceCodeHash != first {
				b.Fatalf("%s: archive %s, an earlier build gave %s", fn.pkg, bundle.SourceCodeHash, first)
			}
		}
		b.Run(fn.name, func(b *testing.B) {
			b.Run("warm", func(b *testing.B) {
				build(b) // warms the cache
				for b.Loop() {
					build(b)
				}
			})
			b.Run("cold", func(b *testing.B) {
				b.Setenv("GOCACHE", "") // restored when the benchmark ends
				for range b.N {
					b.StopTimer()
					cache, err := os.MkdirTemp("", "gocache-cold-")
					if err != nil {
						b.Fatal(err)
					}
					if err := os.Setenv("GOCACHE", cache); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					build(b)
					b.StopTimer()
					if err := os.RemoveAll(cache); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			})
		})
	}
}

// The options for local tools change only what they name: KeepSymbols
// only the linker's -s -w, every other flag is the deploy's.
func TestBuildArgsOptions(t *testing.T) {
	deploy := GoBuilder{}.buildArgs("out", "./pkg")
	symbols := GoBuilder{KeepSymbols: true, Arch: "amd64"}.buildArgs("out", "./pkg")
	if !slices.Contains(deploy, "-ldflags=-s -w -buildid=") || !slices.Contains(symbols, "-ldflags=-buildid=") {
		t.Fatalf("ldflags: deploy %q, symbols kept %q", deploy, symbols)
	}
	if len(deploy) != len(symbols) {
		t.Fatalf("deploy %q, symbols kept %q", deploy, symbols)
	}
	for i := range deploy {
		if deploy[i] != symbols[i] && !strings.HasPrefix(deploy[i], "-ldflags=") {
			t.Errorf("flag %d: %q with symbols kept, %q for the deploy", i, symbols[i], deploy[i])
		}
	}
}
