package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/local/goaws"
	"github.com/mysfits/mysfits-questions/internal/local/provision"
)

// Stack says which stack a run loads: a local stack Connect starts on
// free ports (Endpoint empty), or a running one (`make dev`).
type Stack struct {
	// Endpoint is the API of a running stack; "" starts one.
	Endpoint string
	// DynamoDB, SNS and FailureDir are the running stack's DynamoDB Local,
	// GoAWS (SNS/SQS) and failure store; read with Endpoint only.
	DynamoDB, SNS, FailureDir string
	// NamePrefix is the resource name prefix of the stack; ""
	// is devstack.DefaultNamePrefix, as `make dev` names them.
	NamePrefix string

	// StateDir (the started services' logs) and Stage (0 is
	// contract.DefaultStage) are for a stack Connect starts; read without
	// Endpoint only.
	StateDir string
	Stage    contract.TracingStage
}

// Validate checks the stack's settings, each error naming the setting as
// names say.
func (s Stack) Validate(names Names) error {
	var errs []error
	// Stage 3 fails a share of the posts on purpose: the loss count would
	// then measure the exercise, not the service.
	if s.Stage != contract.StageLambdaOnly && s.Stage != contract.StageSDK {
		errs = append(errs, fmt.Errorf("%s %d: must be %d or %d", names.Stage, s.Stage, contract.StageLambdaOnly, contract.StageSDK))
	}
	if s.Endpoint == "" {
		return errors.Join(errs...)
	}
	for _, u := range []struct{ name, url string }{{names.Endpoint, s.Endpoint}, {names.DynamoDB, s.DynamoDB}, {names.SNS, s.SNS}} {
		if err := loopback(u.url); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", u.name, u.url, err))
		}
	}
	return errors.Join(errs...)
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

// Target is the stack under load and the clients that look into it.
type Target struct {
	// Endpoint is the API's base URL; questions go to Endpoint +
	// contract.ResourcePath.
	Endpoint string
	// Description names the stack for a report's first line.
	Description string

	names    provision.Names
	table    string
	topicARN string
	// failures is the stack's failure store, where given-up batches go.
	failures failures.Dir

	db     *dynamodb.Client
	sns    *sns.Client
	queues *goaws.Client

	// failed reports a part of a started stack that stopped on its own.
	failed func() error
	close  func() error
}

func newTarget(apiEndpoint, dynamoDB, goawsEndpoint string) *Target {
	return &Target{
		Endpoint: strings.TrimRight(apiEndpoint, "/"),
		db:       dynamodb.NewFromConfig(devstack.AWSConfig(dynamoDB)),
		sns:      sns.NewFromConfig(devstack.AWSConfig(goawsEndpoint)),
		queues:   &goaws.Client{Endpoint: goawsEndpoint},
		failed:   func() error { return nil },
		close:    func() error { return nil },
	}
}

// Connect starts a local stack, or finds the resources of a running one.
// Progress and warnings of a stack it starts go to log.
func Connect(ctx context.Context, s Stack, log io.Writer) (*Target, error) {
	if s.Stage == 0 {
		s.Stage = contract.DefaultStage
	}
	if err := s.Validate(fieldNames()); err != nil {
		return nil, err
	}
	if s.NamePrefix == "" {
		s.NamePrefix = devstack.DefaultNamePrefix
	}
	if s.Endpoint == "" {
		return start(ctx, s, log)
	}
	t := newTarget(s.Endpoint, s.DynamoDB, s.SNS)
	t.Description = strings.Join([]string{"running stack", "DynamoDB " + s.DynamoDB, "SNS/SQS " + s.SNS}, ", ")
	t.names = provision.NamesFor(s.NamePrefix)
	hint := fmt.Sprintf("is `make dev` running there with the resource prefix %q?", s.NamePrefix)
	if _, err := t.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.names.Table)}); err != nil {
		return nil, fmt.Errorf("table %s at %s (%s): %w", t.names.Table, s.DynamoDB, hint, err)
	}
	t.table = t.names.Table
	topics := sns.NewListTopicsPaginator(t.sns, &sns.ListTopicsInput{})
	for topics.HasMorePages() && t.topicARN == "" {
		page, err := topics.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the topics at %s (%s): %w", s.SNS, hint, err)
		}
		for _, tp := range page.Topics {
			if strings.HasSuffix(aws.ToString(tp.TopicArn), ":"+t.names.Topic) {
				t.topicARN = aws.ToString(tp.TopicArn)
			}
		}
	}
	if t.topicARN == "" {
		return nil, fmt.Errorf("no topic %s at %s: %s", t.names.Topic, s.SNS, hint)
	}
	t.failures = failures.Dir(s.FailureDir)
	return t, nil
}

// start runs DynamoDB Local, GoAWS and the stack on free loopback ports,
// with their logs and the console in the state folder.
func start(ctx context.Context, s Stack, log io.Writer) (*Target, error) {
	tracing := contract.DefaultTracing()
	tracing.Stage = s.Stage
	d, err := devstack.Up(ctx, devstack.UpConfig{
		Services: devstack.ServicesConfig{StateDir: s.StateDir},
		Stack: devstack.Config{
			Tracing:    tracing,
			NamePrefix: s.NamePrefix,
			HTTPAddr:   "127.0.0.1:0",
			XRayAddr:   "127.0.0.1:0",
		},
		Warnings: log,
		Progress: log,
	})
	if err != nil {
		return nil, fmt.Errorf("starting a local stack: %w", err)
	}
	t := Attach(d)
	t.Description = fmt.Sprintf("local stack started by the load test, stage %d", s.Stage)
	t.close = d.Close
	return t, nil
}

// Attach loads a stack this process runs (the benchmark's). Closing the
// target leaves the stack running: it is the caller's.
func Attach(d *devstack.Deployment) *Target {
	t := newTarget(d.Endpoint(), d.Services.DynamoDBEndpoint, d.Services.GoAWSEndpoint)
	t.Description = "local stack of this process"
	r := d.Resources()
	t.names, t.table, t.topicARN, t.failures = d.Names(), r.TableName, r.TopicARN, d.FailureStore()
	t.failed = d.Failed
	return t
}

// Close stops a stack Connect started.
func (t *Target) Close() error {
	if err := t.close(); err != nil {
		return fmt.Errorf("stopping the local stack: %w", err)
	}
	return nil
}

// cleanupContext outlives the run's deadline long enough to tidy up.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
}
