package components

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/mysfits/mysfits-questions/contract"
)

// TestGoBuilderFromConsumerModule uses the component from another module,
// as the main Mysfits project does: a throwaway module requiring this one
// (replaced by this checkout), resolved offline from the module cache. The
// functions it deploys must be byte for byte those built here.
func TestGoBuilderFromConsumerModule(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, ours := thisModuleRoot(t), thisModule(t)

	consumer := t.TempDir()
	var gomod strings.Builder
	fmt.Fprintf(&gomod, "module example.com/mysfits-site\n\ngo %s\n\nrequire %s v0.0.0\n\nrequire (\n", ours.Go.Version, ModulePath)
	for _, r := range ours.Require {
		indirect := ""
		if r.Indirect {
			indirect = " // indirect"
		}
		fmt.Fprintf(&gomod, "\t%s %s%s\n", r.Mod.Path, r.Mod.Version, indirect)
	}
	fmt.Fprintf(&gomod, ")\n\nreplace %s => %s\n", ModulePath, modfile.AutoQuote(root))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	site, err := os.ReadFile(filepath.Join("testdata", "consumer", "main_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"go.mod": []byte(gomod.String()), "go.sum": sum, "main_test.go": site} {
		if err := os.WriteFile(filepath.Join(consumer, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	archives := filepath.Join(t.TempDir(), "archives.json")
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", ".")
	cmd.Dir = consumer
	cmd.Env = append(os.Environ(),
		"GOFLAGS=-mod=mod", // the consumer's own; the functions' build runs with none
		"GOPROXY=off",      // everything from the module cache
		"GOSUMDB=off",
		"GOWORK=off",
		"CONSUMER_ARCHIVES="+archives,
	)
	if runtime.GOARCH != "arm64" {
		// Does not change the consumer's own (host) build; must not reach
		// the functions'.
		cmd.Env = append(cmd.Env, "GOARM64=v8.5")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test in the consumer module: %v\n%s", err, out)
	}
	data, err := os.ReadFile(archives)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]struct{ SourceCodeHash, Toolchain string }
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	for name, pkg := range map[string]string{"questions-post": contract.PostFunctionPackage, "questions-process": contract.ProcessFunctionPackage} {
		want, err := testBuilder.Build(ctx, pkg)
		if err != nil {
			t.Fatalf("building %s here: %v", pkg, err)
		}
		if got[name].SourceCodeHash != want.SourceCodeHash {
			t.Errorf("%s from the consumer module has hash %q, built here %q", name, got[name].SourceCodeHash, want.SourceCodeHash)
		}
		if got[name].Toolchain != want.Toolchain || want.Toolchain != ours.Toolchain.Name {
			t.Errorf("%s toolchain tag %q, built here with %q, go.mod pins %q", name, got[name].Toolchain, want.Toolchain, ours.Toolchain.Name)
		}
	}
	if len(got) != 2 {
		t.Errorf("consumer deployed functions %v, want questions-post and questions-process", got)
	}
}

// thisModule is this module's go.mod, parsed.
func thisModule(t *testing.T) *modfile.File {
	t.Helper()
	gomod := filepath.Join(thisModuleRoot(t), "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// thisModuleRoot is the checkout the tests run in (the parent of components/).
func thisModuleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}
