// Command postquestion is the Lambda function behind POST /questions.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/submit"
)

func main() {
	cfg, err := lambdaenv.AWSConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postquestion: loading AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h, err := submit.New(cfg, os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postquestion: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
