// Command pulumi-language-go is the engine tests' stand-in for Pulumi's Go
// language host (github.com/pulumi/pulumi/sdk/go/pulumi-language-go), whose
// module the Go module proxy refuses. It does the one job the tests need from
// it: run a source-based Go plugin. When the engine meets a plugin folder
// whose PulumiPlugin.yaml says `runtime: go` (this project's provider/), it
// starts pulumi-language-go from PATH and calls RunPlugin with
// Info.ProgramDirectory = the plugin folder and Pwd = the consumer's folder.
//
// RunPlugin does what the real host does for such a plugin:
//
//	go build -buildvcs=false -trimpath -ldflags "-w -s" -o <temp file> .
//
// in the plugin folder, with the request's environment over the host's own,
// then runs the binary with the request's arguments and environment in the
// request's working directory, streams its stdout and stderr back, and
// finishes with its exit code. The flags are the real host's: -buildvcs=false
// so the build does not depend on the folder being a VCS checkout the go
// command can read (no git, another owner, a copied folder), -trimpath so the
// binary carries no build-machine paths, -ldflags "-w -s" to leave out the
// debug information. Using them here means the tests build the provider
// exactly as users' engines will, -trimpath included. A build failure comes
// back as the RPC's error, with the go command's output.
//
// InstallDependencies succeeds without doing anything. The CLI (v3.274.1)
// calls it for every PulumiPlugin.yaml folder before running the plugin, and
// an Unimplemented answer arrives on the stream, where the CLI takes it for a
// failed install ("unable to install <folder>"). `go build` resolves the
// module's dependencies itself; the real host tidies the module with
// `go mod tidy`, which here would rewrite this repository's go.mod. Every
// other RPC answers codes.Unimplemented.
//
// The engine tests' Go *program* is not run through this host: it is the
// Automation API's inline program, which runs inside the test process.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mysfits/mysfits-questions/tools/pulumi/standin/internal/langhost"
)

// buildFlags are the real Go language host's flags for building a plugin.
var buildFlags = []string{"-buildvcs=false", "-trimpath", "-ldflags", "-w -s"}

// interruptGrace is how long a plugin gets to exit after SIGINT when the
// engine ends the RunPlugin call, before it is killed; the engine gives the
// plugins it starts itself the same 5 seconds.
const interruptGrace = 5 * time.Second

func main() {
	langhost.Main("pulumi-language-go", newHost())
}

type host struct {
	langhost.StandIn
}

func newHost() *host {
	return &host{StandIn: langhost.StandIn{
		Runtime:  "go",
		Language: "Go",
		Job: "only runs source-based Go plugins (RunPlugin); the engine tests' Go program " +
			"runs through the Automation API's inline program instead",
	}}
}

// RunPlugin builds the Go plugin in req.Info.ProgramDirectory with the real
// host's flags, runs it and streams its output and exit code to the engine.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetAttachDebugger() {
		return h.Unimplemented("RunPlugin under a debugger")
	}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		return status.Error(codes.InvalidArgument,
			"pulumi-language-go: RunPlugin needs info.program_directory, the plugin's folder")
	}

	ctx := server.Context()
	bin, err := build(ctx, dir, append(os.Environ(), req.GetEnv()...))
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(bin) }()

	var sendMu sync.Mutex
	out := &streamWriter{mu: &sendMu, send: func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	}}
	errOut := &streamWriter{mu: &sendMu, send: func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	}}

	cmd := exec.CommandContext(ctx, bin, req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	cmd.Env = req.GetEnv()
	cmd.Stdout, cmd.Stderr = out, errOut
	// The engine stops a source plugin by ending this call: interrupt the
	// plugin first so it can shut down cleanly, as the engine does with the
	// plugin processes it runs itself.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = interruptGrace

	runErr := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case runErr == nil, errors.As(runErr, &exitErr):
		// ExitCode is -1 if a signal ended the plugin.
		code := cmd.ProcessState.ExitCode()
		sendMu.Lock()
		defer sendMu.Unlock()
		if err := server.Send(&pulumirpc.RunPluginResponse{
			Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)},
		}); err != nil {
			return fmt.Errorf("pulumi-language-go: send the plugin's exit code %d: %w", code, err)
		}
		return nil
	default:
		return fmt.Errorf("pulumi-language-go: run the plugin built from %s: %w", dir, runErr)
	}
}

// InstallDependencies succeeds with no output; see the package comment.
func (h *host) InstallDependencies(
	*pulumirpc.InstallDependenciesRequest, pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	return nil
}

// build runs `go build` with the real host's flags in dir and returns the
// path of the binary, a temporary file the caller removes.
func build(ctx context.Context, dir string, env []string) (string, error) {
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.go")); len(matches) == 0 {
		return "", status.Errorf(codes.FailedPrecondition,
			"pulumi-language-go: no .go files in %s to build the plugin from", dir)
	}

	f, err := os.CreateTemp("", "pulumi-go.*")
	if err != nil {
		return "", fmt.Errorf("pulumi-language-go: create the plugin's binary file: %w", err)
	}
	bin := f.Name()
	if err := f.Close(); err != nil {
		_ = os.Remove(bin)
		return "", fmt.Errorf("pulumi-language-go: close the plugin's binary file: %w", err)
	}

	args := append([]string{"build"}, buildFlags...)
	args = append(args, "-o", bin, ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		_ = os.Remove(bin)
		// A status error, not a wrapped one: only the code and the text
		// cross gRPC, so the go command's output goes into the text.
		return "", status.Errorf(codes.FailedPrecondition,
			"pulumi-language-go: building the plugin in %s failed: go %v: %v\n%s",
			dir, quoteArgs(args), err, bytes.TrimSpace(output.Bytes()))
	}
	return bin, nil
}

// quoteArgs renders args the way a shell user would type them, for messages.
func quoteArgs(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = strconv.Quote(a)
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// streamWriter sends what the plugin writes as RunPlugin messages. stdout and
// stderr share one mutex because a gRPC stream must not be sent on from two
// goroutines at once, and exec copies each pipe in its own goroutine.
type streamWriter struct {
	mu   *sync.Mutex
	send func([]byte) error
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// exec reuses p after Write returns; gRPC may read the message later.
	if err := w.send(bytes.Clone(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
