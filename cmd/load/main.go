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
// `make dev` instead. The test itself is internal/load: this command
// parses the flags and prints the Result.
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
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/load"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
)

type options struct {
	stack   load.Stack
	run     load.Options
	timeout time.Duration
}

// The flags that name a setting of internal/load, each named once: for
// the flag set and for the errors (load.Names).
const (
	flagQuestions      = "n"
	flagClients        = "c"
	flagInvalidPercent = "invalid-percent"
	flagTimeout        = "timeout"
	flagStage          = "stage"
	flagEndpoint       = "endpoint"
	flagDynamoDB       = "dynamodb-endpoint"
	flagSNS            = "sns-endpoint"
)

// dashed is a flag as a user types it: -n, --timeout.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func flagNames() load.Names {
	return load.Names{
		Questions: dashed(flagQuestions), Clients: dashed(flagClients), InvalidPercent: dashed(flagInvalidPercent),
		Endpoint: dashed(flagEndpoint), DynamoDB: dashed(flagDynamoDB), SNS: dashed(flagSNS), Stage: dashed(flagStage),
	}
}

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
	var stage int
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.run.Questions, flagQuestions, 2000, "questions to send")
	fs.IntVar(&o.run.Clients, flagClients, 16, "concurrent clients")
	fs.IntVar(&o.run.InvalidPercent, flagInvalidPercent, 5, "share of requests made invalid on purpose (bad e-mail, over-long text, truncated JSON, wrong content type), 0-100")
	fs.DurationVar(&o.timeout, flagTimeout, 5*time.Minute, "hard limit for the whole run, start-up and checks included")
	fs.IntVar(&stage, flagStage, int(contract.DefaultStage), "tracing stage of the stack the test starts: 1 or 2 (3 injects faults on purpose)")
	fs.StringVar(&o.stack.Endpoint, flagEndpoint, "", "API of a running `make dev` (e.g. "+devstack.LocalEndpoint(devstack.DefaultHTTPPort)+"); default: start a local stack")
	fs.StringVar(&o.stack.DynamoDB, flagDynamoDB, devstack.LocalEndpoint(devstack.DefaultDynamoDBPort), "with --endpoint: DynamoDB Local of that stack")
	fs.StringVar(&o.stack.SNS, flagSNS, devstack.LocalEndpoint(devstack.DefaultGoAWSPort), "with --endpoint: GoAWS (SNS/SQS) of that stack")
	fs.StringVar(&o.stack.NamePrefix, "name-prefix", devstack.DefaultNamePrefix, "resource name prefix of the stack")
	fs.StringVar(&o.stack.StateDir, "state-dir", ".local/load", "without --endpoint: folder for the started services' logs")
	fs.StringVar(&o.stack.FailureDir, "failure-dir", devstack.FailureDir(devstack.DefaultStateDir), "with --endpoint: the failure store of that stack")
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
	o.stack.Stage = contract.TracingStage(stage)
	return o, o.validate()
}

// validate checks every flag; internal/load holds the rules of its own
// settings, named here by their flags.
func (o options) validate() error {
	errs := []error{o.run.Validate(flagNames())}
	if o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("%s %s: must be positive", dashed(flagTimeout), o.timeout))
	}
	errs = append(errs, o.stack.Validate(flagNames()))
	return errors.Join(errs...)
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

	t, err := load.Connect(ctx, o.stack, stderr)
	if err != nil {
		return err
	}
	defer func() {
		// A stack that will not stop leaves processes behind, but the
		// run's verdict stands: say so and keep the exit status.
		if err := t.Close(); err != nil {
			fmt.Fprintln(stderr, "load:", err)
		}
	}()

	fmt.Fprintf(stdout, "load: %d questions (%d%% invalid on purpose) from %d clients to %s%s (%s)\n",
		o.run.Questions, o.run.InvalidPercent, o.run.Clients, t.Endpoint, contract.ResourcePath, t.Description)
	res, err := load.Run(ctx, t, o.run)
	if err != nil {
		return err
	}
	return report(stdout, stderr, res)
}
