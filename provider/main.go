// Command provider serves the QuestionsService component to every Pulumi
// language (TypeScript, Python, C#, Java, YAML) as the "mysfits" package,
// built with pulumi-go-provider's infer. PulumiPlugin.yaml beside it makes
// this folder a source-based plugin:
//
//	pulumi package add github.com/mysfits/mysfits-questions/provider@v1.2.3
//
// clones the repository, and Pulumi's Go language host compiles this
// folder and runs it. The component is components.NewQuestionsService, the
// same code a Go program calls directly; its Lambda functions are built
// from the checkout the plugin runs from (see checkout).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/mysfits/mysfits-questions/components"
)

// packageName is the package part of the component's token ("mysfits"):
// the name the provider runs under and the SDKs are generated for.
var packageName = tokens.Type(components.QuestionsServiceType).Package().Name().String()

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "%s provider: %v\n", packageName, err)
		os.Exit(1)
	}
}

// run serves the provider until the engine stops it. The function bundles
// go to a folder of this process's own, which must outlive every Construct:
// the engine reads the archives after the resources are registered.
func run(ctx context.Context) error {
	buildDir, err := os.MkdirTemp("", "mysfits-questions-provider-")
	if err != nil {
		return fmt.Errorf("creating the build folder: %w", err)
	}
	defer os.RemoveAll(buildDir)

	src := newCheckout()
	prov, err := newProvider(service{builder: func() (components.Builder, error) {
		root, err := src.root()
		if err != nil {
			return nil, err
		}
		return components.GoBuilder{Dir: root, TempDir: buildDir}, nil
	}})
	if err != nil {
		return err
	}
	return provider.MainContext(ctx, packageName, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		inner, err := p.RawServer(packageName, src.version(ctx), prov)(host)
		if err != nil {
			return nil, err
		}
		return &server{ResourceProviderServer: inner, checkout: src}, nil
	})
}

// newProvider is the "mysfits" provider with its one component.
func newProvider(svc service) (p.Provider, error) {
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("Mythical Mysfits questions service").
		WithDescription("The Mythical Mysfits \"Contact Us\" questions service (API Gateway, Lambda, DynamoDB, SNS) "+
			"with X-Ray tracing in stages, as one component.").
		WithHomepage("https://"+components.ModulePath).
		WithKeywords("aws", "x-ray", "kind/component", "category/cloud").
		WithComponents(infer.ComponentF(svc.construct)).
		Build()
	if err != nil {
		return p.Provider{}, fmt.Errorf("building the provider: %w", err)
	}
	return prov, nil
}

// server is the provider's gRPC server, told by the engine's handshake
// where the plugin's folder is: the checkout the functions are built from
// and whose release tag is the version GetPluginInfo and the schema report.
type server struct {
	pulumirpc.ResourceProviderServer
	checkout *checkout
}

func (s *server) Handshake(ctx context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	s.checkout.handshake(req.GetRootDirectory())
	return s.ResourceProviderServer.Handshake(ctx, req)
}

func (s *server) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.checkout.version(ctx)}, nil
}

// GetSchema is infer's schema with the checkout's version: the inner server
// was made before the handshake named the checkout.
func (s *server) GetSchema(ctx context.Context, req *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	resp, err := s.ResourceProviderServer.GetSchema(ctx, req)
	if err != nil {
		return nil, err
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal([]byte(resp.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	version, err := json.Marshal(s.checkout.version(ctx))
	if err != nil {
		return nil, err
	}
	spec["version"] = version
	schema, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("writing the schema: %w", err)
	}
	return &pulumirpc.GetSchemaResponse{Schema: string(schema)}, nil
}
