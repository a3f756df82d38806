package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/xray"

	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// env is what the command takes from its surroundings, so tests can
// replace the clock, the HTTP client and the tail's pace.
type env struct {
	now          func() time.Time
	httpClient   *http.Client
	tailInterval time.Duration
	awsOptions   traces.AWSOptions
}

func defaultEnv() env {
	return env{now: time.Now, httpClient: &http.Client{Timeout: 30 * time.Second}, tailInterval: 2 * time.Second}
}

// defaultLocal is where `make dev` serves, unless told otherwise.
var defaultLocal = devstack.LocalEndpoint(devstack.DefaultHTTPPort)

var usage = `Usage: go run ./cmd/traces <subcommand> [flags]

Flags go before or after the subcommand: traces --aws triage, traces triage --aws.

Subcommands:
  map              the service map: nodes, edges, requests, error/fault/throttle shares, p50/p99
  list             trace summaries, newest first
  show TRACE_ID    one trace's timeline
  triage           which node fails, how often, how slowly, where, and whether the question was stored

Source (every subcommand):
  --local URL          the local stack's console API (default ` + defaultLocal + `)
  --aws                the X-Ray API, with the default AWS configuration chain
  --region REGION      with --aws: the region (default: from the configuration)
  --endpoint-url URL   with --aws: another X-Ray endpoint
  --json               print the answer as JSON (the X-Ray API's shapes)

Window (map, list, triage):
  --since DURATION     how far back to look, e.g. 15m or 6h (default 1h); with --aws
                       it is read in the 6-hour ranges the X-Ray API takes, at most 30 days back

list:
  --faults             only traces with a fault (5xx)
  --errors             only traces with an error (4xx); with --faults: either
  --slower-than D      only traces whose response time exceeds D, e.g. 800ms or 4s
                       (triage suggests one from the failing requests)
  --filter EXPR        an X-Ray filter expression, e.g. 'http.status = 502'
  --tail               keep printing new traces until Ctrl-C

Examples:
  go run ./cmd/traces map
  go run ./cmd/traces list --since 15m --faults --slower-than 800ms
  go run ./cmd/traces show 1-6b0f28a0-22cc7e8d6c2dba7b5ad5b175
  go run ./cmd/traces --aws --region us-east-1 triage
`

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

type options struct {
	sub         string
	traceID     string
	local       string
	aws         bool
	region      string
	endpointURL string
	json        bool
	since       time.Duration
	faults      bool
	errors      bool
	slowerThan  time.Duration
	filter      string
	tail        bool
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	o, err := parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "traces: %v\n\nRun 'go run ./cmd/traces -h' for usage.\n", err)
		return 2
	}
	if err == nil {
		err = execute(ctx, o, stdout, stderr, e)
	}
	if err != nil {
		fmt.Fprintln(stderr, "traces:", err)
		return 1
	}
	return 0
}

// subcommands are the command's subcommands; listFlags and windowFlags the
// flags that only some of them take.
var (
	subcommands = []string{"map", "list", "show", "triage"}
	listFlags   = []string{"faults", "errors", "slower-than", "filter", "tail"}
	windowFlags = []string{"since"}
)

// parse reads the command line. Flags may come before or after the
// subcommand and the trace id: traces --aws triage, traces triage --aws.
func parse(args []string) (options, error) {
	o := options{local: defaultLocal, since: time.Hour}
	fs := flag.NewFlagSet("traces", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	localSet := false
	var bad error // a flag value's own message, clearer than the flag package's
	durationFlag := func(name string, d *time.Duration) {
		fs.Func(name, "", func(s string) error {
			v, err := parseDuration(name, s)
			if err != nil {
				bad = err
				return err
			}
			*d = v
			return nil
		})
	}
	fs.Func("local", "", func(s string) error { o.local, localSet = s, true; return nil })
	fs.BoolVar(&o.aws, "aws", false, "")
	fs.StringVar(&o.region, "region", "", "")
	fs.StringVar(&o.endpointURL, "endpoint-url", "", "")
	fs.BoolVar(&o.json, "json", false, "")
	durationFlag("since", &o.since)
	fs.BoolVar(&o.faults, "faults", false, "")
	fs.BoolVar(&o.errors, "errors", false, "")
	durationFlag("slower-than", &o.slowerThan)
	fs.StringVar(&o.filter, "filter", "", "")
	fs.BoolVar(&o.tail, "tail", false, "")

	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			switch {
			case errors.Is(err, flag.ErrHelp):
				return o, err
			case bad != nil:
				return o, &usageError{bad.Error()}
			case len(positional) > 0:
				return o, usagef("%s: %v", positional[0], err)
			}
			return o, usagef("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) == 0 {
		return o, usagef("no subcommand: want map, list, show or triage")
	}
	o.sub, positional = positional[0], positional[1:]
	if o.sub == "help" {
		return o, flag.ErrHelp
	}
	if !slices.Contains(subcommands, o.sub) {
		return o, usagef("unknown subcommand %q: want map, list, show or triage", o.sub)
	}
	var misplaced error
	fs.Visit(func(f *flag.Flag) {
		switch {
		case misplaced != nil:
		case o.sub != "list" && slices.Contains(listFlags, f.Name):
			misplaced = usagef("%s: --%s goes with list", o.sub, f.Name)
		case o.sub == "show" && slices.Contains(windowFlags, f.Name):
			misplaced = usagef("show: --%s goes with map, list and triage", f.Name)
		}
	})
	if misplaced != nil {
		return o, misplaced
	}
	switch {
	case o.sub == "show" && len(positional) != 1:
		return o, usagef("show: give exactly one TRACE_ID, got %d", len(positional))
	case o.sub != "show" && len(positional) > 0:
		return o, usagef("%s: unexpected argument %q", o.sub, positional[0])
	case o.aws && localSet:
		return o, usagef("--local and --aws: choose one source")
	case !o.aws && (o.region != "" || o.endpointURL != ""):
		return o, usagef("--region and --endpoint-url go with --aws")
	case o.since <= 0:
		return o, usagef("--since %s: must be positive", o.since)
	case o.slowerThan < 0:
		return o, usagef("--slower-than %s: must not be negative", o.slowerThan)
	}
	if o.sub == "show" {
		o.traceID = positional[0]
		if !validTraceID(o.traceID) {
			return o, usagef("show: %q is not a trace id (1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx)", o.traceID)
		}
	}
	if o.endpointURL != "" && !strings.HasPrefix(o.endpointURL, "http://") && !strings.HasPrefix(o.endpointURL, "https://") {
		return o, usagef("--endpoint-url %q: want http(s)://host[:port]", o.endpointURL)
	}
	return o, nil
}

// parseDuration reads a duration flag; a number without a unit is the
// usual slip, so the message shows it with one.
func parseDuration(name, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil {
		return d, nil
	}
	if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
		unit := "m"
		if name == "slower-than" { // response times count seconds, as in X-Ray's responsetime > 4
			unit = "s"
		}
		return 0, fmt.Errorf("--%s %s: give a unit, e.g. %s%s", name, s, s, unit)
	}
	return 0, fmt.Errorf("--%s %q: not a duration: write it like 800ms, 4s, 15m or 2h", name, s)
}

func validTraceID(id string) bool {
	parts := strings.Split(id, "-")
	if len(parts) != 3 || parts[0] != "1" || len(parts[1]) != 8 || len(parts[2]) != 24 {
		return false
	}
	_, err1 := strconv.ParseUint(parts[1], 16, 64)
	for _, c := range parts[2] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return err1 == nil
}

// listFilter combines the list flags into one filter expression.
func (o options) listFilter() string {
	var parts []string
	switch {
	case o.faults && o.errors:
		parts = append(parts, "(fault OR error)")
	case o.faults:
		parts = append(parts, "fault")
	case o.errors:
		parts = append(parts, "error")
	}
	if o.slowerThan > 0 {
		parts = append(parts, traces.SlowerThanFilter(o.slowerThan))
	}
	if f := strings.TrimSpace(o.filter); f != "" {
		if len(parts) > 0 {
			f = "(" + f + ")"
		}
		parts = append(parts, f)
	}
	return strings.Join(parts, " AND ")
}

// sourceFlags repeats the source and window flags given, for a command the
// answer suggests.
func (o options) sourceFlags() string {
	var b strings.Builder
	switch {
	case o.aws:
		b.WriteString(" --aws")
		if o.region != "" {
			b.WriteString(" --region " + o.region)
		}
		if o.endpointURL != "" {
			b.WriteString(" --endpoint-url " + o.endpointURL)
		}
	case o.local != defaultLocal:
		b.WriteString(" --local " + o.local)
	}
	if o.since != time.Hour {
		b.WriteString(" --since " + shortDuration(o.since))
	}
	return b.String()
}

// shortDuration is d as one would type it: 15m, not 15m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func source(ctx context.Context, o options, e env) (traces.Source, error) {
	if !o.aws {
		src, err := traces.NewLocalSource(o.local, e.httpClient)
		if err != nil {
			return nil, fmt.Errorf("--local: %w", err)
		}
		return src, nil
	}
	var opts []func(*config.LoadOptions) error
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("--aws: loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("--aws: no region: give --region or set AWS_REGION")
	}
	client := xray.NewFromConfig(cfg, func(xo *xray.Options) {
		if o.endpointURL != "" {
			xo.BaseEndpoint = aws.String(o.endpointURL)
		}
	})
	opt := e.awsOptions
	opt.Now = e.now
	return traces.NewAWSSource(client, opt), nil
}

func execute(ctx context.Context, o options, w, stderr io.Writer, e env) error {
	src, err := source(ctx, o, e)
	if err != nil {
		return err
	}
	if o.aws && o.since > traces.Retention && o.sub != "show" {
		fmt.Fprintf(stderr, "traces: --since %s: X-Ray keeps traces %d days; reading those\n",
			shortDuration(o.since), int(traces.Retention.Hours()/24))
	}
	end := e.now()
	start := end.Add(-o.since)
	switch o.sub {
	case "map":
		g, err := src.ServiceGraph(ctx, start, end)
		if err != nil {
			return err
		}
		if o.json {
			return writeJSON(w, g)
		}
		return writeMap(w, g)
	case "list":
		if o.tail {
			return tail(ctx, src, o, w, e)
		}
		sums, err := src.TraceSummaries(ctx, start, end, o.listFilter())
		if err != nil {
			return err
		}
		if o.json {
			return writeJSON(w, sums)
		}
		return writeList(w, sums)
	case "show":
		got, err := src.BatchGetTraces(ctx, []string{o.traceID})
		if err != nil {
			return err
		}
		if len(got.Traces) == 0 {
			return fmt.Errorf("trace %s not found (not held by the source, or not indexed yet)", o.traceID)
		}
		if o.json {
			return writeJSON(w, got)
		}
		return writeTimeline(w, got.Traces[0])
	case "triage":
		r, err := traces.Triage(ctx, src, start, end)
		if err != nil {
			return err
		}
		if o.json {
			return writeJSON(w, r)
		}
		if err := r.WriteText(w); err != nil {
			return err
		}
		if r.Failing > 0 && r.SlowerThan > 0 {
			_, err = fmt.Fprintf(w, "Next          go run ./cmd/traces list%s --faults --slower-than %s, then show one\n",
				o.sourceFlags(), time.Duration(math.Round(r.SlowerThan*float64(time.Second))))
		}
		return err
	}
	return usagef("unknown subcommand %q", o.sub)
}
