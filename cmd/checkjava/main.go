// Command checkjava checks that Java 17 or newer is installed, as DynamoDB
// Local needs, with the same check the local stack makes before starting it
// (dynamodblocal.Java); `make setup` and CI run it through
// scripts/check-java.sh.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mysfits/mysfits-questions/internal/local/dynamodblocal"
)

func main() {
	java, err := dynamodblocal.Java(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("Java %d or newer: ok (%s)\n", dynamodblocal.MinJava, java)
}
