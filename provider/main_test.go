package main

import (
	"context"
	"fmt"
	"os"
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
	prov, err := newProvider(service{builder: func() (components.Builder, error) { return testBuilder, nil }})
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
