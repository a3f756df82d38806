package components

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Bundle is a function's deployment package: a zip holding one executable
// named bootstrap, as the provided.al2023 runtime expects.
type Bundle struct {
	// ZipPath is the archive on disk. It must outlive the program run: the
	// Pulumi engine reads it after the resource is registered.
	ZipPath string
	// SourceCodeHash is the base64 SHA-256 of the zip, the form Lambda's
	// CodeSha256 and the provider's source_code_hash use.
	SourceCodeHash string
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

// bootstrapName is the executable the provided.al2023 runtime starts.
const bootstrapName = "bootstrap"

// GoBuilder cross-compiles a main package for Lambda on arm64 with flags that
// make the output depend on the source only: no paths (-trimpath), no VCS
// stamp, no build id, no symbol tables.
type GoBuilder struct {
	// Dir is any directory inside the module whose packages are built; ""
	// means the current directory (Pulumi runs programs in the project).
	Dir string
	// TempDir is where each build gets its own fresh folder; "" means the
	// system's temporary directory.
	TempDir string
}

// Build compiles pkg (a path relative to the module root, such as
// ./functions/postquestion, or an import path) and zips it reproducibly.
func (b GoBuilder) Build(ctx context.Context, pkg string) (Bundle, error) {
	root, err := moduleRoot(ctx, b.Dir)
	if err != nil {
		return Bundle{}, err
	}
	dir, err := os.MkdirTemp(b.TempDir, "lambda-"+filepath.Base(pkg)+"-")
	if err != nil {
		return Bundle{}, fmt.Errorf("building %s: %w", pkg, err)
	}
	exe := filepath.Join(dir, bootstrapName)
	cmd := exec.CommandContext(ctx, "go", "build",
		"-tags", "lambda.norpc",
		"-trimpath",
		"-buildvcs=false",
		"-ldflags=-s -w -buildid=",
		"-o", exe,
		pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
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
	archive, err := zipBootstrap(binary)
	if err != nil {
		return Bundle{}, fmt.Errorf("zipping %s: %w", pkg, err)
	}
	zipPath := filepath.Join(dir, bootstrapName+".zip")
	if err := os.WriteFile(zipPath, archive, 0o644); err != nil {
		return Bundle{}, fmt.Errorf("writing the %s bundle: %w", pkg, err)
	}
	sum := sha256.Sum256(archive)
	return Bundle{ZipPath: zipPath, SourceCodeHash: base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// moduleRoot asks the go command where the go.mod of the module holding dir
// is, so the build does not depend on which folder of the module the
// program was started in.
func moduleRoot(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOMOD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", fmt.Errorf("go env GOMOD: %w: %s", err, strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside a Go module (run the program from the project directory)")
	}
	return filepath.Dir(gomod), nil
}

// zipBootstrap writes a zip with the single entry bootstrap, mode 0755 so
// Lambda can execute it, and the fixed zipModTime: identical binaries give
// identical archives.
func zipBootstrap(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	header := &zip.FileHeader{Name: bootstrapName, Method: zip.Deflate, Modified: zipModTime}
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
