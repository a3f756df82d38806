package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/mysfits/mysfits-questions/tools/pulumi/standin/internal/langhosttest"
)

// componentSchema is a package with one component resource, like this
// project's provider.
const componentSchema = `{
  "name": "probe",
  "version": "1.0.0",
  "resources": {
    "probe:index:Service": {
      "isComponent": true,
      "description": "A probe component.",
      "inputProperties": {"name": {"type": "string"}},
      "requiredInputs": ["name"],
      "properties": {"url": {"type": "string"}},
      "required": ["url"]
    }
  }
}`

// dependentSchema's component has an output that is a resource of another
// package, which only the engine's schema loader can resolve, the way this
// project's provider refers to aws.
const dependentSchema = `{
  "name": "probe",
  "version": "1.0.0",
  "dependencies": [{"name": "base", "version": "1.2.3"}],
  "resources": {
    "probe:index:Service": {
      "isComponent": true,
      "inputProperties": {"name": {"type": "string"}},
      "properties": {"thing": {"$ref": "/base/v1.2.3/schema.json#/resources/base:index:Thing"}},
      "required": ["thing"]
    }
  }
}`

const baseSchema = `{
  "name": "base",
  "version": "1.2.3",
  "resources": {
    "base:index:Thing": {"properties": {"size": {"type": "integer"}}}
  }
}`

// brokenSchema's property has a type that does not exist, which binding
// reports as a diagnostic, not as an RPC failure.
const brokenSchema = `{
  "name": "probe",
  "resources": {"probe:index:Service": {"isComponent": true, "properties": {"x": {"type": "no-such-type"}}}}
}`

func TestGeneratePackage(t *testing.T) {
	client := langhosttest.Start(t, newHost())
	loader := &schemaLoader{schemas: map[string]string{"base": baseSchema}}
	loaderTarget := serveLoader(t, loader)

	tests := []struct {
		name         string
		schema       string
		loaderTarget string
		// wantFiles maps generated files to text each must contain.
		wantFiles map[string][]string
		// wantLoaded are the packages the host must have asked the loader for.
		wantLoaded []string
		wantDiag   string
		wantErr    codes.Code
	}{
		{
			name:         "one component resource",
			schema:       componentSchema,
			loaderTarget: loaderTarget,
			wantFiles: map[string][]string{
				"index.ts":      {`export const Service: typeof import("./service").Service`},
				"service.ts":    {"export class Service extends pulumi.ComponentResource", "name: pulumi.Input<string>", "pulumi-language-nodejs"},
				"package.json":  {`"name": "@pulumi/probe"`, `"resource": true`},
				"tsconfig.json": {"service.ts"},
				"utilities.ts":  {},
			},
		},
		{
			name:         "a component referring to another package",
			schema:       dependentSchema,
			loaderTarget: loaderTarget,
			wantFiles: map[string][]string{
				"index.ts":     {"Service"},
				"service.ts":   {`import * as pulumiBase from "@pulumi/base"`, "pulumiBase.Thing"},
				"package.json": {`"@pulumi/base": "1.2.3"`},
			},
			wantLoaded: []string{"base"},
		},
		{
			name:         "a schema that does not bind",
			schema:       brokenSchema,
			loaderTarget: loaderTarget,
			wantDiag:     "no-such-type",
		},
		{
			name:         "not JSON",
			schema:       "{",
			loaderTarget: loaderTarget,
			wantErr:      codes.InvalidArgument,
		},
		{
			name:    "no loader",
			schema:  componentSchema,
			wantErr: codes.InvalidArgument,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loader.reset()
			dir := t.TempDir()
			resp, err := client.GeneratePackage(context.Background(), &pulumirpc.GeneratePackageRequest{
				Directory:    dir,
				Schema:       tt.schema,
				LoaderTarget: tt.loaderTarget,
			})
			if tt.wantErr != codes.OK {
				if status.Code(err) != tt.wantErr {
					t.Fatalf("GeneratePackage error = %v, want code %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GeneratePackage: %v", err)
			}
			if tt.wantDiag != "" {
				if !hasDiagnostic(resp, tt.wantDiag) {
					t.Errorf("diagnostics %v do not mention %q", resp.GetDiagnostics(), tt.wantDiag)
				}
				return
			}
			for _, d := range resp.GetDiagnostics() {
				t.Errorf("unexpected diagnostic: %v", d)
			}
			for name, wants := range tt.wantFiles {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Errorf("generated SDK has no %s: %v", name, err)
					continue
				}
				for _, want := range wants {
					if !strings.Contains(string(data), want) {
						t.Errorf("%s does not contain %q:\n%s", name, want, data)
					}
				}
			}
			if got := loader.loaded(); !slices.Equal(got, tt.wantLoaded) {
				t.Errorf("loader was asked for %v, want %v", got, tt.wantLoaded)
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

	refused := map[string]func() error{
		"Run": func() error {
			_, err := client.Run(ctx, &pulumirpc.RunRequest{})
			return err
		},
		"RunPlugin": func() error {
			stream, err := client.RunPlugin(ctx, &pulumirpc.RunPluginRequest{})
			if err != nil {
				return err
			}
			_, err = stream.Recv()
			return err
		},
		"InstallDependencies": func() error {
			stream, err := client.InstallDependencies(ctx, &pulumirpc.InstallDependenciesRequest{})
			if err != nil {
				return err
			}
			_, err = stream.Recv()
			return err
		},
		"Link": func() error {
			_, err := client.Link(ctx, &pulumirpc.LinkRequest{})
			return err
		},
		"Pack": func() error {
			_, err := client.Pack(ctx, &pulumirpc.PackRequest{})
			return err
		},
		"GenerateProgram": func() error {
			_, err := client.GenerateProgram(ctx, &pulumirpc.GenerateProgramRequest{})
			return err
		},
	}
	langhosttest.Refused(t, "pulumi-language-nodejs", refused, "engine tests' stand-in", "does not run Node.js programs")
}

func hasDiagnostic(resp *pulumirpc.GeneratePackageResponse, text string) bool {
	for _, d := range resp.GetDiagnostics() {
		if strings.Contains(d.GetSummary()+" "+d.GetDetail(), text) {
			return true
		}
	}
	return false
}

// serveLoader serves loader the way the CLI serves its schema loader to a
// language host and returns the address to pass as loader_target.
func serveLoader(t *testing.T, loader schema.ReferenceLoader) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	schema.LoaderRegistration(schema.NewLoaderServer(loader))(srv)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// schemaLoader serves fixed schema JSON by package name and records what it
// was asked for. It implements schema.RawLoader, so the loader server sends
// the JSON as is; the binding methods are never reached.
type schemaLoader struct {
	schemas map[string]string

	mu    sync.Mutex
	names []string
}

var errRawOnly = errors.New("the test loader only serves raw schemas")

func (l *schemaLoader) LoadRawSchemaBytes(_ context.Context, d *schema.PackageDescriptor) ([]byte, bool, error) {
	l.mu.Lock()
	l.names = append(l.names, d.Name)
	l.mu.Unlock()
	s, ok := l.schemas[d.Name]
	if !ok {
		return nil, false, errors.New("the test loader has no package " + d.Name)
	}
	return []byte(s), true, nil
}

func (l *schemaLoader) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names = nil
}

func (l *schemaLoader) loaded() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.names)
}

func (l *schemaLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errRawOnly
}

func (l *schemaLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errRawOnly
}

func (l *schemaLoader) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errRawOnly
}

func (l *schemaLoader) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errRawOnly
}
