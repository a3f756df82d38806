package contract

// The stack's outputs, by name: what the main Mysfits project reads with
// pulumi.NewStackReference (the endpoint above all: the contract with the
// site), what `cmd/redrive --aws --outputs` reads, and what
// docs/deployment.md documents. main.go exports each under these names;
// nothing else types them.
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
	// OutputNoticeQueueURL is the notice queue's URL (see NoticeQueueSuffix
	// for why it keeps its older name).
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

// The notice queue is the one queue of the failure path: it gets a notice
// for each batch the stream mapping put in the failure store, the
// failure-store alarm counts them, and redrive removes them. In the code it
// is the notice queue and nothing else. It was the mapping's dead-letter
// queue before the failure bucket took the batches, and where users see a
// name it keeps that one: its resource name (NoticeQueueSuffix; a new name
// would give it a new URN, and `pulumi up` would replace a user's live
// queue with its notices), the stack output OutputNoticeQueueURL and the
// component's outputs deadLetterQueueUrl and deadLetterQueueArn (stack
// references and SDKs generated from the schema read those).
const NoticeQueueSuffix = "-dlq"
