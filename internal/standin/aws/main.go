// Command aws is a stand-in for the AWS provider plugin, pulumi-resource-aws
// 6.83.4, for the engine tests: machines without AWS install it as resource
// plugin "aws" 6.83.4 in PULUMI_HOME, and the real Pulumi engine runs it in
// place of the bridged provider.
//
// It stands in for AWS only. The engine, the state, config, diffs, stack
// references and the project's own provider plugin are all real; this
// plugin answers at the process boundary as the bridged provider does, for
// every aws:* type the project registers and for getRegion: Check
// auto-names (and keeps a generated name on update), Diff compares old and
// new inputs property by property with pulumi-aws's replace-on-change
// rules, Create and Update fill in the ids, ARNs, URLs and other outputs
// AWS computes (internal/awsfake, shared with the unit tests' mocks), and
// are unknown during a preview. Read reports no drift; Delete succeeds.
//
// It does NOT check what only AWS can: the validity of IAM policies and
// whether a principal is allowed anything, service quotas and limits, the
// API-level validation of values (name lengths and characters, ARNs,
// schedule and filter expressions, retention periods), eventual
// consistency, the confirmation of e-mail subscriptions (they stay pending
// forever), and it runs no code (the Lambda functions' archives are only
// compared by hash). It keeps no store either: a Read of a resource the
// state does not describe, as an import does, finds nothing more.
//
// Build it with
//
//	go build -o pulumi-resource-aws ./internal/standin/aws
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := newProvider().Run(context.Background(), pluginName, pluginVersion); err != nil {
		fmt.Fprintf(os.Stderr, "stand-in %s provider: %v\n", pluginName, err)
		os.Exit(1)
	}
}
