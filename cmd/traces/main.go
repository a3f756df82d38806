// Command traces reads the questions service's X-Ray traces from the local
// stack or from AWS: the service map, the trace list, one trace's timeline
// and a triage of what fails.
//
//	go run ./cmd/traces map|list|show TRACE_ID|triage [--local URL | --aws [--region R] [--endpoint-url URL]] [--json]
//
// Flags go before or after the subcommand: traces --aws triage, traces triage --aws.
//
// Run it with no arguments, or with -h, for every flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, defaultEnv())
	stop()
	os.Exit(code)
}
