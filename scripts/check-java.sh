#!/bin/sh
# Checks that Java 17 or newer is installed: DynamoDB Local (the official AWS
# jar the local stack runs) needs it. The check itself is the local stack's
# own (cmd/checkjava), so there is one rule; it prints how to install Java
# when it fails.
set -eu
cd "$(dirname "$0")/.."
exec go run ./cmd/checkjava
