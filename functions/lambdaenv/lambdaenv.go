// Package lambdaenv is what the two functions take alike from their Lambda
// execution environment: the AWS configuration and the endpoint settings
// its variables carry, required variables, and the logs' conventions.
// Each function's handler package (submit, notify) builds its own client
// over it; this package imports no service client, so neither function
// links the other's.
//
// Logs are JSON on stderr and carry ids, counts and status codes only:
// never an e-mail address, a question text or a whole event.
package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/smithy-go"
)

// NewLogger is the logger a handler uses when none is injected.
func NewLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// InvocationLogger tags every record with the Lambda request id when there
// is one; a nil log is NewLogger's.
func InvocationLogger(ctx context.Context, log *slog.Logger) *slog.Logger {
	if log == nil {
		log = NewLogger()
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		log = log.With("aws_request_id", lc.AwsRequestID)
	}
	return log
}

// ErrMissing reports a required environment variable that is unset or empty.
var ErrMissing = errors.New("required environment variable is not set")

// Require returns the value of a variable that must be set.
func Require(getenv func(string) string, name string) (string, error) {
	v := getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s: %w", name, ErrMissing)
	}
	return v, nil
}

// ErrorAttr describes an AWS call's failure for the logs. A service error is
// logged by its code only: some services echo request values in messages.
// Other errors (network, context, validation) carry no request data.
func ErrorAttr(err error) slog.Attr {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return slog.String("error_code", apiErr.ErrorCode())
	}
	return slog.String("error", err.Error())
}

// ErrorText is ErrorAttr's description as text, for an error that leaves
// the function.
func ErrorText(err error) string {
	attr := ErrorAttr(err)
	if attr.Key == "error_code" {
		return "AWS error " + attr.Value.String()
	}
	return attr.Value.String()
}
