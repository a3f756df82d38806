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
//   - its own main listens on every interface ("0.0.0.0:"+Port) whatever
//     its configuration's Host says, so anyone on the network could read
//     the inbox: the stack runs Command (./loopback) instead, GoAWS's own
//     configuration loading, router and handlers served on Host only;
//   - topics, queues and messages live in memory only: after a restart it
//     has the topics, queues and subscriptions its configuration lists
//     (Resources), which it creates before it listens; messages are gone.
package goaws

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/ghodss/yaml"

	"github.com/mysfits/mysfits-questions/internal/local/proc"
)

// Command is GoAWS served on its configuration's Host (see ./loopback),
// built from the module cache with the go command.
const Command = "github.com/mysfits/mysfits-questions/internal/local/goaws/loopback"

// Binary builds Command into binDir (a copy out of Go's build cache when
// nothing changed) and returns its path. The build goes to a new file
// renamed over the old one: go build would write into the existing file,
// which fails ("text file busy") while another local stack (a test package
// running in parallel) runs it.
func Binary(ctx context.Context, moduleRoot, binDir string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("GoAWS is built with the go command, which is not on PATH: %w", err)
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", fmt.Errorf("GoAWS binary folder: %w", err)
	}
	tmp, err := os.MkdirTemp(binDir, "goaws-build-")
	if err != nil {
		return "", fmt.Errorf("GoAWS binary folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	built := filepath.Join(tmp, "goaws")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", built, Command)
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building GoAWS (go build %s: %w: %s): run `make setup`", Command, err, strings.TrimSpace(string(out)))
	}
	bin := filepath.Join(binDir, "goaws")
	if err := os.Rename(built, bin); err != nil {
		return "", fmt.Errorf("installing GoAWS: %w", err)
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
	// Resources are created at start, before GoAWS listens.
	Resources Resources
}

// Resources are topics and queues, by name.
type Resources struct {
	Queues []string
	Topics []Topic
}

// Topic is a topic and its SQS subscriptions.
type Topic struct {
	Name          string
	Subscriptions []Subscription
}

// Subscription delivers a topic's messages to a queue: with Raw off, the
// SNS envelope (with the subject), what an e-mail subscriber sees.
type Subscription struct {
	Queue string
	Raw   bool
}

// Add returns r with what more holds and r does not: queues and topics by
// name, subscriptions by queue, as GoAWS itself treats them as the same.
func (r Resources) Add(more Resources) Resources {
	out := Resources{Queues: slices.Clone(r.Queues), Topics: slices.Clone(r.Topics)}
	for _, q := range more.Queues {
		if !slices.Contains(out.Queues, q) {
			out.Queues = append(out.Queues, q)
		}
	}
	for _, t := range more.Topics {
		i := slices.IndexFunc(out.Topics, func(o Topic) bool { return o.Name == t.Name })
		if i < 0 {
			out.Topics = append(out.Topics, Topic{Name: t.Name})
			i = len(out.Topics) - 1
		}
		subs := slices.Clone(out.Topics[i].Subscriptions)
		for _, s := range t.Subscriptions {
			if !slices.ContainsFunc(subs, func(o Subscription) bool { return o.Queue == s.Queue }) {
				subs = append(subs, s)
			}
		}
		out.Topics[i].Subscriptions = subs
	}
	return out
}

// WriteConfig writes the configuration GoAWS reads, in its own schema
// (app.Environment) and YAML library: one environment "Local" with Host
// (proc.Loopback, where Command listens), the port, region and account,
// and the resources. The file is replaced whole, so a GoAWS starting while
// it is rewritten reads the old or the new one.
func WriteConfig(c Config) error {
	env := app.Environment{
		Host: proc.Loopback, Port: strconv.Itoa(c.Port), Region: c.Region, AccountID: c.AccountID,
		QueueAttributeDefaults: app.EnvQueueAttributes{VisibilityTimeout: 30, MaximumMessageSize: 262144},
	}
	for _, q := range c.Resources.Queues {
		env.Queues = append(env.Queues, app.EnvQueue{Name: q})
	}
	for _, t := range c.Resources.Topics {
		et := app.EnvTopic{Name: t.Name}
		for _, s := range t.Subscriptions {
			et.Subscriptions = append(et.Subscriptions, app.EnvSubsciption{QueueName: s.Queue, Raw: s.Raw})
		}
		env.Topics = append(env.Topics, et)
	}
	b, err := yaml.Marshal(map[string]app.Environment{Environment: env})
	if err != nil {
		return fmt.Errorf("GoAWS configuration: %w", err)
	}
	dir := filepath.Dir(c.ConfigPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("GoAWS configuration folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".goaws-*.yaml")
	if err != nil {
		return fmt.Errorf("writing the GoAWS configuration: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("writing the GoAWS configuration: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing the GoAWS configuration: %w", err)
	}
	if err := os.Rename(f.Name(), c.ConfigPath); err != nil {
		return fmt.Errorf("writing the GoAWS configuration: %w", err)
	}
	return nil
}

// Environment is the configuration's environment the stack runs.
const Environment = "Local"

// Spec is the child process.
func Spec(c Config) proc.Spec {
	return proc.Spec{
		Name:    "GoAWS",
		Path:    c.Binary,
		Args:    []string{"-config", c.ConfigPath, Environment},
		Dir:     filepath.Dir(c.ConfigPath),
		LogPath: c.LogPath,
		Stdout:  proc.LevelFilter("warning", "error", "fatal", "panic"),
		Ready:   proc.HTTPReady(Endpoint(c.Port) + "/health"),
	}
}

// Endpoint is the URL clients use, for SNS and SQS alike.
func Endpoint(port int) string { return proc.Endpoint(port) }
