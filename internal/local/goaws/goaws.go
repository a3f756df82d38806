// Package goaws launches GoAWS (github.com/Admiral-Piett/goaws), the SNS
// and SQS emulator the local stack uses, and talks SQS to it.
//
// Quirks of v0.4.4 this package works around:
//   - without -config it walks the whole working tree looking for a
//     goaws.yaml; the runner always writes and passes its own;
//   - it logs every message body at info level (bodies hold e-mail
//     addresses): only warnings and errors reach the log file;
//   - it speaks only the query protocol; aws-sdk-go-v2's SQS client uses
//     the JSON protocol, so SQS calls go through the small Client here
//     (SNS, still on the query protocol, works with the SDK's client);
//   - queue URLs it returns carry the region as a host prefix
//     (http://us-east-1.127.0.0.1:4100/...), which does not resolve: calls
//     go to the endpoint and name the queue by its URL's last segment, which
//     is all GoAWS reads;
//   - it listens on all interfaces, not only loopback;
//   - topics, queues and messages live in memory only.
package goaws

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mysfits/mysfits-questions/internal/local/proc"
)

// Package is the Go tool declared in go.mod (`tool` directive).
const Package = "github.com/Admiral-Piett/goaws/app/cmd"

// Binary builds GoAWS from the module cache if needed and returns its path,
// without running it: `go tool -n` prints the command it would run.
func Binary(ctx context.Context, moduleRoot string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("GoAWS is built with the go command, which is not on PATH: %w", err)
	}
	cmd := exec.CommandContext(ctx, goCmd, "tool", "-n", Package)
	cmd.Dir = moduleRoot
	out, err := cmd.Output()
	if err != nil {
		detail := err.Error()
		if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
			detail = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("GoAWS is not available (go tool -n %s: %s): run `make setup`", Package, detail)
	}
	bin := strings.TrimSpace(string(out))
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		return "", fmt.Errorf("GoAWS binary %q not found after go tool -n: run `make setup`", bin)
	}
	return bin, nil
}

// Config is one GoAWS.
type Config struct {
	Binary     string
	Port       int
	Region     string
	AccountID  string
	ConfigPath string // written by Spec's caller with WriteConfig
	LogPath    string
}

// WriteConfig writes the YAML GoAWS reads: one environment "Local" with the
// port, region and account. Topics and queues are created through the API,
// the same way for every run.
func WriteConfig(c Config) error {
	yaml := fmt.Sprintf(`Local:
  Host: 127.0.0.1
  Port: %d
  Region: %s
  AccountId: "%s"
  LogToFile: false
  EnableDuplicates: false
  QueueAttributeDefaults:
    VisibilityTimeout: 30
    ReceiveMessageWaitTimeSeconds: 0
    MaximumMessageSize: 262144
`, c.Port, c.Region, c.AccountID)
	if err := os.MkdirAll(filepath.Dir(c.ConfigPath), 0o755); err != nil {
		return fmt.Errorf("GoAWS configuration folder: %w", err)
	}
	if err := os.WriteFile(c.ConfigPath, []byte(yaml), 0o644); err != nil {
		return fmt.Errorf("writing the GoAWS configuration: %w", err)
	}
	return nil
}

// Spec is the child process.
func Spec(c Config) proc.Spec {
	return proc.Spec{
		Name:    "GoAWS",
		Path:    c.Binary,
		Args:    []string{"-config", c.ConfigPath, "Local"},
		Dir:     filepath.Dir(c.ConfigPath),
		LogPath: c.LogPath,
		Stdout:  proc.LevelFilter("warning", "error", "fatal", "panic"),
		Ready:   proc.HTTPReady(Endpoint(c.Port) + "/health"),
	}
}

// Endpoint is the URL clients use, for SNS and SQS alike.
func Endpoint(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }
