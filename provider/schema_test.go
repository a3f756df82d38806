package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
)

// componentSpec is the QuestionsService entry of the provider's schema.
func componentSpec(t *testing.T) (schema.PackageSpec, schema.ResourceSpec) {
	t.Helper()
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(getSchema(t)), &spec); err != nil {
		t.Fatalf("the schema is not a package spec: %v", err)
	}
	res, ok := spec.Resources[components.QuestionsServiceType]
	if !ok {
		t.Fatalf("the schema has no %s; resources: %v", components.QuestionsServiceType, keys(spec.Resources))
	}
	return spec, res
}

// TestSchema checks what every generated SDK is made from: the package,
// the token Go programs register too (so no alias is needed), each input's
// type, plainness, default and description, and each output.
func TestSchema(t *testing.T) {
	t.Parallel()
	spec, res := componentSpec(t)
	if spec.Name != "mysfits" || spec.Name != packageName {
		t.Errorf("package name = %q, want mysfits", spec.Name)
	}
	if len(spec.Resources) != 1 {
		t.Errorf("resources %v, want only %s", keys(spec.Resources), components.QuestionsServiceType)
	}
	if !res.IsComponent {
		t.Error("QuestionsService is not a component in the schema")
	}
	if len(res.Aliases) != 0 {
		t.Errorf("aliases %v: the token is the one Go stacks already have, none is needed", res.Aliases)
	}
	if res.Description == "" {
		t.Error("the component has no description")
	}

	def := contract.DefaultTracing()
	inputs := []struct {
		name, typ string
		// def is the schema default as text; "" for none (the required
		// adminEmail, and alarmEmail, which defaults to adminEmail).
		def string
	}{
		{inputNames.AdminEmail, "string", ""},
		{inputNames.AlarmEmail, "string", ""},
		{inputNames.AllowedOrigin, "string", contract.AnyOrigin},
		{inputNames.Tracing.Stage, "integer", strconv.Itoa(int(def.Stage))},
		{inputNames.Tracing.FaultPercent, "integer", strconv.Itoa(def.Faults.Percent)},
		{inputNames.Tracing.FaultDelay, "string", def.Faults.Delay.String()},
		{inputNames.Tracing.Instrumentation, "string", def.Instrumentation.String()},
		{inputNames.ThrottleRateLimit, "integer", strconv.Itoa(contract.DefaultThrottleRateLimit)},
		{inputNames.ThrottleBurstLimit, "integer", strconv.Itoa(contract.DefaultThrottleBurstLimit)},
		{inputNames.LogRetentionDays, "integer", strconv.Itoa(contract.DefaultLogRetentionDays)},
	}
	if len(res.InputProperties) != len(inputs) {
		t.Errorf("inputs %v, want %d", keys(res.InputProperties), len(inputs))
	}
	for _, in := range inputs {
		t.Run("input "+in.name, func(t *testing.T) {
			prop, ok := res.InputProperties[in.name]
			if !ok {
				t.Fatalf("no input %s (the input* constants must match the tags)", in.name)
			}
			if prop.Type != in.typ || !prop.Plain {
				t.Errorf("type %q plain %v, want plain %s", prop.Type, prop.Plain, in.typ)
			}
			if prop.Description == "" {
				t.Error("no description")
			}
			switch {
			case in.def == "" && prop.Default != nil:
				t.Errorf("default %v, want none", prop.Default)
			case in.def != "" && fmt.Sprint(prop.Default) != in.def:
				t.Errorf("default %v, want %s (the Go program's default)", prop.Default, in.def)
			}
		})
	}
	if !slices.Equal(res.RequiredInputs, []string{inputNames.AdminEmail}) {
		t.Errorf("required inputs %v, want [%s]", res.RequiredInputs, inputNames.AdminEmail)
	}

	// Every output field of the component is in the schema, described: a
	// field added without a tag would be missing from the other languages.
	outputType := reflect.TypeFor[pulumi.Output]()
	fields := 0
	for _, f := range reflect.VisibleFields(reflect.TypeFor[components.QuestionsService]()) {
		if !f.IsExported() || !f.Type.Implements(outputType) {
			continue
		}
		fields++
		name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		t.Run("output "+f.Name, func(t *testing.T) {
			if name == "" {
				t.Fatalf("QuestionsService.%s has no pulumi tag: no other language sees it", f.Name)
			}
			prop, ok := res.Properties[name]
			if !ok {
				t.Fatalf("no output %s", name)
			}
			if want := schemaType(f.Type); prop.Type != want || prop.Description == "" {
				t.Errorf("%s: type %q description %q, want a described %s", name, prop.Type, prop.Description, want)
			}
			if prop.Type == "object" && (prop.AdditionalProperties == nil || prop.AdditionalProperties.Type != "string") {
				t.Errorf("%s: a map of %v, want a map of strings", name, prop.AdditionalProperties)
			}
			if !slices.Contains(res.Required, name) {
				t.Errorf("%s is not a required output: every SDK would type it as optional", name)
			}
		})
	}
	if fields == 0 || len(res.Properties) != fields {
		t.Errorf("outputs %v, want the %d output fields of QuestionsService", keys(res.Properties), fields)
	}
	for _, name := range []string{"apiEndpoint", "restApiId", "tableName", "topicArn"} {
		if _, ok := res.Properties[name]; !ok {
			t.Errorf("no output %s", name)
		}
	}
}

// schemaType is the schema type of an output field's Go type.
func schemaType(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[pulumi.StringOutput]():
		return "string"
	case reflect.TypeFor[pulumi.BoolOutput]():
		return "boolean"
	case reflect.TypeFor[pulumi.IntOutput]():
		return "integer"
	case reflect.TypeFor[pulumi.StringMapOutput]():
		return "object"
	}
	return "a type this test does not know: " + t.String()
}

// TestPluginManifest loads PulumiPlugin.yaml with Pulumi's own loader: it
// makes this folder a plugin the Go language host builds.
func TestPluginManifest(t *testing.T) {
	t.Parallel()
	proj, err := workspace.LoadPluginProject("PulumiPlugin.yaml")
	if err != nil {
		t.Fatalf("LoadPluginProject: %v", err)
	}
	if got := proj.Runtime.Name(); got != "go" {
		t.Errorf("runtime = %q, want go", got)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
