package components

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

// checkFailureStore: the bucket the mapping puts failed batches in is
// private (public access blocked, no ACLs, TLS only), encrypted, expiring,
// written only by the process function's role, and tells the notice queue
// of each new object through EventBridge.
func checkFailureStore(t *testing.T, d deployed) {
	t.Helper()
	bucket := pm.Str(t, d.bucket.State, "bucket")
	if pm.Field(d.bucket.Inputs, "forceDestroy") != false {
		t.Errorf("bucket forceDestroy = %v, want false: destroy must not delete unredriven questions", pm.Field(d.bucket.Inputs, "forceDestroy"))
	}
	onBucket := func(typ string) *pm.Resource {
		t.Helper()
		var found []*pm.Resource
		for _, r := range d.c.OfType(typ) {
			if pm.Field(r.Inputs, "bucket") == bucket {
				found = append(found, r)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d %s on the failure bucket, want 1", len(found), typ)
		}
		return found[0]
	}
	pab := onBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if pm.Field(pab.Inputs, k) != true {
			t.Errorf("public access block %s = %v, want true", k, pm.Field(pab.Inputs, k))
		}
	}
	if got := pm.Str(t, onBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls").Inputs, "rule", "objectOwnership"); got != "BucketOwnerEnforced" {
		t.Errorf("object ownership = %s, want BucketOwnerEnforced (ACLs off)", got)
	}
	sse := pm.Field(onBucket("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2").Inputs, "rules").([]any)
	if len(sse) != 1 || pm.Field(sse[0], "applyServerSideEncryptionByDefault", "sseAlgorithm") != "aws:kms" || pm.Field(sse[0], "bucketKeyEnabled") != true {
		t.Errorf("encryption rules = %v, want SSE-KMS with a bucket key", sse)
	}
	rules := pm.Field(onBucket("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2").Inputs, "rules").([]any)
	if len(rules) != 1 || pm.Field(rules[0], "status") != "Enabled" || pm.Num(t, rules[0], "expiration", "days") != contract.FailureRetentionDays() ||
		pm.Field(rules[0], "filter", "prefix") != "" {
		t.Errorf("lifecycle rules = %v, want every object expired after %d days", rules, contract.FailureRetentionDays())
	}

	// The bucket policy: TLS only, and no one but the process role puts.
	policy := onBucket("aws:s3/bucketPolicy:BucketPolicy")
	var doc struct {
		Version   string
		Statement []struct {
			Effect    string
			Principal any
			Action    []string
			Resource  []string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(pm.Str(t, policy.Inputs, "policy")), &doc); err != nil {
		t.Fatal(err)
	}
	roleArn := pm.Str(t, d.process.role.State, "arn")
	want := map[string]bool{
		fmt.Sprintf("Deny * [s3:*] [%s %s/*] Bool aws:SecureTransport=false", d.bucketArn, d.bucketArn):    true,
		fmt.Sprintf("Deny * [s3:PutObject] [%s/*] ArnNotEquals aws:PrincipalArn=%s", d.bucketArn, roleArn): true,
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != len(want) {
		t.Errorf("bucket policy = %+v", doc)
	}
	for _, s := range doc.Statement {
		var cond []string
		for op, kv := range s.Condition {
			for k, v := range kv {
				cond = append(cond, op+" "+k+"="+v)
			}
		}
		got := fmt.Sprintf("%s %v %v %v %s", s.Effect, s.Principal, s.Action, s.Resource, strings.Join(cond, " "))
		if !want[got] {
			t.Errorf("bucket policy statement %q is not one of %v", got, want)
		}
	}
	checkBucketConfigurationOrder(t, d, []*pm.Resource{
		onBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls"),
		pab,
		onBucket("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"),
		onBucket("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"),
		onBucket("aws:s3/bucketNotification:BucketNotification"),
		policy, // after the public access block, as AWS advises
	})
	// A notice outlives its batch (contract: the lifecycle's days, S3's
	// rounding to midnight and a margin for its removal fit in the queue's
	// retention), as deployed.
	expiryDays := pm.Num(t, rules[0], "expiration", "days")
	retention := time.Duration(pm.Num(t, d.dlq.Inputs, "messageRetentionSeconds")) * time.Second
	if time.Duration(expiryDays)*24*time.Hour+contract.LifecycleRounding+contract.ExpiryMargin > retention {
		t.Errorf("objects expire after %d days, notices after %s: the alarm could clear while a batch is still in the bucket", expiryDays, retention)
	}

	// Each new object under Lambda's prefix becomes a notice in the queue.
	if pm.Field(onBucket("aws:s3/bucketNotification:BucketNotification").Inputs, "eventbridge") != true {
		t.Error("the bucket does not send its events to EventBridge")
	}
	rule := d.c.Get(t, "aws:cloudwatch/eventRule:EventRule", "questions-failure-notices")
	var pattern map[string]any
	if err := json.Unmarshal([]byte(pm.Str(t, rule.Inputs, "eventPattern")), &pattern); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pattern["source"]) != "[aws.s3]" || fmt.Sprint(pattern["detail-type"]) != "[Object Created]" ||
		fmt.Sprint(pm.Field(pattern, "detail", "bucket", "name")) != "["+bucket+"]" ||
		fmt.Sprint(pm.Field(pattern, "detail", "object", "key")) != "[map[prefix:aws/lambda/]]" {
		t.Errorf("event pattern = %v", pattern)
	}
	target := d.c.Get(t, "aws:cloudwatch/eventTarget:EventTarget", "questions-failure-notices-queue")
	if pm.Str(t, target.Inputs, "arn") != d.dlqArn || pm.Str(t, target.Inputs, "rule") != pm.Str(t, rule.State, "name") {
		t.Errorf("event target = %v, want the rule to the notice queue", target.Inputs)
	}
	qp := d.c.Get(t, "aws:sqs/queuePolicy:QueuePolicy", "questions-dlq-policy")
	statements := pm.ParsePolicy(t, pm.Str(t, qp.Inputs, "policy"))
	if pm.Str(t, qp.Inputs, "queueUrl") != pm.Str(t, d.dlq.State, "url") || len(statements) != 1 ||
		statements[0].String() != pm.Allow([]string{d.dlqArn}, "sqs:SendMessage").String() ||
		pm.Field(statements[0].Principal, "Service") != "events.amazonaws.com" {
		t.Errorf("queue policy = %v", statements)
	}
	if !strings.Contains(pm.Str(t, qp.Inputs, "policy"), `"ArnEquals":{"aws:SourceArn":"`+pm.Str(t, rule.State, "arn")+`"}`) {
		t.Errorf("queue policy %s does not limit senders to the rule", pm.Str(t, qp.Inputs, "policy"))
	}
}

// checkBucketConfigurationOrder: the failure bucket's configuration
// resources are created one after another, in this order (each depends,
// directly or through the ones between, on every one before it): S3 can
// refuse concurrent configuration calls on a new bucket with 409
// OperationAborted.
func checkBucketConfigurationOrder(t *testing.T, d deployed, order []*pm.Resource) {
	t.Helper()
	dependsOn := func(later, earlier *pm.Resource) bool {
		seen := map[string]bool{}
		next := []string{later.URN}
		for len(next) > 0 {
			urn := next[0]
			next = next[1:]
			r := d.c.ByURN(urn)
			if r == nil || seen[urn] {
				continue
			}
			seen[urn] = true
			if slices.Contains(r.Dependencies, earlier.URN) {
				return true
			}
			next = append(next, r.Dependencies...)
		}
		return false
	}
	for i, later := range order {
		if !slices.Contains(later.Dependencies, d.bucket.URN) {
			t.Errorf("%s does not wait for the bucket", later.Name)
		}
		for _, earlier := range order[:i] {
			if !dependsOn(later, earlier) {
				t.Errorf("%s can be created at the same time as %s: want it after", later.Name, earlier.Name)
			}
		}
	}
}

// checkAlarms: every contract alarm exists on its resource, with its
// metric, dimensions and threshold, and notifies the operations topic, but
// for the two the stage-3 exercise sets off.
func checkAlarms(t *testing.T, d deployed) {
	t.Helper()
	opsTopic := d.c.Get(t, "aws:sns/topic:Topic", "questions-operations-topic")
	opsArn := pm.Str(t, opsTopic.State, "arn")
	api := d.c.Get(t, "aws:apigateway/restApi:RestApi", "questions-api")
	dims := map[contract.AlarmSubject]map[string]string{
		contract.SubjectNoticeQueue:     {"QueueName": pm.Str(t, d.dlq.State, "name")},
		contract.SubjectPostFunction:    {"FunctionName": pm.Str(t, d.post.lambda.State, "name")},
		contract.SubjectProcessFunction: {"FunctionName": pm.Str(t, d.process.lambda.State, "name")},
		contract.SubjectAPIStage:        {"ApiName": pm.Str(t, api.State, "name"), "Stage": "prod"},
	}
	alarms := d.c.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	if len(alarms) != len(contract.Alarms()) {
		t.Errorf("%d alarms, want %d", len(alarms), len(contract.Alarms()))
	}
	sameDims := func(what string, got any, want map[string]string) {
		t.Helper()
		m, _ := got.(map[string]any)
		if len(m) != len(want) {
			t.Errorf("%s dimensions = %v, want %v", what, got, want)
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s dimension %s = %v, want %s", what, k, m[k], v)
			}
		}
	}
	for _, a := range contract.Alarms() {
		r := d.c.Get(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "questions-"+string(a.Key))
		in := r.Inputs
		if pm.Str(t, in, "comparisonOperator") != a.Comparison || pm.Field(in, "threshold") != a.Threshold ||
			pm.Num(t, in, "evaluationPeriods") != a.EvaluationPeriods || pm.Num(t, in, "datapointsToAlarm") != a.DatapointsToAlarm ||
			pm.Str(t, in, "treatMissingData") != "notBreaching" || pm.Str(t, in, "alarmDescription") != a.Description {
			t.Errorf("%s = %v, want %+v", a.Key, in, a)
		}
		for _, actions := range []string{"alarmActions", "okActions"} {
			if got := pm.StringList(in[actions]); !slices.Equal(got, []string{opsArn}) {
				t.Errorf("%s %s = %v, want the operations topic", a.Key, actions, got)
			}
		}
		quiet := d.args.Tracing.Stage == contract.StageFaults && (a.Key == contract.AlarmPostErrors || a.Key == contract.AlarmAPI5XX)
		if got := pm.Field(in, "actionsEnabled"); got != !quiet {
			t.Errorf("%s actionsEnabled = %v at stage %d, want %v", a.Key, got, d.args.Tracing.Stage, !quiet)
		}
		if a.Total == nil {
			if pm.Str(t, in, "namespace") != a.Metric.Namespace || pm.Str(t, in, "metricName") != a.Metric.Name ||
				pm.Str(t, in, "statistic") != a.Metric.Statistic || pm.Num(t, in, "period") != int(a.Period.Seconds()) {
				t.Errorf("%s metric = %v", a.Key, in)
			}
			sameDims(string(a.Key), in["dimensions"], dims[a.Subject])
			continue
		}
		queries, _ := in["metricQueries"].([]any)
		if len(queries) != 3 {
			t.Fatalf("%s metric queries = %v, want failed, total and the share", a.Key, queries)
		}
		byID := map[string]any{}
		for _, q := range queries {
			byID[pm.Str(t, q, "id")] = q
		}
		for id, m := range map[string]contract.Metric{"failed": a.Metric, "total": *a.Total} {
			q := byID[id]
			if pm.Str(t, q, "metric", "metricName") != m.Name || pm.Str(t, q, "metric", "namespace") != m.Namespace ||
				pm.Str(t, q, "metric", "stat") != m.Statistic || pm.Num(t, q, "metric", "period") != int(a.Period.Seconds()) || pm.Field(q, "returnData") != false {
				t.Errorf("%s query %s = %v, want %+v", a.Key, id, q, m)
			}
			sameDims(string(a.Key)+" "+id, pm.Field(q, "metric", "dimensions"), dims[a.Subject])
		}
		if pm.Str(t, byID["share"], "expression") != a.ShareExpression("failed", "total") || pm.Field(byID["share"], "returnData") != true {
			t.Errorf("%s share = %v", a.Key, byID["share"])
		}
	}
}

// checkTracingRules: the X-Ray group selects the faults of this stack's
// nodes, with Insights on, and the sampling rule is the API stage's.
func checkTracingRules(t *testing.T, d deployed) {
	t.Helper()
	api := d.c.Get(t, "aws:apigateway/restApi:RestApi", "questions-api")
	stageNode := pm.Str(t, api.State, "name") + "/prod"
	group := d.c.Get(t, "aws:xray/group:Group", "questions-faults")
	want := fmt.Sprintf(`service(%q) { fault } OR service(%q) { fault } OR service(%q) { fault }`,
		stageNode, pm.Str(t, d.post.lambda.State, "name"), pm.Str(t, d.process.lambda.State, "name"))
	if got := pm.Str(t, group.Inputs, "filterExpression"); got != want {
		t.Errorf("group filter = %s\nwant %s", got, want)
	}
	if pm.Field(group.Inputs, "insightsConfiguration", "insightsEnabled") != true {
		t.Error("the group's Insights are off")
	}
	rule := d.c.Get(t, "aws:xray/samplingRule:SamplingRule", "questions-sampling")
	in := rule.Inputs
	if pm.Str(t, in, "serviceName") != stageNode || pm.Str(t, in, "serviceType") != "AWS::ApiGateway::Stage" ||
		pm.Num(t, in, "reservoirSize") != contract.SamplingReservoir || pm.Field(in, "fixedRate") != contract.SamplingFixedRate ||
		pm.Num(t, in, "priority") != contract.SamplingPriority || pm.Num(t, in, "version") != 1 ||
		pm.Str(t, in, "resourceArn") != fmt.Sprintf("arn:aws:apigateway:%s::/restapis/%s/stages/prod", pm.Region, api.ID) {
		t.Errorf("sampling rule = %v", in)
	}
	for _, name := range []string{pm.Str(t, group.Inputs, "groupName"), pm.Str(t, in, "ruleName")} {
		if len(name) > contract.XRayNameLength || !strings.HasPrefix(name, "questions-") {
			t.Errorf("X-Ray name %q: want at most %d characters, from the component's name", name, contract.XRayNameLength)
		}
	}
}

// checkSubscriptions: the alarms go to an e-mail of their own topic (the
// admin's address unless AlarmEmail says otherwise); SNS waits for both
// confirmations and the component says so.
func checkSubscriptions(t *testing.T, d deployed) {
	t.Helper()
	opsTopic := d.c.Get(t, "aws:sns/topic:Topic", "questions-operations-topic")
	if _, encrypted := opsTopic.Inputs["kmsMasterKeyId"]; encrypted {
		t.Error("the operations topic is encrypted with a key CloudWatch alarms cannot use")
	}
	sub := d.c.Get(t, "aws:sns/topicSubscription:TopicSubscription", "questions-alarm-email")
	want := d.args.AlarmEmail
	if want == "" {
		want = d.args.AdminEmail
	}
	if pm.Str(t, sub.Inputs, "topic") != pm.Str(t, opsTopic.State, "arn") || pm.Str(t, sub.Inputs, "protocol") != "email" || pm.Str(t, sub.Inputs, "endpoint") != want {
		t.Errorf("alarm subscription = %v, want %s on the operations topic", sub.Inputs, want)
	}
	ops := d.c.Get(t, OperationsType, "questions-operations")
	if svc := d.c.Get(t, QuestionsServiceType, "questions"); ops.Parent != svc.URN {
		t.Errorf("the operations component is not under the service")
	}
}

func TestXRayResourceName(t *testing.T) {
	for _, tt := range []struct{ name, kind string }{
		{"questions", "faults"},
		{"a-component-name-much-longer-than-thirty-two", "api"},
		{"odd name/with_symbols", "faults"},
	} {
		a := xrayResourceName(tt.name, tt.kind, "questions-post-1234567")
		b := xrayResourceName(tt.name, tt.kind, "questions-post-7654321")
		if len(a) > contract.XRayNameLength || a == b || notXRayName.MatchString(a) || !strings.Contains(a, "-"+tt.kind+"-") {
			t.Errorf("xrayResourceName(%q, %q) = %q (other stack %q)", tt.name, tt.kind, a, b)
		}
		if again := xrayResourceName(tt.name, tt.kind, "questions-post-1234567"); again != a {
			t.Errorf("not stable: %q then %q", a, again)
		}
	}
}

func TestSubscriptionHint(t *testing.T) {
	hint := subscriptionHint("operations", "urn:pulumi:dev::mysfits-questions::x::questions-alarm-email")
	for _, want := range []string{"pending confirmation", "48 hours", "pulumi up --refresh", "pulumi up --replace 'urn:pulumi:dev::mysfits-questions::x::questions-alarm-email'"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint %q does not say %q", hint, want)
		}
	}
	if strings.Contains(hint, "@") {
		t.Errorf("hint %q names an address", hint)
	}
}

// AlarmEmail, when set, is who the operations topic e-mails.
func TestAlarmEmail(t *testing.T) {
	t.Parallel()
	args := testArgs(contract.StageSDK)
	args.AlarmEmail = "ops@mysfits.example"
	d := deployService(t, "dev", args)
	checkSubscriptions(t, d)
	admin := d.c.Get(t, "aws:sns/topicSubscription:TopicSubscription", "questions-admin-email")
	if pm.Str(t, admin.Inputs, "endpoint") != testEmail {
		t.Errorf("the administrator's subscription moved to %s", pm.Str(t, admin.Inputs, "endpoint"))
	}
}
