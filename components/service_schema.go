package components

import (
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/mysfits/mysfits-questions/contract"
)

// Annotate describes QuestionsService for the multi-language package
// (provider/ serves it with pulumi-go-provider's infer): its token, the same
// QuestionsServiceType Go programs register, and what each output holds.
// Go programs calling NewQuestionsService do not use it.
func (s *QuestionsService) Annotate(a infer.Annotator) {
	token := tokens.Type(QuestionsServiceType)
	a.SetToken(token.Module().Name(), token.Name())
	a.Describe(s, "The Mythical Mysfits \"Contact Us\" questions service with X-Ray tracing in stages: "+
		"a REST API (POST /questions, CORS) in front of a Lambda function that stores each question in a "+
		"DynamoDB table, whose stream drives a second function that e-mails the administrator through an SNS topic; "+
		"batches it cannot process are kept in a failure bucket, and CloudWatch alarms notify an operations topic. "+
		"The functions trace with the AWS X-Ray SDK (the default) or with OpenTelemetry (instrumentation), "+
		"each from its own build. The component builds both functions from its Go source during the deployment, so the "+
		"machine running Pulumi needs the Go toolchain.")
	a.Describe(&s.APIEndpoint, "Base URL of the API's prod stage, https://{restApiId}.execute-api.{region}.amazonaws.com/prod. "+
		"The Contact Us form POSTs {\"email\", \"questionText\"} as JSON to this URL + \"/questions\".")
	a.Describe(&s.RestAPIID, "Id of the API Gateway REST API.")
	a.Describe(&s.TableName, "Name of the DynamoDB table holding the questions "+
		"(partition key QuestionId; attributes QuestionText and UserEmailAddress).")
	a.Describe(&s.TableArn, "ARN of the questions table.")
	a.Describe(&s.TopicArn, "ARN of the SNS topic that notifies the administrator; adminEmail is subscribed to it.")
	a.Describe(&s.TopicName, "Name of the administrator's SNS topic.")
	a.Describe(&s.PostFunctionName, "Name of the Lambda function behind POST /questions.")
	a.Describe(&s.ProcessFunctionName, "Name of the Lambda function that reads the table's stream and notifies the administrator.")
	a.Describe(&s.NoticeQueueURL, "URL of the SQS notice queue: one message for each stream batch the notifying "+
		"function gave up on, which is kept whole in the failure bucket.")
	a.Describe(&s.NoticeQueueArn, "ARN of the notice queue.")
	a.Describe(&s.FailureBucketName, "Name of the private, encrypted S3 bucket holding each stream batch the notifying "+
		"function could not process, whole, so no question is lost after the stream's 24 hours (the redrive command "+
		"notifies them).")
	a.Describe(&s.FailureBucketArn, "ARN of the failure bucket.")
	a.Describe(&s.OperationsTopicArn, "ARN of the SNS topic every operations alarm notifies; alarmEmail (else adminEmail) is subscribed to it.")
	a.Describe(&s.AlarmNames, "Names of the CloudWatch alarms, by key: "+alarmKeys()+".")
	a.Describe(&s.XRayGroupName, "Name of the X-Ray group that selects this service's faulted traces.")
	a.Describe(&s.XRayGroupArn, "ARN of the X-Ray group.")
	a.Describe(&s.SamplingRuleName, "Name of the X-Ray sampling rule for this service's API.")
	a.Describe(&s.AdminSubscriptionPending, "Whether SNS still waits for adminEmail to confirm its subscription to the "+
		"questions topic: no notification is delivered until the e-mail from AWS Notifications is confirmed.")
	a.Describe(&s.AlarmSubscriptionPending, "Whether SNS still waits for the confirmation of the e-mail subscription to "+
		"the operations topic: no alarm is delivered until then.")
}

// alarmKeys lists the keys of AlarmNames, for its description.
func alarmKeys() string {
	var keys []string
	for _, a := range contract.Alarms() {
		keys = append(keys, string(a.Key))
	}
	return strings.Join(keys, ", ")
}
