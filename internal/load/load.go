// Package load is the bounded load test of the questions service on this
// machine, as a library: concurrent clients post questions with unique
// texts over loopback, then every answer is checked question by question:
// each accepted question is in the table as sent and reached the
// administrator's inbox or the failure store, each rejected one got a JSON
// error and is stored nowhere.
//
// Run returns the figures and the findings as a Result; cmd/load (`make
// load`) prints it and the benchmark (internal/bench) reads it, so neither
// depends on the other's text.
package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/mysfits/mysfits-questions/internal/testkit/audit"
)

// Bounds that keep a run on a laptop.
const (
	MaxQuestions = 100_000
	MaxClients   = 256
)

// Options is the load of one run.
type Options struct {
	Questions int // questions to send, 1 to MaxQuestions
	Clients   int // concurrent clients, 1 to MaxClients
	// InvalidPercent is the share of requests made invalid on purpose (bad
	// e-mail, over-long text, truncated JSON, wrong content type), 0-100.
	InvalidPercent int
}

// Names are what a caller calls each setting (cmd/load: its flags), so an
// error names the setting as the user typed it.
type Names struct {
	Questions, Clients, InvalidPercent string
	Endpoint, DynamoDB, SNS, Stage     string
}

// fieldNames name the settings for a caller that sets the fields itself
// and leaves the checking to Connect and Run.
func fieldNames() Names {
	return Names{
		Questions: "Questions", Clients: "Clients", InvalidPercent: "InvalidPercent",
		Endpoint: "Stack.Endpoint", DynamoDB: "Stack.DynamoDB", SNS: "Stack.SNS", Stage: "Stack.Stage",
	}
}

// Validate checks the options, each error naming the setting as names say.
func (o Options) Validate(names Names) error {
	var errs []error
	if o.Questions < 1 || o.Questions > MaxQuestions {
		errs = append(errs, fmt.Errorf("%s %d: must be 1 to %d", names.Questions, o.Questions, MaxQuestions))
	}
	if o.Clients < 1 || o.Clients > MaxClients {
		errs = append(errs, fmt.Errorf("%s %d: must be 1 to %d", names.Clients, o.Clients, MaxClients))
	}
	if o.InvalidPercent < 0 || o.InvalidPercent > 100 {
		errs = append(errs, fmt.Errorf("%s %d: must be 0 to 100", names.InvalidPercent, o.InvalidPercent))
	}
	return errors.Join(errs...)
}

// Result is one run, sent and checked.
type Result struct {
	// Started is when the first question went out; Elapsed the sending
	// phase, to the last answer (the checks afterwards not included).
	Started time.Time
	Elapsed time.Duration

	SentValid, SentInvalid int // requests sent, by what they were made to be
	NotSent                int // not sent: the time limit came first
	Answers                int // requests that got an HTTP answer
	// Throughput is answers per second over the sending phase.
	Throughput float64
	// Latency2xx is the latency of the accepted questions, LatencyAll of
	// every answer; NotifyDelay from a 2xx answer to its notification.
	Latency2xx, LatencyAll, NotifyDelay Percentiles

	// Audit is the question-by-question accounting: answers by status,
	// stored, notified, dead-lettered, lost, duplicates.
	Audit audit.Report

	InvalidAccepted []string // invalid on purpose, yet not answered 4xx
	ValidRefused    []string // a valid question answered 4xx
	Unclear         []string // answers that are not the JSON the API promises
	Unobserved      []string // what the observer could not read
	StackFailed     error    // a part of a started stack that stopped
}

// Problems is everything that breaks the promise or leaves it unproven;
// none is a run that kept it.
func (r Result) Problems() []string {
	p := r.Audit.Problems()
	if r.NotSent > 0 {
		p = append(p, fmt.Sprintf("%d question(s) not sent: the time limit (--timeout) was reached", r.NotSent))
	}
	p = append(p, r.InvalidAccepted...)
	p = append(p, r.ValidRefused...)
	p = append(p, r.Unclear...)
	p = append(p, r.Unobserved...)
	if r.StackFailed != nil {
		p = append(p, "the local stack failed: "+r.StackFailed.Error())
	}
	return p
}

// Percentiles of a set of durations, by nearest rank; all zero when N is 0.
type Percentiles struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// PercentilesOf ranks ds (left as they are).
func PercentilesOf(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return Percentiles{N: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: s[len(s)-1]}
}

// Run sends o.Questions questions to t from o.Clients clients, then checks
// every one. The error is a run that could not be made or checked; a
// promise broken is in the Result's Problems.
func Run(ctx context.Context, t *Target, o Options) (Result, error) {
	if err := o.Validate(fieldNames()); err != nil {
		return Result{}, err
	}
	// The run's id makes its texts unique against every earlier run's
	// questions still in the table, and names its observer queue after
	// the stack's API (whose name is the stack's resource prefix).
	id := make([]byte, 4)
	_, _ = rand.Read(id) // never fails (crypto/rand)
	runID := hex.EncodeToString(id)
	obs, err := observe(ctx, t, t.names.API+"-load-"+runID)
	if err != nil {
		return Result{}, err
	}
	defer obs.close()
	sent := send(ctx, t.Endpoint, plan(runID, o.Questions, o.InvalidPercent), o.Clients)
	return verify(ctx, t, obs, sent)
}
