// Command postquestion is the Lambda function behind POST /questions,
// OpenTelemetry's build (`instrumentation: opentelemetry`): the same
// handler as ../../postquestion, linking the OpenTelemetry SDK instead of
// the X-Ray SDK, so each deployed zip carries one tracing SDK.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/post"
	"github.com/mysfits/mysfits-questions/functions/tracing/opentelemetry"
)

func main() {
	cfg, err := lambdaenv.AWSConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postquestion: loading AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h, err := post.New(cfg, os.Getenv, opentelemetry.New)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postquestion: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
