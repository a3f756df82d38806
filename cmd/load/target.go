package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/local/goaws"
	"github.com/mysfits/mysfits-questions/internal/local/provision"
)

// target is the stack under load and the clients that look into it.
type target struct {
	endpoint string // the API's base URL
	describe string

	table    string
	topicARN string
	// failures is the stack's failure store, where given-up batches go.
	failures failures.Dir

	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	sns     *sns.Client
	queues  *goaws.Client

	// failed reports a part of a started stack that stopped on its own.
	failed func() error
	close  func()
}

func newTarget(apiEndpoint, dynamoDB, goawsEndpoint string) *target {
	ddb := devstack.AWSConfig(dynamoDB)
	return &target{
		endpoint: strings.TrimRight(apiEndpoint, "/"),
		db:       dynamodb.NewFromConfig(ddb),
		streams:  dynamodbstreams.NewFromConfig(ddb),
		sns:      sns.NewFromConfig(devstack.AWSConfig(goawsEndpoint)),
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
	t.failures = failures.Dir(o.failureDir)
	return t, nil
}

// start runs DynamoDB Local, GoAWS and the stack on free loopback ports,
// with their logs and the console in the state folder.
func start(ctx context.Context, o options, stderr io.Writer) (*target, error) {
	d, err := devstack.Up(ctx, devstack.UpConfig{
		Services: devstack.ServicesConfig{StateDir: o.stateDir},
		Stack: devstack.Config{
			Tracing:    contract.Tracing{Stage: contract.TracingStage(o.stage), Faults: contract.DefaultTracing().Faults},
			NamePrefix: o.namePrefix,
			HTTPAddr:   "127.0.0.1:0",
			XRayAddr:   "127.0.0.1:0",
		},
		Warnings: stderr,
		Progress: stderr,
	})
	if err != nil {
		return nil, err
	}
	t := newTarget(d.Endpoint(), d.Services.DynamoDBEndpoint, d.Services.GoAWSEndpoint)
	t.describe = describeStack(true, o.stage, o)
	r := d.Resources()
	t.table, t.topicARN, t.failures = r.TableName, r.TopicARN, d.FailureStore()
	t.failed = d.Failed
	t.close = func() {
		if err := d.Close(); err != nil {
			fmt.Fprintln(stderr, "load:", err)
		}
	}
	return t, nil
}

// cleanupContext outlives the run's deadline long enough to tidy up.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
}
