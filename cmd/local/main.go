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
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
)

type options struct {
	stage         int
	faultPercent  int
	faultDelay    time.Duration
	allowedOrigin string
	httpPort      int
	dynamoDBPort  int
	snsPort       int
	xrayPort      int
	dataDir       string
	stateDir      string
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.stage, "stage", 1, "tracing stage: 1 Lambda tracing, 2 + API Gateway tracing and SDK subsegments, 3 + fault injection")
	fs.IntVar(&o.faultPercent, "fault-percent", 50, "stage 3: share of POSTs that hang and fail, 0-100")
	fs.DurationVar(&o.faultDelay, "fault-delay", 5*time.Second, "stage 3: how long a faulted POST hangs")
	fs.StringVar(&o.allowedOrigin, "allowed-origin", "*", "CORS origin the API allows")
	fs.IntVar(&o.httpPort, "http-port", 8080, "port of the API and the Contact Us page (0 = a free port)")
	fs.IntVar(&o.dynamoDBPort, "dynamodb-port", 8000, "port of DynamoDB Local (0 = a free port)")
	fs.IntVar(&o.snsPort, "sns-port", 4100, "port of GoAWS, for SNS and SQS (0 = a free port)")
	fs.IntVar(&o.xrayPort, "xray-port", 2000, "UDP port of the X-Ray daemon (0 = a free port)")
	fs.StringVar(&o.dataDir, "data-dir", "", "keep the table in this folder across runs (default: in memory)")
	fs.StringVar(&o.stateDir, "state-dir", ".local", "folder for logs and generated configuration")
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
	return o, nil
}

func (o options) tracing() (lambdaenv.Tracing, error) {
	t := lambdaenv.Tracing{Stage: lambdaenv.TracingStage(o.stage)}
	if !t.Stage.Valid() {
		return t, fmt.Errorf("--stage %d: must be 1, 2 or 3", o.stage)
	}
	if t.Stage.FaultInjection() {
		t.Faults = lambdaenv.Faults{Percent: o.faultPercent, Delay: o.faultDelay}
		if err := t.Faults.Validate(); err != nil {
			return t, fmt.Errorf("--fault-percent/--fault-delay: %w", err)
		}
	}
	return t, nil
}

var stageNames = map[lambdaenv.TracingStage]string{
	lambdaenv.StageLambdaOnly: "Lambda active tracing",
	lambdaenv.StageSDK:        "+ API Gateway tracing and X-Ray SDK subsegments",
	lambdaenv.StageFaults:     "+ fault injection",
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	tracing, err := o.tracing()
	if err != nil {
		return err
	}
	root, err := devstack.FindRoot(".")
	if err != nil {
		return err
	}
	stateDir := o.stateDir
	if !filepath.IsAbs(stateDir) {
		stateDir = filepath.Join(root, stateDir)
	}
	logDir := filepath.Join(stateDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("log folder: %w", err)
	}
	// The stack's own log: everything to a file, warnings to the terminal.
	stackLog, err := os.Create(filepath.Join(logDir, "local.log"))
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	defer stackLog.Close()
	functionLog, err := os.Create(filepath.Join(logDir, "functions.log"))
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	defer functionLog.Close()
	log := slog.New(slog.NewMultiHandler(
		slog.NewJSONHandler(stackLog, nil),
		slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}),
	))

	// The in-process ports first: better to fail before starting the children.
	if err := checkPorts(o); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopWithParent()

	fmt.Fprintln(stdout, "Starting DynamoDB Local and GoAWS ...")
	services, err := devstack.StartServices(ctx, devstack.ServicesConfig{
		Root: root, StateDir: stateDir, DataDir: o.dataDir,
		DynamoDBPort: o.dynamoDBPort, GoAWSPort: o.snsPort,
	})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(stdout, "Stopping DynamoDB Local and GoAWS ...")
		if err := services.Stop(); err != nil {
			fmt.Fprintln(stderr, "local:", err)
		}
	}()

	stack, err := devstack.Start(ctx, devstack.Config{
		Tracing:          tracing,
		AllowedOrigin:    o.allowedOrigin,
		HTTPAddr:         "127.0.0.1:" + strconv.Itoa(o.httpPort),
		XRayAddr:         "127.0.0.1:" + strconv.Itoa(o.xrayPort),
		DynamoDBEndpoint: services.DynamoDBEndpoint,
		GoAWSEndpoint:    services.GoAWSEndpoint,
		WebDir:           filepath.Join(root, "web"),
		CheckpointFile:   devstack.CheckpointPath(o.dataDir),
		Out:              stdout,
		Log:              log,
		FunctionLog:      functionLog,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := stack.Close(); err != nil {
			fmt.Fprintln(stderr, "local:", err)
		}
	}()

	banner(stdout, o, tracing, stack, services, logDir)

	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "\nInterrupted.")
		return nil
	case err := <-services.Died():
		return err
	case err := <-stack.Err():
		return err
	}
}

func banner(w io.Writer, o options, t lambdaenv.Tracing, stack *devstack.Stack, services *devstack.Services, logDir string) {
	r, n := stack.Resources(), stack.Names()
	stage := fmt.Sprintf("stage %d (%s)", t.Stage, stageNames[t.Stage])
	if t.Stage.FaultInjection() {
		stage += fmt.Sprintf(": %d%% of POSTs hang %s and fail", t.Faults.Percent, t.Faults.Delay)
	}
	data := "in memory"
	if o.dataDir != "" {
		data = "kept in " + o.dataDir
	}
	fmt.Fprintf(w, `
Mythical Mysfits questions service, running locally: %s

  Contact Us page   %s/
  API endpoint      %s   (POST %s/questions)
  table             %s   (stream NEW_IMAGE, data %s)
  topic             %s
  admin inbox       queue %s (printed below as notifications arrive)
  dead-letter queue %s
  X-Ray daemon      udp %s (one line per finished trace below)
  %s
  %s
  logs              %s

Try it:
  curl -i -X POST -H 'Content-Type: application/json' \
    -d '{"email":"ada@example.com","questionText":"Do mysfits dream?"}' %s/questions

Ctrl-C stops everything.

`, stage, stack.Endpoint(), stack.Endpoint(), stack.Endpoint(),
		r.TableName, data, r.TopicARN, n.Inbox, n.DeadLetter, stack.XRayAddr(),
		services.Describe()[0], services.Describe()[1], logDir, stack.Endpoint())
}

// checkPorts fails early, naming the flag, when the API's TCP port or the
// X-Ray daemon's UDP port is taken.
func checkPorts(o options) error {
	if o.httpPort != 0 {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(o.httpPort))
		if err != nil {
			return fmt.Errorf("port %d for the API and the page is in use (%v): choose another with --http-port (0 picks a free one)", o.httpPort, err)
		}
		l.Close()
	}
	if o.xrayPort != 0 {
		c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(o.xrayPort))
		if err != nil {
			return fmt.Errorf("UDP port %d for the X-Ray daemon is in use (%v; an X-Ray daemon already running?): choose another with --xray-port (0 picks a free one)", o.xrayPort, err)
		}
		c.Close()
	}
	return nil
}
