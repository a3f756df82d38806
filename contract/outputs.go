package contract

// The stack's outputs, by name: what the main Mysfits project reads with
// pulumi.NewStackReference (the endpoint above all: the contract with the
// site), what `cmd/redrive --aws --outputs` reads, and what the README
// documents. main.go exports each under these names; nothing else types
// them.
const (
	// OutputAPIEndpoint is https://{restApiId}.execute-api.{region}.amazonaws.com/prod;
	// the site POSTs {"email","questionText"} to it + ResourcePath.
	OutputAPIEndpoint     = "questionsApiEndpoint"
	OutputRestAPIID       = "questionsRestApiId"
	OutputAllowedOrigin   = "questionsAllowedOrigin"
	OutputTableName       = "questionsTableName"
	OutputTableARN        = "questionsTableArn"
	OutputTopicARN        = "questionsTopicArn"
	OutputTopicName       = "questionsTopicName"
	OutputPostFunction    = "postQuestionFunctionName"
	OutputProcessFunction = "processQuestionsFunctionName"
	// OutputNoticeQueueURL is the notice queue's URL. The name says
	// "dead-letter queue" because stacks and stack references already read
	// it under that name: the queue holds notices of failed batches.
	OutputNoticeQueueURL = "deadLetterQueueUrl"
	OutputTracingStage   = "tracingStage"

	// Operations.
	OutputFailureBucket    = "failureBucketName"
	OutputOperationsTopic  = "operationsTopicArn"
	OutputAlarmNames       = "alarmNames"
	OutputXRayGroupName    = "xrayFaultGroupName"
	OutputXRayGroupARN     = "xrayFaultGroupArn"
	OutputSamplingRuleName = "xraySamplingRuleName"
	// OutputAdminPending and OutputAlarmPending say whether SNS still waits
	// for the e-mail subscription to be confirmed.
	OutputAdminPending = "adminEmailPendingConfirmation"
	OutputAlarmPending = "alarmEmailPendingConfirmation"
)
