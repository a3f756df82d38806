package lambdabuild

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// readBundle checks the bundle's hash against the file and returns the zip.
func readBundle(t *testing.T, b Bundle) []byte {
	t.Helper()
	data, err := os.ReadFile(b.ZipPath)
	if err != nil {
		t.Fatalf("reading bundle: %v", err)
	}
	sum := sha256.Sum256(data)
	if want := base64.StdEncoding.EncodeToString(sum[:]); b.SourceCodeHash != want {
		t.Errorf("SourceCodeHash = %s, want base64 sha256 of the zip %s", b.SourceCodeHash, want)
	}
	return data
}

// bootstrapEntry checks the zip holds exactly one executable bootstrap with
// the fixed timestamp and returns its contents.
func bootstrapEntry(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("bundle is not a zip: %v", err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("zip has %d entries, want exactly 1 (bootstrap)", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" {
		t.Errorf("entry name = %q, want bootstrap", f.Name)
	}
	if mode := f.Mode(); !mode.IsRegular() || mode.Perm() != 0o755 {
		t.Errorf("entry mode = %v, want a regular file with mode 0755", mode)
	}
	if !f.Modified.Equal(zipModTime) {
		t.Errorf("entry modified = %v, want the fixed %v", f.Modified, zipModTime)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatalf("opening bootstrap: %v", err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading bootstrap: %v", err)
	}
	return body
}

func requireLinuxARM64(t *testing.T, binary []byte) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 {
		t.Errorf("bootstrap is %v/%v, want EM_AARCH64/ELFCLASS64", f.Machine, f.Class)
	}
	if f.Section(".symtab") != nil {
		t.Error("bootstrap has a symbol table: -ldflags=-s was not applied")
	}
	if ip := f.Section(".interp"); ip != nil {
		t.Error("bootstrap asks for a dynamic loader: it must be static (CGO_ENABLED=0)")
	}
}

// TestGoBuilderReproducible builds the real post function twice, each into
// a fresh folder: the bundles must be byte-identical, or every `pulumi up`
// would redeploy unchanged code.
func TestGoBuilderReproducible(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first, err := GoBuilder{TempDir: t.TempDir()}.Build(ctx, postPackage)
	if err != nil {
		t.Fatalf("first build: %v", err)
	}
	second, err := GoBuilder{TempDir: t.TempDir()}.Build(ctx, postPackage)
	if err != nil {
		t.Fatalf("second build: %v", err)
	}
	if filepath.Dir(first.ZipPath) == filepath.Dir(second.ZipPath) {
		t.Fatalf("both builds used %s; each must get a fresh folder", filepath.Dir(first.ZipPath))
	}
	a, b := readBundle(t, first), readBundle(t, second)
	if !bytes.Equal(a, b) {
		t.Fatalf("two builds of %s differ (%d and %d bytes)", postPackage, len(a), len(b))
	}
	if first.SourceCodeHash != second.SourceCodeHash {
		t.Errorf("source code hashes differ: %s and %s", first.SourceCodeHash, second.SourceCodeHash)
	}
	requireLinuxARM64(t, bootstrapEntry(t, a))
	if want := thisModule(t).Toolchain.Name; first.Toolchain != want {
		t.Errorf("Toolchain = %q, want %q from go.mod's toolchain line", first.Toolchain, want)
	}
	for _, bundle := range []Bundle{first, second} {
		entries, err := os.ReadDir(filepath.Dir(bundle.ZipPath))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Errorf("build folder %s holds %d files, want only the zip", filepath.Dir(bundle.ZipPath), len(entries))
		}
	}
}

// throwawayModule is the path of writeModule's modules.
const throwawayModule = "example.com/throwaway"

// writeModule creates a throwaway module with one main package.
func writeModule(t *testing.T, mainSource string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":            "module " + throwawayModule + "\n\ngo 1.22\n",
		"cmd/hello/main.go": mainSource,
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestGoBuilderFindsModuleRootFromSubfolder(t *testing.T) {
	t.Parallel()
	module := writeModule(t, "package main\n\nfunc main() { println(\"hello\") }\n")
	// Started in a subfolder, as a program may be: ./cmd/hello is still
	// resolved from the module root.
	b := GoBuilder{Dir: filepath.Join(module, "cmd"), Module: throwawayModule, TempDir: t.TempDir()}
	bundle, err := b.Build(context.Background(), "./cmd/hello")
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	requireLinuxARM64(t, bootstrapEntry(t, readBundle(t, bundle)))
}

func TestGoBuilderErrors(t *testing.T) {
	t.Parallel()
	broken := writeModule(t, "package main\n\nfunc main() { undefinedThing() }\n")
	tests := []struct {
		name    string
		builder GoBuilder
		pkg     string
		want    []string
		exitErr bool
	}{
		{
			name:    "compile error carries go build's stderr",
			builder: GoBuilder{Dir: broken, Module: throwawayModule, TempDir: t.TempDir()},
			pkg:     "./cmd/hello",
			want:    []string{"building ./cmd/hello", "undefined: undefinedThing"},
			exitErr: true,
		},
		{
			name:    "missing package",
			builder: GoBuilder{Dir: broken, Module: throwawayModule, TempDir: t.TempDir()},
			pkg:     "./cmd/nothere",
			want:    []string{"building ./cmd/nothere", "cmd/nothere"},
			exitErr: true,
		},
		{
			name:    "outside any module",
			builder: GoBuilder{Dir: t.TempDir(), TempDir: t.TempDir()},
			pkg:     "./cmd/hello",
			want:    []string{"not inside a Go module"},
		},
		{
			name:    "caller module does not require this one",
			builder: GoBuilder{Dir: broken, TempDir: t.TempDir()},
			pkg:     postPackage,
			want:    []string{"finding " + ModulePath, "must be it or require it"},
			exitErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.builder.Build(context.Background(), tt.pkg)
			if err == nil {
				t.Fatal("Build succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var exitErr *exec.ExitError
			if tt.exitErr && !errors.As(err, &exitErr) {
				t.Errorf("error %q does not wrap the go command's *exec.ExitError", err)
			}
		})
	}
}

func TestGoBuilderHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (GoBuilder{TempDir: t.TempDir()}).Build(ctx, postPackage); err == nil {
		t.Fatal("Build with a cancelled context succeeded")
	}
}

func TestZipBootstrapIsDeterministic(t *testing.T) {
	t.Parallel()
	binary := bytes.Repeat([]byte("not really an executable "), 1000)
	a, err := zipBootstrap(binary)
	if err != nil {
		t.Fatal(err)
	}
	b, err := zipBootstrap(append([]byte(nil), binary...))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("zipping the same binary twice gave different bytes")
	}
	if got := bootstrapEntry(t, a); !bytes.Equal(got, binary) {
		t.Error("bootstrap entry does not round-trip")
	}
	c, err := zipBootstrap(append(binary, '!'))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Error("different binaries gave the same zip")
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
	if f.Toolchain == nil {
		t.Fatal("go.mod has no toolchain line: the build would not be pinned")
	}
	return f
}

// thisModuleRoot is the checkout the tests run in (two above internal/lambdabuild).
func thisModuleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestModulePath(t *testing.T) {
	t.Parallel()
	if got := reflect.TypeFor[GoBuilder]().PkgPath(); got != ModulePath+"/internal/lambdabuild" {
		t.Errorf("lambdabuild is %s, want it inside ModulePath %s", got, ModulePath)
	}
	if got := thisModule(t).Module.Mod.Path; got != ModulePath {
		t.Errorf("go.mod names module %s, ModulePath is %s", got, ModulePath)
	}
}

// TestBuildEnvIsFromScratch: the build's environment is the allow-list,
// with the settings that change the output pinned, whatever the caller has.
func TestBuildEnvIsFromScratch(t *testing.T) {
	t.Setenv("GOFLAGS", "-race")
	t.Setenv("GOARM64", "v8.5")
	t.Setenv("MYSFITS_SECRET_THING", "leak")
	t.Setenv("HOME", "/home/someone")
	env := buildEnv(map[string]string{"GOPROXY": "https://proxy.example.com", "GOCACHE": "/cache", "GONOSUMDB": ""}, "go1.26.8")
	got := map[string][]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = append(got[k], v)
	}
	want := map[string]string{
		"GOOS": "linux", "GOARCH": "arm64", "GOARM64": "v8.0", "CGO_ENABLED": "0",
		"GOFLAGS": "", "GOEXPERIMENT": "", "GOTOOLCHAIN": "go1.26.8", "GOWORK": "off", "GOENV": "off",
		"GOPROXY": "https://proxy.example.com", "GOCACHE": "/cache", "HOME": "/home/someone",
	}
	for k, v := range want {
		if !slices.Equal(got[k], []string{v}) {
			t.Errorf("%s = %q, want exactly %q", k, got[k], v)
		}
	}
	allowed := append(slices.Clone(callerGoEnvKeys), callerOSEnvKeys...)
	for k := range got {
		if _, pinned := want[k]; !pinned && !slices.Contains(allowed, k) {
			t.Errorf("build environment holds %s, which is neither pinned nor allowed", k)
		}
	}
	if _, ok := got["GONOSUMDB"]; ok {
		t.Error("an empty caller setting was passed on")
	}
}

// TestGoBuilderIgnoresCallerEnvironment: a caller whose environment and go
// env file ask for other flags, experiments and targets gets the same
// bytes as a clean build.
func TestGoBuilderIgnoresCallerEnvironment(t *testing.T) {
	ctx := context.Background()
	clean, err := GoBuilder{TempDir: t.TempDir()}.Build(ctx, postPackage)
	if err != nil {
		t.Fatalf("clean build: %v", err)
	}
	// Keep the caches where they are: only the settings that shape the
	// output are polluted.
	out, err := exec.Command("go", "env", "GOPATH", "GOMODCACHE", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	caches := strings.Fields(string(out))
	if len(caches) != 3 {
		t.Fatalf("go env printed %q", out)
	}
	t.Setenv("GOPATH", caches[0])
	t.Setenv("GOMODCACHE", caches[1])
	t.Setenv("GOCACHE", caches[2])
	// A go env file (go env -w) in a fresh home: the build must not read it,
	// even for the settings it leaves empty.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("APPDATA", filepath.Join(home, "AppData"))
	config, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	goEnvFile := filepath.Join(config, "go", "env")
	if err := os.MkdirAll(filepath.Dir(goEnvFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goEnvFile, []byte("GOFLAGS=-gcflags=all=-l -ldflags=-X=main.fromGoEnvFile=1\nGOEXPERIMENT=nogreenteagc\nGOARM64=v8.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOENV", "")
	t.Setenv("GOFLAGS", "-tags=foo -gcflags=all=-N -ldflags=-X=main.polluted=1 -mod=mod")
	t.Setenv("GOEXPERIMENT", "nogreenteagc")
	t.Setenv("GOARM64", "v8.5")
	t.Setenv("GOOS", "windows")
	t.Setenv("GOARCH", "386")
	t.Setenv("CGO_ENABLED", "1")

	polluted, err := GoBuilder{TempDir: t.TempDir()}.Build(ctx, postPackage)
	if err != nil {
		t.Fatalf("build with a polluted environment: %v", err)
	}
	a, b := readBundle(t, clean), readBundle(t, polluted)
	if !bytes.Equal(a, b) {
		t.Fatalf("the caller's environment changed the archive: %s clean, %s polluted", clean.SourceCodeHash, polluted.SourceCodeHash)
	}
	if polluted.Toolchain != clean.Toolchain {
		t.Errorf("toolchain %s, clean build %s", polluted.Toolchain, clean.Toolchain)
	}
}

// The functions the tests build, as the component names them.
const (
	postPackage    = "./functions/postquestion"
	processPackage = "./functions/processstream"
)
