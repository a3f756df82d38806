// Command redrive notifies the administrator of the questions whose stream
// batch failed every retry, from the failure store: the S3 bucket of a
// deployed stack, or the folder of the local stack.
//
//	go run ./cmd/redrive [--apply]                      the local stack (make dev)
//	pulumi stack output --json | go run ./cmd/redrive --aws --outputs - [--apply]
//	go run ./cmd/redrive --aws --bucket B --topic ARN [--queue URL] [--region R] [--apply]
//
// Without --apply it only lists what failed: question id, when, why, and
// the legacy on-failure records a stack deployed before the failure bucket
// still holds in its notice queue (they cannot be redriven). With --apply
// it publishes each question's notification once, as the process function
// would have, removes what it redrove, deletes the notices of the batches
// the bucket no longer holds (a batch that fails meanwhile keeps its
// notice, and the alarm) and removes the legacy records it listed. A
// second run finds nothing to do. It never prints an e-mail address or a
// question's text.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/notify"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/local/provision"
	"github.com/mysfits/mysfits-questions/internal/redrive"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "redrive:", err)
		os.Exit(1)
	}
}

type options struct {
	apply bool
	aws   bool
	// local stack
	stateDir    string
	snsEndpoint string
	namePrefix  string
	// AWS
	region, bucket, topic, queue, outputs string
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("redrive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.apply, "apply", false, "notify each failed question once and remove what was redriven (default: only list)")
	fs.BoolVar(&o.aws, "aws", false, "redrive a deployed stack (default: the local stack of make dev)")
	fs.StringVar(&o.stateDir, "state-dir", devstack.DefaultStateDir, "local stack: its state folder (the failure store is its failures folder)")
	fs.StringVar(&o.snsEndpoint, "sns-endpoint", devstack.LocalEndpoint(devstack.DefaultGoAWSPort), "local stack: GoAWS, for SNS")
	fs.StringVar(&o.namePrefix, "name-prefix", devstack.DefaultNamePrefix, "local stack: its resource name prefix")
	fs.StringVar(&o.region, "region", "", "--aws: the region (default: from the AWS configuration)")
	fs.StringVar(&o.outputs, "outputs", "", "--aws: the stack's outputs as `pulumi stack output --json` prints them, a file or - for stdin")
	fs.StringVar(&o.bucket, "bucket", "", "--aws: the failure bucket (output "+contract.OutputFailureBucket+")")
	fs.StringVar(&o.topic, "topic", "", "--aws: the administrator's topic ARN (output "+contract.OutputTopicARN+")")
	fs.StringVar(&o.queue, "queue", "", "--aws: the notice queue URL (output "+contract.OutputNoticeQueueURL+")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage:
  go run ./cmd/redrive [--apply]                  the local stack (make dev; make redrive ARGS=--apply)
  pulumi stack output --json | go run ./cmd/redrive --aws --outputs - [--apply]
  go run ./cmd/redrive --aws --bucket NAME --topic ARN [--queue URL] [--region R] [--apply]`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (see -h)", fs.Arg(0))
	}
	awsOnly := o.region != "" || o.outputs != "" || o.bucket != "" || o.topic != "" || o.queue != ""
	if !o.aws && awsOnly {
		return o, errors.New("--region, --outputs, --bucket, --topic and --queue go with --aws")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	var cfg redrive.Config
	if o.aws {
		cfg, err = awsConfig(ctx, o, stdin)
	} else {
		cfg, err = localConfig(ctx, o)
	}
	if err != nil {
		return err
	}
	cfg.Apply, cfg.Out = o.apply, stdout
	_, err = redrive.Run(ctx, cfg)
	return err
}

// localConfig is the local stack's failure folder and GoAWS's topic.
func localConfig(ctx context.Context, o options) (redrive.Config, error) {
	cfg := redrive.Config{Store: failures.Dir(devstack.FailureDir(o.stateDir))}
	if !o.apply {
		return cfg, nil // listing needs no topic
	}
	name := provision.NamesFor(o.namePrefix).Topic
	client := sns.NewFromConfig(devstack.AWSConfig(o.snsEndpoint))
	topic, err := findTopic(ctx, client, name)
	if err != nil {
		return cfg, fmt.Errorf("%w (is `make dev` running, with GoAWS at %s?)", err, o.snsEndpoint)
	}
	cfg.Notifier = &notify.Handler{TopicARN: topic, SNS: client}
	return cfg, nil
}

// findTopic finds the local topic by name: GoAWS makes up its ARNs.
func findTopic(ctx context.Context, client *sns.Client, name string) (string, error) {
	pages := sns.NewListTopicsPaginator(client, &sns.ListTopicsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("listing the topics: %w", err)
		}
		for _, t := range page.Topics {
			if arn := aws.ToString(t.TopicArn); strings.HasSuffix(arn, ":"+name) {
				return arn, nil
			}
		}
	}
	return "", fmt.Errorf("no topic %s", name)
}

// awsConfig is a deployed stack's bucket, topic and queue, with the
// default AWS configuration chain (profile, environment, SSO).
func awsConfig(ctx context.Context, o options, stdin io.Reader) (redrive.Config, error) {
	if o.outputs != "" {
		if err := fromOutputs(&o, o.outputs, stdin); err != nil {
			return redrive.Config{}, err
		}
	}
	if o.bucket == "" {
		return redrive.Config{}, fmt.Errorf("--aws: no failure bucket: give --bucket or --outputs (output %s)", contract.OutputFailureBucket)
	}
	if o.apply && o.topic == "" {
		return redrive.Config{}, fmt.Errorf("--apply: no topic: give --topic or --outputs (output %s)", contract.OutputTopicARN)
	}
	var opts []func(*config.LoadOptions) error
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return redrive.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return redrive.Config{}, errors.New("--aws: no region: give --region or set AWS_REGION")
	}
	cfg := redrive.Config{Store: &failures.Bucket{Name: o.bucket, Client: s3.NewFromConfig(awsCfg)}}
	if o.topic != "" {
		cfg.Notifier = &notify.Handler{TopicARN: o.topic, SNS: sns.NewFromConfig(awsCfg)}
	}
	if o.queue != "" {
		cfg.Notices = &redrive.NoticeQueue{URL: o.queue, Client: sqs.NewFromConfig(awsCfg)}
	}
	return cfg, nil
}

// fromOutputs fills in what the flags left unset from the stack's outputs.
func fromOutputs(o *options, path string, stdin io.Reader) error {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("--outputs: %w", err)
		}
		defer f.Close()
		r = f
	}
	var outputs map[string]any
	if err := json.NewDecoder(r).Decode(&outputs); err != nil {
		return fmt.Errorf("--outputs: not the JSON of `pulumi stack output --json`: %w", err)
	}
	for _, f := range []struct {
		dst  *string
		name string
	}{{&o.bucket, contract.OutputFailureBucket}, {&o.topic, contract.OutputTopicARN}, {&o.queue, contract.OutputNoticeQueueURL}} {
		if *f.dst != "" {
			continue // a flag wins
		}
		if v, ok := outputs[f.name].(string); ok {
			*f.dst = v
		}
	}
	return nil
}
