// Package handlers holds the two Lambda handlers of the questions service:
// Post (API Gateway -> DynamoDB) and Notify (DynamoDB stream -> SNS). The AWS
// clients sit behind one-method interfaces so tests and the local runner can
// call the handlers directly. Logs are JSON on stderr and carry ids, counts and
// status codes only: never an e-mail address, a question text or a whole event.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/smithy-go"
)

// newLogger is the logger a handler uses when none is injected.
func newLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// invocationLogger tags every record with the Lambda request id when there is one.
func invocationLogger(ctx context.Context, log *slog.Logger) *slog.Logger {
	if log == nil {
		log = newLogger()
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		log = log.With("aws_request_id", lc.AwsRequestID)
	}
	return log
}

// ErrMissing reports a required environment variable that is unset or empty.
var ErrMissing = errors.New("required environment variable is not set")

// require returns the value of a variable that must be set.
func require(getenv func(string) string, name string) (string, error) {
	v := getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s: %w", name, ErrMissing)
	}
	return v, nil
}

// errorAttr describes an AWS call's failure for the logs. A service error is
// logged by its code only: some services echo request values in messages.
// Other errors (network, context, validation) carry no request data.
func errorAttr(err error) slog.Attr {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return slog.String("error_code", apiErr.ErrorCode())
	}
	return slog.String("error", err.Error())
}

// errorText is errorAttr's description as text, for an error that leaves
// the function.
func errorText(err error) string {
	attr := errorAttr(err)
	if attr.Key == "error_code" {
		return "AWS error " + attr.Value.String()
	}
	return attr.Value.String()
}
