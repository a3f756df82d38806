package components

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/contract"
)

// QuestionsAPIType is the component's type token.
const QuestionsAPIType = "mysfits:questions:QuestionsApi"

const jsonContentType = "application/json"

// Throttle limits the stage's steady request rate and burst (its rules and
// defaults are the contract's).
type Throttle = contract.Throttle

// QuestionsAPIArgs configure the REST API in front of the post function.
type QuestionsAPIArgs struct {
	// Handler answers POST /questions through a Lambda proxy integration.
	Handler *TracedGoFunction
	// AllowedOrigin is "*" or the site's origin, for the CORS answers.
	AllowedOrigin string
	// Tracing turns on X-Ray tracing of the prod stage.
	Tracing  bool
	Throttle Throttle
}

// QuestionsAPI is a regional REST API with POST and OPTIONS on /questions,
// body validation against the question model, CORS on every answer
// including API Gateway's own errors, and a throttled, optionally traced
// prod stage.
type QuestionsAPI struct {
	pulumi.ResourceState

	RestAPIID pulumi.StringOutput
	// Name is the REST API's name: the ApiName of its CloudWatch metrics,
	// and with the stage the name of its X-Ray segments ({name}/prod).
	Name         pulumi.StringOutput
	ExecutionArn pulumi.StringOutput
	StageName    pulumi.StringOutput
	// Endpoint is https://{id}.execute-api.{region}.amazonaws.com/prod.
	Endpoint pulumi.StringOutput
	// DeploymentTrigger is the hash that redeploys the API when its
	// definition changes.
	DeploymentTrigger pulumi.StringOutput
}

// NewQuestionsAPI creates the API. Children are named from name; only
// names scoped to the API itself (model, validator, stage) are fixed.
func NewQuestionsAPI(ctx *pulumi.Context, name string, args *QuestionsAPIArgs, opts ...pulumi.ResourceOption) (*QuestionsAPI, error) {
	if args == nil || args.Handler == nil {
		return nil, fmt.Errorf("questions API %s: a handler function is required", name)
	}
	if err := errors.Join(contract.CheckOrigin(args.AllowedOrigin), args.Throttle.Validate("Throttle.RateLimit", "Throttle.BurstLimit")); err != nil {
		return nil, fmt.Errorf("questions API %s: %w", name, err)
	}
	shape, err := newAPIShape(args.AllowedOrigin)
	if err != nil {
		return nil, fmt.Errorf("questions API %s: %w", name, err)
	}

	api := &QuestionsAPI{}
	if err := ctx.RegisterComponentResource(QuestionsAPIType, name, api, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(api)

	restAPI, err := apigateway.NewRestApi(ctx, name, &apigateway.RestApiArgs{
		Description:           pulumi.String("Mythical Mysfits questions: POST /" + contract.PathPart),
		EndpointConfiguration: &apigateway.RestApiEndpointConfigurationArgs{Types: pulumi.String(shape.EndpointType)},
	}, parent)
	if err != nil {
		return nil, err
	}
	restAPIID := restAPI.ID().ToStringOutput()
	questionsResource, err := apigateway.NewResource(ctx, name+"-"+contract.PathPart, &apigateway.ResourceArgs{
		RestApi:  restAPIID,
		ParentId: restAPI.RootResourceId,
		PathPart: pulumi.String(shape.PathPart),
	}, parent)
	if err != nil {
		return nil, err
	}
	resourceID := questionsResource.ID().ToStringOutput()

	// POST: the model rejects malformed bodies before they cost an invocation.
	model, err := apigateway.NewModel(ctx, name+"-model", &apigateway.ModelArgs{
		RestApi:     restAPIID,
		Name:        pulumi.String(shape.Model.Name),
		ContentType: pulumi.String(shape.Model.ContentType),
		Schema:      pulumi.String(shape.Model.Schema),
	}, parent)
	if err != nil {
		return nil, err
	}
	validator, err := apigateway.NewRequestValidator(ctx, name+"-validator", &apigateway.RequestValidatorArgs{
		RestApi:                   restAPIID,
		Name:                      pulumi.String(shape.Validator.Name),
		ValidateRequestBody:       pulumi.Bool(shape.Validator.Body),
		ValidateRequestParameters: pulumi.Bool(shape.Validator.Parameters),
	}, parent)
	if err != nil {
		return nil, err
	}
	post, err := apigateway.NewMethod(ctx, name+"-post", &apigateway.MethodArgs{
		RestApi:            restAPIID,
		ResourceId:         resourceID,
		HttpMethod:         pulumi.String(shape.Post.HTTPMethod),
		Authorization:      pulumi.String(shape.Post.Authorization),
		RequestValidatorId: validator.ID(),
		RequestModels:      pulumi.StringMap{shape.Model.ContentType: model.Name},
	}, parent)
	if err != nil {
		return nil, err
	}
	postIntegration, err := apigateway.NewIntegration(ctx, name+"-post-integration", &apigateway.IntegrationArgs{
		RestApi:               restAPIID,
		ResourceId:            resourceID,
		HttpMethod:            post.HttpMethod,
		Type:                  pulumi.String(shape.Post.IntegrationType),
		IntegrationHttpMethod: pulumi.String(shape.Post.IntegrationHTTPMethod),
		Uri:                   args.Handler.InvokeArn,
	}, parent)
	if err != nil {
		return nil, err
	}

	// OPTIONS: the CORS preflight, answered by API Gateway itself.
	options, err := apigateway.NewMethod(ctx, name+"-options", &apigateway.MethodArgs{
		RestApi:       restAPIID,
		ResourceId:    resourceID,
		HttpMethod:    pulumi.String(shape.Options.HTTPMethod),
		Authorization: pulumi.String(shape.Options.Authorization),
	}, parent)
	if err != nil {
		return nil, err
	}
	optionsIntegration, err := apigateway.NewIntegration(ctx, name+"-options-integration", &apigateway.IntegrationArgs{
		RestApi:          restAPIID,
		ResourceId:       resourceID,
		HttpMethod:       options.HttpMethod,
		Type:             pulumi.String(shape.Options.IntegrationType),
		RequestTemplates: pulumi.ToStringMap(shape.Options.RequestTemplates),
	}, parent)
	if err != nil {
		return nil, err
	}
	declared := map[string]bool{}
	for header := range shape.Options.ResponseParameters {
		declared[header] = true
	}
	optionsResponse, err := apigateway.NewMethodResponse(ctx, name+"-options-response", &apigateway.MethodResponseArgs{
		RestApi:            restAPIID,
		ResourceId:         resourceID,
		HttpMethod:         options.HttpMethod,
		StatusCode:         pulumi.String(shape.Options.StatusCode),
		ResponseParameters: pulumi.ToBoolMap(declared),
	}, parent)
	if err != nil {
		return nil, err
	}
	optionsIntegrationResponse, err := apigateway.NewIntegrationResponse(ctx, name+"-options-integration-response", &apigateway.IntegrationResponseArgs{
		RestApi:            restAPIID,
		ResourceId:         resourceID,
		HttpMethod:         options.HttpMethod,
		StatusCode:         optionsResponse.StatusCode,
		ResponseParameters: pulumi.ToStringMap(shape.Options.ResponseParameters),
	}, parent, pulumi.DependsOn([]pulumi.Resource{optionsIntegration})) // the integration must exist first
	if err != nil {
		return nil, err
	}

	// API Gateway's own answers (validation errors, throttling, a failed
	// invocation's 502) carry CORS headers too, so the page can read them.
	deployed := []pulumi.Resource{model, validator, post, postIntegration, options, optionsIntegration, optionsResponse, optionsIntegrationResponse}
	for _, gr := range shape.GatewayResponses {
		response, err := apigateway.NewResponse(ctx, name+"-"+gr.logicalSuffix(), &apigateway.ResponseArgs{
			RestApiId:          restAPIID,
			ResponseType:       pulumi.String(gr.Type),
			ResponseParameters: pulumi.ToStringMap(gr.Parameters),
			ResponseTemplates:  pulumi.ToStringMap(gr.Templates),
		}, parent)
		if err != nil {
			return nil, err
		}
		deployed = append(deployed, response)
	}

	// A deployment is a snapshot: the trigger replaces it whenever anything
	// that defines the API changes, including the function it calls.
	trigger := args.Handler.InvokeArn.ApplyT(shape.hash).(pulumi.StringOutput)
	deployment, err := apigateway.NewDeployment(ctx, name+"-deployment", &apigateway.DeploymentArgs{
		RestApi:     restAPIID,
		Description: pulumi.String("Mythical Mysfits questions API"),
		Triggers:    pulumi.StringMap{"api": trigger},
	}, parent, pulumi.DependsOn(deployed))
	if err != nil {
		return nil, err
	}
	stage, err := apigateway.NewStage(ctx, name+"-"+contract.StageName, &apigateway.StageArgs{
		RestApi:            restAPIID,
		Deployment:         deployment.ID(),
		StageName:          pulumi.String(contract.StageName),
		XrayTracingEnabled: pulumi.Bool(args.Tracing),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := apigateway.NewMethodSettings(ctx, name+"-throttling", &apigateway.MethodSettingsArgs{
		RestApi:    restAPIID,
		StageName:  stage.StageName,
		MethodPath: pulumi.String("*/*"),
		Settings: &apigateway.MethodSettingsSettingsArgs{
			ThrottlingRateLimit:  pulumi.Float64(args.Throttle.RateLimit),
			ThrottlingBurstLimit: pulumi.Int(args.Throttle.BurstLimit),
		},
	}, parent); err != nil {
		return nil, err
	}

	// Only this API's POST /questions may invoke the function.
	if _, err := lambda.NewPermission(ctx, name+"-invoke", &lambda.PermissionArgs{
		Action:    pulumi.String("lambda:InvokeFunction"),
		Function:  args.Handler.FunctionName,
		Principal: pulumi.String("apigateway.amazonaws.com"),
		SourceArn: pulumi.Sprintf("%s/*/%s/%s", restAPI.ExecutionArn, shape.Post.HTTPMethod, shape.PathPart),
	}, parent); err != nil {
		return nil, err
	}

	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent)
	api.RestAPIID = restAPIID
	api.Name = restAPI.Name
	api.ExecutionArn = restAPI.ExecutionArn
	api.StageName = stage.StageName
	api.Endpoint = pulumi.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", restAPIID, region.Name(), stage.StageName)
	api.DeploymentTrigger = trigger
	if err := ctx.RegisterResourceOutputs(api, pulumi.Map{
		"restApiId":         api.RestAPIID,
		"name":              api.Name,
		"executionArn":      api.ExecutionArn,
		"stageName":         api.StageName,
		"endpoint":          api.Endpoint,
		"deploymentTrigger": api.DeploymentTrigger,
	}); err != nil {
		return nil, err
	}
	return api, nil
}

// apiShape is everything that defines the deployed API apart from the
// function it calls. The resources are made from it and the deployment
// trigger is its hash, so the two cannot disagree.
type apiShape struct {
	EndpointType     string
	PathPart         string
	Model            modelShape
	Validator        validatorShape
	Post             postShape
	Options          optionsShape
	GatewayResponses []gatewayResponseShape
}

type modelShape struct {
	Name        string // API-scoped, alphanumeric
	ContentType string
	Schema      string
}

type validatorShape struct {
	Name       string // API-scoped
	Body       bool
	Parameters bool
}

type postShape struct {
	HTTPMethod            string
	Authorization         string
	IntegrationType       string
	IntegrationHTTPMethod string
}

type optionsShape struct {
	HTTPMethod       string
	Authorization    string
	IntegrationType  string
	StatusCode       string
	RequestTemplates map[string]string
	// ResponseParameters maps method.response.header.* to quoted values.
	ResponseParameters map[string]string
}

type gatewayResponseShape struct {
	Type       string
	Parameters map[string]string
	Templates  map[string]string
}

// logicalSuffix turns DEFAULT_4XX into default-4xx for resource names.
func (g gatewayResponseShape) logicalSuffix() string {
	return strings.ToLower(strings.ReplaceAll(g.Type, "_", "-"))
}

// headerParameters turns headers into API Gateway response parameters:
// prefix + header name -> the value as a quoted static string.
func headerParameters(prefix string, headers map[string]string) map[string]string {
	params := make(map[string]string, len(headers))
	for name, value := range headers {
		params[prefix+name] = "'" + value + "'"
	}
	return params
}

// gatewayErrorTemplate keeps API Gateway's own message in the {"error": ...}
// shape the post function answers with; messageString is already quoted.
const gatewayErrorTemplate = `{"error":$context.error.messageString}`

// badRequestBodyTemplate answers a body the model refuses with the
// validator's list of what failed, so the error names the field ("invalid
// request body: [object has missing required properties ([\"email\"])]").
// The variable comes JSON-escaped and unquoted, hence the quotes around
// it. The local API Gateway answers the same.
const badRequestBodyTemplate = `{"error":"` + contract.BadRequestBodyPrefix + `: ` + contract.ValidationErrorVariable + `"}`

func newAPIShape(origin string) (apiShape, error) {
	schema, err := contract.QuestionModelSchema()
	if err != nil {
		return apiShape{}, err
	}
	mockRequest, err := json.Marshal(map[string]int{"statusCode": http.StatusOK})
	if err != nil {
		return apiShape{}, err
	}
	errorHeaders := headerParameters("gatewayresponse.header.", contract.CORSHeaders(origin, false))
	gatewayResponse := func(responseType, template string) gatewayResponseShape {
		return gatewayResponseShape{
			Type:       responseType,
			Parameters: errorHeaders,
			Templates:  map[string]string{jsonContentType: template},
		}
	}
	return apiShape{
		EndpointType: "REGIONAL",
		PathPart:     contract.PathPart,
		Model:        modelShape{Name: contract.QuestionModelName, ContentType: contract.QuestionModelContentType, Schema: schema},
		Validator:    validatorShape{Name: "question-body", Body: true},
		Post: postShape{
			HTTPMethod:            http.MethodPost,
			Authorization:         "NONE",
			IntegrationType:       "AWS_PROXY",
			IntegrationHTTPMethod: http.MethodPost, // Lambda is always invoked with POST
		},
		Options: optionsShape{
			HTTPMethod:         http.MethodOptions,
			Authorization:      "NONE",
			IntegrationType:    "MOCK",
			StatusCode:         strconv.Itoa(http.StatusOK),
			RequestTemplates:   map[string]string{jsonContentType: string(mockRequest)},
			ResponseParameters: headerParameters("method.response.header.", contract.CORSHeaders(origin, true)),
		},
		GatewayResponses: []gatewayResponseShape{
			gatewayResponse("DEFAULT_4XX", gatewayErrorTemplate),
			gatewayResponse("DEFAULT_5XX", gatewayErrorTemplate),
			// A more specific type replaces DEFAULT_4XX entirely, so it
			// repeats the CORS headers.
			gatewayResponse("BAD_REQUEST_BODY", badRequestBodyTemplate),
		},
	}, nil
}

// hash is the deployment trigger: a digest of the shape and the URI of the
// function behind POST. encoding/json sorts map keys, so it is stable.
func (s apiShape) hash(integrationURI string) (string, error) {
	b, err := json.Marshal(struct {
		Shape          apiShape
		IntegrationURI string
	}{s, integrationURI})
	if err != nil {
		return "", fmt.Errorf("hashing the API definition: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
