// Command local runs the questions service on this machine, on real local
// services: DynamoDB Local (with its stream), GoAWS for SNS and SQS, the two
// Lambda handlers behind a local API Gateway stage and event source
// mapping, and an X-Ray daemon that prints every trace. `make dev` runs it.
//
// Its settings come from the stack's own config file, Pulumi.<stack>.yaml
// (--stack, dev by default), read by the deploy's settings parse; flags
// override it. The runner follows the file: `pulumi config set stage 2`
// switches the running stack as `pulumi up` would switch a deployed one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/local/stackconfig"
)

type options struct {
	stack string
	// pins are the settings given as flags, by config key: they override
	// the stack file, now and at every change of it.
	pins         map[string]stackconfig.Pin
	httpPort     int
	dynamoDBPort int
	snsPort      int
	xrayPort     int
	dataDir      string
	stateDir     string
}

// settingFlag is a setting the local stack runs with, as a flag over its
// key in the stack file.
type settingFlag struct {
	name, key, usage string
	value            func(contract.Settings) string // as the banner shows it
}

// settingFlags are the settings that mean something locally; every other
// key of the stack file is checked as the deploy checks it and otherwise
// left to AWS.
func settingFlags() []settingFlag {
	k := contract.ConfigKeys()
	return []settingFlag{
		{"stage", k.Tracing.Stage, "tracing stage: 1 Lambda tracing, 2 + API Gateway tracing and SDK subsegments, 3 + fault injection",
			func(s contract.Settings) string { return strconv.Itoa(int(s.Tracing.Stage)) }},
		{"fault-percent", k.Tracing.FaultPercent, "stage 3: share of POSTs that hang and fail, 0-100",
			func(s contract.Settings) string { return strconv.Itoa(s.Tracing.Faults.Percent) }},
		{"fault-delay", k.Tracing.FaultDelay, "stage 3: how long a faulted POST hangs (it also sizes the post function's timeout at every stage)",
			func(s contract.Settings) string { return s.Tracing.Faults.Delay.String() }},
		{"allowed-origin", k.AllowedOrigin, "CORS origin the API allows",
			func(s contract.Settings) string { return s.AllowedOrigin }},
		{"instrumentation", k.Tracing.Instrumentation, "what records the functions' own spans: " + contract.InstrumentationChoices(),
			func(s contract.Settings) string { return s.Tracing.Instrumentation.String() }},
	}
}

// portFlags say which flag moves which port.
var portFlags = map[devstack.Port]string{
	devstack.HTTPPort:     "--http-port",
	devstack.XRayPort:     "--xray-port",
	devstack.DynamoDBPort: "--dynamodb-port",
	devstack.GoAWSPort:    "--sns-port",
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

// parse reads the flags. The settings are checked with the stack file's,
// by the one parse (settings).
func parse(args []string, stderr io.Writer) (options, error) {
	o := options{pins: map[string]stackconfig.Pin{}}
	defaults := contract.DefaultSettings("")
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stack, "stack", stackconfig.DefaultStack, "Pulumi stack whose config file, Pulumi.<stack>.yaml in the project folder, gives the settings below; "+
		"followed while running: `pulumi config set stage 2` applies without a restart")
	byName := map[string]settingFlag{}
	for _, f := range settingFlags() {
		byName[f.name] = f
		fs.String(f.name, "", fmt.Sprintf("%s (default: the stack's %s, else %s); pins it against changes of the file", f.usage, f.key, f.value(defaults)))
	}
	fs.IntVar(&o.httpPort, "http-port", devstack.DefaultHTTPPort, "port of the API and the pages (0 = a free port)")
	fs.IntVar(&o.dynamoDBPort, "dynamodb-port", devstack.DefaultDynamoDBPort, "port of DynamoDB Local (0 = a free port)")
	fs.IntVar(&o.snsPort, "sns-port", devstack.DefaultGoAWSPort, "port of GoAWS, for SNS and SQS (0 = a free port)")
	fs.IntVar(&o.xrayPort, "xray-port", devstack.DefaultXRayPort, "UDP port of the X-Ray daemon (0 = a free port)")
	fs.StringVar(&o.dataDir, "data-dir", "", "keep the table in this folder across runs (default: in memory)")
	fs.StringVar(&o.stateDir, "state-dir", devstack.DefaultStateDir, "folder for logs and generated configuration")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./cmd/local [flags]   (or: make dev ARGS='--stack dev')")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// Only the flags given pin their setting: an unset one leaves it to
	// the file.
	fs.Visit(func(fl *flag.Flag) {
		if f, ok := byName[fl.Name]; ok {
			o.pins[f.key] = stackconfig.Pin{Flag: "--" + fl.Name, Text: fl.Value.String()}
		}
	})
	return o, nil
}

// settings reads the stack file of the project in root under the pins,
// with the deploy's parse.
func settings(o options, root string) (stackconfig.Resolver, stackconfig.Resolved, string, error) {
	project, err := stackconfig.LoadProject(root)
	if err != nil {
		return stackconfig.Resolver{}, stackconfig.Resolved{}, "", err
	}
	path, err := project.StackFile(o.stack)
	if err != nil {
		return stackconfig.Resolver{}, stackconfig.Resolved{}, "", fmt.Errorf("--stack: %w", err)
	}
	r := stackconfig.Resolver{Project: project, Pins: o.pins}
	for _, f := range settingFlags() {
		r.Used = append(r.Used, f.key)
	}
	from, err := r.Load(path)
	if err != nil {
		return r, from, path, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return r, from, path, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	root, err := devstack.FindRoot(".")
	if err != nil {
		return err
	}
	resolver, from, path, err := settings(o, root)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopWithParent()

	d, err := devstack.Up(ctx, devstack.UpConfig{
		Services: devstack.ServicesConfig{
			Root: root, StateDir: o.stateDir, DataDir: o.dataDir,
			DynamoDBPort: o.dynamoDBPort, GoAWSPort: o.snsPort,
		},
		Stack: devstack.Config{
			Tracing:        from.Settings.Tracing,
			AllowedOrigin:  from.Settings.AllowedOrigin,
			HTTPAddr:       devstack.LoopbackAddr(o.httpPort),
			XRayAddr:       devstack.LoopbackAddr(o.xrayPort),
			WebDir:         "web",
			CheckpointFile: devstack.CheckpointPath(o.dataDir),
			Out:            stdout,
		},
		Warnings: stderr,
		Progress: stdout,
	})
	if err != nil {
		return withPortFlag(err)
	}
	defer func() {
		fmt.Fprintln(stdout, "Stopping DynamoDB Local and GoAWS ...")
		if err := d.Close(); err != nil {
			fmt.Fprintln(stderr, "local:", err)
		}
	}()

	banner(stdout, o, d, from)

	// Follow the stack file as `pulumi up` would apply it; stopped before
	// the stack closes, so no switch lands on a closing stack.
	followCtx, stopFollowing := context.WithCancel(ctx)
	following := make(chan struct{})
	go func() {
		defer close(following)
		(&stackconfig.Follower{
			Resolver: resolver, Path: path,
			Apply: func(r stackconfig.Resolved) (string, error) {
				ch, err := d.Apply(r.Settings)
				return ch.String(), err
			},
			Report: d.Print,
		}).Run(followCtx, from)
	}()
	defer func() { stopFollowing(); <-following }()

	if err := d.Wait(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nInterrupted.")
	return nil
}

// withPortFlag adds to a port error the flag that moves that port.
func withPortFlag(err error) error {
	var pe *devstack.PortError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: choose another port with %s (0 picks a free one)", err, portFlags[pe.Port])
	}
	return err
}

func banner(w io.Writer, o options, d *devstack.Deployment, from stackconfig.Resolved) {
	r, n := d.Resources(), d.Names()
	data := "in memory"
	if o.dataDir != "" {
		data = "kept in " + o.dataDir
	}
	services := d.Services.Describe()
	fmt.Fprintf(w, `
Mythical Mysfits questions service, running locally: %s

%s

  Contact Us page   %s/
  trace console     %s   (service map, latency, traces; go run ./cmd/traces triage)
  API endpoint      %s   (POST %s%s)
  table             %s   (stream %s, data %s)
  topic             %s
  admin inbox       queue %s (printed below as notifications arrive)
  failure store     %s   (batches that failed every retry; go run ./cmd/redrive, --apply notifies them)
  X-Ray daemon      udp %s (one line per finished trace below)
  %s
  %s
  logs              %s

Try it:
  curl -i -X POST -H 'Content-Type: application/json' \
    -d '{"email":"ada@example.com","questionText":"Do mysfits dream?"}' %s%s

Ctrl-C stops everything.

`, stackconfig.Running(from.Settings.Tracing), settingsBlock(o.stack, from), d.Endpoint(), d.TraceConsole(), d.Endpoint(), d.Endpoint(), contract.ResourcePath,
		r.TableName, contract.TableStreamViewType, data, r.TopicARN, n.Inbox, d.FailureStore(), d.XRayAddr(),
		services[0], services[1], d.LogDir, d.Endpoint(), contract.ResourcePath)
}

// settingsBlock says where each setting the local stack runs with came
// from (a flag, the stack file, the default), and how to switch it live.
func settingsBlock(stack string, from stackconfig.Resolved) string {
	var b strings.Builder
	name := from.File.Name()
	if from.File.Exists {
		fmt.Fprintf(&b, "  settings          %s, followed: `pulumi config set stage N --stack %s` or an edit applies within a second, no restart\n", name, stack)
	} else {
		fmt.Fprintf(&b, "  settings          %s does not exist: the defaults; `pulumi config set stage N --stack %s` (or writing the file) applies without a restart\n", name, stack)
	}
	used := map[string]bool{}
	for _, f := range settingFlags() {
		used[f.key] = true
		source := from.Source(f.key)
		if _, pinned := from.Pinned(f.key); pinned {
			source += " (pinned: a change of the file does not move it)"
		}
		fmt.Fprintf(&b, "    %-15s %-8s %s\n", f.key, f.value(from.Settings), source)
	}
	var checked []string
	for _, k := range slices.Sorted(maps.Keys(from.File.Values)) {
		if !used[k] && from.File.Values[k] != "" {
			checked = append(checked, k)
		}
	}
	note := func(what string, keys []string) {
		if len(keys) > 0 {
			fmt.Fprintf(&b, "    %s: %s\n", what, strings.Join(keys, ", "))
		}
	}
	note("also set, checked as `pulumi up` checks them, no local effect", checked)
	note("encrypted, not needed locally", from.File.Secrets)
	note("not keys of Pulumi.yaml, nothing reads them", from.File.Undeclared)
	return strings.TrimRight(b.String(), "\n")
}
