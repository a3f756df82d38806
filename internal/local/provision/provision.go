// Package provision creates the questions service's resources on the local
// services, from the same settings (components/spec) the Pulumi component
// applies: the table with its stream, the topic, the administrator's inbox
// queue subscribed to it. The stream mapping's failure store is a folder
// (devstack.Config.FailureDir), the stand-in for the S3 bucket.
package provision

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/goaws"
)

// Names of the local resources. On AWS Pulumi derives physical names from
// the component name; locally they derive from a prefix.
type Names struct {
	Table, Topic, Inbox           string
	PostFunction, ProcessFunction string
	API                           string
}

// NamesFor returns the names for prefix ("mysfits-questions").
func NamesFor(prefix string) Names {
	return Names{
		Table:           prefix + "-questions",
		Topic:           prefix + "-notifications",
		Inbox:           prefix + "-admin-inbox",
		PostFunction:    prefix + "-post",
		ProcessFunction: prefix + "-process",
		API:             prefix,
	}
}

// Messaging is the topic, the administrator's inbox queue and the inbox's
// subscription to the topic: what Create makes on GoAWS, and what GoAWS
// creates by itself when it restarts (devstack.Services.KeepResources).
// Raw delivery off: the inbox gets the SNS envelope with the subject, what
// an e-mail subscriber sees.
func (n Names) Messaging() goaws.Resources {
	return goaws.Resources{
		Queues: []string{n.Inbox},
		Topics: []goaws.Topic{{Name: n.Topic, Subscriptions: []goaws.Subscription{{Queue: n.Inbox, Raw: false}}}},
	}
}

// Resources are what Create made.
type Resources struct {
	TableName, TableARN, StreamARN string
	TopicARN                       string
	InboxURL, InboxARN             string
}

// Table is the part of the DynamoDB client Create uses.
type Table interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTable(ctx context.Context, in *dynamodb.UpdateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error)
}

// Topics is the part of the SNS client Create uses.
type Topics interface {
	CreateTopic(ctx context.Context, in *sns.CreateTopicInput, optFns ...func(*sns.Options)) (*sns.CreateTopicOutput, error)
	Subscribe(ctx context.Context, in *sns.SubscribeInput, optFns ...func(*sns.Options)) (*sns.SubscribeOutput, error)
}

// Queues is the part of the SQS client Create uses.
type Queues interface {
	CreateQueue(ctx context.Context, name string, attributes map[string]string) (string, error)
	QueueARN(ctx context.Context, queueURL string) (string, error)
}

var (
	_ Table  = (*dynamodb.Client)(nil)
	_ Topics = (*sns.Client)(nil)
)

// Create makes every resource, reusing what already exists (a table kept in
// a data folder), so it can run at every start.
func Create(ctx context.Context, db Table, topics Topics, queues Queues, n Names) (Resources, error) {
	r := Resources{TableName: n.Table}
	var err error
	if r.TableARN, r.StreamARN, err = table(ctx, db, n.Table); err != nil {
		return Resources{}, err
	}
	queueURL, queueARN, topicARN := map[string]string{}, map[string]string{}, map[string]string{}
	m := n.Messaging()
	for _, q := range m.Queues {
		if queueURL[q], err = queues.CreateQueue(ctx, q, nil); err != nil {
			return Resources{}, err
		}
		if queueARN[q], err = queues.QueueARN(ctx, queueURL[q]); err != nil {
			return Resources{}, err
		}
	}
	for _, t := range m.Topics {
		topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(t.Name)})
		if err != nil {
			return Resources{}, fmt.Errorf("creating topic %s: %w", t.Name, err)
		}
		topicARN[t.Name] = aws.ToString(topic.TopicArn)
		for _, sub := range t.Subscriptions {
			// Subscribing what exists (GoAWS has it from its
			// configuration) changes nothing: like SNS, GoAWS returns
			// the existing subscription.
			if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{
				TopicArn:              topic.TopicArn,
				Protocol:              aws.String("sqs"),
				Endpoint:              aws.String(queueARN[sub.Queue]),
				Attributes:            map[string]string{"RawMessageDelivery": strconv.FormatBool(sub.Raw)},
				ReturnSubscriptionArn: true,
			}); err != nil {
				return Resources{}, fmt.Errorf("subscribing queue %s to %s: %w", sub.Queue, t.Name, err)
			}
		}
	}
	r.TopicARN, r.InboxURL, r.InboxARN = topicARN[n.Topic], queueURL[n.Inbox], queueARN[n.Inbox]
	return r, nil
}

// table creates the table as the component defines it, or checks the one
// that exists, and returns its ARN and stream ARN.
func table(ctx context.Context, db Table, name string) (tableARN, streamARN string, err error) {
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{
			AttributeName: aws.String(contract.TableHashKey),
			AttributeType: types.ScalarAttributeType(contract.TableHashKeyType),
		}},
		KeySchema: []types.KeySchemaElement{{
			AttributeName: aws.String(contract.TableHashKey),
			KeyType:       types.KeyTypeHash,
		}},
		BillingMode: types.BillingMode(contract.TableBillingMode),
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewType(contract.TableStreamViewType),
		},
	})
	var exists *types.ResourceInUseException
	if err != nil && !errors.As(err, &exists) {
		return "", "", fmt.Errorf("creating table %s: %w", name, err)
	}
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return "", "", fmt.Errorf("describing table %s: %w", name, err)
		}
		t := out.Table
		if err := checkKey(t); err != nil {
			return "", "", fmt.Errorf("table %s: %w", name, err)
		}
		if s := t.StreamSpecification; s == nil || !aws.ToBool(s.StreamEnabled) {
			// A table from an older data folder: switch its stream on.
			if _, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{
				TableName: aws.String(name),
				StreamSpecification: &types.StreamSpecification{
					StreamEnabled:  aws.Bool(true),
					StreamViewType: types.StreamViewType(contract.TableStreamViewType),
				},
			}); err != nil {
				return "", "", fmt.Errorf("enabling the stream of table %s: %w", name, err)
			}
			continue
		} else if string(s.StreamViewType) != contract.TableStreamViewType {
			return "", "", fmt.Errorf("table %s has stream view %s, not %s: delete the data folder or the table", name, s.StreamViewType, contract.TableStreamViewType)
		}
		if t.TableStatus == types.TableStatusActive && t.LatestStreamArn != nil {
			return aws.ToString(t.TableArn), aws.ToString(t.LatestStreamArn), nil
		}
		select {
		case <-ctx.Done():
			return "", "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func checkKey(t *types.TableDescription) error {
	if len(t.KeySchema) != 1 || aws.ToString(t.KeySchema[0].AttributeName) != contract.TableHashKey || t.KeySchema[0].KeyType != types.KeyTypeHash {
		return fmt.Errorf("its key is not %s (HASH): delete the data folder or the table", contract.TableHashKey)
	}
	return nil
}
