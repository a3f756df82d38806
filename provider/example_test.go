package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"gopkg.in/yaml.v3"

	"github.com/mysfits/mysfits-questions/components"
)

// exampleProject is the Pulumi YAML program that shows the main Mysfits
// project using the package.
var exampleProject = filepath.Join("..", "examples", "mysfits-site-yaml", "Pulumi.yaml")

// TestYAMLExample checks the example program against the provider's own
// schema, as Pulumi YAML would: the package source is this folder, the
// resource has the component's token, every property is an input of the
// right type, the required ones are set, and the exported endpoint is an
// output of the component.
func TestYAMLExample(t *testing.T) {
	t.Parallel()
	project, err := workspace.LoadProject(exampleProject)
	if err != nil {
		t.Fatalf("LoadProject: %v", err)
	}
	if err := project.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if project.Runtime.Name() != "yaml" {
		t.Errorf("runtime %s, want yaml", project.Runtime.Name())
	}
	pkg, ok := project.GetPackageSpecs()[packageName]
	if want := components.ModulePath + "/provider"; !ok || pkg.Source != want || pkg.Version == "" {
		t.Errorf("packages.%s = %+v, want %s at a version", packageName, pkg, want)
	}

	data, err := os.ReadFile(exampleProject)
	if err != nil {
		t.Fatal(err)
	}
	var program struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
		Outputs map[string]string
	}
	if err := yaml.Unmarshal(data, &program); err != nil {
		t.Fatalf("the program is not YAML: %v", err)
	}
	_, res := componentSpec(t)
	var service string
	for name, r := range program.Resources {
		if r.Type != components.QuestionsServiceType {
			t.Errorf("resource %s has type %s, want %s", name, r.Type, components.QuestionsServiceType)
			continue
		}
		service = name
		for key, value := range r.Properties {
			in, ok := res.InputProperties[key]
			if !ok {
				t.Errorf("%s: %s is not an input of the component", name, key)
				continue
			}
			if s, ok := value.(string); ok && strings.HasPrefix(s, "${") {
				continue // a config value or variable
			}
			switch value.(type) {
			case string:
				ok = in.Type == "string"
			case int:
				ok = in.Type == "integer"
			default:
				ok = false
			}
			if !ok {
				t.Errorf("%s: %s = %#v, want a plain %s", name, key, value, in.Type)
			}
		}
		for _, key := range res.RequiredInputs {
			if _, ok := r.Properties[key]; !ok {
				t.Errorf("%s: required input %s is not set", name, key)
			}
		}
		for _, key := range []string{inputNames.AdminEmail, inputNames.AllowedOrigin} {
			if _, ok := r.Properties[key]; !ok {
				t.Errorf("%s: the example should show %s", name, key)
			}
		}
	}
	if service == "" {
		t.Fatalf("the program has no %s", components.QuestionsServiceType)
	}
	endpoint := program.Outputs["questionsApiEndpoint"]
	output := strings.TrimSuffix(strings.TrimPrefix(endpoint, "${"+service+"."), "}")
	if _, ok := res.Properties[output]; !ok || endpoint != "${"+service+"."+output+"}" {
		t.Errorf("questionsApiEndpoint = %q, want an output of %s such as ${%s.apiEndpoint}", endpoint, service, service)
	}
}
