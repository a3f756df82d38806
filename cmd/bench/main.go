// Command bench is `make bench`: it measures the functions against the
// seed's Python init and a bare aws-lambda-go bootstrap, the handlers per
// tracing stage, the local API against raw PutItem, the deploy loop and the
// test loop, each next to its reference in the same run, and prints one
// table (Markdown, as docs/benchmarks.md records it). The work is in
// internal/bench.
//
//	make bench
//	make bench ARGS='-only cold,size'
//	go run ./cmd/bench -h
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mysfits/mysfits-questions/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, out, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	rep, runErr := bench.Run(ctx, c)
	if rep == nil {
		return runErr
	}
	rep.Print(stdout)
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return errors.Join(runErr, err)
		}
		rep.Print(f)
		if err := f.Close(); err != nil {
			return errors.Join(runErr, err)
		}
	}
	return runErr
}

func parse(args []string, stderr io.Writer) (bench.Config, string, error) {
	var c bench.Config
	var only, skip, out string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&only, "only", "", "comma-separated sections to run (default all): "+strings.Join(bench.AllSections, ","))
	fs.StringVar(&skip, "skip", "", "comma-separated sections to leave out")
	fs.StringVar(&out, "o", "", "also write the table to this file")
	fs.StringVar(&c.StateDir, "state-dir", ".local/bench", "logs and builds")
	fs.StringVar(&c.Python, "python", "/usr/bin/python3", "Python with Debian's python3-boto3 and python3-aws-xray-sdk, for the seed's init")
	fs.IntVar(&c.ColdRounds, "cold-rounds", 15, "starts of each bootstrap")
	fs.IntVar(&c.BenchRounds, "bench-rounds", 6, "alternating runs of each stage-1/stage-2 benchmark")
	fs.IntVar(&c.LoadRounds, "load-rounds", 3, "alternating runs of the local API and of raw PutItem")
	fs.IntVar(&c.LoadQuestions, "n", 2000, "questions per load run")
	fs.IntVar(&c.LoadClients, "c", 16, "concurrent clients of the load runs")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: make bench [ARGS='flags']   (or: go run ./cmd/bench [flags])")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, "", err
	}
	if fs.NArg() > 0 {
		return c, "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	sections := bench.AllSections
	if only != "" {
		sections = strings.Split(only, ",")
	}
	for _, s := range strings.Split(skip, ",") {
		if s == "" {
			continue
		}
		var kept []string
		for _, k := range sections {
			if k != s {
				kept = append(kept, k)
			}
		}
		sections = kept
	}
	c.Sections = sections
	if len(c.Sections) == 0 {
		return c, "", errors.New("-only and -skip leave no section to run")
	}
	c.Progress = stderr
	return c, out, nil
}
