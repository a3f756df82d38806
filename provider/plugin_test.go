package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-go-provider/integration/fake"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
	"github.com/mysfits/mysfits-questions/internal/testkit/plugintest"
)

// TestPluginBinary does what the Pulumi CLI does with a source-based Go
// plugin: the Go language host runs `go build -buildvcs=false -trimpath
// -ldflags "-w -s" -o <temp file>` in this folder and starts the binary in
// the consumer's project directory (here an empty folder, as a TypeScript
// project has no go.mod) with the engine's address; the engine's handshake
// names this folder. Over gRPC it must serve the schema and construct the
// component, building the functions from this checkout: the same archives
// this module builds. (make test-engine runs it under the real engine.)
func TestPluginBinary(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	bin := filepath.Join(t.TempDir(), "pulumi-go-plugin")
	build := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-trimpath", "-ldflags", "-w -s", "-o", bin)
	build.Env = append(os.Environ(), "GOFLAGS=") // the host's flags only
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build (as the Go language host runs it): %v\n%s", err, out)
	}

	engineAddr, _, err := fake.StartEngineServer(ctx, fake.NewEngineServer())
	if err != nil {
		t.Fatalf("starting the fake engine: %v", err)
	}
	cloud := pm.NewCloud(testProject, testStack)
	monitorAddr, _, err := fake.StartMonitorServer(ctx, fake.NewResourceMonitorServer(plainMonitor{cloud}))
	if err != nil {
		t.Fatalf("starting the fake monitor: %v", err)
	}

	tmp := t.TempDir()
	plug := plugintest.Start(t, ctx, bin, t.TempDir(), []string{"TMPDIR=" + tmp}, engineAddr)
	client := pulumirpc.NewResourceProviderClient(plug.Conn)

	pluginDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Handshake(ctx, &pulumirpc.ProviderHandshakeRequest{
		EngineAddress: engineAddr, RootDirectory: &pluginDir, ProgramDirectory: &pluginDir,
	}); err != nil {
		t.Fatalf("Handshake: %v", err)
	}

	schemaResp, err := client.GetSchema(ctx, &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatalf("GetSchema: %v", err)
	}
	if !strings.Contains(schemaResp.Schema, `"`+components.QuestionsServiceType+`"`) {
		t.Errorf("the plugin's schema has no %s", components.QuestionsServiceType)
	}

	inputs, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(map[string]any{
		inputNames.AdminEmail:    testEmail,
		inputNames.Tracing.Stage: 2,
	}), plugin.MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Construct(ctx, &pulumirpc.ConstructRequest{
		Project: testProject, Stack: testStack, Parallel: 4, MonitorEndpoint: monitorAddr,
		Type: components.QuestionsServiceType, Name: "questions", Inputs: inputs, AcceptsOutputValues: true,
	})
	if err != nil {
		t.Fatalf("Construct: %v", err)
	}
	if resp.Urn != string(serviceURN("questions")) {
		t.Errorf("URN = %s, want %s", resp.Urn, serviceURN("questions"))
	}
	state, err := plugin.UnmarshalProperties(resp.State, plugin.MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if endpoint := state["apiEndpoint"]; !endpoint.IsString() || !strings.HasPrefix(endpoint.StringValue(), "https://") {
		t.Errorf("apiEndpoint = %v", endpoint)
	}

	for fn, pkg := range map[string]string{"questions-post": contract.PostFunctionPackage, "questions-process": contract.ProcessFunctionPackage} {
		lambda := cloud.Get(t, "aws:lambda/function:Function", fn)
		code, ok := lambda.Inputs["code"].(*archive.Archive)
		if !ok || !strings.HasPrefix(code.Path, tmp) {
			t.Errorf("%s code = %#v, want an archive in the plugin's temporary folder", fn, lambda.Inputs["code"])
		}
		want, err := testBuilder.Build(ctx, pkg)
		if err != nil {
			t.Fatalf("building %s here: %v", pkg, err)
		}
		if got := pm.Str(t, lambda.Inputs, "sourceCodeHash"); got != want.SourceCodeHash {
			t.Errorf("%s sourceCodeHash %s, want %s as this checkout builds it", fn, got, want.SourceCodeHash)
		}
	}

	plug.Stop() // the engine ends a provider with SIGINT; it then removes its build folder
	if left, _ := filepath.Glob(filepath.Join(tmp, "mysfits-questions-provider-*")); len(left) != 0 {
		t.Errorf("the plugin left its build folder behind: %v", left)
	}
}
