// Command processstream is the Lambda function on the questions table's
// stream: it notifies the administrator of every new question. This is the
// X-Ray SDK's build (the default; ../otel/processstream is OpenTelemetry's).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/process"
	"github.com/mysfits/mysfits-questions/functions/tracing/xraysdk"
)

func main() {
	cfg, err := lambdaenv.AWSConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "processstream: loading AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h, err := process.New(cfg, os.Getenv, xraysdk.New)
	if err != nil {
		fmt.Fprintf(os.Stderr, "processstream: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
