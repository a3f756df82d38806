// Command mysfits-questions is the Pulumi program of the Mythical Mysfits
// "Contact Us" questions service: it reads and checks the stack's
// configuration, builds one QuestionsService and exports what other stacks
// need.
//
// Stack outputs (the contract with the main Mysfits project, read with
// pulumi.NewStackReference):
//
//	questionsApiEndpoint          https://{restApiId}.execute-api.{region}.amazonaws.com/prod;
//	                              the site POSTs {"email","questionText"} to {endpoint}/questions
//	questionsRestApiId            the REST API id
//	questionsAllowedOrigin        the CORS origin the API answers with ("*" or scheme://host[:port])
//	questionsTableName            DynamoDB table (QuestionId, QuestionText, UserEmailAddress)
//	questionsTableArn             its ARN
//	questionsTopicArn             SNS topic the administrator is subscribed to
//	questionsTopicName            its name
//	postQuestionFunctionName      Lambda function behind POST /questions
//	processQuestionsFunctionName  Lambda function on the table's stream
//	deadLetterQueueUrl            SQS queue with a notice of each stream batch that could not be
//	                              processed (the batch itself is in failureBucketName)
//	tracingStage                  the tracing stage in effect (1, 2 or 3)
//
// Operations outputs (docs/deployment.md, "Outputs"; docs/operations.md):
//
//	failureBucketName             S3 bucket holding each failed stream batch whole (go run ./cmd/redrive)
//	operationsTopicArn            SNS topic the alarms notify (alarmEmail, else adminEmail)
//	alarmNames                    the CloudWatch alarms by key (contract.AlarmKey)
//	xrayFaultGroupName, ...Arn    X-Ray group of this stack's faulted requests
//	xraySamplingRuleName          X-Ray sampling rule of the API stage
//	adminEmailPendingConfirmation, alarmEmailPendingConfirmation
//	                              whether SNS still waits for the e-mail's owner to confirm
//
// When mysfitsStack is set, the CORS origin is read from that stack's
// websiteUrl output (see websiteURLOutput).
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/components"
	"github.com/mysfits/mysfits-questions/contract"
)

// configNames are the configuration keys, in the project namespace
// (`pulumi config set stage 2`), as the contract writes them once for the
// program and the local runner (contract.ConfigKeys). Pulumi.yaml declares
// their types and defaults; the program applies the contract's, the same,
// when a key is absent (TestProjectFiles keeps them equal). Errors name
// each setting by its key.
var configNames = contract.ConfigKeys()

// keyMysfitsStack names the main Mysfits stack whose site URL gives the
// CORS origin; it is the program's own key, not a setting of the service.
const keyMysfitsStack = "mysfitsStack"

// websiteURLOutput is the output of the main Mysfits stack holding the
// site's URL (such as http://bucket.s3-website-us-east-1.amazonaws.com or
// https://www.mysfits.example/); its origin becomes the CORS origin.
const websiteURLOutput = "websiteUrl"

// serviceName names the component and, through it, every resource.
const serviceName = "questions"

// settings is the checked configuration: the service's settings and the
// main site's stack, if any.
type settings struct {
	contract.Settings
	MysfitsStack string
}

func main() {
	// The bundles must outlive the program's registrations, which
	// pulumi.Run waits for; it returns only on success (it exits on
	// failure, leaving the folder to the system's temp cleaning).
	buildDir, err := os.MkdirTemp("", "mysfits-questions-build-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "creating the build folder: %v\n", err)
		os.Exit(1)
	}
	defer os.RemoveAll(buildDir)
	pulumi.Run(program{builder: components.GoBuilder{TempDir: buildDir}}.run)
}

// program is the Pulumi program. Its builder is a field so tests can build
// each function once per test binary.
type program struct {
	builder components.Builder
}

// run reads the configuration, builds the service and exports its outputs.
func (p program) run(ctx *pulumi.Context) error {
	s, err := loadSettings(ctx)
	if err != nil {
		return err
	}
	origin := s.AllowedOrigin
	if s.MysfitsStack != "" {
		if origin, err = siteOrigin(ctx, s.MysfitsStack); err != nil {
			return err
		}
	}
	svc, err := components.NewQuestionsService(ctx, serviceName, &components.QuestionsServiceArgs{
		AdminEmail:       s.AdminEmail,
		AllowedOrigin:    origin,
		Tracing:          s.Tracing,
		Throttle:         s.Throttle,
		LogRetentionDays: s.LogRetentionDays,
		AlarmEmail:       s.AlarmEmail,
		Builder:          p.builder,
	})
	if err != nil {
		return err
	}
	ctx.Export(contract.OutputAPIEndpoint, svc.APIEndpoint)
	ctx.Export(contract.OutputRestAPIID, svc.RestAPIID)
	ctx.Export(contract.OutputAllowedOrigin, pulumi.String(origin))
	ctx.Export(contract.OutputTableName, svc.TableName)
	ctx.Export(contract.OutputTableARN, svc.TableArn)
	ctx.Export(contract.OutputTopicARN, svc.TopicArn)
	ctx.Export(contract.OutputTopicName, svc.TopicName)
	ctx.Export(contract.OutputPostFunction, svc.PostFunctionName)
	ctx.Export(contract.OutputProcessFunction, svc.ProcessFunctionName)
	ctx.Export(contract.OutputNoticeQueueURL, svc.NoticeQueueURL)
	ctx.Export(contract.OutputTracingStage, pulumi.Int(int(s.Tracing.Stage)))
	ctx.Export(contract.OutputFailureBucket, svc.FailureBucketName)
	ctx.Export(contract.OutputOperationsTopic, svc.OperationsTopicArn)
	ctx.Export(contract.OutputAlarmNames, svc.AlarmNames)
	ctx.Export(contract.OutputXRayGroupName, svc.XRayGroupName)
	ctx.Export(contract.OutputXRayGroupARN, svc.XRayGroupArn)
	ctx.Export(contract.OutputSamplingRuleName, svc.SamplingRuleName)
	ctx.Export(contract.OutputAdminPending, svc.AdminSubscriptionPending)
	ctx.Export(contract.OutputAlarmPending, svc.AlarmSubscriptionPending)
	return nil
}

// loadSettings reads and checks every key with the contract's one parse
// (the tracing stage, the fault settings and the instrumentation among
// them); an absent key takes its default (Pulumi.yaml declares the same ones,
// TestProjectFiles keeps them equal). The error lists each bad key with
// its value and what is allowed.
func loadSettings(ctx *pulumi.Context) (settings, error) {
	get := func(key string) string {
		v, _ := ctx.GetConfig(ctx.Project() + ":" + key)
		return v
	}
	s, err := contract.ParseSettings(configNames.Raw(get), configNames)
	if err != nil {
		return settings{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return settings{Settings: s, MysfitsStack: strings.TrimSpace(get(keyMysfitsStack))}, nil
}

// siteOrigin reads the site URL from the main Mysfits stack and reduces it
// to an origin. The value is awaited here so the origin is a plain string:
// it is part of the API definition the deployment trigger hashes.
func siteOrigin(ctx *pulumi.Context, stack string) (string, error) {
	ref, err := pulumi.NewStackReference(ctx, stack, nil)
	if err != nil {
		return "", fmt.Errorf("%s: referencing stack %q: %w", keyMysfitsStack, stack, err)
	}
	out, err := ref.GetOutputDetails(websiteURLOutput)
	if err != nil {
		return "", fmt.Errorf("%s: reading output %s of stack %q: %w", keyMysfitsStack, websiteURLOutput, stack, err)
	}
	site, ok := out.Value.(string)
	if !ok || site == "" {
		return "", fmt.Errorf("%s: stack %q has no plain string output %s (the main Mysfits stack must export its website URL)",
			keyMysfitsStack, stack, websiteURLOutput)
	}
	origin, err := contract.OriginOf(site)
	if err != nil {
		return "", fmt.Errorf("%s: output %s of stack %q: %w", keyMysfitsStack, websiteURLOutput, stack, err)
	}
	return origin, nil
}
