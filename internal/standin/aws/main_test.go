package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-go-provider/integration/fake"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/mysfits/mysfits-questions/internal/testkit/plugintest"
)

// TestPluginBinary starts the built plugin as the engine does, with the
// engine's address as its argument: it must print its port (the plugin
// protocol), answer over gRPC as pulumi-resource-aws 6.83.4, and end on
// SIGINT.
func TestPluginBinary(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	bin := filepath.Join(t.TempDir(), "pulumi-resource-aws")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	engineAddr, _, err := fake.StartEngineServer(ctx, fake.NewEngineServer())
	if err != nil {
		t.Fatalf("starting the fake engine: %v", err)
	}

	plug := plugintest.Start(t, ctx, bin, "", nil, engineAddr)
	client := pulumirpc.NewResourceProviderClient(plug.Conn)

	info, err := client.GetPluginInfo(ctx, &emptypb.Empty{})
	if err != nil || info.GetVersion() != pluginVersion {
		t.Fatalf("GetPluginInfo = %v, %v; want version %s", info, err, pluginVersion)
	}
	marshal := func(m resource.PropertyMap) *structpb.Struct {
		t.Helper()
		s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
		if err != nil {
			t.Fatalf("marshalling: %v", err)
		}
		return s
	}
	config := resource.NewPropertyMapFromMap(map[string]any{"region": "eu-west-1", "version": pluginVersion})
	if _, err := client.Configure(ctx, &pulumirpc.ConfigureRequest{Args: marshal(config), AcceptSecrets: true, AcceptResources: true}); err != nil {
		t.Fatalf("Configure: %v", err)
	}

	urn := string(urnOf(tableType, "questions-table"))
	checked, err := client.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, Olds: marshal(resource.PropertyMap{}),
		News: marshal(resource.NewPropertyMapFromMap(map[string]any{"hashKey": "id"}))})
	if err != nil || len(checked.GetFailures()) > 0 {
		t.Fatalf("Check: %v %v", err, checked.GetFailures())
	}
	created, err := client.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: checked.GetInputs()})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	state, err := plugin.UnmarshalProperties(created.GetProperties(), plugin.MarshalOptions{})
	if err != nil {
		t.Fatalf("unmarshalling the state: %v", err)
	}
	arn := state["arn"].StringValue()
	if !strings.HasPrefix(arn, "arn:aws:dynamodb:eu-west-1:123456789012:table/questions-table-") || !strings.HasSuffix(arn, created.GetId()) {
		t.Errorf("created %s with arn %s", created.GetId(), arn)
	}

	plug.Stop()
}
