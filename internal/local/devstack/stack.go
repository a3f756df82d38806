package devstack

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/uuid"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/notify"
	"github.com/mysfits/mysfits-questions/functions/submit"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/internal/local/apigw"
	"github.com/mysfits/mysfits-questions/internal/local/goaws"
	"github.com/mysfits/mysfits-questions/internal/local/inbox"
	"github.com/mysfits/mysfits-questions/internal/local/lambdalocal"
	"github.com/mysfits/mysfits-questions/internal/local/provision"
	"github.com/mysfits/mysfits-questions/internal/local/streampoller"
	"github.com/mysfits/mysfits-questions/internal/local/xraylocal"
	"github.com/mysfits/mysfits-questions/internal/traces"
)

// Config is one local deployment of the service.
type Config struct {
	// Tracing is what `pulumi config set stage/faultPercent/faultDelay` sets.
	Tracing       contract.Tracing
	AllowedOrigin string // "" = "*"
	NamePrefix    string // resource names; "" = DefaultNamePrefix

	HTTPAddr string // the API and the page; "127.0.0.1:0" picks a port
	XRayAddr string // the X-Ray daemon's UDP address

	DynamoDBEndpoint string
	GoAWSEndpoint    string

	WebDir string // served at /; "" serves no page
	// TraceLimit is how many traces the trace console keeps (the newest);
	// 0 = traces.DefaultStoreLimit.
	TraceLimit int
	// CheckpointFile keeps the stream position across restarts; "" = memory.
	CheckpointFile string
	// FailureDir is the failure store, the stand-in for the S3 bucket the
	// mapping sends a batch it gives up on: one file per batch, the same
	// record under the same key as on S3. Required; Up puts it in the
	// state folder (FailureDir), so it outlives the stream and the stack.
	FailureDir string
	// StreamRetry spaces the event source mapping's retries (of a failing
	// batch, of stream reads during an outage); zero = the poller's default.
	StreamRetry streampoller.Backoff

	// Out is the console: one line per finished trace, each notification
	// reaching the inbox, each batch put in the failure store.
	Out io.Writer
	// Log receives the stack's own diagnostics; FunctionLog what the
	// handlers log (CloudWatch Logs on AWS).
	Log         *slog.Logger
	FunctionLog io.Writer

	// Hooks let tests observe what the console shows.
	OnTrace         func(traces.TraceDocs, traces.TraceSummary)
	OnNotification  func(inbox.Notification)
	OnFailureStored func(key string, rec streampoller.OnFailureRecord)
}

// Stack is a running local deployment.
type Stack struct {
	cfg       Config
	names     provision.Names
	resources provision.Resources
	endpoint  string
	xrayAddr  string
	// otlpEndpoint is the daemon's OTLP/HTTP traces URL, for functions
	// instrumented with OpenTelemetry.
	otlpEndpoint string

	tracer *xraylocal.Emitter
	traces *traces.Store

	ddbCfg, goawsCfg aws.Config
	// live is what the functions and the API stage run now. Apply swaps in
	// a whole new one; a request keeps the one it arrived on to its end.
	live    atomic.Pointer[generation]
	applyMu sync.Mutex // one Apply at a time: each compares with the one before

	outMu  sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
	server *http.Server
	errs   chan error
}

// configNames name the tracing settings in errors about a Config.
var configNames = contract.TracingNames{Stage: "Tracing.Stage", FaultPercent: "Tracing.Faults.Percent", FaultDelay: "Tracing.Faults.Delay",
	Instrumentation: "Tracing.Instrumentation"}

// withDefaults checks cfg and fills in what is unset.
func (cfg Config) withDefaults() (Config, error) {
	if err := cfg.Tracing.Validate(configNames); err != nil {
		return cfg, err
	}
	cfg.AllowedOrigin = cmp.Or(cfg.AllowedOrigin, contract.AnyOrigin)
	if err := contract.CheckOrigin(cfg.AllowedOrigin); err != nil {
		return cfg, fmt.Errorf("AllowedOrigin: %w", err)
	}
	if cfg.FailureDir == "" {
		return cfg, errors.New("FailureDir: required (the failure store's folder; Up puts it in the state folder)")
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.FunctionLog == nil {
		cfg.FunctionLog = io.Discard
	}
	return cfg, nil
}

// DefaultNamePrefix starts every local resource name.
const DefaultNamePrefix = "mysfits-questions"

// Names are the names of the stack's resources and functions.
func (cfg Config) Names() provision.Names {
	return provision.NamesFor(cmp.Or(cfg.NamePrefix, DefaultNamePrefix))
}

// Functions are the environment and timeout of the post and process
// functions on res: the component's, from the same contract functions.
func (cfg Config) Functions(res provision.Resources) (post, process contract.Function[string]) {
	settings := contract.Settings{Tracing: cfg.Tracing, AllowedOrigin: cmp.Or(cfg.AllowedOrigin, contract.AnyOrigin)}
	identity := func(s string) string { return s }
	return contract.PostFunction(settings, res.TableName, identity), contract.ProcessFunction(settings, res.TopicARN, identity)
}

// Start creates the resources and starts the in-process parts. It returns
// once the API is listening.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// The trace history is kept beside the failure store, in the state
	// folder Up puts that in, so a restart on the same folder brings back
	// every stage's traces (traces.OpenStore).
	s := &Stack{cfg: cfg, names: cfg.Names(), errs: make(chan error, 4), traces: traces.OpenStore(traces.StoreOptions{
		Limit: cfg.TraceLimit, Dir: filepath.Join(filepath.Dir(cfg.FailureDir), "traces"), Log: cfg.Log})}

	ddbCfg := AWSConfig(cfg.DynamoDBEndpoint)
	goawsCfg := AWSConfig(cfg.GoAWSEndpoint)
	s.ddbCfg, s.goawsCfg = ddbCfg, goawsCfg
	queues := &goaws.Client{Endpoint: cfg.GoAWSEndpoint}
	res, err := provision.Create(ctx, dynamodb.NewFromConfig(ddbCfg), sns.NewFromConfig(goawsCfg), queues, s.names)
	if err != nil {
		return nil, fmt.Errorf("creating the resources: %w", err)
	}
	s.resources = res

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	ok := false
	defer func() {
		if !ok {
			_ = s.Close()
		}
	}()

	// X-Ray: the daemon first, so no segment of the first request is lost.
	// Its OTLP/HTTP receiver takes the spans of functions instrumented with
	// OpenTelemetry; they reach it through their environment, so any free
	// loopback port will do.
	daemon, err := xraylocal.Listen(cfg.XRayAddr, xraylocal.DaemonConfig{Store: s.traces, OnTrace: s.trace, Log: cfg.Log,
		OTLPAddr: LoopbackAddr(0)})
	if err != nil {
		return nil, &PortError{Port: XRayPort, Addr: cfg.XRayAddr, Err: err}
	}
	s.xrayAddr = daemon.Addr().String()
	s.otlpEndpoint = daemon.OTLPEndpoint()
	s.goRun(func() error { return daemon.Run(runCtx) })
	tracer, err := xraylocal.NewEmitter(s.xrayAddr)
	if err != nil {
		return nil, err
	}
	s.tracer = tracer

	gen, err := s.build(cfg, nil)
	if err != nil {
		return nil, err
	}
	s.live.Store(gen)
	s.traces.RecordSettings(time.Now(), cfg.Tracing)
	process := gen.process

	poller, err := streampoller.New(streampoller.Config{
		StreamARN:   res.StreamARN,
		FunctionARN: process.ARN,
		Mapping:     contract.QuestionsStream(),
		Streams:     dynamodbstreams.NewFromConfig(ddbCfg),
		Process: func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			// The function as configured when the batch is handed over,
			// as the event source mapping invokes the function's latest
			// configuration.
			fn := s.live.Load().process
			return lambdalocal.InvokeJSON[events.DynamoDBEvent, events.DynamoDBEventResponse](ctx, fn, ev, lambdalocal.Upstream{})
		},
		OnFailure:   s.keepFailure(failures.Dir(cfg.FailureDir), mappingUUID(process.ARN)),
		Retry:       cfg.StreamRetry,
		Checkpoints: s.checkpoints(),
		Log:         cfg.Log.With("component", "event source mapping"),
	})
	if err != nil {
		return nil, err
	}
	s.goRun(func() error { return poller.Run(runCtx) })
	s.goRun(func() error {
		inbox.Watch(runCtx, queues, res.InboxURL, s.notification, cfg.Log.With("component", "inbox"))
		return nil
	})

	listener, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, &PortError{Port: HTTPPort, Addr: cfg.HTTPAddr, Err: err}
	}
	s.endpoint = "http://" + listener.Addr().String()
	s.server = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	s.goRun(func() error {
		if err := s.server.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("HTTP server: %w", err)
		}
		return nil
	})
	ok = true
	return s, nil
}

// checkpoints keeps the stream position in the data folder, if any.
func (s *Stack) checkpoints() streampoller.Checkpoints {
	if s.cfg.CheckpointFile == "" {
		return nil
	}
	c, err := streampoller.OpenFileCheckpoints(s.cfg.CheckpointFile)
	if err != nil {
		s.cfg.Log.Warn("stream checkpoints unreadable; reading the stream from its start", "error", err)
		return nil
	}
	return c
}

// generation is one configuration of the functions and the API stage:
// what one `pulumi up` leaves deployed.
type generation struct {
	tracing           contract.Tracing
	origin            string
	postFn, processFn contract.Function[string]
	post, process     *lambdalocal.Function
	api               *apigw.API
}

// build makes the functions and the API stage cfg describes. A function
// whose environment and timeout are those it has in prev keeps prev's
// instance and its warm execution environments, as Lambda keeps a
// function an update leaves alone; a changed one starts with none, as
// Lambda starts fresh environments after a configuration update.
func (s *Stack) build(cfg Config, prev *generation) (*generation, error) {
	g := &generation{tracing: cfg.Tracing, origin: cfg.AllowedOrigin}
	g.postFn, g.processFn = cfg.Functions(s.resources)
	if cfg.Tracing.Instrumentation == contract.InstrumentationOpenTelemetry {
		// On AWS the component points the exporter at X-Ray's OTLP
		// endpoint; here it is the local daemon's receiver.
		g.postFn.Env[contract.EnvOTLPTracesEndpoint] = s.otlpEndpoint
		g.processFn.Env[contract.EnvOTLPTracesEndpoint] = s.otlpEndpoint
	}
	functionLog := func(name string) *slog.Logger {
		return slog.New(slog.NewJSONHandler(s.cfg.FunctionLog, nil)).With("function", name)
	}
	if prev != nil && sameFunction(prev.postFn, g.postFn) {
		g.post = prev.post
	} else {
		p, err := submit.New(s.ddbCfg, lookup(g.postFn.Env))
		if err != nil {
			return nil, fmt.Errorf("post function: %w", err)
		}
		p.Log = functionLog(s.names.PostFunction)
		g.post = s.function(s.names.PostFunction, g.postFn.Timeout, func() lambda.Handler { return lambda.NewHandler(p.Handle) })
	}
	if prev != nil && sameFunction(prev.processFn, g.processFn) {
		g.process = prev.process
	} else {
		n, err := notify.New(s.goawsCfg, lookup(g.processFn.Env))
		if err != nil {
			return nil, fmt.Errorf("process function: %w", err)
		}
		n.Log = functionLog(s.names.ProcessFunction)
		g.process = s.function(s.names.ProcessFunction, g.processFn.Timeout, func() lambda.Handler { return lambda.NewHandler(n.Handle) })
	}
	if prev != nil && prev.post == g.post && prev.tracing.Stage.APIGatewayTracing() == g.tracing.Stage.APIGatewayTracing() && prev.origin == g.origin {
		g.api = prev.api
		return g, nil
	}
	g.api = apigw.New(apigw.Config{
		APIName: s.names.API, APIID: "local", AccountID: AccountID, Region: Region,
		AllowedOrigin: cfg.AllowedOrigin,
		Tracing:       cfg.Tracing.Stage.APIGatewayTracing(),
		Tracer:        s.tracer,
		Post:          g.post,
		PostName:      g.post.Name,
		Log:           s.cfg.Log.With("component", "api gateway"),
	})
	return g, nil
}

// function wraps a handler as Lambda runs it: an execution environment
// per concurrent invocation, each made by newHandler.
func (s *Stack) function(name string, timeout time.Duration, newHandler func() lambda.Handler) *lambdalocal.Function {
	return &lambdalocal.Function{
		Name: name, ARN: functionARN(name), Region: Region,
		NewHandler: newHandler, Timeout: timeout,
		Tracer: s.tracer, Log: s.cfg.Log.With("component", "lambda"),
	}
}

func sameFunction(a, b contract.Function[string]) bool {
	return a.Timeout == b.Timeout && maps.Equal(a.Env, b.Env)
}

func lookup(env map[string]string) func(string) string {
	return func(name string) string { return env[name] }
}

func functionARN(name string) string {
	return "arn:aws:lambda:" + Region + ":" + AccountID + ":function:" + name
}

// routes serves the API resource, the page's configuration and the page.
func (s *Stack) routes() http.Handler {
	// The API stage a request arrives on serves it to the end, with the
	// post function of the same configuration, whatever Apply swaps in
	// meanwhile.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.live.Load().api.ServeHTTP(w, r) })
	mux := http.NewServeMux()
	mux.Handle(contract.ResourcePath, api)
	mux.Handle(contract.ResourcePath+"/", api)
	mux.Handle(traces.APIPrefix, traces.Handler(s.traces))
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]string{contract.OutputAPIEndpoint: s.endpoint})
	})
	if s.cfg.WebDir != "" {
		mux.Handle("/", http.FileServer(http.Dir(s.cfg.WebDir)))
	}
	return mux
}

// keepFailure puts a given-up batch in the failure store, under the key
// Lambda gives its S3 object, and shows it.
func (s *Stack) keepFailure(store failures.Dir, mapping string) streampoller.FailureFunc {
	return func(ctx context.Context, rec streampoller.OnFailureRecord) error {
		key, err := failures.Key(mapping, rec)
		if err != nil {
			return err
		}
		if err := store.Put(ctx, key, rec); err != nil {
			return err
		}
		info := rec.DDBStreamBatchInfo
		s.println(fmt.Sprintf("failure store  %s: %d record(s) of %s kept whole in %s (go run ./cmd/redrive lists them, --apply notifies them)",
			rec.RequestContext.Condition, info.BatchSize, info.ShardID, store))
		if s.cfg.OnFailureStored != nil {
			s.cfg.OnFailureStored(key, rec)
		}
		return nil
	}
}

// mappingUUID stands in for the event source mapping's UUID in the failure
// store's keys: stable for a function, so one deployment's keys share it.
func mappingUUID(functionARN string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(functionARN)).String()
}

// trace prints a finished trace, one line from its summary.
func (s *Stack) trace(t traces.TraceDocs, sum traces.TraceSummary) {
	s.println(traces.TraceLine(&t, &sum))
	if s.cfg.OnTrace != nil {
		s.cfg.OnTrace(t, sum)
	}
}

// notification prints what the administrator received: it is their inbox,
// so the text is shown here, and only here.
func (s *Stack) notification(n inbox.Notification) {
	var b strings.Builder
	fmt.Fprintf(&b, "inbox  %q", n.Subject)
	for _, line := range strings.Split(strings.TrimRight(n.Message, "\n"), "\n") {
		b.WriteString("\n         | " + line)
	}
	s.println(b.String())
	if s.cfg.OnNotification != nil {
		s.cfg.OnNotification(n)
	}
}

// Print shows msg on the console with the time, as the stack shows its
// traces; the lines after the first are indented under it.
func (s *Stack) Print(msg string) { s.println(strings.ReplaceAll(msg, "\n", "\n         ")) }

func (s *Stack) println(line string) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	fmt.Fprintf(s.cfg.Out, "%s %s\n", time.Now().Format("15:04:05"), line)
}

func (s *Stack) goRun(run func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := run(); err != nil {
			s.errs <- err
		}
	}()
}

// Endpoint is the API's base URL, the local questionsApiEndpoint.
func (s *Stack) Endpoint() string { return s.endpoint }

// TraceConsole is the trace console page's URL.
func (s *Stack) TraceConsole() string { return s.endpoint + TraceConsolePath }

// TraceConsolePath is where the trace console page is served (web/traces).
const TraceConsolePath = "/traces/"

// XRayAddr is the daemon's UDP address.
func (s *Stack) XRayAddr() string { return s.xrayAddr }

// Resources are the resources the stack created.
func (s *Stack) Resources() provision.Resources { return s.resources }

// Names are the resource and function names.
func (s *Stack) Names() provision.Names { return s.names }

// Err delivers a failure of a part that stopped on its own.
func (s *Stack) Err() <-chan error { return s.errs }

// Close stops the server (letting requests in flight finish), the poller,
// the inbox and the daemon, which reports the traces still pending, then
// closes the trace history.
func (s *Stack) Close() error {
	var err error
	if s.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = s.server.Shutdown(ctx)
		cancel()
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.tracer != nil {
		s.tracer.Close()
	}
	// After the daemon: nothing is added any more, so the trace history
	// is whole when the next run on this state folder reads it.
	if s.traces != nil {
		err = errors.Join(err, s.traces.Close())
	}
	return err
}

// FailureStore is the failure store's folder.
func (s *Stack) FailureStore() failures.Dir { return failures.Dir(s.cfg.FailureDir) }

// FailureDir is where a state folder keeps the failure store.
func FailureDir(stateDir string) string { return filepath.Join(stateDir, "failures") }

// CheckpointPath is where a data folder keeps the stream position.
func CheckpointPath(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Join(dataDir, "stream-checkpoints.json")
}

// Tracing is the stage and fault settings the stack runs now.
func (s *Stack) Tracing() contract.Tracing { return s.live.Load().tracing }

// AllowedOrigin is the CORS origin the stack answers with now.
func (s *Stack) AllowedOrigin() string { return s.live.Load().origin }

// Apply switches the running stack to next's tracing and CORS origin, as
// `pulumi up` after `pulumi config set` switches a deployed one, and says
// what changed: the functions whose environment or timeout differ start
// with fresh execution environments, the API stage takes its new tracing
// and origin. Requests in flight finish on the configuration they arrived
// on. Of next, only what the local stack runs is read; on an error the
// stack keeps running as it was.
func (s *Stack) Apply(next contract.Settings) (Change, error) {
	cfg := s.cfg
	cfg.Tracing, cfg.AllowedOrigin = next.Tracing, next.AllowedOrigin
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Change{}, err
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	prev := s.live.Load()
	g, err := s.build(cfg, prev)
	if err != nil {
		return Change{}, err
	}
	ch := s.change(prev, g)
	if ch.Empty() {
		return ch, nil // prev keeps its warm environments
	}
	s.live.Store(g)
	// After the swap: a request that found the old configuration started
	// before this instant, so its trace keeps the settings it ran under.
	s.traces.RecordSettings(time.Now(), g.tracing)
	return ch, nil
}

// Change is what Apply changed: what `pulumi up` changes for the same
// configuration change (the engine test's stage-switch diffs).
type Change struct {
	Functions []FunctionChange
	API       *APIChange // nil: the stage is unchanged
	// AWSAlarms are the alarms whose notifications the switch turns on or
	// off on AWS (contract.Alarm.Notifies); no alarm runs locally.
	AWSAlarms []AlarmChange
}

// FunctionChange is one function's new configuration.
type FunctionChange struct {
	Name            string
	Env             []VarChange
	Before, Timeout time.Duration // equal when the timeout is unchanged
}

// VarChange is one environment variable; "" is unset.
type VarChange struct{ Name, Before, After string }

// APIChange is the API stage's tracing and CORS origin, before and after.
type APIChange struct {
	Name                    string
	TracingBefore, Tracing  bool
	OriginBefore, OriginNow string
}

// AlarmChange is an alarm whose notifications switch.
type AlarmChange struct {
	Key      contract.AlarmKey
	Notifies bool
}

// Empty reports whether nothing changed.
func (c Change) Empty() bool { return len(c.Functions) == 0 && c.API == nil }

func (s *Stack) change(prev, next *generation) Change {
	var c Change
	for _, f := range []struct {
		name     string
		old, new contract.Function[string]
	}{
		{s.names.PostFunction, prev.postFn, next.postFn},
		{s.names.ProcessFunction, prev.processFn, next.processFn},
	} {
		if sameFunction(f.old, f.new) {
			continue
		}
		fc := FunctionChange{Name: f.name, Before: f.old.Timeout, Timeout: f.new.Timeout}
		names := slices.Collect(maps.Keys(f.new.Env))
		for k := range f.old.Env {
			if _, kept := f.new.Env[k]; !kept {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			if f.old.Env[name] != f.new.Env[name] {
				fc.Env = append(fc.Env, VarChange{Name: name, Before: f.old.Env[name], After: f.new.Env[name]})
			}
		}
		c.Functions = append(c.Functions, fc)
	}
	if prev.tracing.Stage.APIGatewayTracing() != next.tracing.Stage.APIGatewayTracing() || prev.origin != next.origin {
		c.API = &APIChange{Name: s.names.API + "/" + contract.StageName,
			TracingBefore: prev.tracing.Stage.APIGatewayTracing(), Tracing: next.tracing.Stage.APIGatewayTracing(),
			OriginBefore: prev.origin, OriginNow: next.origin}
	}
	for _, a := range contract.Alarms() {
		if on := a.Notifies(next.tracing.Stage); on != a.Notifies(prev.tracing.Stage) {
			c.AWSAlarms = append(c.AWSAlarms, AlarmChange{Key: a.Key, Notifies: on})
		}
	}
	return c
}

// String lays the change out for the console, a line per resource.
func (c Change) String() string {
	if c.Empty() {
		return "  nothing the local stack runs changes (no function environment or timeout, no API stage setting)"
	}
	var b strings.Builder
	for _, f := range c.Functions {
		var parts []string
		for _, v := range f.Env {
			switch {
			case v.Before == "":
				parts = append(parts, fmt.Sprintf("+%s=%s", v.Name, v.After))
			case v.After == "":
				parts = append(parts, fmt.Sprintf("-%s", v.Name))
			default:
				parts = append(parts, fmt.Sprintf("%s %s -> %s", v.Name, v.Before, v.After))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(&b, "  ~ function %s  environment: %s\n", f.Name, strings.Join(parts, ", "))
		}
		if f.Before != f.Timeout {
			fmt.Fprintf(&b, "  ~ function %s  timeout: %s -> %s\n", f.Name, f.Before, f.Timeout)
		}
	}
	if len(c.Functions) > 0 {
		b.WriteString("    new invocations start fresh execution environments, as Lambda does after a configuration update; requests in flight finish on the old configuration\n")
	}
	if a := c.API; a != nil {
		onOff := map[bool]string{true: "on", false: "off"}
		if a.TracingBefore != a.Tracing {
			fmt.Fprintf(&b, "  ~ API stage %s  X-Ray tracing: %s -> %s\n", a.Name, onOff[a.TracingBefore], onOff[a.Tracing])
		}
		if a.OriginBefore != a.OriginNow {
			fmt.Fprintf(&b, "  ~ API stage %s  CORS origin: %s -> %s\n", a.Name, a.OriginBefore, a.OriginNow)
		}
	}
	for _, a := range c.AWSAlarms {
		state := "stops notifying (the fault stage sets it off on purpose)"
		if a.Notifies {
			state = "notifies again"
		}
		fmt.Fprintf(&b, "    on AWS the alarm %s %s; no alarms run locally\n", a.Key, state)
	}
	return strings.TrimRight(b.String(), "\n")
}
