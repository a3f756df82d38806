// Command processstream is the Lambda function on the questions table's
// stream, OpenTelemetry's build (`instrumentation: opentelemetry`): the
// same handler as ../../processstream, linking the OpenTelemetry SDK
// instead of the X-Ray SDK, so each deployed zip carries one tracing SDK.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/process"
	"github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"
)

func main() {
	cfg, err := lambdaenv.AWSConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "processstream: loading AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h, err := process.New(cfg, os.Getenv, opentelemetry.New)
	if err != nil {
		fmt.Fprintf(os.Stderr, "processstream: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
