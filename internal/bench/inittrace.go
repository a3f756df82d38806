package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// initGroups names what a package init belongs to, for the cold-start
// rows: the first matching prefix wins.
var initGroups = []struct{ group, prefix string }{
	{"dynamodb client", "github.com/aws/aws-sdk-go-v2/service/dynamodb"},
	{"sns client", "github.com/aws/aws-sdk-go-v2/service/sns"},
	{grpcGroup, "google.golang.org/"},
	{grpcGroup, "golang.org/x/net"},
	{grpcGroup, "github.com/grpc-ecosystem/"},
	{"X-Ray SDK", "github.com/aws/aws-xray-sdk-go"},
	{"OpenTelemetry SDK, OTLP exporter", "go.opentelemetry.io/"},
	{"SDK core, smithy", "github.com/aws/"},
}

// grpcGroup is what the tracing SDKs import without the functions calling
// it: the X-Ray SDK's gRPC interceptors, the OTLP exporter's generated
// service stubs and shared gRPC options.
const grpcGroup = "grpc, protobuf, x/net (the tracing SDK's imports)"

// initTrace starts exe with GODEBUG=inittrace=1 and no Runtime API to
// reach (it exits once its inits ran) rounds times and returns the mean
// clock time of its package inits by group, in seconds.
func initTrace(ctx context.Context, exe string, env []string, rounds int) (map[string]float64, error) {
	sum := map[string]float64{}
	for range rounds {
		cmd := exec.CommandContext(ctx, exe)
		cmd.Env = append(append([]string{}, env...), "GODEBUG=inittrace=1", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1")
		out, _ := cmd.CombinedOutput() // it fails on purpose: no Runtime API
		n := 0
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			// init PKG @START ms, CLOCK ms clock, BYTES bytes, ALLOCS allocs
			f := strings.Fields(sc.Text())
			if len(f) < 7 || f[0] != "init" || f[6] != "clock," {
				continue
			}
			ms, err := strconv.ParseFloat(f[4], 64)
			if err != nil {
				continue
			}
			sum[initGroup(f[1])] += ms / 1e3
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("%s printed no inittrace lines: %s", exe, tail(out, 500))
		}
	}
	for k := range sum {
		sum[k] /= float64(rounds)
	}
	return sum, nil
}

func initGroup(pkg string) string {
	for _, g := range initGroups {
		if strings.HasPrefix(pkg, g.prefix) {
			return g.group
		}
	}
	if !strings.Contains(strings.Split(pkg, "/")[0], ".") {
		return "std"
	}
	return "other"
}

// describeInits is "total 2.4 ms: a 0.6 ms, b 0.5 ms, ...", largest first.
func describeInits(groups map[string]float64) string {
	var total float64
	keys := make([]string, 0, len(groups))
	for k, v := range groups {
		total += v
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		switch {
		case groups[a] > groups[b]:
			return -1
		case groups[a] < groups[b]:
			return 1
		}
		return strings.Compare(a, b)
	})
	parts := []string{}
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %s", k, FormatSeconds(groups[k])))
	}
	return fmt.Sprintf("total %s: %s", FormatSeconds(total), strings.Join(parts, ", "))
}
