// Package site stands in for another Go module using the questions service,
// as the main Mysfits project does. TestGoBuilderFromConsumerModule copies
// this file into a throwaway module that requires
// github.com/mysfits/mysfits-questions and runs it; the test writes what the
// function archives came out as to $CONSUMER_ARCHIVES.
package site

import (
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
)

// archive is what a function was deployed with.
type archive struct {
	SourceCodeHash string `json:"sourceCodeHash"`
	Toolchain      string `json:"toolchain"`
}

// monitor is a minimal mock cloud: every resource gets its inputs back as
// its state, plus the computed attributes the component reads.
type monitor struct {
	mu        sync.Mutex
	functions map[string]archive
}

func (m *monitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	state := args.Inputs.Copy()
	for _, key := range []string{"arn", "name", "streamArn", "executionArn", "rootResourceId", "invokeArn", "invokeUrl", "url", "path"} {
		if _, ok := state[resource.PropertyKey(key)]; !ok {
			state[resource.PropertyKey(key)] = resource.NewStringProperty("mock-" + key + "-" + args.Name)
		}
	}
	if args.TypeToken == "aws:lambda/function:Function" {
		inputs := args.Inputs.Mappable()
		hash, _ := inputs["sourceCodeHash"].(string)
		tags, _ := inputs["tags"].(map[string]any)
		toolchain, _ := tags[components.ToolchainTag].(string)
		m.mu.Lock()
		m.functions[args.Name] = archive{SourceCodeHash: hash, Toolchain: toolchain}
		m.mu.Unlock()
	}
	return args.Name + "-id", state, nil
}

func (m *monitor) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == "aws:index/getRegion:getRegion" {
		return resource.NewPropertyMapFromMap(map[string]any{"name": "us-east-1", "id": "us-east-1"}), nil
	}
	return resource.PropertyMap{}, nil
}

func TestQuestionsServiceFromAnotherModule(t *testing.T) {
	out := os.Getenv("CONSUMER_ARCHIVES")
	if out == "" {
		t.Fatal("CONSUMER_ARCHIVES is not set: run through TestGoBuilderFromConsumerModule")
	}
	m := &monitor{functions: map[string]archive{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := components.NewQuestionsService(ctx, "questions", &components.QuestionsServiceArgs{
			AdminEmail:       "admin@example.com",
			AllowedOrigin:    "https://www.example.com",
			Tracing:          contract.DefaultTracing(),
			Throttle:         components.Throttle{RateLimit: 5, BurstLimit: 10},
			LogRetentionDays: 7,
			// As a program would: the builder starts in this module.
			Builder: components.GoBuilder{TempDir: t.TempDir()},
		})
		return err
	}, pulumi.WithMocks("mysfits", "dev", m))
	if err != nil {
		t.Fatalf("NewQuestionsService: %v", err)
	}
	data, err := json.Marshal(m.functions)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
