// Command floor is the benchmarks' floor: an aws-lambda-go bootstrap that
// does nothing, built with the deploy's flags. What the functions take
// beyond it (start-up, memory, bytes) is what their own code and the SDKs
// cost.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (struct{}, error) { return struct{}{}, nil })
}
