package lambdaenv

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// The variables Lambda sets in every execution environment: the region and
// the execution role's temporary credentials (Lambda developer guide,
// "Defined runtime environment variables").
const (
	envRegion       = "AWS_REGION"
	envAccessKeyID  = "AWS_ACCESS_KEY_ID"
	envSecretKey    = "AWS_SECRET_ACCESS_KEY"
	envSessionToken = "AWS_SESSION_TOKEN"
)

// The SDK's standard endpoint settings (AWS SDKs and Tools reference guide,
// "Service-specific endpoints"), by which SAM local, LocalStack and other
// emulators point a function at themselves. AWSConfig leaves out the
// config package that reads them, so ServiceEndpoint reads them as it does
// (aws-sdk-go-v2/config, env_config.go and resolve.go).
const (
	envEndpointURL        = "AWS_ENDPOINT_URL" // every service; + "_" + the service's id for one
	envIgnoreEndpointURLs = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
)

// ErrInvalidSetting reports an environment variable whose value cannot be read.
var ErrInvalidSetting = errors.New("invalid value")

// ServiceEndpoint is the base endpoint the environment sets for the client
// of serviceID (its package's ServiceID, such as dynamodb.ServiceID), "" for
// the SDK's own endpoint of the region. As config.LoadDefaultConfig and
// the client resolve it: the service's own variable, else the global one,
// empty values counting as unset, and neither when the ignore flag is true.
func ServiceEndpoint(getenv func(string) string, serviceID string) (string, error) {
	ignore, err := ignoreEndpointURLs(getenv)
	if err != nil || ignore {
		return "", err
	}
	return cmp.Or(getenv(serviceEndpointVar(serviceID)), getenv(envEndpointURL)), nil
}

// serviceEndpointVar is the service's own variable: the SDK upper-cases
// the service id and turns its spaces into underscores.
func serviceEndpointVar(serviceID string) string {
	return envEndpointURL + "_" + strings.ReplaceAll(strings.ToUpper(serviceID), " ", "_")
}

// ignoreEndpointURLs reads the flag as the SDK does: true or false in any
// case, empty as unset; anything else is an error, as it fails
// config.LoadDefaultConfig, rather than a guess either way.
func ignoreEndpointURLs(getenv func(string) string) (bool, error) {
	switch v := getenv(envIgnoreEndpointURLs); {
	case v == "", strings.EqualFold(v, "false"):
		return false, nil
	case strings.EqualFold(v, "true"):
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q, need true or false: %w", envIgnoreEndpointURLs, v, ErrInvalidSetting)
	}
}

// WithEndpoint points a client at endpoint; "" leaves the client's own.
// base is the client's Options.BaseEndpoint, the field the SDK itself sets.
func WithEndpoint(base **string, endpoint string) {
	if endpoint != "" {
		*base = &endpoint
	}
}

// AWSConfig is a function's AWS configuration, read from the variables
// Lambda sets. It stands in for config.LoadDefaultConfig, whose chain
// (shared files, SSO, web identity, IMDS) never applies on Lambda: leaving
// it out keeps about 0.8 MB out of each function's zip and its endpoint
// set-up out of the cold start. The endpoint settings an emulator uses
// are applied per client, by submit.New and notify.New (ServiceEndpoint).
func AWSConfig(getenv func(string) string) (aws.Config, error) {
	vars := map[string]string{}
	for _, name := range []string{envRegion, envAccessKeyID, envSecretKey} {
		v, err := Require(getenv, name)
		if err != nil {
			return aws.Config{}, fmt.Errorf("the Lambda runtime's configuration: %w", err)
		}
		vars[name] = v
	}
	return aws.Config{
		Region: vars[envRegion],
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			vars[envAccessKeyID], vars[envSecretKey], getenv(envSessionToken))),
	}, nil
}
