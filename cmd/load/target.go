package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/local/goaws"
	"github.com/mysfits/mysfits-questions/internal/local/provision"
)

// target is the stack under load and the clients that look into it.
type target struct {
	endpoint string // the API's base URL
	describe string

	table         string
	topicARN      string
	deadLetterURL string

	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	sns     *sns.Client
	queues  *goaws.Client

	// failed reports a part of a started stack that stopped on its own.
	failed func() error
	close  func()
}

// awsConfig is the SDK configuration for a local service: fixed region and
// dummy credentials, nothing read from the user's AWS profile.
func awsConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       devstack.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

func newTarget(apiEndpoint, dynamoDB, goawsEndpoint string) *target {
	ddb := awsConfig(dynamoDB)
	return &target{
		endpoint: strings.TrimRight(apiEndpoint, "/"),
		db:       dynamodb.NewFromConfig(ddb),
		streams:  dynamodbstreams.NewFromConfig(ddb),
		sns:      sns.NewFromConfig(awsConfig(goawsEndpoint)),
		queues:   &goaws.Client{Endpoint: goawsEndpoint},
		failed:   func() error { return nil },
		close:    func() {},
	}
}

// connect starts a local stack, or finds the resources of a running one.
func connect(ctx context.Context, o options, stderr io.Writer) (*target, error) {
	if o.endpoint == "" {
		return start(ctx, o, stderr)
	}
	t := newTarget(o.endpoint, o.dynamoDB, o.sns)
	t.describe = describeStack(false, 0, o)
	names := provision.NamesFor(o.namePrefix)
	hint := fmt.Sprintf("is `make dev` running there with the resource prefix %q?", o.namePrefix)
	if _, err := t.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(names.Table)}); err != nil {
		return nil, fmt.Errorf("table %s at %s (%s): %w", names.Table, o.dynamoDB, hint, err)
	}
	t.table = names.Table
	topics := sns.NewListTopicsPaginator(t.sns, &sns.ListTopicsInput{})
	for topics.HasMorePages() && t.topicARN == "" {
		page, err := topics.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the topics at %s (%s): %w", o.sns, hint, err)
		}
		for _, tp := range page.Topics {
			if strings.HasSuffix(aws.ToString(tp.TopicArn), ":"+names.Topic) {
				t.topicARN = aws.ToString(tp.TopicArn)
			}
		}
	}
	if t.topicARN == "" {
		return nil, fmt.Errorf("no topic %s at %s: %s", names.Topic, o.sns, hint)
	}
	var err error
	if t.deadLetterURL, err = t.queues.QueueURL(ctx, names.DeadLetter); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, hint)
	}
	return t, nil
}

// start runs DynamoDB Local, GoAWS and the stack on free loopback ports,
// with their logs in the state folder.
func start(ctx context.Context, o options, stderr io.Writer) (_ *target, err error) {
	root, err := devstack.FindRoot(".")
	if err != nil {
		return nil, err
	}
	stateDir := o.stateDir
	if !filepath.IsAbs(stateDir) {
		stateDir = filepath.Join(root, stateDir)
	}
	logDir := filepath.Join(stateDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("log folder: %w", err)
	}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	logFile := func(name string) (*os.File, error) {
		f, err := os.Create(filepath.Join(logDir, name))
		if err != nil {
			return nil, fmt.Errorf("log file: %w", err)
		}
		closers = append(closers, func() { f.Close() })
		return f, nil
	}
	stackLog, err := logFile("local.log")
	if err != nil {
		return nil, err
	}
	functionLog, err := logFile("functions.log")
	if err != nil {
		return nil, err
	}
	console, err := logFile("console.log")
	if err != nil {
		return nil, err
	}

	fmt.Fprintf(stderr, "load: starting DynamoDB Local and GoAWS (logs in %s) ...\n", logDir)
	services, err := devstack.StartServices(ctx, devstack.ServicesConfig{Root: root, StateDir: stateDir})
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() {
		if err := services.Stop(); err != nil {
			fmt.Fprintln(stderr, "load:", err)
		}
	})
	stack, err := devstack.Start(ctx, devstack.Config{
		Tracing:          lambdaenv.Tracing{Stage: lambdaenv.TracingStage(o.stage)},
		NamePrefix:       o.namePrefix,
		HTTPAddr:         "127.0.0.1:0",
		XRayAddr:         "127.0.0.1:0",
		DynamoDBEndpoint: services.DynamoDBEndpoint,
		GoAWSEndpoint:    services.GoAWSEndpoint,
		Out:              console,
		Log: slog.New(slog.NewMultiHandler(
			slog.NewJSONHandler(stackLog, nil),
			slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}),
		)),
		FunctionLog: functionLog,
	})
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() {
		if err := stack.Close(); err != nil {
			fmt.Fprintln(stderr, "load:", err)
		}
	})

	t := newTarget(stack.Endpoint(), services.DynamoDBEndpoint, services.GoAWSEndpoint)
	t.describe = describeStack(true, o.stage, o)
	r := stack.Resources()
	t.table, t.topicARN, t.deadLetterURL = r.TableName, r.TopicARN, r.DeadLetterURL
	t.failed = func() error {
		select {
		case err := <-services.Died():
			return err
		case err := <-stack.Err():
			return err
		default:
			return nil
		}
	}
	t.close = closeAll
	return t, nil
}

// cleanupContext outlives the run's deadline long enough to tidy up.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
}
