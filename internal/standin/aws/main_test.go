package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-go-provider/integration/fake"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
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

	cmd := exec.CommandContext(ctx, bin, engineAddr)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the plugin: %v", err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		// The engine ends a provider with SIGINT.
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Errorf("interrupting the plugin: %v", err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("the plugin ended with %v", err)
		}
	}
	defer stop()

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the port: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || port <= 0 {
		t.Fatalf("the plugin printed %q, want its port", line)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strconv.Itoa(port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	defer conn.Close()
	client := pulumirpc.NewResourceProviderClient(conn)

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

	stop()
}
