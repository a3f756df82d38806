package handlers_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/functions/handlers"
)

func TestLambdaConfig(t *testing.T) {
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
	cfg, err := handlers.LambdaConfig(func(k string) string { return lambdaEnv[k] })
	if err != nil {
		t.Fatalf("LambdaConfig: %v", err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || cfg.Region != "eu-west-1" || creds.AccessKeyID != "ASIAEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Errorf("LambdaConfig = region %q, credentials %+v, %v", cfg.Region, creds, err)
	}
	for _, name := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		_, err := handlers.LambdaConfig(without(name))
		if !errors.Is(err, handlers.ErrMissing) || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: error %v, want ErrMissing naming it", name, err)
		}
	}
	if _, err := handlers.LambdaConfig(without("AWS_SESSION_TOKEN")); err != nil {
		t.Errorf("without a session token (long-term keys): %v", err)
	}
}
