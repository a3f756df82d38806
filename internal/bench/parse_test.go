package bench

import (
	"strings"
	"testing"
)

func TestParseBench(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkPost/stage1-2         	   10352	    113357 ns/op	   47153 B/op	     513 allocs/op
BenchmarkGoBuilder/post/warm 	       3	1823456789 ns/op
    builder_bench_test.go:30: bundle ./functions/postquestion SourceCodeHash abc=
PASS
`)
	got := ParseBench(out)
	if len(got) != 2 {
		t.Fatalf("%d results: %+v", len(got), got)
	}
	want := BenchResult{Name: "BenchmarkPost/stage1", N: 10352, NsPerOp: 113357, BytesPerOp: 47153, AllocsPerOp: 513}
	if got[0] != want {
		t.Errorf("got %+v, want %+v", got[0], want)
	}
	if got[1].Name != "BenchmarkGoBuilder/post/warm" || got[1].NsPerOp != 1823456789 {
		t.Errorf("got %+v", got[1])
	}
	if h := bundleHashes(out); len(h) != 1 || h[0] != "abc=" {
		t.Errorf("bundleHashes = %v", h)
	}
}

func TestSymbolPackage(t *testing.T) {
	tests := []struct{ symbol, pkg, component string }{
		{"runtime.mallocgc", "runtime", "std runtime"},
		{"net/http.(*Transport).roundTrip", "net/http", "std net"},
		{"internal/sync.(*HashTrieMap[go.shape.interface {},go.shape.interface {}]).Load", "internal/sync", "std (internal)"},
		{"github.com/aws/aws-sdk-go-v2/service/dynamodb/types.(*AttributeValueMemberS).isAttributeValue", "github.com/aws/aws-sdk-go-v2/service/dynamodb/types", "aws-sdk-go-v2/service/dynamodb"},
		{"github.com/aws/aws-sdk-go-v2/service/internal/checksum.init", "github.com/aws/aws-sdk-go-v2/service/internal/checksum", "aws-sdk-go-v2 core"},
		{"github.com/aws/aws-sdk-go-v2/aws/signer/v4.(*Signer).SignHTTP", "github.com/aws/aws-sdk-go-v2/aws/signer/v4", "aws-sdk-go-v2 core"},
		{"type:*github.com/aws/smithy-go/middleware.Stack", "github.com/aws/smithy-go/middleware", "smithy-go"},
		{"github.com/mysfits/mysfits-questions/functions/submit.(*Handler).Handle", "github.com/mysfits/mysfits-questions/functions/submit", "this module"},
		{"main.main", "main", "this module"},
		{"go:func.*", "(runtime tables: func info, strings, itabs)", "(runtime tables: func info, strings, itabs)"},
		{"type:.eq.[2]interface {}", "(type descriptors of unnamed types)", "(type descriptors of unnamed types)"},
		{"golang.org/x/net/http2.(*Framer).ReadFrame", "golang.org/x/net/http2", "golang.org/x/net"},
		{"google.golang.org/protobuf/internal/impl.(*MessageInfo).init", "google.golang.org/protobuf/internal/impl", "google.golang.org/protobuf"},
	}
	for _, tt := range tests {
		pkg := symbolPackage(tt.symbol)
		if pkg != tt.pkg {
			t.Errorf("symbolPackage(%q) = %q, want %q", tt.symbol, pkg, tt.pkg)
		}
		if c := component(pkg); c != tt.component {
			t.Errorf("component(%q) = %q, want %q", pkg, c, tt.component)
		}
	}
}

func TestParseNM(t *testing.T) {
	out := []byte(`  556720     128592 r go:func.*
  58bf60      93464 D runtime.mheap_
  485ea0        414 T internal/sync.(*HashTrieMap[go.shape.interface {},go.shape.interface {}]).Load
  4a0000       1000 T github.com/aws/smithy-go/middleware.(*Stack).Add
  4a1000        500 T github.com/aws/smithy-go/document.init
  5e4000   33554432 D crypto/internal/fips140/drbg.memory
                    U undefined
`)
	// The zero-filled memory of the last symbol is in no byte of the file.
	got := parseNM(out, func(addr uint64) bool { return addr < 0x5e4000 })
	if got["smithy-go"] != 1500 || got["std runtime"] != 93464 || got["std (internal)"] != 414 || got["std crypto"] != 0 {
		t.Errorf("parseNM = %v", got)
	}
	base := sizeTable{"smithy-go": 1000, "std runtime": 93464}
	extra := got.minus(base)
	if extra["smithy-go"] != 500 || extra["std runtime"] != 0 {
		t.Errorf("minus = %v", extra)
	}
	if top := extra.top(1); !strings.HasPrefix(top, "(runtime tables") || !strings.Contains(top, "other ") {
		t.Errorf("top(1) = %q", top)
	}
}

func TestParseTestJSON(t *testing.T) {
	out := []byte(`go vet ./...
{"Action":"run","Package":"github.com/mysfits/mysfits-questions/contract","Test":"TestA"}
{"Action":"pass","Package":"github.com/mysfits/mysfits-questions/contract","Test":"TestA","Elapsed":0.5}
{"Action":"pass","Package":"github.com/mysfits/mysfits-questions/contract","Test":"TestA/sub","Elapsed":0.4}
{"Action":"fail","Package":"github.com/mysfits/mysfits-questions/internal/local/devstack","Test":"TestOutage","Elapsed":12}
{"Action":"pass","Package":"github.com/mysfits/mysfits-questions/contract","Elapsed":0.7}
{"Action":"fail","Package":"github.com/mysfits/mysfits-questions/internal/local/devstack","Elapsed":60}
{"Action":"pass","Package":"github.com/mysfits/mysfits-questions","Elapsed":9}
not json {
`)
	packages, tests, failed := parseTestJSON(out)
	if got := slowest(packages, 2); got != "internal/local/devstack 60.0 s, (root) 9.0 s" {
		t.Errorf("packages: %s", got)
	}
	if got := slowest(tests, 5); got != "internal/local/devstack.TestOutage 12.0 s, contract.TestA 0.5 s" {
		t.Errorf("tests: %s", got)
	}
	if len(failed) != 2 || failed[0] != "internal/local/devstack.TestOutage" {
		t.Errorf("failed = %v", failed)
	}
}
