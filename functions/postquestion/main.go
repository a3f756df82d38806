// Command postquestion is the Lambda function behind POST /questions.
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
		fmt.Fprintf(os.Stderr, "postquestion: loading AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h, err := handlers.NewPost(cfg, os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postquestion: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
