// Package components holds the Pulumi components of the questions service:
// QuestionsService, made of a QuestionsAPI in front of two TracedGoFunctions,
// a DynamoDB table, an SNS topic, the stream mapping's failure store (a
// bucket and its notice queue) and the operations alarms (operations.go).
package components

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/contract"
)

// QuestionsServiceType is the component's type token.
const QuestionsServiceType = "mysfits:questions:QuestionsService"

const reportBatchItemErrors = "ReportBatchItemFailures"

// QuestionsServiceArgs configure the service.
type QuestionsServiceArgs struct {
	// AdminEmail receives a notification per question (after confirming
	// the SNS subscription).
	AdminEmail string
	// AllowedOrigin is "*" or the Mysfits site's origin.
	AllowedOrigin string
	// Tracing is the stage, the fault settings and the instrumentation. The
	// faults size the post function's timeout at every stage, so switching
	// to stage 3 changes only the environment; they reach the functions at
	// stage 3 only. Tracing.Instrumentation picks the functions' build: the
	// X-Ray SDK's (the default) or OpenTelemetry's, which sends its spans to
	// X-Ray's OTLP endpoint and needs CloudWatch Transaction Search in the
	// account (docs/opentelemetry.md).
	Tracing          contract.Tracing
	Throttle         Throttle
	LogRetentionDays int
	// AlarmEmail receives the operations alarms; "" = AdminEmail.
	AlarmEmail string
	// Builder builds the functions; nil means GoBuilder{}.
	Builder Builder
}

// argNames name the settings in errors about these arguments.
var argNames = contract.SettingNames{
	AdminEmail: "AdminEmail", AlarmEmail: "AlarmEmail", AllowedOrigin: "AllowedOrigin",
	Tracing: contract.TracingNames{Stage: "Tracing.Stage", FaultPercent: "Tracing.Faults.Percent", FaultDelay: "Tracing.Faults.Delay",
		Instrumentation: "Tracing.Instrumentation"},
	ThrottleRateLimit: "Throttle.RateLimit", ThrottleBurstLimit: "Throttle.BurstLimit",
	LogRetentionDays: "LogRetentionDays",
}

// Settings are the arguments as the contract's settings.
func (a *QuestionsServiceArgs) Settings() contract.Settings {
	return contract.Settings{
		AdminEmail: a.AdminEmail, AlarmEmail: a.AlarmEmail, AllowedOrigin: a.AllowedOrigin,
		Tracing: a.Tracing, Throttle: a.Throttle, LogRetentionDays: a.LogRetentionDays,
	}
}

// Validate checks the arguments with the contract's rules, the ones the
// Go program's configuration and the provider's inputs are parsed with.
func (a *QuestionsServiceArgs) Validate() error {
	return a.Settings().Validate(argNames)
}

// QuestionsService is the Contact Us backend: POST /questions stores a
// question, the table's stream notifies the administrator by e-mail.
type QuestionsService struct {
	pulumi.ResourceState

	// The pulumi tags name the outputs for the multi-language package
	// (provider/), as RegisterResourceOutputs does; Annotate describes them.
	APIEndpoint         pulumi.StringOutput `pulumi:"apiEndpoint"`
	RestAPIID           pulumi.StringOutput `pulumi:"restApiId"`
	TableName           pulumi.StringOutput `pulumi:"tableName"`
	TableArn            pulumi.StringOutput `pulumi:"tableArn"`
	TopicArn            pulumi.StringOutput `pulumi:"topicArn"`
	TopicName           pulumi.StringOutput `pulumi:"topicName"`
	PostFunctionName    pulumi.StringOutput `pulumi:"postFunctionName"`
	ProcessFunctionName pulumi.StringOutput `pulumi:"processFunctionName"`
	// The notice queue keeps its older output names (contract.NoticeQueueSuffix).
	NoticeQueueURL pulumi.StringOutput `pulumi:"deadLetterQueueUrl"`
	NoticeQueueArn pulumi.StringOutput `pulumi:"deadLetterQueueArn"`

	// Operations (operations.go): the failure bucket, the operations topic,
	// the alarms by contract.AlarmKey, the X-Ray fault group and sampling
	// rule, and whether SNS still waits for each e-mail subscription's
	// confirmation.
	FailureBucketName        pulumi.StringOutput    `pulumi:"failureBucketName"`
	FailureBucketArn         pulumi.StringOutput    `pulumi:"failureBucketArn"`
	OperationsTopicArn       pulumi.StringOutput    `pulumi:"operationsTopicArn"`
	AlarmNames               pulumi.StringMapOutput `pulumi:"alarmNames"`
	XRayGroupName            pulumi.StringOutput    `pulumi:"xrayGroupName"`
	XRayGroupArn             pulumi.StringOutput    `pulumi:"xrayGroupArn"`
	SamplingRuleName         pulumi.StringOutput    `pulumi:"samplingRuleName"`
	AdminSubscriptionPending pulumi.BoolOutput      `pulumi:"adminEmailPending"`
	AlarmSubscriptionPending pulumi.BoolOutput      `pulumi:"alarmEmailPending"`

	// transactionSearchHint is the warning `pulumi up` prints with
	// OpenTelemetry (transactionSearchWarning); unset with the X-Ray SDK.
	transactionSearchHint pulumi.StringOutput
}

// NewQuestionsService creates the service. Every child is named from name
// and gets an engine-generated physical name, so stacks share an account.
func NewQuestionsService(ctx *pulumi.Context, name string, args *QuestionsServiceArgs, opts ...pulumi.ResourceOption) (*QuestionsService, error) {
	if args == nil {
		return nil, fmt.Errorf("questions service %s: args are required", name)
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("questions service %s: %w", name, err)
	}
	svc := &QuestionsService{}
	if err := ctx.RegisterComponentResource(QuestionsServiceType, name, svc, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(svc)

	table, err := dynamodb.NewTable(ctx, name+"-table", &dynamodb.TableArgs{
		BillingMode: pulumi.String(contract.TableBillingMode),
		HashKey:     pulumi.String(contract.TableHashKey),
		Attributes: dynamodb.TableAttributeArray{&dynamodb.TableAttributeArgs{
			Name: pulumi.String(contract.TableHashKey),
			Type: pulumi.String(contract.TableHashKeyType),
		}},
		StreamEnabled:        pulumi.Bool(true),
		StreamViewType:       pulumi.String(contract.TableStreamViewType),
		ServerSideEncryption: &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true)},
		PointInTimeRecovery:  &dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
	}, parent)
	if err != nil {
		return nil, err
	}

	topic, err := sns.NewTopic(ctx, name+"-topic", &sns.TopicArgs{
		KmsMasterKeyId: pulumi.String("alias/aws/sns"),
	}, parent)
	if err != nil {
		return nil, err
	}
	adminSub, err := sns.NewTopicSubscription(ctx, name+"-admin-email", &sns.TopicSubscriptionArgs{
		Topic:    topic.Arn,
		Protocol: pulumi.String("email"),
		Endpoint: pulumi.String(args.AdminEmail),
	}, parent)
	if err != nil {
		return nil, err
	}

	// The notice queue: one message per batch in the failure store.
	notices, err := sqs.NewQueue(ctx, name+contract.NoticeQueueSuffix, &sqs.QueueArgs{
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(int(contract.NoticeRetention / time.Second)),
	}, parent)
	if err != nil {
		return nil, err
	}
	// Records the process function keeps failing on end up here, whole.
	failures, err := newFailureStore(ctx, name, notices, parent)
	if err != nil {
		return nil, err
	}

	settings := args.Settings()
	postFn := contract.PostFunction(settings, pulumi.StringInput(table.Name), stringInput)
	processFn := contract.ProcessFunction(settings, pulumi.StringInput(topic.Arn), stringInput)

	instrumentation := args.Tracing.Instrumentation
	post, err := NewTracedGoFunction(ctx, name+"-post", &TracedGoFunctionArgs{
		Package:          postFn.Package,
		Instrumentation:  instrumentation,
		Builder:          args.Builder,
		Description:      "Stores a question posted to the Mythical Mysfits Contact Us form",
		Environment:      pulumi.StringMap(postFn.Env),
		Timeout:          postFn.Timeout,
		LogRetentionDays: args.LogRetentionDays,
		Statements: []PolicyStatement{
			{Actions: []string{"dynamodb:PutItem"}, Resources: pulumi.StringArray{table.Arn}},
		},
	}, parent)
	if err != nil {
		return nil, err
	}

	process, err := NewTracedGoFunction(ctx, name+"-process", &TracedGoFunctionArgs{
		Package:          processFn.Package,
		Instrumentation:  instrumentation,
		Builder:          args.Builder,
		Description:      "Notifies the Mythical Mysfits administrator of new questions",
		Environment:      pulumi.StringMap(processFn.Env),
		Timeout:          processFn.Timeout,
		LogRetentionDays: args.LogRetentionDays,
		Statements: append([]PolicyStatement{
			// As SAM's DynamoDBStreamReadPolicy: the shard calls on this
			// stream, ListStreams on the table's streams.
			{
				Actions:   []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
				Resources: pulumi.StringArray{table.StreamArn},
			},
			{Actions: []string{"dynamodb:ListStreams"}, Resources: pulumi.StringArray{pulumi.Sprintf("%s/stream/*", table.Arn)}},
			{Actions: []string{"sns:Publish"}, Resources: pulumi.StringArray{topic.Arn}},
		}, failures.writerStatements()...), // the mapping's on-failure destination is written with the function's role
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := failures.restrictTo(ctx, name, process.RoleArn, parent); err != nil {
		return nil, err
	}

	stream := contract.QuestionsStream()
	var responseTypes pulumi.StringArray
	if stream.ReportBatchFailures {
		responseTypes = pulumi.StringArray{pulumi.String(reportBatchItemErrors)}
	}
	// Lambda checks the role can read the stream when the mapping is
	// created. The mapping waits for the function (FunctionArn), and the
	// function waits for its policy, so the policy is in place by then.
	if _, err := lambda.NewEventSourceMapping(ctx, name+"-stream", &lambda.EventSourceMappingArgs{
		EventSourceArn:                 table.StreamArn,
		FunctionName:                   process.FunctionArn,
		StartingPosition:               pulumi.String(stream.StartingPosition),
		BatchSize:                      pulumi.Int(stream.BatchSize),
		MaximumBatchingWindowInSeconds: pulumi.Int(int(stream.MaxBatchingWindow / time.Second)),
		MaximumRetryAttempts:           pulumi.Int(stream.MaxRetryAttempts),
		MaximumRecordAgeInSeconds:      pulumi.Int(int(stream.MaxRecordAge / time.Second)),
		BisectBatchOnFunctionError:     pulumi.Bool(stream.BisectOnFunctionErr),
		FunctionResponseTypes:          responseTypes,
		ParallelizationFactor:          pulumi.Int(stream.ParallelizationFactor),
		DestinationConfig: &lambda.EventSourceMappingDestinationConfigArgs{
			OnFailure: &lambda.EventSourceMappingDestinationConfigOnFailureArgs{DestinationArn: failures.bucket.Arn},
		},
	}, parent, pulumi.DependsOn(failures.deps)); err != nil {
		return nil, err
	}

	api, err := NewQuestionsAPI(ctx, name+"-api", &QuestionsAPIArgs{
		Handler:       post,
		AllowedOrigin: args.AllowedOrigin,
		Tracing:       args.Tracing.Stage.APIGatewayTracing(),
		Throttle:      args.Throttle,
	}, parent)
	if err != nil {
		return nil, err
	}

	alarmEmail := args.AlarmEmail
	if alarmEmail == "" {
		alarmEmail = args.AdminEmail
	}
	ops, err := newOperations(ctx, name, &operationsArgs{
		Email: alarmEmail, Stage: args.Tracing.Stage,
		PostFunction: post.FunctionName, ProcessFunction: process.FunctionName,
		NoticeQueue: notices.Name, APIName: api.Name, RestAPIID: api.RestAPIID,
	}, parent)
	if err != nil {
		return nil, err
	}

	svc.APIEndpoint = api.Endpoint
	svc.RestAPIID = api.RestAPIID
	svc.TableName = table.Name
	svc.TableArn = table.Arn
	svc.TopicArn = topic.Arn
	svc.TopicName = topic.Name
	svc.PostFunctionName = post.FunctionName
	svc.ProcessFunctionName = process.FunctionName
	svc.NoticeQueueURL = notices.Url
	svc.NoticeQueueArn = notices.Arn
	svc.FailureBucketName, svc.FailureBucketArn = failures.bucket.Bucket, failures.bucket.Arn
	svc.OperationsTopicArn, svc.AlarmNames = ops.TopicArn, ops.AlarmNames
	svc.XRayGroupName, svc.XRayGroupArn, svc.SamplingRuleName = ops.GroupName, ops.GroupArn, ops.SamplingRuleName
	svc.AdminSubscriptionPending, svc.AlarmSubscriptionPending = adminSub.PendingConfirmation, ops.SubscriptionPending
	outputs := pulumi.Map{
		"apiEndpoint":         svc.APIEndpoint,
		"restApiId":           svc.RestAPIID,
		"tableName":           svc.TableName,
		"tableArn":            svc.TableArn,
		"topicArn":            svc.TopicArn,
		"topicName":           svc.TopicName,
		"postFunctionName":    svc.PostFunctionName,
		"processFunctionName": svc.ProcessFunctionName,
		"deadLetterQueueUrl":  svc.NoticeQueueURL,
		"deadLetterQueueArn":  svc.NoticeQueueArn,
		"failureBucketName":   svc.FailureBucketName,
		"failureBucketArn":    svc.FailureBucketArn,
		"operationsTopicArn":  svc.OperationsTopicArn,
		"alarmNames":          svc.AlarmNames,
		"xrayGroupName":       svc.XRayGroupName,
		"xrayGroupArn":        svc.XRayGroupArn,
		"samplingRuleName":    svc.SamplingRuleName,
		"adminEmailPending":   svc.AdminSubscriptionPending,
		"alarmEmailPending":   svc.AlarmSubscriptionPending,
		// Awaited so the hint is printed while SNS waits for the admin.
		"adminEmailHint": warnIfPending(ctx, adminSub, "administrator's"),
	}
	if instrumentation == contract.InstrumentationOpenTelemetry {
		// Only then: an X-Ray SDK stack's component keeps the outputs it had.
		svc.transactionSearchHint = warnTransactionSearch(ctx, svc)
		outputs["transactionSearchHint"] = svc.transactionSearchHint
	}
	if err := ctx.RegisterResourceOutputs(svc, outputs); err != nil {
		return nil, err
	}
	return svc, nil
}

// TransactionSearchDocs is AWS's page on turning Transaction Search on.
const TransactionSearchDocs = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Transaction-Search-getting-started.html"

// transactionSearchWarning is what `pulumi up` says when the functions
// trace with OpenTelemetry. X-Ray's OTLP endpoint takes spans only once
// CloudWatch Transaction Search is enabled (CloudWatch User Guide,
// "Getting started" with the OTLP endpoints: "Make sure Transaction Search
// is enabled before you use the OTLP Endpoint"). It is an account setting
// for all the account's spans, with its own pricing, so the component
// neither turns it on nor can read it (the AWS provider has no resource or
// data source for it): it says so at every deployment instead.
func transactionSearchWarning(region string) string {
	return fmt.Sprintf("instrumentation opentelemetry: the functions send their spans to X-Ray's OTLP endpoint %s, "+
		"which takes them only once CloudWatch Transaction Search is enabled for this account in %s. "+
		"Check with `aws xray get-trace-segment-destination --region %s` (Destination CloudWatchLogs, Status ACTIVE); "+
		"to enable it see %s. Until then the traces hold Lambda's and API Gateway's segments only, and the functions "+
		"log \"spans not exported\".", contract.XRayOTLPTracesEndpoint(region), region, region, TransactionSearchDocs)
}

// warnTransactionSearch prints the warning on the component and returns it.
func warnTransactionSearch(ctx *pulumi.Context, svc *QuestionsService) pulumi.StringOutput {
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, pulumi.Parent(svc))
	return region.Name().ApplyT(func(name string) (string, error) {
		msg := transactionSearchWarning(name)
		return msg, ctx.Log.Warn(msg, &pulumi.LogArgs{Resource: svc})
	}).(pulumi.StringOutput)
}

// stringInput is a fixed string as a Pulumi input, for contract's builders.
func stringInput(s string) pulumi.StringInput { return pulumi.String(s) }
