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
// from the checkout this provider was compiled from.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/mysfits/mysfits-questions/components"
)

// packageName is the package part of the component's token ("mysfits"):
// the name the provider runs under and the SDKs are generated for.
var packageName = tokens.Type(components.QuestionsServiceType).Package().Name().String()

// devVersion is the version reported when the build carries none (a
// checkout without a release tag, or VCS stamping switched off).
const devVersion = "0.0.0-dev"

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

	var svc service
	if _, file, _, ok := runtime.Caller(0); !ok {
		svc.sourceErr = errors.New("cannot tell where the provider's source is")
	} else if root, err := sourceRoot(file); err != nil {
		svc.sourceErr = err
	} else {
		svc.builder = components.GoBuilder{Dir: root, TempDir: buildDir}
	}
	prov, err := newProvider(svc)
	if err != nil {
		return err
	}
	return prov.Run(ctx, packageName, version())
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

// sourceRoot finds the root of this module's source from the path of one of
// its files as compiled into the binary (runtime.Caller): Pulumi runs the
// plugin in the consumer's project directory, so the working directory says
// nothing about where the checkout is. GoBuilder then builds the functions
// there, with the checkout's go.mod, go.sum and toolchain line.
func sourceRoot(file string) (string, error) {
	file = filepath.FromSlash(file)
	if !filepath.IsAbs(file) {
		// -trimpath (perhaps through GOFLAGS) records import paths instead.
		return "", fmt.Errorf("the provider was built with -trimpath (source file %s), so it cannot find the "+
			"source of %s to build the functions from: build it without -trimpath (check GOFLAGS)", file, components.ModulePath)
	}
	for dir := filepath.Dir(file); ; {
		gomod := filepath.Join(dir, "go.mod")
		data, err := os.ReadFile(gomod)
		switch {
		case err == nil:
			if got := modfile.ModulePath(data); got != components.ModulePath {
				return "", fmt.Errorf("%s is module %q, want %s", gomod, got, components.ModulePath)
			}
			return dir, nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("finding the source of %s: %w", components.ModulePath, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s: the checkout the provider was built from is gone", file)
		}
		dir = parent
	}
}

// version is the module version the go command stamped into the build (a
// release tag when the checkout is at one), without its "v".
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return devVersion
	}
	return versionOf(info.Main.Version)
}

func versionOf(moduleVersion string) string {
	if !semver.IsValid(moduleVersion) {
		return devVersion // "(devel)", ""
	}
	return moduleVersion[1:]
}
