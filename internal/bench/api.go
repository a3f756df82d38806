package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

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

// api is item 4: the local API under `make load`'s own command, against
// raw PutItem from the Go SDK to the same DynamoDB Local at the same
// concurrency, runs alternating.
func (r *runner) api(ctx context.Context) error {
	d, err := r.ensureStack(ctx)
	if err != nil {
		return err
	}
	loadBin := filepath.Join(r.work, "mysfits-load")
	build := exec.CommandContext(ctx, "go", "build", "-o", loadBin, "./cmd/load")
	build.Dir = r.cfg.Root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building cmd/load: %w: %s", err, out)
	}
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
				run, err := r.loadOnce(ctx, loadBin, d)
				if err := errors.Join(err, stopProfile()); err != nil {
					return err
				}
				api = append(api, run)
			case "raw":
				before, err := cpuNow(d, 0)
				if err != nil {
					return err
				}
				run, err := rawPutItems(ctx, db, table, r.cfg.LoadQuestions, r.cfg.LoadClients)
				if err != nil {
					return err
				}
				after, err := cpuNow(d, 0)
				if err != nil {
					return err
				}
				run.cpu = after.minus(before, "this process (the clients and the whole stack)")
				raw = append(raw, run)
			}
			r.progress("api: round %d %s done", round+1, step)
		}
	}
	tp := func(rs []loadRun) Samples {
		return coldLike(rs, func(l loadRun) float64 { return l.throughput })
	}
	lat := func(rs []loadRun, p func(loadRun) time.Duration) Samples {
		return coldLike(rs, func(l loadRun) float64 { return p(l).Seconds() })
	}
	perSecond := func(v float64) string { return fmt.Sprintf("%.0f/s", v) }
	// Throughput: the higher the better, so the ratio is of medians and the
	// summary gives the best run (max) as well.
	ratio := Ratio(tp(api).Median(), tp(raw).Median())
	what := fmt.Sprintf("local API throughput: cmd/load (make load), %d questions from %d clients, 0%% invalid", r.cfg.LoadQuestions, r.cfg.LoadClients)
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
	r.note("Local API: the stack at stage 1 (devstack.Up) on DynamoDB Local with its stream and GoAWS; cmd/load checks every accepted question (stored, notified or dead-lettered) after each run: %d lost in all. Raw PutItem writes the same item shape with the handler's condition expression through the SDK configuration the stack gives the post function.", lost)
	return nil
}

func coldLike(rs []loadRun, value func(loadRun) float64) Samples {
	s := make(Samples, len(rs))
	for i, l := range rs {
		s[i] = value(l)
	}
	return s
}

// loadOnce runs cmd/load against the running stack and reads its table.
// While it runs, the CPU time of every process is sampled, so the CPU of
// its sending phase alone (from its first line, for the elapsed time its
// table gives) can be told from that of its checks afterwards.
func (r *runner) loadOnce(ctx context.Context, bin string, d *devstack.Deployment) (loadRun, error) {
	cmd := exec.CommandContext(ctx, bin,
		"-n", strconv.Itoa(r.cfg.LoadQuestions), "-c", strconv.Itoa(r.cfg.LoadClients), "--invalid-percent", "0",
		"--timeout", "5m",
		"--endpoint", d.Endpoint(),
		"--dynamodb-endpoint", d.Services.DynamoDBEndpoint,
		"--sns-endpoint", d.Services.GoAWSEndpoint,
		"--name-prefix", devstack.DefaultNamePrefix)
	cmd.Dir = r.cfg.Root
	var out bytes.Buffer
	lines := &lineClock{w: &out, prefix: []byte("load:")}
	cmd.Stdout, cmd.Stderr = lines, lines // one writer: exec copies both through one pipe
	if err := cmd.Start(); err != nil {
		return loadRun{}, fmt.Errorf("cmd/load: %w", err)
	}
	samples := sampleCPU(d, cmd.Process.Pid, 100*time.Millisecond)
	err := cmd.Wait()
	timeline := samples()
	if err != nil {
		return loadRun{}, fmt.Errorf("cmd/load: %w: %s", err, tail(out.Bytes(), 3000))
	}
	run, err := parseLoad(out.Bytes())
	if err != nil {
		return run, err
	}
	start, ok := lines.at()
	if !ok {
		return run, fmt.Errorf("cmd/load printed no first line: %s", tail(out.Bytes(), 500))
	}
	first, last := timeline.nearest(start), timeline.nearest(start.Add(run.sending))
	run.cpu = last.minus(first, "stack (this process)")
	run.cpu["cmd/load (the clients)"] = last.client - first.client
	return run, nil
}

// lineClock passes output on and notes when a line starting with prefix
// was first written.
type lineClock struct {
	w      io.Writer
	prefix []byte
	mu     sync.Mutex
	seen   time.Time
	start  bool // at the start of a line
	began  bool
}

func (l *lineClock) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.seen.IsZero() && (!l.began || l.start) && bytes.HasPrefix(p, l.prefix) {
		l.seen = time.Now()
	}
	l.began = true
	l.start = len(p) > 0 && p[len(p)-1] == '\n'
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lineClock) at() (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen, !l.seen.IsZero()
}

// cpuSnapshot is the CPU time used so far by the local services, by this
// process, which runs the stack (and the raw clients), and by cmd/load.
type cpuSnapshot struct {
	at                            time.Time
	dynamoDB, goaws, self, client time.Duration
}

// cpuNow reads the snapshot; client is cmd/load's pid, 0 for none.
func cpuNow(d *devstack.Deployment, client int) (cpuSnapshot, error) {
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
	if client > 0 {
		if s.client, err = processCPU(client); err != nil {
			return s, fmt.Errorf("CPU time of cmd/load: %w", err)
		}
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

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// sampleCPU takes a snapshot every interval until the returned function
// is called, which returns them. A snapshot that cannot be read (cmd/load
// has exited) ends the sampling.
func sampleCPU(d *devstack.Deployment, client int, interval time.Duration) func() cpuTimeline {
	var tl cpuTimeline
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s, err := cpuNow(d, client)
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

// minus is the CPU each process used since before; self names this
// process's share.
func (s cpuSnapshot) minus(before cpuSnapshot, self string) map[string]time.Duration {
	return map[string]time.Duration{
		"DynamoDB Local": s.dynamoDB - before.dynamoDB,
		"GoAWS":          s.goaws - before.goaws,
		self:             s.self - before.self,
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

var (
	loadThroughput = regexp.MustCompile(`(?m)^\s+throughput\s+([0-9.]+) req/s\s+\((\d+) answers in (\S+)\)`)
	loadLatency    = regexp.MustCompile(`(?m)^\s+latency, 2xx\s+p50 (\S+)\s+p90 \S+\s+p99 (\S+)`)
	loadLost       = regexp.MustCompile(`(?m)^\s+LOST\s+(\d+)`)
)

// parseLoad reads the table cmd/load prints.
func parseLoad(out []byte) (loadRun, error) {
	var run loadRun
	m := loadThroughput.FindSubmatch(out)
	l := loadLatency.FindSubmatch(out)
	lost := loadLost.FindSubmatch(out)
	if m == nil || l == nil || lost == nil {
		return run, fmt.Errorf("cmd/load printed no throughput, latency or LOST row: %s", tail(out, 2000))
	}
	var err error
	if run.throughput, err = strconv.ParseFloat(string(m[1]), 64); err != nil {
		return run, err
	}
	if run.answers, err = strconv.Atoi(string(m[2])); err != nil {
		return run, err
	}
	if run.sending, err = time.ParseDuration(string(m[3])); err != nil {
		return run, err
	}
	if run.p50, err = time.ParseDuration(string(l[1])); err != nil {
		return run, err
	}
	if run.p99, err = time.ParseDuration(string(l[2])); err != nil {
		return run, err
	}
	if run.lost, err = strconv.Atoi(string(lost[1])); err != nil {
		return run, err
	}
	return run, nil
}

// ItemPutter is the part of the DynamoDB client the raw runs use.
type ItemPutter interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// rawPutItems writes n questions from the given number of concurrent
// clients, each PutItem as the post handler makes it.
func rawPutItems(ctx context.Context, db ItemPutter, table string, n, clients int) (loadRun, error) {
	next := make(chan int)
	latencies := make([]time.Duration, n)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for i := range next {
				id := uuid.NewString()
				item := map[string]types.AttributeValue{
					questions.AttrQuestionID:   &types.AttributeValueMemberS{Value: id},
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
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return loadRun{}, err
	}
	lat := Durations(latencies)
	return loadRun{
		throughput: float64(n) / elapsed.Seconds(),
		p50:        time.Duration(lat.Quantile(0.50) * float64(time.Second)),
		p99:        time.Duration(lat.Quantile(0.99) * float64(time.Second)),
		answers:    n,
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
	{"post handler", `functions/handlers\.\(\*Post\)\.Handle`},
	{"process handler", `functions/handlers\.\(\*Notify\)\.Handle`},
	{"HTTP server side", `net/http\.\(\*conn\)\.serve`},
	{"inbox view", `internal/local/inbox\.`},
	{"garbage collector", `runtime\.gcBgMarkWorker`},
	{"API Gateway stage (apigw)", `internal/local/apigw\.`},
	{"X-Ray daemon and trace console", `internal/local/xraylocal\.|internal/traces\.`},
	{"stream mapping (streampoller)", `internal/local/streampoller\.`},
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
	r.add(Row{Item: 4, What: "where the stack's own CPU goes in an API run (pprof of this process; a part holds what it calls)",
		Measured: strings.Join(parts, ", "), Reference: "profile: " + profile})
	return nil
}
