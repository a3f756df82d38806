package lambdaenv_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/notify"
	"github.com/mysfits/mysfits-questions/functions/submit"
)

func TestAWSConfig(t *testing.T) {
	lambdaEnv := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
	}
	without := func(name string) func(string) string {
		return func(k string) string {
			if k == name {
				return ""
			}
			return lambdaEnv[k]
		}
	}
	cfg, err := lambdaenv.AWSConfig(func(k string) string { return lambdaEnv[k] })
	if err != nil {
		t.Fatalf("AWSConfig: %v", err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || cfg.Region != "eu-west-1" || creds.AccessKeyID != "ASIAEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Errorf("AWSConfig = region %q, credentials %+v, %v", cfg.Region, creds, err)
	}
	for _, name := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		_, err := lambdaenv.AWSConfig(without(name))
		if !errors.Is(err, lambdaenv.ErrMissing) || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: error %v, want ErrMissing naming it", name, err)
		}
	}
	if _, err := lambdaenv.AWSConfig(without("AWS_SESSION_TOKEN")); err != nil {
		t.Errorf("without a session token (long-term keys): %v", err)
	}
}

// The functions honour the SDK's standard endpoint settings as
// config.LoadDefaultConfig and the clients do: the service's own variable
// first, then the global one, none when told to ignore them. What counts is
// the endpoint each handler's client ends up with; every case is also put
// to the SDK's own loading, so the table cannot drift from it.
func TestEndpointSettings(t *testing.T) {
	const (
		global = "http://127.0.0.1:4566"
		ddb    = "http://127.0.0.1:8000"
		topic  = "http://127.0.0.1:4100"
	)
	tests := []struct {
		name            string
		env             map[string]string
		wantDB, wantSNS string // "" = the SDK's own endpoint for the region
	}{
		{name: "none", env: nil},
		{name: "global alone", env: map[string]string{"AWS_ENDPOINT_URL": global}, wantDB: global, wantSNS: global},
		{name: "service-specific wins over global",
			env:    map[string]string{"AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_DYNAMODB": ddb, "AWS_ENDPOINT_URL_SNS": topic},
			wantDB: ddb, wantSNS: topic},
		{name: "DynamoDB's alone", env: map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": ddb}, wantDB: ddb},
		{name: "SNS's alone", env: map[string]string{"AWS_ENDPOINT_URL_SNS": topic}, wantSNS: topic},
		{name: "one service's, the global for the other",
			env:    map[string]string{"AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_SNS": topic},
			wantDB: global, wantSNS: topic},
		{name: "ignore flag",
			env: map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
				"AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_DYNAMODB": ddb, "AWS_ENDPOINT_URL_SNS": topic}},
		{name: "ignore flag in any case", env: map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE", "AWS_ENDPOINT_URL": global}},
		{name: "ignore flag false",
			env:    map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "False", "AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_DYNAMODB": ddb},
			wantDB: ddb, wantSNS: global},
		{name: "empty service-specific falls back to global",
			env:    map[string]string{"AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_DYNAMODB": "", "AWS_ENDPOINT_URL_SNS": ""},
			wantDB: global, wantSNS: global},
		{name: "empty values are unset",
			env: map[string]string{"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_DYNAMODB": "", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": ""}},
		{name: "empty ignore flag does not ignore",
			env:    map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "", "AWS_ENDPOINT_URL_DYNAMODB": ddb},
			wantDB: ddb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{
				"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
				contract.EnvTableName: "questions", contract.EnvTopicARN: "arn:aws:sns:us-east-1:000000000000:questions",
			}
			maps.Copy(env, tt.env)
			cfg, err := lambdaenv.AWSConfig(handlertest.Getenv(env))
			if err != nil {
				t.Fatalf("AWSConfig: %v", err)
			}
			poster, err := submit.New(cfg, handlertest.Getenv(env))
			if err != nil {
				t.Fatalf("submit.New: %v", err)
			}
			notifier, err := notify.New(cfg, handlertest.Getenv(env))
			if err != nil {
				t.Fatalf("notify.New: %v", err)
			}
			if got := aws.ToString(poster.DB.(*dynamodb.Client).Options().BaseEndpoint); got != tt.wantDB {
				t.Errorf("DynamoDB client's endpoint %q, want %q", got, tt.wantDB)
			}
			if got := aws.ToString(notifier.SNS.(*sns.Client).Options().BaseEndpoint); got != tt.wantSNS {
				t.Errorf("SNS client's endpoint %q, want %q", got, tt.wantSNS)
			}

			sdkCfg, err := sdkDefaultConfig(t, tt.env)
			if err != nil {
				t.Fatalf("config.LoadDefaultConfig: %v", err)
			}
			if got := aws.ToString(dynamodb.NewFromConfig(sdkCfg).Options().BaseEndpoint); got != tt.wantDB {
				t.Errorf("the SDK's own loading gives DynamoDB %q, the table says %q", got, tt.wantDB)
			}
			if got := aws.ToString(sns.NewFromConfig(sdkCfg).Options().BaseEndpoint); got != tt.wantSNS {
				t.Errorf("the SDK's own loading gives SNS %q, the table says %q", got, tt.wantSNS)
			}
		})
	}
}

// endpointVars are the SDK's endpoint settings the tests set.
var endpointVars = []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SNS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"}

// sdkDefaultConfig is config.LoadDefaultConfig on exactly env's endpoint
// settings (absent ones unset, empty ones set and empty) and no shared
// files: the reference the functions' own resolution must agree with.
func sdkDefaultConfig(t *testing.T, env map[string]string) (aws.Config, error) {
	t.Helper()
	for _, k := range endpointVars {
		v, ok := env[k]
		t.Setenv(k, v) // restored after the test
		if !ok {
			os.Unsetenv(k)
		}
	}
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_PROFILE", "")
	return config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))
}

// A flag that is neither true nor false stops the function, as it stops
// config.LoadDefaultConfig, rather than being read one way or the other.
func TestEndpointSettingsInvalidIgnoreFlag(t *testing.T) {
	env := handlertest.Getenv(map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		contract.EnvTableName: "questions", contract.EnvTopicARN: "arn:aws:sns:us-east-1:000000000000:questions",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "yes", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
	})
	cfg, err := lambdaenv.AWSConfig(env)
	if err != nil {
		t.Fatalf("AWSConfig: %v", err)
	}
	if _, err := submit.New(cfg, env); !errors.Is(err, lambdaenv.ErrInvalidSetting) || !strings.Contains(err.Error(), "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
		t.Errorf("submit.New: error %v, want ErrInvalidSetting naming the variable", err)
	}
	if _, err := notify.New(cfg, env); !errors.Is(err, lambdaenv.ErrInvalidSetting) || !strings.Contains(err.Error(), "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
		t.Errorf("notify.New: error %v, want ErrInvalidSetting naming the variable", err)
	}
	if _, err := sdkDefaultConfig(t, map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "yes"}); err == nil {
		t.Error("config.LoadDefaultConfig took the flag \"yes\": the functions should not be stricter than the SDK")
	}
}
