// Package lambdabuild builds a Go Lambda function's deployment package
// reproducibly: a zip holding one bootstrap executable, cross-compiled from
// this module's source with the deploy's flags in a clean environment. The
// QuestionsService component deploys what it builds; local tools (the
// benchmarks) build with the same rules. No Pulumi code.
package lambdabuild

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
)

// ModulePath is the module this package belongs to. GoBuilder builds the
// functions from this module's own source, wherever the component is used.
const ModulePath = "github.com/mysfits/mysfits-questions"

// Bundle is a function's deployment package: a zip holding one executable
// named bootstrap, as the provided.al2023 runtime expects.
type Bundle struct {
	// ZipPath is the archive on disk. It must outlive the program run: the
	// Pulumi engine reads it after the resource is registered.
	ZipPath string
	// SourceCodeHash is the base64 SHA-256 of the zip, the form Lambda's
	// CodeSha256 and the provider's source_code_hash use.
	SourceCodeHash string
	// Toolchain is the Go release that compiled the executable (go1.26.8),
	// as the binary's build information records it; "" if unknown.
	Toolchain string
}

// Builder turns a Go main package into a Bundle. TracedGoFunction takes one
// so a test binary can build each package once.
type Builder interface {
	Build(ctx context.Context, pkg string) (Bundle, error)
}

var _ Builder = GoBuilder{}

// zipModTime is the one timestamp every bundle carries: a build's own time
// would make identical code produce different bytes, and so a diff on every
// `pulumi up`. The zip format cannot express times before 1980.
var zipModTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// BootstrapName is the executable the provided.al2023 runtime starts: the
// zip's one entry and the function's handler.
const BootstrapName = "bootstrap"

// The target and the settings that would otherwise come from whoever runs
// the program. goarm64 is the go command's own default, written out so no
// caller's GOARM64 applies.
const (
	targetOS   = "linux"
	targetArch = "arm64"
	goarm64    = "v8.0"
)

// GoBuilder cross-compiles a main package for Lambda on arm64 with flags that
// make the output depend on the source only: no paths (-trimpath), no VCS
// stamp, no build id, no symbol tables.
//
// The build runs in the directory of the module that holds the package
// (Module, this module by default) with that module's go.mod and go.sum and
// the Go release its go.mod's toolchain line names, in an environment made
// from scratch: no GOFLAGS, GOEXPERIMENT, GOARM64, go.work or go env file of
// the caller applies. From the caller it takes only where the caches are,
// how to reach modules (GOPROXY and friends, HTTP proxies) and HOME, PATH
// and the temporary directory; none of them changes the bytes built.
type GoBuilder struct {
	// Dir is any directory inside the caller's module, the Pulumi program
	// that uses the component; "" means the current directory (Pulumi runs
	// programs in the project). The go command run there says where Module
	// is: the caller's own root when the caller is Module, else the
	// module cache or a replace target (go list -m -json Module).
	Dir string
	// Module is the module whose packages are built; "" means ModulePath.
	// The caller's module must be it or require it.
	Module string
	// TempDir is where each build gets its own fresh folder; "" means the
	// system's temporary directory. The folder, holding only the zip, is
	// left for the engine to read.
	TempDir string
	// Arch is the GOARCH built for; "" means arm64, what the functions are
	// deployed on. Only local tools set it: the benchmarks run each
	// bootstrap on this machine, built with the deploy's flags.
	Arch string
	// KeepSymbols leaves out -s -w so go tool nm can say what a binary is
	// made of; code and data are the same as in the stripped build. Never
	// for a deployment: the archive is bigger.
	KeepSymbols bool
}

// Build compiles pkg (a path relative to Module's root, such as
// ./functions/postquestion, or an import path inside Module) and zips it
// reproducibly.
func (b GoBuilder) Build(ctx context.Context, pkg string) (Bundle, error) {
	caller, err := callerGoEnv(ctx, b.Dir)
	if err != nil {
		return Bundle{}, err
	}
	module := b.Module
	if module == "" {
		module = ModulePath
	}
	root, err := moduleDir(ctx, b.Dir, module)
	if err != nil {
		return Bundle{}, err
	}
	toolchain, err := pinnedToolchain(root)
	if err != nil {
		return Bundle{}, err
	}
	dir, err := os.MkdirTemp(b.TempDir, "lambda-"+filepath.Base(pkg)+"-")
	if err != nil {
		return Bundle{}, fmt.Errorf("building %s: %w", pkg, err)
	}
	exe := filepath.Join(dir, BootstrapName)
	cmd := exec.CommandContext(ctx, "go", b.buildArgs(exe, pkg)...)
	cmd.Dir = root
	cmd.Env = buildEnv(caller, toolchain)
	if b.Arch != "" {
		cmd.Env = append(cmd.Env, "GOARCH="+b.Arch) // the last value wins
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return Bundle{}, fmt.Errorf("building %s in %s: %w: %s", pkg, root, err, strings.TrimSpace(stderr.String()))
	}
	binary, err := os.ReadFile(exe)
	if err != nil {
		return Bundle{}, fmt.Errorf("reading the %s build: %w", pkg, err)
	}
	// Only the zip is needed from here on.
	if err := os.Remove(exe); err != nil {
		return Bundle{}, fmt.Errorf("removing the %s build: %w", pkg, err)
	}
	info, err := buildinfo.Read(bytes.NewReader(binary))
	if err != nil {
		return Bundle{}, fmt.Errorf("reading the build information of %s: %w", pkg, err)
	}
	archive, err := zipBootstrap(binary)
	if err != nil {
		return Bundle{}, fmt.Errorf("zipping %s: %w", pkg, err)
	}
	zipPath := filepath.Join(dir, BootstrapName+".zip")
	if err := os.WriteFile(zipPath, archive, 0o644); err != nil {
		return Bundle{}, fmt.Errorf("writing the %s bundle: %w", pkg, err)
	}
	sum := sha256.Sum256(archive)
	return Bundle{
		ZipPath:        zipPath,
		SourceCodeHash: base64.StdEncoding.EncodeToString(sum[:]),
		Toolchain:      info.GoVersion,
	}, nil
}

// buildArgs are the go command's arguments: the one set of flags every
// bundle is built with.
func (b GoBuilder) buildArgs(exe, pkg string) []string {
	ldflags := "-ldflags=-s -w -buildid="
	if b.KeepSymbols {
		ldflags = "-ldflags=-buildid="
	}
	return []string{"build",
		"-tags", "lambda.norpc",
		"-trimpath",
		"-buildvcs=false",
		ldflags,
		"-o", exe,
		pkg}
}

// callerGoEnvKeys are what the build takes from the caller's go env: where
// the caches are and how modules are fetched and checked. None of them
// changes what is compiled.
var callerGoEnvKeys = []string{
	"GOMOD", // only to tell whether the caller is in a module at all
	"GOPATH", "GOMODCACHE", "GOCACHE", "GOCACHEPROG", "GOTMPDIR",
	"GOPROXY", "GONOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOINSECURE", "GOVCS", "GOAUTH",
}

// callerOSEnvKeys are the plain environment variables the go command (and
// the git it may run for GOPROXY=direct) needs to find its home, the
// network and a temporary directory.
var callerOSEnvKeys = []string{
	"HOME", "PATH", "TMPDIR", "TEMP", "TMP",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	// Windows: where the system, the profile and its caches are.
	"SystemRoot", "USERPROFILE", "LOCALAPPDATA", "APPDATA",
}

// callerGoEnv reads the caller's settings as its go command reports them,
// so values from its go env file (go env -w) count as well as variables.
func callerGoEnv(ctx context.Context, dir string) (map[string]string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"env", "-json"}, callerGoEnvKeys...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, goCommandError("go env", err)
	}
	env := map[string]string{}
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	if gomod := env["GOMOD"]; gomod == "" || gomod == os.DevNull {
		return nil, errors.New("go env GOMOD: not inside a Go module (run the program from the project directory)")
	}
	delete(env, "GOMOD")
	return env, nil
}

// buildEnv is the whole environment of the build: the target, the pinned
// toolchain, everything that could change the output set to its default,
// and only the caller's cache, network and home settings besides.
func buildEnv(caller map[string]string, toolchain string) []string {
	env := []string{
		"GOOS=" + targetOS,
		"GOARCH=" + targetArch,
		"GOARM64=" + goarm64,
		"CGO_ENABLED=0",
		"GOFLAGS=",
		"GOEXPERIMENT=",
		"GOTOOLCHAIN=" + toolchain,
		// Only the module's own go.mod: no go.work around it, no go env
		// file (an empty GOFLAGS would otherwise fall back to its value).
		"GOWORK=off",
		"GOENV=off",
	}
	for _, k := range callerGoEnvKeys {
		if v := caller[k]; v != "" {
			env = append(env, k+"="+v)
		}
	}
	for _, k := range callerOSEnvKeys {
		if v, ok := os.LookupEnv(k); ok && v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// listedModule is what go list -m -json says about a module.
type listedModule struct {
	Path, Version, Dir string
	Main               bool
}

// moduleDir finds the source of module as the caller's module resolves
// it: the caller's own root when it is that module, else the module cache
// or the target of a replace directive.
func moduleDir(ctx context.Context, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-json", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("finding %s (the caller's module must be it or require it): %w", module, goCommandError("go list -m", err))
	}
	var m listedModule
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go list -m %s: %w", module, err)
	}
	if m.Dir == "" && !m.Main && m.Version != "" {
		// Required but not downloaded yet.
		cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", m.Path+"@"+m.Version)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			return "", goCommandError("go mod download", err)
		}
		if err := json.Unmarshal(out, &m); err != nil {
			return "", fmt.Errorf("go mod download %s: %w", module, err)
		}
	}
	if m.Dir == "" {
		return "", fmt.Errorf("go list -m %s: no source directory", module)
	}
	return m.Dir, nil
}

// pinnedToolchain is the go release the module's go.mod names in its
// toolchain line; without one, the local go command builds (GOTOOLCHAIN=local)
// and the bundle's Toolchain says which release that was.
func pinnedToolchain(root string) (string, error) {
	gomod := filepath.Join(root, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("reading the toolchain line: %w", err)
	}
	f, err := modfile.ParseLax(gomod, data, nil)
	if err != nil {
		return "", fmt.Errorf("reading the toolchain line: %w", err)
	}
	if f.Toolchain == nil || f.Toolchain.Name == "" {
		return "local", nil
	}
	return f.Toolchain.Name, nil
}

// goCommandError adds what the go command printed to its error.
func goCommandError(what string, err error) error {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return fmt.Errorf("%s: %w: %s", what, err, strings.TrimSpace(string(exitErr.Stderr)))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// zipBootstrap writes a zip with the single entry bootstrap, mode 0755 so
// Lambda can execute it, and the fixed zipModTime: identical binaries give
// identical archives.
func zipBootstrap(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	header := &zip.FileHeader{Name: BootstrapName, Method: zip.Deflate, Modified: zipModTime}
	header.SetMode(0o755)
	w, err := zw.CreateHeader(header)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(binary); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
