//go:build engine

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/enginetest"
)

// The multi-language package through the real Pulumi CLI and engine, built
// and started the way Pulumi does it: the engine finds provider/'s
// PulumiPlugin.yaml (runtime: go) and asks the Go language host to run it,
// which builds it with `-buildvcs=false -trimpath -ldflags "-w -s"` and
// starts it in the consumer's folder. (The Go host here is the engine
// tests' stand-in for that one job, tools/pulumi/standin/language-go; the
// YAML host is Pulumi's own.)

const engineTimeout = 15 * time.Minute

// TestEngineYAMLExample runs examples/mysfits-site-yaml as a user who ran
// `pulumi package add <checkout>/provider` in a folder of their own:
// preview, up, the component's children created, its outputs back, no
// warning, destroy.
func TestEngineYAMLExample(t *testing.T) {
	e := enginetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
	defer cancel()
	pluginDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}

	// The example, with the packages entry `pulumi package add` writes for a
	// local checkout (the published one names the repository at a tag).
	project, err := os.ReadFile(exampleProject)
	if err != nil {
		t.Fatal(err)
	}
	entry := regexp.MustCompile(`(?m)^  ` + packageName + `: .*$`)
	if !entry.Match(project) {
		t.Fatalf("%s has no packages entry for %s", exampleProject, packageName)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Pulumi.yaml"), entry.ReplaceAllLiteralString(string(project), "  "+packageName+": "+pluginDir))

	run := func(args ...string) string {
		t.Helper()
		out, err := e.Run(ctx, dir, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	run("stack", "init", "dev")
	run("config", "set", "aws:region", "us-east-1")
	run("config", "set", "adminEmail", testEmail)

	preview := run("preview", "--diff")
	checkWarnings(t, "preview", preview)
	if !strings.Contains(preview, components.QuestionsServiceType) || !strings.Contains(preview, "aws:lambda/function:Function") {
		t.Errorf("preview does not show the component and its functions:\n%s", preview)
	}

	checkWarnings(t, "up", run("up", "--yes", "--skip-preview"))
	var outputs map[string]any
	if err := json.Unmarshal([]byte(run("stack", "output", "--json")), &outputs); err != nil {
		t.Fatalf("stack output: %v", err)
	}
	endpoint, _ := outputs["questionsApiEndpoint"].(string)
	if !regexp.MustCompile(`^https://[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com/prod$`).MatchString(endpoint) {
		t.Errorf("questionsApiEndpoint = %q, want https://{restApiId}.execute-api.us-east-1.amazonaws.com/prod", endpoint)
	}

	// Every child the component registered was created through the AWS
	// plugin, under the component.
	var deployment apitype.DeploymentV3
	var exported apitype.UntypedDeployment
	if err := json.Unmarshal([]byte(run("stack", "export")), &exported); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(exported.Deployment, &deployment); err != nil {
		t.Fatal(err)
	}
	var component string
	parents := map[string]string{}
	for _, r := range deployment.Resources {
		parents[string(r.URN)] = string(r.Parent)
		if string(r.Type) == components.QuestionsServiceType {
			component = string(r.URN)
		}
	}
	if component == "" {
		t.Fatalf("no %s in the stack", components.QuestionsServiceType)
	}
	under := func(urn string) bool {
		for p := parents[urn]; p != ""; p = parents[p] {
			if p == component {
				return true
			}
		}
		return false
	}
	children := map[string]int{}
	for _, r := range deployment.Resources {
		if r.Custom && strings.HasPrefix(string(r.Type), "aws:") {
			if r.ID == "" {
				t.Errorf("%s has no id", r.URN)
			}
			if !under(string(r.URN)) {
				t.Errorf("%s is not under the component %s", r.URN, component)
			}
			children[string(r.Type)]++
		}
	}
	for typ, want := range map[string]int{
		"aws:lambda/function:Function": 2, "aws:dynamodb/table:Table": 1, "aws:apigateway/restApi:RestApi": 1,
		"aws:apigateway/stage:Stage": 1, "aws:lambda/eventSourceMapping:EventSourceMapping": 1,
	} {
		if children[typ] != want {
			t.Errorf("%d %s under the component, want %d (all: %v)", children[typ], typ, want, children)
		}
	}

	// Nothing changed, nothing to do: the plugin rebuilt the functions
	// byte for byte.
	run("preview", "--expect-no-changes")

	run("destroy", "--yes", "--skip-preview")
	if out := run("stack", "--show-urns"); strings.Contains(out, "aws:") {
		t.Errorf("after destroy the stack still holds:\n%s", out)
	}
}

// checkWarnings: the only warnings are the component's own about e-mail
// subscriptions waiting for their confirmation (docs/operations.md,
// "E-mail subscriptions"); the program itself is clean for Pulumi YAML.
func checkWarnings(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(strings.ToLower(line), "warning") && !strings.Contains(line, "pending confirmation") {
			t.Errorf("%s warns: %s", what, strings.TrimSpace(line))
		}
	}
}

// TestEngineSchemaVersionAtTag: `pulumi package get-schema` of a checkout at
// a release tag reports that version, although the Go host builds with
// -buildvcs=false; the same checkout past the tag reports the development
// version.
func TestEngineSchemaVersionAtTag(t *testing.T) {
	e := enginetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
	defer cancel()
	clone := checkoutCopy(t)
	git(t, clone, "tag", "v0.1.0")

	schemaVersion := func() string {
		t.Helper()
		out, err := e.Run(ctx, t.TempDir(), "package", "get-schema", filepath.Join(clone, "provider"))
		if err != nil {
			t.Fatal(err)
		}
		var spec struct{ Name, Version string }
		if err := json.Unmarshal([]byte(out), &spec); err != nil {
			t.Fatalf("get-schema printed no schema: %v\n%s", err, out)
		}
		if spec.Name != packageName {
			t.Errorf("schema of package %q, want %q", spec.Name, packageName)
		}
		return spec.Version
	}
	if got := schemaVersion(); got != "0.1.0" {
		t.Errorf("at tag v0.1.0, get-schema reports version %q, want 0.1.0", got)
	}
	git(t, clone, "commit", "-q", "--allow-empty", "-m", "past the release")
	if got := schemaVersion(); got != devVersion {
		t.Errorf("past the tag, get-schema reports version %q, want %s", got, devVersion)
	}
}

// TestEngineTypeScriptSDK: what `pulumi package add <checkout>/provider`
// generates in a TypeScript project, and the README's TypeScript snippet
// using it, compile with tsc against Pulumi's Node.js SDK from npm. The
// SDK comes from the real CLI (`pulumi package gen-sdk`, the step package
// add runs before linking the SDK into the project), from the schema the
// plugin serves when built and started as Pulumi does it, through Pulumi's
// own Node.js generator. The Node.js language host cannot be had here, so
// the program is type-checked, not run.
func TestEngineTypeScriptSDK(t *testing.T) {
	e := enginetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
	defer cancel()
	modules := filepath.Join(e.Root, "typescript", "node_modules")
	tsc := filepath.Join(modules, "typescript", "bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		t.Fatalf("no TypeScript compiler: run `make test-engine` (%v)", err)
	}
	pluginDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	snippet := readmeSnippet(t, "TypeScript:", "ts")

	project := t.TempDir()
	sdk := filepath.Join(project, "sdks", packageName) // where package add puts it
	if _, err := e.Run(ctx, project, "package", "gen-sdk", pluginDir, "--language", "nodejs", "--out", sdk); err != nil {
		t.Fatal(err)
	}
	service, err := os.ReadFile(filepath.Join(sdk, "nodejs", "questions", "questionsService.ts"))
	if err != nil {
		t.Fatalf("the generated SDK has no questions/questionsService.ts: %v", err)
	}
	for _, want := range []string{
		"export class QuestionsService extends pulumi.ComponentResource",
		"__pulumiType = '" + components.QuestionsServiceType + "'",
		"readonly apiEndpoint: pulumi.Output<string>",
		"adminEmail: string;", // required, a plain value
		"stage?: number;",     // optional
		fmt.Sprintf(`resourceInputs["stage"] = (args?.stage) ?? %d;`, contract.DefaultStage), // its default
	} {
		if !strings.Contains(string(service), want) {
			t.Errorf("generated QuestionsService lacks %q", want)
		}
	}

	if err := os.Symlink(modules, filepath.Join(project, "node_modules")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(project, "index.ts"), snippet)
	writeFile(t, filepath.Join(project, "tsconfig.json"), `{
  "compilerOptions": {
    "strict": true, "noEmit": true, "target": "es2020", "module": "commonjs",
    "moduleResolution": "node", "esModuleInterop": true, "skipLibCheck": true,
    "baseUrl": ".", "paths": {"@pulumi/`+packageName+`": ["./sdks/`+packageName+`/nodejs"]}
  },
  "files": ["index.ts"]
}
`)
	cmd := exec.CommandContext(ctx, "node", tsc, "-p", project)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc --noEmit of the README's snippet and the generated SDK: %v\n%s", err, out)
	}
}

// readmeSnippet is the code block in language lang that follows the line
// `after` in the README (its section on using the service from the main
// Mysfits project; docs/multi-language.md points to it).
func readmeSnippet(t *testing.T, after, lang string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(enginetest.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)\n" + regexp.QuoteMeta(after) + "\n\n```" + lang + "\n(.*?)\n```")
	m := block.FindSubmatch(readme)
	if m == nil {
		t.Fatalf("README has no %s block after %q", lang, after)
	}
	return string(m[1]) + "\n"
}

// checkoutCopy is this working tree (tracked and new files, what a commit
// of it would hold) as a fresh git repository of its own.
func checkoutCopy(t *testing.T) string {
	t.Helper()
	root := enginetest.RepoRoot(t)
	list := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	out, err := list.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	clone := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(clone, name), string(data))
	}
	git(t, clone, "init", "-q")
	git(t, clone, "add", ".")
	git(t, clone, "commit", "-q", "-m", "release")
	return clone
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=engine", "-c", "user.email=engine@example.com"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}
