// Command load is the bounded load test of the questions service on this
// machine: concurrent clients post questions with unique texts over
// loopback, then every answer is checked question by question: each
// accepted question is in the table as sent and reached the
// administrator's inbox or the failure store, each rejected one got a
// JSON error and is stored nowhere. It prints throughput, latency and the
// loss count, and exits non-zero when the promise is broken.
//
// `make load` runs it against a local stack it starts itself (DynamoDB
// Local and GoAWS on free ports); --endpoint points it at a running
// `make dev` instead.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
)

type options struct {
	questions  int
	clients    int
	invalidPct int
	timeout    time.Duration
	stage      int

	endpoint   string // "" = start a local stack
	dynamoDB   string
	sns        string
	namePrefix string
	stateDir   string
	failureDir string
}

// Bounds that keep a run on a laptop.
const (
	maxQuestions = 100_000
	maxClients   = 256
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.questions, "n", 2000, "questions to send")
	fs.IntVar(&o.clients, "c", 16, "concurrent clients")
	fs.IntVar(&o.invalidPct, "invalid-percent", 5, "share of requests made invalid on purpose (bad e-mail, over-long text, truncated JSON, wrong content type), 0-100")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "hard limit for the whole run, start-up and checks included")
	fs.IntVar(&o.stage, "stage", int(contract.DefaultStage), "tracing stage of the stack the test starts: 1 or 2 (3 injects faults on purpose)")
	fs.StringVar(&o.endpoint, "endpoint", "", "API of a running `make dev` (e.g. "+devstack.LocalEndpoint(devstack.DefaultHTTPPort)+"); default: start a local stack")
	fs.StringVar(&o.dynamoDB, "dynamodb-endpoint", devstack.LocalEndpoint(devstack.DefaultDynamoDBPort), "with --endpoint: DynamoDB Local of that stack")
	fs.StringVar(&o.sns, "sns-endpoint", devstack.LocalEndpoint(devstack.DefaultGoAWSPort), "with --endpoint: GoAWS (SNS/SQS) of that stack")
	fs.StringVar(&o.namePrefix, "name-prefix", devstack.DefaultNamePrefix, "resource name prefix of the stack")
	fs.StringVar(&o.stateDir, "state-dir", ".local/load", "without --endpoint: folder for the started services' logs")
	fs.StringVar(&o.failureDir, "failure-dir", devstack.FailureDir(devstack.DefaultStateDir), "with --endpoint: the failure store of that stack")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./cmd/load [flags]   (or: make load ARGS='-n 500 -c 8')")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, o.validate()
}

func (o options) validate() error {
	switch {
	case o.questions < 1 || o.questions > maxQuestions:
		return fmt.Errorf("-n %d: must be 1 to %d", o.questions, maxQuestions)
	case o.clients < 1 || o.clients > maxClients:
		return fmt.Errorf("-c %d: must be 1 to %d", o.clients, maxClients)
	case o.invalidPct < 0 || o.invalidPct > 100:
		return fmt.Errorf("--invalid-percent %d: must be 0 to 100", o.invalidPct)
	case o.timeout <= 0:
		return fmt.Errorf("--timeout %s: must be positive", o.timeout)
	case o.stage != int(contract.StageLambdaOnly) && o.stage != int(contract.StageSDK):
		return fmt.Errorf("--stage %d: must be 1 or 2", o.stage)
	}
	if o.endpoint == "" {
		return nil
	}
	for flagName, u := range map[string]string{"--endpoint": o.endpoint, "--dynamodb-endpoint": o.dynamoDB, "--sns-endpoint": o.sns} {
		if err := loopback(u); err != nil {
			return fmt.Errorf("%s %s: %w", flagName, u, err)
		}
	}
	return nil
}

// loopback refuses any URL that leaves this machine: the load test floods
// what it targets.
func loopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return errors.New("not an http(s) URL")
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errors.New("not a loopback address: the load test only targets this machine (127.0.0.1, ::1, localhost)")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	runID := make([]byte, 4)
	_, _ = rand.Read(runID)
	t, err := connect(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer t.close()

	obs, err := observe(ctx, t, o.namePrefix+"-load-"+hex.EncodeToString(runID))
	if err != nil {
		return err
	}
	defer obs.close()

	fmt.Fprintf(stdout, "load: %d questions (%d%% invalid on purpose) from %d clients to %s/questions (%s)\n",
		o.questions, o.invalidPct, o.clients, t.endpoint, t.describe)
	reqs := plan(hex.EncodeToString(runID), o.questions, o.invalidPct)
	sent := send(ctx, t.endpoint, reqs, o.clients)

	res, err := verify(ctx, t, obs, sent)
	if err != nil {
		return err
	}
	res.print(stdout)
	if problems := res.problems(); len(problems) > 0 {
		const shown = 20
		for i, p := range problems {
			if i == shown {
				fmt.Fprintf(stderr, "  ... and %d more\n", len(problems)-shown)
				break
			}
			fmt.Fprintln(stderr, "  "+p)
		}
		return fmt.Errorf("%d lost, %d problem(s) in all: the promise is broken", len(res.report.Lost), len(problems))
	}
	return nil
}

// describeStack names what the run targets, for the first line.
func describeStack(started bool, stage int, o options) string {
	if started {
		return fmt.Sprintf("local stack started by the load test, stage %d", stage)
	}
	return strings.Join([]string{"running stack", "DynamoDB " + o.dynamoDB, "SNS/SQS " + o.sns}, ", ")
}
