// Package langhost is the part the engine tests' two language-host stand-ins
// (pulumi-language-go and pulumi-language-nodejs) share: how a language host
// process starts and tells the engine where it listens, and a base
// LanguageRuntime server that refuses every RPC a stand-in does not need with
// codes.Unimplemented and a message naming what the stand-in is for.
//
// The start-up protocol is the one every Pulumi language host follows (see
// pulumi-yaml's cmd/pulumi-language-yaml/main.go and the engine's
// sdk/go/common/resource/plugin.newPlugin): the engine runs the host with
// optional logging flags (--logtostderr, -v=N), an optional --tracing
// endpoint and the engine's gRPC address as the last positional argument; the
// host serves LanguageRuntime on a kernel-chosen 127.0.0.1 port, writes that
// port and a newline to stdout, and serves until the engine goes away.
package langhost

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// sdkModule is the Pulumi module whose version the stand-ins report as their
// own: they are built against the CLI's version (tools/pulumi/go.mod).
const sdkModule = "github.com/pulumi/pulumi/sdk/v3"

// Main is a stand-in's whole main function: it parses the command line the
// engine passes, serves srv and exits non-zero if serving fails.
func Main(name string, srv pulumirpc.LanguageRuntimeServer) {
	// Accepted because the engine passes it when tracing is on; the stand-ins
	// emit no traces. The logging flags (-v, --logtostderr) are glog's, which
	// the Pulumi SDK registers on flag.CommandLine.
	flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint (ignored by this stand-in)")
	// The engine passes the project's root when it starts a host during a
	// program's run (a YAML program whose package is a Go source plugin);
	// the stand-ins take every folder from the request instead.
	flag.String("root", "", "The project's root directory (ignored by this stand-in)")
	flag.Parse()

	var engineAddress string
	if flag.NArg() > 0 {
		// The engine's address is always the last positional argument.
		engineAddress = flag.Arg(flag.NArg() - 1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := Serve(ctx, engineAddress, os.Stdout, srv); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		stop()
		os.Exit(1)
	}
}

// Serve registers srv on a gRPC server listening on a kernel-chosen
// 127.0.0.1 port, writes the port and a newline to stdout (the line the
// engine waits for) and blocks until ctx is done, the engine at
// engineAddress stops answering health checks, or the server fails.
// An empty engineAddress skips the health check (tests, debugging).
func Serve(ctx context.Context, engineAddress string, stdout io.Writer, srv pulumirpc.LanguageRuntimeServer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	if engineAddress != "" {
		// Like the real hosts: stop serving once the engine is gone, so a
		// crashed CLI does not leave language hosts behind.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel); err != nil {
			return fmt.Errorf("could not start health check of the engine at %s: %w", engineAddress, err)
		}
	}

	stopServing := make(chan bool)
	go func() {
		<-ctx.Done()
		close(stopServing)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stopServing,
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, srv)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("could not start the language host's gRPC server: %w", err)
	}

	if _, err := fmt.Fprintf(stdout, "%d\n", handle.Port); err != nil {
		cancel()
		<-handle.Done
		return fmt.Errorf("could not report the port to the engine: %w", err)
	}

	if err := <-handle.Done; err != nil {
		return fmt.Errorf("language host stopped serving: %w", err)
	}
	return nil
}

// StandIn is the base of a stand-in's LanguageRuntime server. It implements
// GetPluginInfo and Handshake, the two calls the engine makes to every
// language host, and answers every other RPC with codes.Unimplemented and a
// message saying which stand-in refused it and what that stand-in is for.
// A stand-in embeds it and defines the few RPCs it does implement.
type StandIn struct {
	// Keeps the server compiling if a later pulumirpc adds RPCs.
	pulumirpc.UnimplementedLanguageRuntimeServer

	// Runtime is the Pulumi runtime name: "go" or "nodejs".
	Runtime string
	// Language is the language's display name: "Go" or "Node.js".
	Language string
	// Job completes "... stand-in for Pulumi's <Language> language host, which
	// <Job>", e.g. "only runs source-based plugins (RunPlugin)".
	Job string
}

// Unimplemented is the error every RPC the stand-in does not implement returns.
func (s StandIn) Unimplemented(method string) error {
	return status.Errorf(codes.Unimplemented,
		"pulumi-language-%s: %s is not implemented: this is the engine tests' stand-in for Pulumi's %s language host, which %s",
		s.Runtime, method, s.Language, s.Job)
}

// GetPluginInfo reports the Pulumi SDK version the stand-in was built with,
// which is the CLI's version. The engine calls it right after starting any
// language host and gives up on the host if it fails.
func (s StandIn) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version()}, nil
}

// Handshake succeeds: the stand-ins never call back into the engine, so they
// need nothing from it. The engine only sends it when attaching to a running
// host (PULUMI_DEBUG_LANGUAGES).
func (s StandIn) Handshake(context.Context, *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// Version is the version of the Pulumi SDK module in the running binary's
// build information, without the leading "v"; empty if unknown, which the
// engine accepts as "no version".
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, dep := range info.Deps {
		if dep.Path != sdkModule {
			continue
		}
		if dep.Replace != nil {
			dep = dep.Replace
		}
		return strings.TrimPrefix(dep.Version, "v")
	}
	return ""
}

// The RPCs below are those no stand-in implements unless it overrides them.

func (s StandIn) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, s.Unimplemented("GetRequiredPlugins")
}

func (s StandIn) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return nil, s.Unimplemented("GetRequiredPackages")
}

func (s StandIn) Run(context.Context, *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return nil, s.Unimplemented("Run")
}

func (s StandIn) InstallDependencies(*pulumirpc.InstallDependenciesRequest, pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	return s.Unimplemented("InstallDependencies")
}

func (s StandIn) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return nil, s.Unimplemented("RuntimeOptionsPrompts")
}

func (s StandIn) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return nil, s.Unimplemented("Template")
}

func (s StandIn) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return nil, s.Unimplemented("About")
}

func (s StandIn) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return nil, s.Unimplemented("GetProgramDependencies")
}

func (s StandIn) RunPlugin(*pulumirpc.RunPluginRequest, pulumirpc.LanguageRuntime_RunPluginServer) error {
	return s.Unimplemented("RunPlugin")
}

func (s StandIn) GenerateProgram(context.Context, *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return nil, s.Unimplemented("GenerateProgram")
}

func (s StandIn) GenerateProject(context.Context, *pulumirpc.GenerateProjectRequest) (*pulumirpc.GenerateProjectResponse, error) {
	return nil, s.Unimplemented("GenerateProject")
}

func (s StandIn) GeneratePackage(context.Context, *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return nil, s.Unimplemented("GeneratePackage")
}

func (s StandIn) Pack(context.Context, *pulumirpc.PackRequest) (*pulumirpc.PackResponse, error) {
	return nil, s.Unimplemented("Pack")
}

func (s StandIn) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return nil, s.Unimplemented("Link")
}

func (s StandIn) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return nil, s.Unimplemented("Cancel")
}
