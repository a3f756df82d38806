// Command postquestion is the Lambda function behind POST /questions, the
// X-Ray SDK's build (the default; ../otel/postquestion is OpenTelemetry's).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/post"
	"github.com/mysfits/mysfits-questions/functions/tracing/xraysdk"
)

func main() {
	cfg, err := lambdaenv.AWSConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postquestion: loading AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h, err := post.New(cfg, os.Getenv, xraysdk.New)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postquestion: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
