// Command pulumi-language-nodejs is the engine tests' stand-in for Pulumi's
// Node.js language host (sdk/nodejs/cmd/pulumi-language-nodejs in
// github.com/pulumi/pulumi), whose module the Go module proxy refuses. It
// exists so the real CLI can generate this project's TypeScript SDK, which
// the tests then type-check:
//
//	pulumi package gen-sdk <plugin or schema file> --language nodejs --out DIR
//
// The CLI binds the schema, starts pulumi-language-nodejs from PATH and calls
// GeneratePackage with the schema JSON, the output directory and the address
// of the CLI's schema loader (for packages the schema refers to, such as
// aws). GeneratePackage does what the real host does: bind the schema against
// that loader and run Pulumi's own Node.js code generator,
// github.com/pulumi/pulumi/pkg/v3/codegen/nodejs, at the CLI's version (both
// come from tools/pulumi/go.mod), writing its files under the directory.
//
// It does not run Node.js programs or plugins: Run, RunPlugin,
// InstallDependencies, Link, Pack and every other RPC besides GetPluginInfo
// and Handshake answer codes.Unimplemented.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mysfits/mysfits-questions/tools/pulumi/standin/internal/langhost"
)

// tool is the generator name the SDK's files say they were written by; the
// real host passes its own name.
const tool = "pulumi-language-nodejs"

func main() {
	langhost.Main(tool, newHost())
}

type host struct {
	langhost.StandIn
}

func newHost() *host {
	return &host{StandIn: langhost.StandIn{
		Runtime:  "nodejs",
		Language: "Node.js",
		Job: "only generates SDKs (GeneratePackage) so the TypeScript SDK the real CLI generates " +
			"can be type-checked; it does not run Node.js programs",
	}}
}

// GeneratePackage writes the Node.js SDK for req.Schema into req.Directory.
// Binding problems come back as diagnostics, as from the real host, so the
// CLI prints them with their schema locations.
func (h *host) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	if req.GetDirectory() == "" {
		return nil, status.Error(codes.InvalidArgument, "pulumi-language-nodejs: GeneratePackage needs a directory")
	}
	if req.GetLoaderTarget() == "" {
		// schema.NewLoaderClient asserts on an empty target; say what is wrong instead.
		return nil, status.Error(codes.InvalidArgument,
			"pulumi-language-nodejs: GeneratePackage needs loader_target, the address of the engine's schema loader")
	}

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "pulumi-language-nodejs: parse the package schema: %v", err)
	}

	loaderClient, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("pulumi-language-nodejs: connect to the schema loader at %s: %w", req.GetLoaderTarget(), err)
	}
	defer func() { _ = loaderClient.Close() }()
	// Cached, like the real host's, so each referenced package is fetched once.
	loader := schema.NewCachedLoader(loaderClient)

	// The CLI bound this schema with dangling references allowed
	// (cmd/pulumi/packages.BindSpec) before sending it; bind it the same way so
	// the host accepts what the CLI accepted.
	pkg, diags, err := schema.BindSpecWithContext(ctx, spec, loader, schema.ValidationOptions{
		AllowDanglingReferences: true,
	})
	if err != nil {
		return nil, fmt.Errorf("pulumi-language-nodejs: bind the package schema: %w", err)
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
	}

	files, err := nodejs.GeneratePackage(tool, pkg, req.GetExtraFiles(), req.GetLocalDependencies(), req.GetLocal(), loader)
	if err != nil {
		return nil, fmt.Errorf("pulumi-language-nodejs: generate the Node.js SDK for %s: %w", pkg.Name, err)
	}
	if err := writeFiles(req.GetDirectory(), files); err != nil {
		return nil, err
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
}

// writeFiles writes the generated files under dir, with the real host's
// permissions (0o700 directories, 0o600 files).
func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("pulumi-language-nodejs: create the directory for %s: %w", name, err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("pulumi-language-nodejs: write %s: %w", name, err)
		}
	}
	return nil
}
