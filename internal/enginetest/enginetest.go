// Package enginetest runs the real Pulumi CLI and engine for the engine
// tests (make test-engine, build tag "engine"): the CLI built from the Go
// module proxy into .local/pulumi/bin, with the YAML language host beside
// it, and a PULUMI_HOME of its own (.local/pulumi/home) holding the
// stand-in AWS provider plugin. State goes to a temporary file backend;
// nothing reaches the network. make test-engine builds all of it first.
package enginetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"golang.org/x/mod/modfile"

	"github.com/mysfits/mysfits-questions/internal/lambdabuild"
)

// Passphrase encrypts the test stacks' secrets (the passphrase secrets
// provider: no service, no key management).
const Passphrase = "mysfits-engine-tests"

// Engine is one test's engine: the CLI, its plugins, and a fresh backend.
type Engine struct {
	Root    string // .local/pulumi: bin/ and home/
	Backend string // file:// URL of this test's state
	env     map[string]string
}

// New is an engine for one test, with its own empty file backend. It fails
// the test, saying what to run, when make test-engine has not built the
// tools.
func New(t testing.TB) *Engine {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{Root: filepath.Join(root, ".local", "pulumi")}
	for _, tool := range []string{filepath.Join("bin", "pulumi"), filepath.Join("bin", "pulumi-language-yaml")} {
		if _, err := os.Stat(filepath.Join(e.Root, tool)); err != nil {
			t.Fatalf("%s is missing: run `make test-engine`, which builds the Pulumi CLI, the YAML host and the stand-in AWS plugin (%v)", tool, err)
		}
	}
	e.Backend = "file://" + filepath.ToSlash(t.TempDir())
	e.env = map[string]string{
		"PULUMI_HOME":               filepath.Join(e.Root, "home"),
		"PULUMI_BACKEND_URL":        e.Backend,
		"PULUMI_CONFIG_PASSPHRASE":  Passphrase,
		"PULUMI_SKIP_UPDATE_CHECK":  "true",
		"PULUMI_SKIP_CONFIRMATIONS": "true",
		// Plugins come from PULUMI_HOME only: a missing one is an error,
		// never a download.
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_COPILOT": "false",
		"PATH":           filepath.Join(e.Root, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
	return e
}

// Env is the environment every pulumi command of this test runs with.
func (e *Engine) Env() map[string]string { return e.env }

// Command is the CLI for the Automation API: this engine's binary, its
// version checked against the SDK's minimum.
func (e *Engine) Command(t testing.TB) auto.PulumiCommand {
	t.Helper()
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: e.Root})
	if err != nil {
		t.Fatalf("the Pulumi CLI in %s: %v", e.Root, err)
	}
	return cmd
}

// Run runs the CLI in dir, as a user at a terminal would, and returns its
// standard output; a non-zero exit is an error holding both outputs.
func (e *Engine) Run(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(e.Root, "bin", "pulumi"), append(args, "--non-interactive", "--color=never")...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range e.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("pulumi %s: %w\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// RepoRoot is the root of this module's checkout.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// repoRoot walks up from the working directory (go test runs in the
// package's folder) to the go.mod of this module.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modfile.ModulePath(data) == lambdabuild.ModulePath {
			return dir, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the module " + lambdabuild.ModulePath)
		}
		dir = parent
	}
}
