package bench

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/lambdabuild"
)

// floorPackage is the bare aws-lambda-go bootstrap, built by the same
// builder as the functions.
const floorPackage = "./internal/bench/testdata/floor"

// function is one bootstrap the harness builds.
type function struct {
	name, pkg string
}

// Each function has a build per instrumentation (contract's
// Instrumentation.Packages); the rows show both side by side.
var (
	postFunction        = function{"post", contract.PostFunctionPackage}
	processFunction     = function{"process", contract.ProcessFunctionPackage}
	postOTelFunction    = function{"post-otel", contract.PostFunctionOTelPackage}
	processOTelFunction = function{"process-otel", contract.ProcessFunctionOTelPackage}
	floorFunction       = function{"floor", floorPackage}
	allFunctions        = []function{postFunction, processFunction, postOTelFunction, processOTelFunction, floorFunction}
	// deployedFunctions are what a stack deploys, with one instrumentation
	// or the other.
	deployedFunctions = []function{postFunction, processFunction, postOTelFunction, processOTelFunction}
)

// describe names a build in the rows: "post" is the X-Ray SDK's,
// "post-otel" OpenTelemetry's.
func (f function) describe() string {
	if base, ok := strings.CutSuffix(f.name, "-otel"); ok {
		return base + " (OpenTelemetry build)"
	}
	return f.name
}

// functionBuilds are the deployment bundles (linux/arm64, what Lambda
// runs) and the same code built for this machine, both by the component's
// own GoBuilder: the harness never repeats the deploy's flags.
type functionBuilds struct {
	deploy map[string]lambdabuild.Bundle // by function name
	host   map[string]string             // bootstrap for this machine, by name
}

// ensureBuilds builds what a section needs, once per run.
func (r *runner) ensureBuilds(ctx context.Context, host bool) (*functionBuilds, error) {
	if r.builds == nil {
		r.builds = &functionBuilds{deploy: map[string]lambdabuild.Bundle{}, host: map[string]string{}}
		for _, f := range allFunctions {
			r.progress("building %s for linux/arm64 (the deploy's build)", f.name)
			b, err := r.builder("").Build(ctx, f.pkg)
			if err != nil {
				return nil, err
			}
			r.builds.deploy[f.name] = b
		}
	}
	if host && len(r.builds.host) == 0 {
		for _, f := range allFunctions {
			r.progress("building %s for linux/%s (the deploy's flags, this machine's GOARCH)", f.name, runtime.GOARCH)
			b, err := r.builder(runtime.GOARCH).Build(ctx, f.pkg)
			if err != nil {
				return nil, err
			}
			dir, err := os.MkdirTemp(r.work, "host-"+f.name+"-")
			if err != nil {
				return nil, err
			}
			exe, err := unzipBootstrap(b.ZipPath, dir)
			if err != nil {
				return nil, err
			}
			r.builds.host[f.name] = exe
		}
	}
	return r.builds, nil
}

// builder is the component's builder; arch "" is the deploy's.
func (r *runner) builder(arch string) lambdabuild.GoBuilder {
	return lambdabuild.GoBuilder{Dir: r.cfg.Root, TempDir: r.work, Arch: arch}
}

// maxZipBytes is the target for each function's zip: at most 6 MB.
const maxZipBytes = 6e6

// size is item 2: each function's zip against the floor's, and what the
// bytes beyond the floor are, by package, from the symbol table of the
// same build with symbols kept.
func (r *runner) size(ctx context.Context) error {
	builds, err := r.ensureBuilds(ctx, false)
	if err != nil {
		return err
	}
	zipSize := func(name string) (float64, error) {
		st, err := os.Stat(builds.deploy[name].ZipPath)
		if err != nil {
			return 0, err
		}
		return float64(st.Size()), nil
	}
	floorZip, err := zipSize(floorFunction.name)
	if err != nil {
		return err
	}
	floorSyms, err := r.symbolSizes(ctx, floorFunction)
	if err != nil {
		return err
	}
	for _, f := range deployedFunctions {
		size, err := zipSize(f.name)
		if err != nil {
			return err
		}
		r.add(Row{Item: 2, What: f.describe() + " zip (linux/arm64, the component's GoBuilder)",
			Measured: FormatBytes(size), Reference: "floor zip " + FormatBytes(floorZip),
			Ratio: FormatRatio(Ratio(size, floorZip)), Target: "≤ " + FormatBytes(maxZipBytes),
			Result: AtMost(size, maxZipBytes)})
		syms, err := r.symbolSizes(ctx, f)
		if err != nil {
			return err
		}
		r.add(Row{Item: 2, What: f.describe() + ": what the bytes beyond the floor are (go tool nm -size, uncompressed)",
			Measured:  fmt.Sprintf("+%s: %s", FormatBytes(float64(syms.total()-floorSyms.total())), syms.minus(floorSyms).top(6)),
			Reference: "floor symbols " + FormatBytes(float64(floorSyms.total()))})
	}
	return nil
}

// symbolSizes builds f for linux/arm64 with the symbol table kept and sums
// go tool nm -size by component.
func (r *runner) symbolSizes(ctx context.Context, f function) (sizeTable, error) {
	b := r.builder("")
	b.KeepSymbols = true
	bundle, err := b.Build(ctx, f.pkg)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(r.work, "symbols-"+f.name+"-")
	if err != nil {
		return nil, err
	}
	exe, err := unzipBootstrap(bundle.ZipPath, dir)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", "tool", "nm", "-size", "-sort", "size", exe)
	cmd.Dir = r.cfg.Root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go tool nm %s: %w: %s", filepath.Base(exe), err, stderr.String())
	}
	inFile, err := fileBacked(exe)
	if err != nil {
		return nil, err
	}
	return parseNM(out, inFile), nil
}

// fileBacked says whether an address of the ELF executable at path lies in
// a section the file holds: zero-filled memory (.bss, .noptrbss) takes no
// byte of the zip, however large nm says its symbols are.
func fileBacked(path string) (func(addr uint64) bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	type span struct{ start, end uint64 }
	var spans []span
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Flags&elf.SHF_ALLOC != 0 {
			spans = append(spans, span{s.Addr, s.Addr + s.Size})
		}
	}
	return func(addr uint64) bool {
		for _, s := range spans {
			if addr >= s.start && addr < s.end {
				return true
			}
		}
		return false
	}, nil
}

// sizeTable is bytes by component.
type sizeTable map[string]int64

func (t sizeTable) total() int64 {
	var n int64
	for _, v := range t {
		n += v
	}
	return n
}

// minus is t less base, component by component, keeping what grew.
func (t sizeTable) minus(base sizeTable) sizeTable {
	d := sizeTable{}
	for k, v := range t {
		if extra := v - base[k]; extra > 0 {
			d[k] = extra
		}
	}
	return d
}

// top lists the n largest components, "name 1.2 MB, ...".
func (t sizeTable) top(n int) string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if t[a] != t[b] {
			return int(t[b] - t[a])
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for i, k := range keys {
		if i == n {
			var rest int64
			for _, k := range keys[n:] {
				rest += t[k]
			}
			parts = append(parts, "other "+FormatBytes(float64(rest)))
			break
		}
		parts = append(parts, k+" "+FormatBytes(float64(t[k])))
	}
	return strings.Join(parts, ", ")
}

// parseNM sums the sizes of go tool nm -size output ("addr size type name")
// by component, counting only symbols at addresses inFile says the file
// holds.
func parseNM(out []byte, inFile func(addr uint64) bool) sizeTable {
	t := sizeTable{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue // undefined symbols carry no address or size
		}
		addr, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil || !inFile(addr) {
			continue
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		t[component(symbolPackage(strings.Join(f[3:], " ")))] += size
	}
	return t
}

// symbolPackage is the import path a Go symbol belongs to, or a group in
// parentheses for the linker's own tables.
func symbolPackage(name string) string {
	if strings.HasPrefix(name, "go:") {
		return "(runtime tables: func info, strings, itabs)"
	}
	if rest, ok := strings.CutPrefix(name, "type:"); ok {
		name = strings.TrimLeft(rest, "*[]0123456789")
	}
	end := strings.IndexAny(name, "([ {")
	if end < 0 {
		end = len(name)
	}
	slash := strings.LastIndex(name[:end], "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot <= 0 {
		return "(type descriptors of unnamed types)"
	}
	return name[:slash+1+dot]
}

// component groups packages into what a reader recognises: the module,
// each AWS service client, the SDK's core, the standard library by its top
// folder, other modules.
func component(pkg string) string {
	elems := strings.Split(pkg, "/")
	switch {
	case strings.HasPrefix(pkg, "("):
		return pkg
	case pkg == "main" || pkg == lambdabuild.ModulePath || strings.HasPrefix(pkg, lambdabuild.ModulePath+"/"):
		return "this module"
	case strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/") && len(elems) >= 5:
		if elems[4] == "internal" {
			return "aws-sdk-go-v2 core"
		}
		return "aws-sdk-go-v2/service/" + elems[4]
	case strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2"):
		return "aws-sdk-go-v2 core"
	case strings.HasPrefix(pkg, "github.com/aws/aws-xray-sdk-go"):
		return "aws-xray-sdk-go"
	case strings.HasPrefix(pkg, "github.com/aws/smithy-go"):
		return "smithy-go"
	case strings.HasPrefix(pkg, "github.com/aws/aws-lambda-go"):
		return "aws-lambda-go"
	case !strings.Contains(elems[0], "."):
		if elems[0] == "vendor" || elems[0] == "internal" {
			return "std (" + elems[0] + ")"
		}
		return "std " + elems[0]
	case (elems[0] == "github.com" || elems[0] == "golang.org") && len(elems) >= 3:
		return strings.Join(elems[:3], "/") // the module
	case len(elems) >= 2:
		return strings.Join(elems[:2], "/") // google.golang.org/grpc, gopkg.in/yaml.v3

	default:
		return pkg
	}
}
