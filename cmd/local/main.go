// Command local runs the questions service on this machine, on real local
// services: DynamoDB Local (with its stream), GoAWS for SNS and SQS, the two
// Lambda handlers behind a local API Gateway stage and event source
// mapping, and an X-Ray daemon that prints every trace. `make dev` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
)

type options struct {
	tracing       contract.Tracing
	allowedOrigin string
	httpPort      int
	dynamoDBPort  int
	snsPort       int
	xrayPort      int
	dataDir       string
	stateDir      string
}

// tracingFlags name the tracing settings in errors.
var tracingFlags = contract.TracingNames{Stage: "--stage", FaultPercent: "--fault-percent", FaultDelay: "--fault-delay"}

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

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	def := contract.DefaultTracing()
	var stage int
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&stage, "stage", int(def.Stage), "tracing stage: 1 Lambda tracing, 2 + API Gateway tracing and SDK subsegments, 3 + fault injection")
	fs.IntVar(&o.tracing.Faults.Percent, "fault-percent", def.Faults.Percent, "stage 3: share of POSTs that hang and fail, 0-100")
	fs.DurationVar(&o.tracing.Faults.Delay, "fault-delay", def.Faults.Delay, "stage 3: how long a faulted POST hangs (it also sizes the post function's timeout at every stage)")
	fs.StringVar(&o.allowedOrigin, "allowed-origin", contract.AnyOrigin, "CORS origin the API allows")
	fs.IntVar(&o.httpPort, "http-port", devstack.DefaultHTTPPort, "port of the API and the pages (0 = a free port)")
	fs.IntVar(&o.dynamoDBPort, "dynamodb-port", devstack.DefaultDynamoDBPort, "port of DynamoDB Local (0 = a free port)")
	fs.IntVar(&o.snsPort, "sns-port", devstack.DefaultGoAWSPort, "port of GoAWS, for SNS and SQS (0 = a free port)")
	fs.IntVar(&o.xrayPort, "xray-port", devstack.DefaultXRayPort, "UDP port of the X-Ray daemon (0 = a free port)")
	fs.StringVar(&o.dataDir, "data-dir", "", "keep the table in this folder across runs (default: in memory)")
	fs.StringVar(&o.stateDir, "state-dir", devstack.DefaultStateDir, "folder for logs and generated configuration")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./cmd/local [flags]   (or: make dev ARGS='--stage 2')")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o.tracing.Stage = contract.TracingStage(stage)
	var errs []error
	if err := o.tracing.Validate(tracingFlags); err != nil {
		errs = append(errs, err)
	}
	origin, err := contract.ParseOrigin(o.allowedOrigin)
	if err != nil {
		errs = append(errs, fmt.Errorf("--allowed-origin: %w", err))
	}
	o.allowedOrigin = origin
	return o, errors.Join(errs...)
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopWithParent()

	d, err := devstack.Up(ctx, devstack.UpConfig{
		Services: devstack.ServicesConfig{
			StateDir: o.stateDir, DataDir: o.dataDir,
			DynamoDBPort: o.dynamoDBPort, GoAWSPort: o.snsPort,
		},
		Stack: devstack.Config{
			Tracing:        o.tracing,
			AllowedOrigin:  o.allowedOrigin,
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

	banner(stdout, o, d)
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

func banner(w io.Writer, o options, d *devstack.Deployment) {
	t := o.tracing
	r, n := d.Resources(), d.Names()
	stage := fmt.Sprintf("stage %d (%s)", t.Stage, t.Stage.Describe())
	if t.Stage.FaultInjection() {
		stage += fmt.Sprintf(": %d%% of POSTs hang %s and fail", t.Faults.Percent, t.Faults.Delay)
	}
	data := "in memory"
	if o.dataDir != "" {
		data = "kept in " + o.dataDir
	}
	services := d.Services.Describe()
	fmt.Fprintf(w, `
Mythical Mysfits questions service, running locally: %s

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

`, stage, d.Endpoint(), d.TraceConsole(), d.Endpoint(), d.Endpoint(), contract.ResourcePath,
		r.TableName, contract.TableStreamViewType, data, r.TopicARN, n.Inbox, d.FailureStore(), d.XRayAddr(),
		services[0], services[1], d.LogDir, d.Endpoint(), contract.ResourcePath)
}
