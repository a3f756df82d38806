package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/mysfits/mysfits-questions/internal/load"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/local/inbox"
	"github.com/mysfits/mysfits-questions/questions"
)

// minAPIRatio is the target: the local API at least 0.85 of raw
// PutItem's throughput.
const minAPIRatio = 0.85

// loadRun is what one run measured.
type loadRun struct {
	throughput    float64 // answers per second over the sending phase
	p50, p99      time.Duration
	lost, answers int
	sending       time.Duration // the sending phase
	// cpu is the CPU time each process used while the questions were
	// sent, the stream mapping's and notifications' work meanwhile
	// included.
	cpu map[string]time.Duration
}

// loadTimeout bounds one API run, its checks included, as `make load`'s
// --timeout does by default.
const loadTimeout = 5 * time.Minute

// selfCPULabel names this process's CPU time: the clients of both runs and
// the whole stack run in it.
const selfCPULabel = "this process (the clients and the whole stack)"

// api is item 4: the local API under `make load`'s own engine
// (internal/load), against raw PutItem from the Go SDK to the same
// DynamoDB Local at the same concurrency, runs alternating.
func (r *runner) api(ctx context.Context) error {
	d, err := r.ensureStack(ctx)
	if err != nil {
		return err
	}
	target := load.Attach(d)
	// The same SDK configuration as the stack's post function uses.
	db := dynamodb.NewFromConfig(devstack.AWSConfig(d.Services.DynamoDBEndpoint))
	table := d.Resources().TableName

	profile := filepath.Join(r.cfg.StateDir, "api-stack.cpu")
	var api, raw []loadRun
	for round := range r.cfg.LoadRounds {
		steps := []string{"api", "raw"}
		if round%2 == 1 {
			steps = []string{"raw", "api"}
		}
		for _, step := range steps {
			// Let the stream mapping finish the previous run's records.
			r.waitQuiet(ctx, 2*time.Second, 90*time.Second)
			switch step {
			case "api":
				stopProfile := func() error { return nil }
				if round == 0 {
					// What the stack spends, from the first API run.
					if stopProfile, err = startCPUProfile(profile); err != nil {
						return err
					}
				}
				run, err := r.loadOnce(ctx, target, d)
				if err := errors.Join(err, stopProfile()); err != nil {
					return err
				}
				api = append(api, run)
			case "raw":
				before, err := cpuNow(d)
				if err != nil {
					return err
				}
				run, err := rawPutItems(ctx, db, table, r.cfg.LoadQuestions, r.cfg.LoadClients)
				if err != nil {
					return err
				}
				after, err := cpuNow(d)
				if err != nil {
					return err
				}
				run.cpu = after.minus(before)
				raw = append(raw, run)
			}
			r.progress("api: round %d %s done", round+1, step)
		}
	}
	tp := func(rs []loadRun) Samples {
		return SamplesOf(rs, func(l loadRun) float64 { return l.throughput })
	}
	lat := func(rs []loadRun, p func(loadRun) time.Duration) Samples {
		return SamplesOf(rs, func(l loadRun) float64 { return p(l).Seconds() })
	}
	perSecond := func(v float64) string { return fmt.Sprintf("%.0f/s", v) }
	// Throughput: the higher the better, so the ratio is of medians and the
	// summary gives the best run (max) as well.
	ratio := Ratio(tp(api).Median(), tp(raw).Median())
	what := fmt.Sprintf("local API throughput: make load's engine (internal/load), %d questions from %d clients, 0%% invalid", r.cfg.LoadQuestions, r.cfg.LoadClients)
	r.add(Row{Item: 4, What: what,
		Measured:  fmt.Sprintf("median %s, best %s (n %d)", perSecond(tp(api).Median()), perSecond(tp(api).Max()), len(api)),
		Reference: fmt.Sprintf("raw PutItem, same table and clients: median %s, best %s (n %d)", perSecond(tp(raw).Median()), perSecond(tp(raw).Max()), len(raw)),
		Ratio:     fmt.Sprintf("%.2f", ratio), Target: fmt.Sprintf("≥ %.2f", minAPIRatio), Result: AtLeast(ratio, minAPIRatio)})
	for _, q := range []struct {
		name string
		p    func(loadRun) time.Duration
	}{{"p50", func(l loadRun) time.Duration { return l.p50 }}, {"p99", func(l loadRun) time.Duration { return l.p99 }}} {
		a, b := lat(api, q.p), lat(raw, q.p)
		r.add(Row{Item: 4, What: "local API latency " + q.name + " (201 answers)", Measured: a.MinMedian(FormatSeconds),
			Reference: "raw PutItem " + b.MinMedian(FormatSeconds), Ratio: FormatRatio(Ratio(a.Median(), b.Median()))})
	}
	r.add(Row{Item: 4, What: "CPU per question while sending (the stream mapping and notifications meanwhile included; median run)",
		Measured: "local API " + describeCPU(api, r.cfg.LoadQuestions), Reference: "raw PutItem " + describeCPU(raw, r.cfg.LoadQuestions),
		Ratio: FormatRatio(Ratio(totalCPU(api, r.cfg.LoadQuestions).Median(), totalCPU(raw, r.cfg.LoadQuestions).Median()))})
	if err := r.stackProfileRow(ctx, profile); err != nil {
		return err
	}
	lost := 0
	for _, l := range api {
		lost += l.lost
	}
	r.note("Local API: the stack at stage 1 (devstack.Up) on DynamoDB Local with its stream and GoAWS; make load's engine (internal/load, in this process) checks every accepted question (stored, notified or dead-lettered) after each run: %d lost in all. Raw PutItem writes the same item shape with the handler's condition expression through the SDK configuration the stack gives the post function.", lost)
	return nil
}

// loadOnce runs make load's engine against the stack. While it runs, the
// CPU time of every process is sampled, so the CPU of its sending phase
// alone (the window the Result gives) can be told from that of its checks
// afterwards.
func (r *runner) loadOnce(ctx context.Context, t *load.Target, d *devstack.Deployment) (loadRun, error) {
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	samples := sampleCPU(d, 100*time.Millisecond)
	res, err := load.Run(ctx, t, load.Options{Questions: r.cfg.LoadQuestions, Clients: r.cfg.LoadClients, InvalidPercent: 0})
	timeline := samples()
	if err != nil {
		return loadRun{}, fmt.Errorf("load run: %w", err)
	}
	run, err := apiRun(res)
	if err != nil {
		return run, err
	}
	run.cpu = timeline.between(res.Started, res.Elapsed)
	return run, nil
}

// apiRun is what the benchmark keeps of a load run. A run that broke the
// promise (a question lost, a refusal stored, a 5xx) fails, as `make load`
// exits non-zero on it: its speed would not be the service's.
func apiRun(res load.Result) (loadRun, error) {
	run := loadRun{
		throughput: res.Throughput,
		p50:        res.Latency2xx.P50,
		p99:        res.Latency2xx.P99,
		lost:       len(res.Audit.Lost),
		answers:    res.Answers,
		sending:    res.Elapsed,
	}
	if problems := res.Problems(); len(problems) > 0 {
		const shown = 5
		return run, fmt.Errorf("load run: %d lost, %d problem(s) in all: %s", run.lost, len(problems), strings.Join(problems[:min(shown, len(problems))], "; "))
	}
	return run, nil
}

// cpuSnapshot is the CPU time used so far by the local services and by
// this process, which runs the stack and the clients.
type cpuSnapshot struct {
	at                    time.Time
	dynamoDB, goaws, self time.Duration
}

// cpuNow reads the snapshot.
func cpuNow(d *devstack.Deployment) (cpuSnapshot, error) {
	s := cpuSnapshot{at: time.Now()}
	var err error
	if s.dynamoDB, err = processCPU(d.Services.Pid(devstack.DynamoDBLocal)); err != nil {
		return s, fmt.Errorf("CPU time of DynamoDB Local: %w", err)
	}
	if s.goaws, err = processCPU(d.Services.Pid(devstack.GoAWS)); err != nil {
		return s, fmt.Errorf("CPU time of GoAWS: %w", err)
	}
	if s.self, err = selfCPU(); err != nil {
		return s, fmt.Errorf("CPU time of the harness: %w", err)
	}
	return s, nil
}

// cpuTimeline are snapshots taken at intervals.
type cpuTimeline []cpuSnapshot

// nearest is the snapshot taken closest to t.
func (tl cpuTimeline) nearest(t time.Time) cpuSnapshot {
	best := cpuSnapshot{}
	for i, s := range tl {
		if i == 0 || absDuration(s.at.Sub(t)) < absDuration(best.at.Sub(t)) {
			best = s
		}
	}
	return best
}

// between is the CPU each process used in the window from start, by the
// snapshots nearest its ends.
func (tl cpuTimeline) between(start time.Time, d time.Duration) map[string]time.Duration {
	return tl.nearest(start.Add(d)).minus(tl.nearest(start))
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// sampleCPU takes a snapshot every interval until the returned function
// is called, which returns them. A snapshot that cannot be read (a
// service has exited) ends the sampling.
func sampleCPU(d *devstack.Deployment, interval time.Duration) func() cpuTimeline {
	var tl cpuTimeline
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s, err := cpuNow(d)
			if err != nil {
				return
			}
			tl = append(tl, s)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() cpuTimeline {
		close(stop)
		<-done
		return tl
	}
}

// minus is the CPU each process used since before.
func (s cpuSnapshot) minus(before cpuSnapshot) map[string]time.Duration {
	return map[string]time.Duration{
		"DynamoDB Local": s.dynamoDB - before.dynamoDB,
		"GoAWS":          s.goaws - before.goaws,
		selfCPULabel:     s.self - before.self,
	}
}

// totalCPU is each run's CPU time per question, in seconds.
func totalCPU(runs []loadRun, questions int) Samples {
	s := make(Samples, len(runs))
	for i, run := range runs {
		var t time.Duration
		for _, d := range run.cpu {
			t += d
		}
		s[i] = t.Seconds() / float64(questions)
	}
	return s
}

// describeCPU is the median run's CPU per question: total, then by process.
func describeCPU(runs []loadRun, questions int) string {
	if len(runs) == 0 {
		return "-"
	}
	totals := totalCPU(runs, questions)
	median := totals.Median()
	best := 0
	for i, t := range totals {
		if math.Abs(t-median) < math.Abs(totals[best]-median) {
			best = i
		}
	}
	run := runs[best]
	names := slices.Sorted(maps.Keys(run.cpu))
	slices.SortStableFunc(names, func(a, b string) int { return int(run.cpu[b] - run.cpu[a]) })
	parts := []string{}
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %s", n, FormatSeconds(run.cpu[n].Seconds()/float64(questions))))
	}
	return fmt.Sprintf("%s: %s", FormatSeconds(totals[best]), strings.Join(parts, ", "))
}

// ItemPutter is the part of the DynamoDB client the raw runs use.
type ItemPutter interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// rawPutItems writes n questions from the given number of concurrent
// clients, each PutItem as the post handler makes it, fed and ranked as
// the load runs are.
func rawPutItems(ctx context.Context, db ItemPutter, table string, n, clients int) (loadRun, error) {
	latencies := make([]time.Duration, n)
	errs := make([]error, clients)
	_, elapsed := load.Feed(ctx, n, clients, func(c, i int) {
		item := map[string]types.AttributeValue{
			questions.AttrQuestionID:   &types.AttributeValueMemberS{Value: uuid.NewString()},
			questions.AttrQuestionText: &types.AttributeValueMemberS{Value: fmt.Sprintf("Raw PutItem benchmark, question %d: what do the mysfits eat for breakfast?", i)},
			questions.AttrUserEmail:    &types.AttributeValueMemberS{Value: fmt.Sprintf("visitor%d@example.com", i)},
		}
		t0 := time.Now()
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           aws.String(table),
			Item:                                item,
			ConditionExpression:                 aws.String("attribute_not_exists(" + questions.AttrQuestionID + ")"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		latencies[i] = time.Since(t0)
		if err != nil && errs[c] == nil {
			errs[c] = fmt.Errorf("raw PutItem %d: %w", i, err)
		}
	})
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return loadRun{}, err
	}
	lat := load.PercentilesOf(latencies)
	return loadRun{
		throughput: float64(n) / elapsed.Seconds(),
		p50:        lat.P50,
		p99:        lat.P99,
		answers:    n,
		sending:    elapsed,
	}, nil
}

// notificationCounter follows the stack's inbox: the harness waits until
// it is quiet, so one run's stream work does not spill into the next.
type notificationCounter struct {
	mu   sync.Mutex
	n    int
	last time.Time
}

func (c *notificationCounter) seen(inbox.Notification) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.last = time.Now()
}

func (c *notificationCounter) quietFor() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last.IsZero() {
		return time.Hour
	}
	return time.Since(c.last)
}

func hostArch() string { return runtime.GOARCH }

// startCPUProfile profiles this process into path until the returned
// function is called.
func startCPUProfile(path string) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// stackParts are parts of the in-process stack, for go tool pprof -focus
// on its CPU profile during an API run. A part's share holds what it
// calls, so the shares overlap (the Lambda invoke holds the handlers).
var stackParts = []struct{ what, focus string }{
	{"Lambda invoke (lambdalocal, handlers included)", `internal/local/lambdalocal\.`},
	{"AWS SDK (all clients)", `aws-sdk-go-v2|smithy-go`},
	{"post handler", `functions/post\.\(\*Handler\)\.Handle`},
	{"process handler", `functions/process\.\(\*Handler\)\.Handle`},
	{"HTTP server side", `net/http\.\(\*conn\)\.serve`},
	{"inbox view", `internal/local/inbox\.`},
	{"garbage collector", `runtime\.gcBgMarkWorker`},
	{"API Gateway stage (apigw)", `internal/local/apigw\.`},
	{"X-Ray daemon and trace console", `internal/local/xraylocal\.|internal/traces\.`},
	{"stream mapping (streampoller)", `internal/local/streampoller\.`},
	// Not the stack: make load's engine runs in this process too, so its
	// clients and checks are in the profile and named apart.
	{"load clients and checks (internal/load, not the stack)", `internal/load\.`},
}

// stackProfileRow says where the stack's CPU went during the first API
// run; the profile stays in the state folder for go tool pprof.
func (r *runner) stackProfileRow(ctx context.Context, profile string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var parts []string
	for _, p := range stackParts {
		share, err := profileShare(ctx, exe, profile, p.focus)
		if err != nil {
			return err
		}
		parts = append(parts, fmt.Sprintf("%s %.0f%%", p.what, share))
	}
	r.add(Row{Item: 4, What: "where this process's CPU goes in an API run (pprof: the stack and make load's engine; a part holds what it calls)",
		Measured: strings.Join(parts, ", "), Reference: "profile: " + profile})
	return nil
}
