package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/components"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

// testBuilder builds each function for real, once per test binary, from
// this checkout (go test runs in provider/, inside the module).
var testBuilder components.Builder

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mysfits-provider-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBuilder = pm.Memoize[components.Bundle](components.GoBuilder{TempDir: dir})
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newServer is the provider behind pulumi-go-provider's integration server,
// the way the engine drives it over gRPC, with mocks standing in for the
// engine's resource monitor (nil: no Construct expected).
func newServer(t *testing.T, mocks pulumi.MockResourceMonitor) integration.Server {
	t.Helper()
	prov, err := newProvider(service{builder: testBuilder})
	if err != nil {
		t.Fatalf("newProvider: %v", err)
	}
	opts := []integration.ServerOption{integration.WithProvider(prov)}
	if mocks != nil {
		opts = append(opts, integration.WithMocks(mocks))
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	server, err := integration.NewServer(ctx, packageName, semver.MustParse("1.0.0"), opts...)
	if err != nil {
		t.Fatalf("integration.NewServer: %v", err)
	}
	return server
}

// getSchema asks the provider for its schema, as `pulumi package add` does.
func getSchema(t *testing.T) string {
	t.Helper()
	resp, err := newServer(t, nil).GetSchema(p.GetSchemaRequest{})
	if err != nil {
		t.Fatalf("GetSchema: %v", err)
	}
	return resp.Schema
}

// plainMonitor hands the mock cloud plain input values. Over gRPC the SDK
// sends inputs that depend on other resources as output values (with their
// dependencies) and secrets wrapped; the mock cloud, written for
// pulumi.WithMocks, reads plain values.
type plainMonitor struct{ *pm.Cloud }

func (m plainMonitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	args.Inputs = plainMap(args.Inputs)
	return m.Cloud.NewResource(args)
}

func plainMap(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[k] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsOutput():
		return plainValue(v.OutputValue().Element)
	case v.IsSecret():
		return plainValue(v.SecretValue().Element)
	case v.IsObject():
		return resource.NewObjectProperty(plainMap(v.ObjectValue()))
	case v.IsArray():
		elems := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			elems[i] = plainValue(e)
		}
		return resource.NewArrayProperty(elems)
	}
	return v
}

// TestSourceRoot: the provider finds this module's root from the path of its
// own source file, and refuses a path it cannot use, saying why.
func TestSourceRoot(t *testing.T) {
	t.Parallel()
	module := t.TempDir()
	writeFile(t, filepath.Join(module, "go.mod"), "module "+components.ModulePath+"\n\ngo 1.26\n")
	writeFile(t, filepath.Join(module, "provider", "main.go"), "package main\n")
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "go.mod"), "module example.com/other\n")
	writeFile(t, filepath.Join(other, "provider", "main.go"), "package main\n")

	cases := []struct {
		name, file, root string
		err              string // what the error says; "" for success
	}{
		{"checkout", filepath.Join(module, "provider", "main.go"), module, ""},
		{"slash-separated", filepath.ToSlash(filepath.Join(module, "provider", "main.go")), module, ""},
		{"trimpath build", components.ModulePath + "/provider/main.go", "", "-trimpath"},
		{"another module", filepath.Join(other, "provider", "main.go"), "", `"example.com/other"`},
		{"checkout removed", filepath.Join(t.TempDir(), "gone", "provider", "main.go"), "", "no go.mod above"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root, err := sourceRoot(tc.file)
			switch {
			case tc.err == "" && (err != nil || root != tc.root):
				t.Errorf("sourceRoot(%s) = %q, %v; want %s", tc.file, root, err, tc.root)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("sourceRoot(%s) = %q, %v; want an error saying %s", tc.file, root, err, tc.err)
			}
		})
	}

	// This very test binary, built like the plugin (no -trimpath), finds
	// the checkout it was built from.
	_, file, _, _ := runtime.Caller(0)
	if !filepath.IsAbs(file) {
		// Built with -trimpath, as a plugin must not be: the error says so.
		if _, err := sourceRoot(file); err == nil || !strings.Contains(err.Error(), "-trimpath") {
			t.Errorf("sourceRoot(%q) = %v, want an error naming -trimpath", file, err)
		}
		return
	}
	root, err := sourceRoot(file)
	wd, _ := os.Getwd()
	if err != nil || root != filepath.Dir(wd) {
		t.Errorf("sourceRoot(this file) = %q, %v; want the module root %s", root, err, filepath.Dir(wd))
	}
}

func TestVersionOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"v1.2.3":                               "1.2.3",
		"v1.2.3+dirty":                         "1.2.3+dirty",
		"v0.1.1-0.20260101000000-0123456789ab": "0.1.1-0.20260101000000-0123456789ab",
		"(devel)":                              devVersion,
		"":                                     devVersion,
	} {
		if got := versionOf(in); got != want {
			t.Errorf("versionOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
