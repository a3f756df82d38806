// Command processstream is the Lambda function on the questions table's
// stream: it notifies the administrator of every new question.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mysfits/mysfits-questions/functions/handlers"
)

func main() {
	cfg, err := handlers.LambdaConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "processstream: loading AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h, err := handlers.NewNotify(cfg, os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "processstream: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
