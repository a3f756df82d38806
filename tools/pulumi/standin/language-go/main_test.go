package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/mysfits/mysfits-questions/tools/pulumi/standin/internal/langhosttest"
)

// probeMain is a plugin stand-in with no dependencies: it reports what the
// host gave it (working directory, arguments, one environment variable) and
// how it was built, then exits with the code its first argument names.
const probeMain = `package main

import (
	"debug/elf"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// taggedBuild is set by tagged.go, which only builds with -tags=probe.
var taggedBuild bool

func main() {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(100)
	}
	settings := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
	}
	fmt.Printf("cwd=%s\n", wd)
	fmt.Printf("args=%s\n", strings.Join(os.Args[1:], "|"))
	fmt.Printf("trimpath=%s\n", settings["-trimpath"])
	// Build info leaves -ldflags out under -trimpath, so look at the binary:
	// -s drops the symbol table, -w the DWARF sections.
	if exe, err := os.Executable(); err == nil {
		if f, err := elf.Open(exe); err == nil {
			dwarf := false
			for _, s := range f.Sections {
				dwarf = dwarf || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_")
			}
			fmt.Printf("symtab=%t\n", f.Section(".symtab") != nil)
			fmt.Printf("dwarf=%t\n", dwarf)
			f.Close()
		}
	}
	fmt.Printf("tagged=%t\n", taggedBuild)
	fmt.Printf("env=%s\n", os.Getenv("STANDIN_PROBE"))
	fmt.Fprintln(os.Stderr, "probe: to stderr")
	code, _ := strconv.Atoi(os.Args[1])
	os.Exit(code)
}
`

const probeTagged = `//go:build probe

package main

func init() { taggedBuild = true }
`

// writeModule writes a throwaway Go module (no dependencies) into a new
// temporary directory and returns the directory.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/probe\n\ngo 1.21\n"
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type pluginRun struct {
	stdout, stderr string
	exitCode       int32
	gotExitCode    bool
}

// runPlugin calls RunPlugin and collects the stream as the engine does.
func runPlugin(t *testing.T, client pulumirpc.LanguageRuntimeClient, req *pulumirpc.RunPluginRequest) (pluginRun, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stream, err := client.RunPlugin(ctx, req)
	if err != nil {
		return pluginRun{}, err
	}
	var run pluginRun
	var stdout, stderr strings.Builder
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			run.stdout, run.stderr = stdout.String(), stderr.String()
			return run, nil
		}
		if err != nil {
			return run, err
		}
		if run.gotExitCode {
			t.Errorf("message after the exit code: %v", msg)
		}
		switch out := msg.Output.(type) {
		case *pulumirpc.RunPluginResponse_Stdout:
			stdout.Write(out.Stdout)
		case *pulumirpc.RunPluginResponse_Stderr:
			stderr.Write(out.Stderr)
		case *pulumirpc.RunPluginResponse_Exitcode:
			run.exitCode, run.gotExitCode = out.Exitcode, true
		}
	}
}

func TestRunPlugin(t *testing.T) {
	client := langhosttest.Start(t, newHost())

	probe := writeModule(t, map[string]string{"main.go": probeMain, "tagged.go": probeTagged})
	broken := writeModule(t, map[string]string{"main.go": "package main\n\nfunc main() { nope() }\n"})
	noGo := writeModule(t, map[string]string{})
	pwd := t.TempDir()
	// The engine sends its own environment plus the plugin's; do the same.
	env := append(os.Environ(), "STANDIN_PROBE=from-request", "GOFLAGS=-tags=probe")

	tests := []struct {
		name     string
		dir      string
		args     []string
		wantCode int32
		// wantOut are lines the plugin must have printed.
		wantOut []string
		// wantStripped: the plugin must report a binary without symbol
		// table and DWARF (-ldflags "-w -s").
		wantStripped bool
		// wantErr, if set, is the status code RunPlugin must fail with, and
		// wantErrText what its message must contain.
		wantErr     codes.Code
		wantErrText []string
	}{
		{
			name:     "builds with the real host's flags and runs in Pwd",
			dir:      probe,
			args:     []string{"0", "two words", "--flag=x"},
			wantCode: 0,
			wantOut: []string{
				"cwd=" + resolve(t, pwd),
				"args=0|two words|--flag=x",
				"trimpath=true",
				// GOFLAGS from the request reached `go build`.
				"tagged=true",
				"env=from-request",
			},
			wantStripped: true,
		},
		{
			name:     "streams a non-zero exit code",
			dir:      probe,
			args:     []string{"3"},
			wantCode: 3,
			wantOut:  []string{"args=3"},
		},
		{
			name:        "reports a build error",
			dir:         broken,
			wantErr:     codes.FailedPrecondition,
			wantErrText: []string{"building the plugin in " + broken + " failed", "-trimpath", "undefined: nope"},
		},
		{
			name:        "reports a folder without Go files",
			dir:         noGo,
			wantErr:     codes.FailedPrecondition,
			wantErrText: []string{"no .go files in " + noGo},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := runPlugin(t, client, &pulumirpc.RunPluginRequest{
				Pwd:  pwd,
				Args: tt.args,
				Env:  env,
				Info: &pulumirpc.ProgramInfo{RootDirectory: tt.dir, ProgramDirectory: tt.dir, EntryPoint: "."},
				Kind: "resource",
			})
			if tt.wantErr != codes.OK {
				if status.Code(err) != tt.wantErr {
					t.Fatalf("RunPlugin error = %v, want code %v", err, tt.wantErr)
				}
				for _, text := range tt.wantErrText {
					if !strings.Contains(err.Error(), text) {
						t.Errorf("error %q does not contain %q", err, text)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("RunPlugin: %v", err)
			}
			if !run.gotExitCode || run.exitCode != tt.wantCode {
				t.Errorf("exit code = %d (sent: %t), want %d", run.exitCode, run.gotExitCode, tt.wantCode)
			}
			lines := strings.Split(run.stdout, "\n")
			wantOut := tt.wantOut
			if tt.wantStripped && runtime.GOOS == "linux" {
				// -ldflags "-w -s", checked on the ELF binary.
				wantOut = append(wantOut, "symtab=false", "dwarf=false")
			}
			for _, want := range wantOut {
				if !contains(lines, want) {
					t.Errorf("stdout has no line %q:\n%s", want, run.stdout)
				}
			}
			if run.stderr != "probe: to stderr\n" {
				t.Errorf("stderr = %q, want the plugin's stderr", run.stderr)
			}
		})
	}
}

func TestOtherRPCs(t *testing.T) {
	client := langhosttest.Start(t, newHost())
	ctx := context.Background()

	info, err := client.GetPluginInfo(ctx, &emptypb.Empty{})
	if err != nil || info.GetVersion() != "3.274.1" {
		t.Errorf("GetPluginInfo = %v, %v; want version 3.274.1, the CLI's", info, err)
	}
	if _, err := client.Handshake(ctx, &pulumirpc.LanguageHandshakeRequest{EngineAddress: "127.0.0.1:1"}); err != nil {
		t.Errorf("Handshake: %v", err)
	}

	// InstallDependencies must end cleanly with no output (see the package comment).
	deps, err := client.InstallDependencies(ctx, &pulumirpc.InstallDependenciesRequest{IsPlugin: true})
	if err != nil {
		t.Fatalf("InstallDependencies: %v", err)
	}
	if msg, err := deps.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("InstallDependencies stream = %v, %v; want it to end with no messages", msg, err)
	}

	refused := map[string]func() error{
		"Run": func() error {
			_, err := client.Run(ctx, &pulumirpc.RunRequest{})
			return err
		},
		"GetRequiredPackages": func() error {
			_, err := client.GetRequiredPackages(ctx, &pulumirpc.GetRequiredPackagesRequest{})
			return err
		},
		"GeneratePackage": func() error {
			_, err := client.GeneratePackage(ctx, &pulumirpc.GeneratePackageRequest{})
			return err
		},
		"Link": func() error {
			_, err := client.Link(ctx, &pulumirpc.LinkRequest{})
			return err
		},
		"RunPlugin under a debugger": func() error {
			_, err := runPlugin(t, client, &pulumirpc.RunPluginRequest{AttachDebugger: true})
			return err
		},
	}
	langhosttest.Refused(t, "pulumi-language-go", refused, "engine tests' stand-in", "source-based Go plugins")
}

func resolve(t *testing.T, path string) string {
	t.Helper()
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	return resolved
}

func contains(lines []string, want string) bool {
	for _, line := range lines {
		if line == want {
			return true
		}
	}
	return false
}
