// Command loopback is GoAWS v0.4.4 (github.com/Admiral-Piett/goaws): its
// own configuration loading, router and handlers, served on the Host and
// Port of its configuration. GoAWS's own main listens on "0.0.0.0:"+Port
// whatever Host says, which exposes the local stack's topic and queues to
// the network; the local stack runs this instead (internal/local/goaws).
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/conf"
	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/router"
	log "github.com/sirupsen/logrus"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.Error(err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("goaws", flag.ContinueOnError)
	config := fs.String("config", "", "the GoAWS configuration file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// As GoAWS's own main: JSON lines on stdout at info level, which the
	// runner filters (message bodies are logged at info).
	log.SetFormatter(&log.JSONFormatter{})
	log.SetOutput(os.Stdout)
	log.SetLevel(log.InfoLevel)
	if *config == "" {
		// Without it GoAWS walks the whole working tree for a goaws.yaml.
		return errors.New("-config is required")
	}
	env := "Local"
	if fs.NArg() > 0 {
		env = fs.Arg(0)
	}

	// Loads the topics, queues and subscriptions the file lists before
	// anything listens: a restarted GoAWS answers with them in place.
	ports := conf.LoadYamlConfig(*config, env)
	host := app.CurrentEnvironment.Host
	if host == "" {
		return fmt.Errorf("configuration %s (environment %s) not loaded", *config, env)
	}
	if len(ports) != 1 {
		return fmt.Errorf("configuration %s: set one Port (SQS and SNS on one listener), not %v", *config, ports)
	}
	addr := net.JoinHostPort(host, ports[0])
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	log.Warnf("GoAws listening on: %s", l.Addr())

	go gosqs.PeriodicTasks(time.Second, make(chan struct{}))
	srv := &http.Server{Handler: router.New(), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(l)
}
