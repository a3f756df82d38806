package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/mysfits/mysfits-questions/components"
)

// TestCheckoutRoot: the provider finds this module's root from the plugin
// folder the engine names at its handshake (the only clue a -trimpath
// build started in the consumer's folder has), else from the compiled-in
// path of its source, and says why when neither leads to the checkout.
func TestCheckoutRoot(t *testing.T) {
	t.Parallel()
	module := t.TempDir()
	writeFile(t, filepath.Join(module, "go.mod"), "module "+components.ModulePath+"\n\ngo 1.26\n")
	writeFile(t, filepath.Join(module, "provider", "main.go"), "package main\n")
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "go.mod"), "module example.com/other\n")
	writeFile(t, filepath.Join(other, "provider", "main.go"), "package main\n")
	trimmed := components.ModulePath + "/provider/checkout.go"

	cases := []struct {
		name      string
		compiled  string // the source path compiled into the binary
		pluginDir string // what the engine's handshake says; "" for none
		root      string
		err       []string // what the error says; nil for success
	}{
		{"trimpath build, engine names the plugin folder", trimmed, filepath.Join(module, "provider"), module, nil},
		{"plugin folder is the module root", trimmed, module, module, nil},
		{"plain build, no handshake", filepath.Join(module, "provider", "checkout.go"), "", module, nil},
		{"slash-separated compiled path", filepath.ToSlash(filepath.Join(module, "provider", "checkout.go")), "", module, nil},
		{"handshake wins over the compiled path", filepath.Join(other, "provider", "checkout.go"), filepath.Join(module, "provider"), module, nil},
		{"trimpath build, no handshake", trimmed, "", "", []string{"-trimpath", "named no plugin folder"}},
		{"plugin folder in another module", trimmed, filepath.Join(other, "provider"), "", []string{`"example.com/other"`, "plugin folder"}},
		{"checkout removed", trimmed, filepath.Join(t.TempDir(), "gone", "provider"), "", []string{"no go.mod at or above"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &checkout{compiledFile: tc.compiled}
			c.handshake(tc.pluginDir)
			root, err := c.root()
			if tc.err == nil {
				if err != nil || root != tc.root {
					t.Errorf("root() = %q, %v; want %s", root, err, tc.root)
				}
				return
			}
			if err == nil {
				t.Fatalf("root() = %q, want an error", root)
			}
			for _, want := range tc.err {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("root() error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestCheckoutVersion: a checkout at a release tag reports that version,
// even though the Go language host's -buildvcs=false stamps none; a stamped
// build version wins; anything else is the development version.
func TestCheckoutVersion(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is needed to make the test checkout: %v", err)
	}
	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, "go.mod"), "module "+components.ModulePath+"\n\ngo 1.26\n")
	writeFile(t, filepath.Join(repo, "provider", "PulumiPlugin.yaml"), "runtime: go\n")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	version := func(build string) string {
		t.Helper()
		c := &checkout{compiledFile: components.ModulePath + "/provider/checkout.go", buildVersion: build}
		c.handshake(filepath.Join(repo, "provider"))
		return c.version(context.Background())
	}

	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "first")
	if got := version("(devel)"); got != devVersion {
		t.Errorf("untagged checkout: version %q, want %q", got, devVersion)
	}
	git("tag", "v0.1.0")
	git("tag", "-a", "v0.1.1", "-m", "annotated")
	git("tag", "not-a-release")
	if got := version("(devel)"); got != "0.1.1" {
		t.Errorf("checkout at v0.1.0 and v0.1.1: version %q, want the highest, 0.1.1", got)
	}
	if got := version("v1.2.3"); got != "1.2.3" {
		t.Errorf("stamped build: version %q, want 1.2.3", got)
	}
	writeFile(t, filepath.Join(repo, "go.mod"), "module "+components.ModulePath+"\n\ngo 1.26.1\n")
	if got := version(""); got != "0.1.1+dirty" {
		t.Errorf("changed checkout at v0.1.1: version %q, want 0.1.1+dirty", got)
	}
	git("commit", "-q", "-am", "second")
	if got := version(""); got != devVersion {
		t.Errorf("a commit past the tag: version %q, want %q", got, devVersion)
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

// TestServerReportsCheckoutVersion: over gRPC, the version in the plugin
// info and in the schema is the one of the checkout the handshake named.
func TestServerReportsCheckoutVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &checkout{buildVersion: "v9.8.7"}
	prov, err := newProvider(service{builder: func() (components.Builder, error) { return testBuilder, nil }})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := p.RawServer(packageName, devVersion, prov)(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &server{ResourceProviderServer: inner, checkout: c}
	dir := t.TempDir()
	if _, err := srv.Handshake(ctx, &pulumirpc.ProviderHandshakeRequest{RootDirectory: &dir, ProgramDirectory: &dir}); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	info, err := srv.GetPluginInfo(ctx, nil)
	if err != nil || info.GetVersion() != "9.8.7" {
		t.Errorf("GetPluginInfo = %v, %v; want version 9.8.7", info, err)
	}
	resp, err := srv.GetSchema(ctx, &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatalf("GetSchema: %v", err)
	}
	var spec struct {
		Name, Version string
		Resources     map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(resp.GetSchema()), &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Name != packageName || spec.Version != "9.8.7" || spec.Resources[components.QuestionsServiceType] == nil {
		t.Errorf("schema is %s %s with %d resources, want %s 9.8.7 with %s", spec.Name, spec.Version, len(spec.Resources),
			packageName, components.QuestionsServiceType)
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
