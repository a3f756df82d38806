package components

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/xray"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/contract"
)

// OperationsType is the type token of the component holding the
// operations topic, the alarms and the X-Ray group and sampling rule.
const OperationsType = "mysfits:questions:Operations"

// failureStore is where the stream mapping puts a batch it gives up on,
// whole: a private S3 bucket, and the notice queue that gets one message
// per batch put there (the failure-store alarm counts them).
//
// Lambda developer guide, "Retain discarded records for a DynamoDB event
// source in Lambda" (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html):
// a DynamoDB stream mapping takes an S3 bucket as its on-failure
// destination; the object holds the SQS record's fields plus "payload",
// the invocation event as an escaped JSON string, under
// aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>;
// the execution role needs s3:PutObject and s3:ListBucket.
type failureStore struct {
	bucket  *s3.BucketV2
	notices *sqs.Queue
	deps    []pulumi.Resource // what must exist before Lambda writes to it
	// last is the last of the bucket's configuration resources, which
	// the bucket policy waits for (see after).
	last pulumi.Resource
}

// after is opts with a dependency on prev. The bucket's configuration
// resources (ownership, public access block, encryption, lifecycle,
// notification, policy) each wait for the one before: on a new bucket,
// S3 can refuse concurrent configuration calls with 409 OperationAborted,
// "A conflicting conditional operation is currently in progress against
// this resource" (terraform-provider-aws issues 7628 and 12949). Only the
// order changes: no input, so no diff on an existing stack.
func after(prev pulumi.Resource, opts []pulumi.ResourceOption) []pulumi.ResourceOption {
	return append(slices.Clip(opts), pulumi.DependsOn([]pulumi.Resource{prev}))
}

// newFailureStore makes the bucket private, encrypted and expiring, and
// routes S3's "Object Created" events to the notice queue through
// EventBridge. EventBridge, not an S3 notification to the queue: S3 sends
// a test event when a notification is configured, which would set the
// alarm off on every deployment.
func newFailureStore(ctx *pulumi.Context, name string, notices *sqs.Queue, opts ...pulumi.ResourceOption) (*failureStore, error) {
	// ForceDestroy stays off: `pulumi destroy` refuses to delete questions
	// nobody was told about; redrive (or an expiry) empties the bucket.
	bucket, err := s3.NewBucketV2(ctx, name+"-failures", &s3.BucketV2Args{ForceDestroy: pulumi.Bool(false)}, opts...)
	if err != nil {
		return nil, err
	}
	f := &failureStore{bucket: bucket, notices: notices}
	ownership, err := s3.NewBucketOwnershipControls(ctx, name+"-failures-ownership", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")}, // no ACLs
	}, after(bucket, opts)...)
	if err != nil {
		return nil, err
	}
	private, err := s3.NewBucketPublicAccessBlock(ctx, name+"-failures-public-access", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, after(ownership, opts)...)
	if err != nil {
		return nil, err
	}
	// SSE-KMS with the AWS managed key: every read of a stored e-mail
	// address is a KMS call CloudTrail records; the bucket key keeps the
	// KMS requests (and their cost) few. No key policy to manage.
	encrypted, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-failures-encryption", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("aws:kms"),
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, after(private, opts)...)
	if err != nil {
		return nil, err
	}
	// No versioning: a redriven batch is deleted for good, and every key
	// is new (it ends in a UUID), so nothing is overwritten.
	expiry, err := s3.NewBucketLifecycleConfigurationV2(ctx, name+"-failures-expiry", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:                             pulumi.String("expire-failed-batches"),
			Status:                         pulumi.String("Enabled"),
			Filter:                         &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")}, // every object
			Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(contract.FailureRetentionDays())},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(1)},
		}},
	}, after(encrypted, opts)...)
	if err != nil {
		return nil, err
	}
	events, err := s3.NewBucketNotification(ctx, name+"-failures-events", &s3.BucketNotificationArgs{
		Bucket:      bucket.ID(),
		Eventbridge: pulumi.Bool(true),
	}, after(expiry, opts)...)
	if err != nil {
		return nil, err
	}
	pattern := bucket.Bucket.ApplyT(func(b string) (string, error) {
		return failureNoticePattern(b)
	}).(pulumi.StringOutput)
	rule, err := cloudwatch.NewEventRule(ctx, name+"-failure-notices", &cloudwatch.EventRuleArgs{
		Description:  pulumi.String("A batch the questions stream mapping gave up on was put in the failure bucket"),
		EventPattern: pattern,
	}, opts...)
	if err != nil {
		return nil, err
	}
	queuePolicy, err := sqs.NewQueuePolicy(ctx, name+contract.NoticeQueueSuffix+"-policy", &sqs.QueuePolicyArgs{
		QueueUrl: notices.Url,
		Policy: pulumi.All(notices.Arn, rule.Arn).ApplyT(func(v []any) (string, error) {
			return noticeQueuePolicy(v[0].(string), v[1].(string))
		}).(pulumi.StringOutput),
	}, opts...)
	if err != nil {
		return nil, err
	}
	target, err := cloudwatch.NewEventTarget(ctx, name+"-failure-notices-queue", &cloudwatch.EventTargetArgs{
		Rule: rule.Name,
		Arn:  notices.Arn,
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{queuePolicy}))...)
	if err != nil {
		return nil, err
	}
	f.deps = []pulumi.Resource{ownership, private, encrypted, expiry, events, target}
	f.last = events
	return f, nil
}

// failureNoticePattern matches S3's event for a new object in the bucket
// under the prefix Lambda writes to (Amazon S3 user guide, "Using
// EventBridge": source aws.s3, detail-type "Object Created").
func failureNoticePattern(bucket string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.s3"},
		"detail-type": []string{contract.FailureNoticeType},
		"detail": map[string]any{
			"bucket": map[string]any{"name": []string{bucket}},
			"object": map[string]any{"key": []map[string]string{{"prefix": contract.FailureKeyPrefix}}},
		},
	})
	if err != nil {
		return "", fmt.Errorf("failure notice pattern: %w", err)
	}
	return string(b), nil
}

// noticeQueuePolicy lets the failure-notice rule, and nothing else, send
// to the queue.
func noticeQueuePolicy(queueARN, ruleARN string) (string, error) {
	return resourcePolicy(policyStatement{
		Sid:       "FailureNoticesFromEventBridge",
		Effect:    "Allow",
		Principal: &policyPrincipal{Service: "events.amazonaws.com"},
		Action:    []string{"sqs:SendMessage"},
		Resource:  []string{queueARN},
		Condition: map[string]map[string]string{"ArnEquals": {"aws:SourceArn": ruleARN}},
	})
}

// writerStatements are what the mapping needs of the role it writes with.
func (f *failureStore) writerStatements() []PolicyStatement {
	return []PolicyStatement{
		{Actions: []string{"s3:PutObject"}, Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", f.bucket.Arn)}},
		{Actions: []string{"s3:ListBucket"}, Resources: pulumi.StringArray{f.bucket.Arn}},
	}
}

// restrictTo adds the bucket policy: TLS only, and only writerRole may put
// objects (an identity policy elsewhere in the account cannot add a
// writer).
func (f *failureStore) restrictTo(ctx *pulumi.Context, name string, writerRole pulumi.StringOutput, opts ...pulumi.ResourceOption) (*s3.BucketPolicy, error) {
	policy := pulumi.All(f.bucket.Arn, writerRole).ApplyT(func(v []any) (string, error) {
		return failureBucketPolicy(v[0].(string), v[1].(string))
	}).(pulumi.StringOutput)
	// Last of the bucket's configuration (after the public access block,
	// as AWS advises for bucket policies), and after what Lambda needs.
	return s3.NewBucketPolicy(ctx, name+"-failures-policy", &s3.BucketPolicyArgs{
		Bucket: f.bucket.ID(),
		Policy: policy,
	}, append(after(f.last, opts), pulumi.DependsOn(f.deps))...)
}

func failureBucketPolicy(bucketARN, writerRoleARN string) (string, error) {
	return resourcePolicy(
		policyStatement{
			Sid:       "DenyInsecureTransport",
			Effect:    "Deny",
			Principal: anyone,
			Action:    []string{"s3:*"},
			Resource:  []string{bucketARN, bucketARN + "/*"},
			Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
		},
		policyStatement{
			Sid:       "OnlyTheStreamMappingWrites",
			Effect:    "Deny",
			Principal: anyone,
			Action:    []string{"s3:PutObject"},
			Resource:  []string{bucketARN + "/*"},
			Condition: map[string]map[string]string{"ArnNotEquals": {"aws:PrincipalArn": writerRoleARN}},
		},
	)
}

// operationsArgs are what the operations component watches.
type operationsArgs struct {
	// Email is subscribed to the operations topic.
	Email string
	Stage contract.TracingStage
	// The watched resources' names.
	PostFunction, ProcessFunction, NoticeQueue, APIName, RestAPIID pulumi.StringOutput
}

// operations is the operations topic with its e-mail subscription, the
// alarms that notify it, and the X-Ray group and sampling rule.
type operations struct {
	pulumi.ResourceState

	TopicArn             pulumi.StringOutput
	AlarmNames           pulumi.StringMapOutput
	GroupName, GroupArn  pulumi.StringOutput
	SamplingRuleName     pulumi.StringOutput
	SubscriptionPending  pulumi.BoolOutput
	subscriptionWarnings pulumi.StringOutput
}

// newOperations creates the operations component.
func newOperations(ctx *pulumi.Context, name string, args *operationsArgs, opts ...pulumi.ResourceOption) (*operations, error) {
	ops := &operations{}
	if err := ctx.RegisterComponentResource(OperationsType, name+"-operations", ops, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(ops)

	// Not encrypted: CloudWatch alarms cannot publish to a topic encrypted
	// with the AWS managed key, and alarm messages hold alarm names and
	// metric values, no question.
	topic, err := sns.NewTopic(ctx, name+"-operations-topic", &sns.TopicArgs{}, parent)
	if err != nil {
		return nil, err
	}
	sub, err := sns.NewTopicSubscription(ctx, name+"-alarm-email", &sns.TopicSubscriptionArgs{
		Topic:    topic.Arn,
		Protocol: pulumi.String("email"),
		Endpoint: pulumi.String(args.Email),
	}, parent)
	if err != nil {
		return nil, err
	}

	subjects := map[contract.AlarmSubject]pulumi.StringMap{
		contract.SubjectNoticeQueue:     {contract.DimensionQueueName: args.NoticeQueue},
		contract.SubjectPostFunction:    {contract.DimensionFunctionName: args.PostFunction},
		contract.SubjectProcessFunction: {contract.DimensionFunctionName: args.ProcessFunction},
		contract.SubjectAPIStage:        {contract.DimensionAPIName: args.APIName, contract.DimensionStage: pulumi.String(contract.StageName)},
	}
	names := pulumi.StringMap{}
	for _, a := range contract.Alarms() {
		alarm, err := newAlarm(ctx, name, a, subjects[a.Subject], args.Stage, topic.Arn, parent)
		if err != nil {
			return nil, err
		}
		names[string(a.Key)] = alarm.Name
	}

	group, rule, err := newTracingRules(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}

	ops.TopicArn = topic.Arn
	ops.AlarmNames = names.ToStringMapOutput()
	ops.GroupName, ops.GroupArn = group.GroupName, group.Arn
	ops.SamplingRuleName = rule.RuleName.Elem()
	ops.SubscriptionPending = sub.PendingConfirmation
	ops.subscriptionWarnings = warnIfPending(ctx, sub, "operations")
	if err := ctx.RegisterResourceOutputs(ops, pulumi.Map{
		"topicArn":             ops.TopicArn,
		"alarmNames":           ops.AlarmNames,
		"groupName":            ops.GroupName,
		"groupArn":             ops.GroupArn,
		"samplingRuleName":     ops.SamplingRuleName,
		"subscriptionPending":  ops.SubscriptionPending,
		"subscriptionWarnings": ops.subscriptionWarnings,
	}); err != nil {
		return nil, err
	}
	return ops, nil
}

// newAlarm is one contract alarm on dims, notifying topic (but at the
// fault stage, for the alarms the exercise sets off on purpose).
func newAlarm(ctx *pulumi.Context, name string, a contract.Alarm, dims pulumi.StringMap, stage contract.TracingStage,
	topic pulumi.StringOutput, opts ...pulumi.ResourceOption) (*cloudwatch.MetricAlarm, error) {
	period := int(a.Period / time.Second)
	metricDims := func(m contract.Metric) pulumi.StringMap {
		out := pulumi.StringMap{}
		for _, d := range m.Dimensions {
			out[d] = dims[d]
		}
		return out
	}
	args := &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(a.Description),
		ComparisonOperator: pulumi.String(a.Comparison),
		Threshold:          pulumi.Float64(a.Threshold),
		EvaluationPeriods:  pulumi.Int(a.EvaluationPeriods),
		DatapointsToAlarm:  pulumi.Int(a.DatapointsToAlarm),
		TreatMissingData:   pulumi.String(a.TreatMissingData),
		ActionsEnabled:     pulumi.Bool(a.Notifies(stage)),
		AlarmActions:       pulumi.Array{topic},
		OkActions:          pulumi.Array{topic},
	}
	if a.Total == nil {
		args.Namespace = pulumi.String(a.Metric.Namespace)
		args.MetricName = pulumi.String(a.Metric.Name)
		args.Statistic = pulumi.String(a.Metric.Statistic)
		args.Period = pulumi.Int(period)
		args.Dimensions = metricDims(a.Metric)
	} else {
		query := func(id string, m contract.Metric) *cloudwatch.MetricAlarmMetricQueryArgs {
			return &cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.String(id),
				Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
					Namespace:  pulumi.String(m.Namespace),
					MetricName: pulumi.String(m.Name),
					Stat:       pulumi.String(m.Statistic),
					Period:     pulumi.Int(period),
					Dimensions: metricDims(m),
				},
				ReturnData: pulumi.Bool(false),
			}
		}
		args.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{
			query("failed", a.Metric),
			query("total", *a.Total),
			&cloudwatch.MetricAlarmMetricQueryArgs{
				Id:         pulumi.String("share"),
				Expression: pulumi.String(a.ShareExpression("failed", "total")),
				Label:      pulumi.String(a.Metric.Name + " share (%)"),
				ReturnData: pulumi.Bool(true),
			},
		}
	}
	return cloudwatch.NewMetricAlarm(ctx, name+"-"+string(a.Key), args, opts...)
}

// newTracingRules creates the X-Ray group of the service's faulted
// requests and the API stage's sampling rule.
func newTracingRules(ctx *pulumi.Context, name string, args *operationsArgs, parent pulumi.ResourceOrInvokeOption) (*xray.Group, *xray.SamplingRule, error) {
	stageService := pulumi.Sprintf("%s/%s", args.APIName, contract.StageName) // the stage's segment name
	filter := pulumi.All(args.PostFunction, args.ProcessFunction, stageService).ApplyT(func(v []any) string {
		return faultFilter(v[0].(string), v[1].(string), v[2].(string))
	}).(pulumi.StringOutput)
	// X-Ray names are account-wide and at most 32 characters: the
	// component's name and a digest of the post function's generated name,
	// which differs per stack.
	xrayName := func(kind string) pulumi.StringOutput {
		return args.PostFunction.ApplyT(func(fn string) string { return xrayResourceName(name, kind, fn) }).(pulumi.StringOutput)
	}
	group, err := xray.NewGroup(ctx, name+"-faults", &xray.GroupArgs{
		GroupName:        xrayName("faults"),
		FilterExpression: filter,
		// Insights analyses the group's traces for anomalies; its
		// notifications (EventBridge) stay off: the alarms page.
		InsightsConfiguration: &xray.GroupInsightsConfigurationArgs{
			InsightsEnabled:      pulumi.Bool(true),
			NotificationsEnabled: pulumi.Bool(false),
		},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent)
	rule, err := xray.NewSamplingRule(ctx, name+"-sampling", &xray.SamplingRuleArgs{
		RuleName:      xrayName("api").ToStringPtrOutput(),
		Priority:      pulumi.Int(contract.SamplingPriority),
		ReservoirSize: pulumi.Int(contract.SamplingReservoir),
		FixedRate:     pulumi.Float64(contract.SamplingFixedRate),
		ServiceName:   stageService,
		ServiceType:   pulumi.String(contract.SamplingServiceType),
		Host:          pulumi.String("*"),
		HttpMethod:    pulumi.String("*"),
		UrlPath:       pulumi.String("*"),
		ResourceArn:   pulumi.Sprintf("arn:aws:apigateway:%s::/restapis/%s/stages/%s", region.Name(), args.RestAPIID, contract.StageName),
		Version:       pulumi.Int(1),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return group, rule, nil
}

// faultFilter selects the traces in which one of the service's nodes
// faulted: the API stage, or either function (its AWS::Lambda and
// AWS::Lambda::Function nodes carry its name). X-Ray developer guide,
// "Using filter expressions": service(name) { fault }.
func faultFilter(post, process, stage string) string {
	parts := make([]string, 0, 3)
	for _, svc := range []string{stage, post, process} {
		parts = append(parts, fmt.Sprintf("service(%q) { fault }", svc))
	}
	return strings.Join(parts, " OR ")
}

var notXRayName = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// xrayResourceName is name-kind-digest, at most contract.XRayNameLength.
func xrayResourceName(name, kind, unique string) string {
	sum := sha256.Sum256([]byte(unique))
	suffix := "-" + kind + "-" + hex.EncodeToString(sum[:])[:8]
	prefix := notXRayName.ReplaceAllString(name, "-")
	if room := contract.XRayNameLength - len(suffix); len(prefix) > room {
		prefix = prefix[:room]
	}
	return prefix + suffix
}

// warnIfPending prints a hint while SNS waits for the e-mail subscription
// to be confirmed, and returns it (so the program waits for it). It never
// names the address.
func warnIfPending(ctx *pulumi.Context, sub *sns.TopicSubscription, topic string) pulumi.StringOutput {
	return pulumi.All(sub.PendingConfirmation, sub.URN()).ApplyT(func(v []any) (string, error) {
		pending, _ := v[0].(bool)
		if !pending {
			return "", nil
		}
		msg := subscriptionHint(topic, string(v[1].(pulumi.URN)))
		return msg, ctx.Log.Warn(msg, &pulumi.LogArgs{Resource: sub})
	}).(pulumi.StringOutput)
}

// subscriptionHint says what to do about a pending e-mail subscription.
func subscriptionHint(topic, urn string) string {
	return fmt.Sprintf("the e-mail subscription to the %s topic is pending confirmation: nothing is delivered until the address's owner "+
		"chooses \"Confirm subscription\" in the e-mail from AWS Notifications (check the spam folder). SNS deletes an unconfirmed "+
		"subscription after 48 hours; `pulumi up --refresh` then creates it again and SNS sends a new e-mail. "+
		"To send it again now: pulumi up --replace '%s'", topic, urn)
}
