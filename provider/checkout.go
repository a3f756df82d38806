package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/mysfits/mysfits-questions/components"
)

// devVersion is the version reported when neither the build nor the
// checkout carries a release tag.
const devVersion = "0.0.0-dev"

// checkout is the source of this module the plugin runs from. The
// functions are built from it, and its release tag is the package version.
//
// Pulumi's Go language host builds a source plugin with
// `go build -buildvcs=false -trimpath -ldflags "-w -s"` into a temporary
// file and starts it in the consumer's project folder, so neither the
// binary's compiled-in paths, nor its location, nor its working directory
// say where the checkout is, and the go command stamps no version. What
// does say it is the engine's handshake: the folder of the plugin
// (PulumiPlugin.yaml), inside the checkout. A plugin built without
// -trimpath and started some other way (a test, `go run`) falls back to the
// path of this file as compiled in.
type checkout struct {
	compiledFile string // this file's path in the build: absolute unless -trimpath
	buildVersion string // the main module's version the go command stamped, if any

	mu         sync.Mutex
	pluginDir  string // from the engine's handshake; "" until then
	gitVersion string // the checkout's release tag, once looked up
}

// newCheckout describes the running binary.
func newCheckout() *checkout {
	c := &checkout{}
	_, c.compiledFile, _, _ = runtime.Caller(0)
	if info, ok := debug.ReadBuildInfo(); ok {
		c.buildVersion = info.Main.Version
	}
	return c
}

// handshake records the plugin folder the engine started the plugin from.
func (c *checkout) handshake(dir string) {
	if dir == "" {
		return
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pluginDir, c.gitVersion = dir, ""
}

// root is the module root of the checkout.
func (c *checkout) root() (string, error) {
	c.mu.Lock()
	dir := c.pluginDir
	c.mu.Unlock()

	var errs []error
	if dir != "" {
		root, err := moduleRoot(dir)
		if err == nil {
			return root, nil
		}
		errs = append(errs, fmt.Errorf("from the plugin folder the engine named: %w", err))
	}
	if file := filepath.FromSlash(c.compiledFile); filepath.IsAbs(file) {
		root, err := moduleRoot(filepath.Dir(file))
		if err == nil {
			return root, nil
		}
		errs = append(errs, fmt.Errorf("from the compiled-in source path: %w", err))
	} else if dir == "" {
		errs = append(errs, fmt.Errorf("the binary was built with -trimpath (source file %s) and the engine named no plugin folder", c.compiledFile))
	}
	return "", fmt.Errorf("cannot find the source of %s to build the functions from: %w", components.ModulePath, errors.Join(errs...))
}

// moduleRoot finds the go.mod of this module at or above dir.
func moduleRoot(dir string) (string, error) {
	for start := dir; ; {
		gomod := filepath.Join(dir, "go.mod")
		data, err := os.ReadFile(gomod)
		switch {
		case err == nil:
			if got := modfile.ModulePath(data); got != components.ModulePath {
				return "", fmt.Errorf("%s is module %q, want %s", gomod, got, components.ModulePath)
			}
			return dir, nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("finding the source of %s: %w", components.ModulePath, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above %s: the checkout the provider was built from is gone", start)
		}
		dir = parent
	}
}

// version is the package version, without its "v": the version the go
// command stamped (`go install ...@v1.2.3`), else the checkout's release
// tag at HEAD (a clone at tag v1.2.3, as `pulumi package add ...@v1.2.3`
// makes, with "+dirty" when files were changed), else devVersion.
func (c *checkout) version(ctx context.Context) string {
	if v := versionOf(c.buildVersion); v != devVersion {
		return v
	}
	c.mu.Lock()
	cached := c.gitVersion
	c.mu.Unlock()
	if cached != "" {
		return cached
	}
	v := devVersion
	if root, err := c.root(); err == nil {
		v = versionOf(gitTag(ctx, root))
	}
	c.mu.Lock()
	c.gitVersion = v
	c.mu.Unlock()
	return v
}

// gitTag is the release tag (v1.2.3) at HEAD of the git checkout at dir,
// "v1.2.3+dirty" when tracked files differ from it, "" when HEAD is at no
// such tag or git cannot tell (no git, not a checkout).
func gitTag(ctx context.Context, dir string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	out, err := git("tag", "--points-at", "HEAD", "--list", "v[0-9]*")
	if err != nil {
		return ""
	}
	best := "" // several release tags at HEAD: the highest
	for _, tag := range strings.Fields(out) {
		if semver.IsValid(tag) && (best == "" || semver.Compare(tag, best) > 0) {
			best = tag
		}
	}
	if best == "" {
		return ""
	}
	// Only tracked files count, as the go command's own stamping does.
	if status, err := git("status", "--porcelain", "--untracked-files=no"); err != nil || status != "" {
		return best + "+dirty"
	}
	return best
}

// versionOf turns a module version (v1.2.3) into the package version
// (1.2.3); anything else, such as "(devel)" or "", is devVersion.
func versionOf(moduleVersion string) string {
	if !semver.IsValid(moduleVersion) {
		return devVersion
	}
	return moduleVersion[1:]
}
