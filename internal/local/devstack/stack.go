package devstack

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
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

	tracer *xraylocal.Emitter
	traces *traces.Store

	outMu  sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
	server *http.Server
	errs   chan error
}

// configNames name the tracing settings in errors about a Config.
var configNames = contract.TracingNames{Stage: "Tracing.Stage", FaultPercent: "Tracing.Faults.Percent", FaultDelay: "Tracing.Faults.Delay"}

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
	s := &Stack{cfg: cfg, names: cfg.Names(), errs: make(chan error, 4), traces: traces.NewStore(cfg.TraceLimit)}

	ddbCfg := AWSConfig(cfg.DynamoDBEndpoint)
	goawsCfg := AWSConfig(cfg.GoAWSEndpoint)
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
	daemon, err := xraylocal.Listen(cfg.XRayAddr, xraylocal.DaemonConfig{Store: s.traces, OnTrace: s.trace, Log: cfg.Log})
	if err != nil {
		return nil, &PortError{Port: XRayPort, Addr: cfg.XRayAddr, Err: err}
	}
	s.xrayAddr = daemon.Addr().String()
	s.goRun(func() error { return daemon.Run(runCtx) })
	tracer, err := xraylocal.NewEmitter(s.xrayAddr)
	if err != nil {
		return nil, err
	}
	s.tracer = tracer

	post, process, err := s.functions(ddbCfg, goawsCfg, tracer)
	if err != nil {
		return nil, err
	}

	poller, err := streampoller.New(streampoller.Config{
		StreamARN:   res.StreamARN,
		FunctionARN: process.ARN,
		Mapping:     contract.QuestionsStream(),
		Streams:     dynamodbstreams.NewFromConfig(ddbCfg),
		Process: func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return lambdalocal.InvokeJSON[events.DynamoDBEvent, events.DynamoDBEventResponse](ctx, process, ev, lambdalocal.Upstream{})
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

	api := apigw.New(apigw.Config{
		APIName: s.names.API, APIID: "local", AccountID: AccountID, Region: Region,
		AllowedOrigin: cfg.AllowedOrigin,
		Tracing:       cfg.Tracing.Stage.APIGatewayTracing(),
		Tracer:        tracer,
		Post:          post,
		PostName:      post.Name,
		Log:           cfg.Log.With("component", "api gateway"),
	})
	listener, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, &PortError{Port: HTTPPort, Addr: cfg.HTTPAddr, Err: err}
	}
	s.endpoint = "http://" + listener.Addr().String()
	s.server = &http.Server{Handler: s.routes(api), ReadHeaderTimeout: 10 * time.Second}
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

// functions builds the two handlers from the environment the component
// gives each function, wrapped as Lambda would run them.
func (s *Stack) functions(ddbCfg, goawsCfg aws.Config, tracer *xraylocal.Emitter) (post, process *lambdalocal.Function, err error) {
	postFn, processFn := s.cfg.Functions(s.resources)
	functionLog := func(name string) *slog.Logger {
		return slog.New(slog.NewJSONHandler(s.cfg.FunctionLog, nil)).With("function", name)
	}
	p, err := submit.New(ddbCfg, lookup(postFn.Env))
	if err != nil {
		return nil, nil, fmt.Errorf("post function: %w", err)
	}
	p.Log = functionLog(s.names.PostFunction)
	n, err := notify.New(goawsCfg, lookup(processFn.Env))
	if err != nil {
		return nil, nil, fmt.Errorf("process function: %w", err)
	}
	n.Log = functionLog(s.names.ProcessFunction)

	// An execution environment per concurrent invocation, as on Lambda.
	post = &lambdalocal.Function{
		Name: s.names.PostFunction, ARN: functionARN(s.names.PostFunction), Region: Region,
		NewHandler: func() lambda.Handler { return lambda.NewHandler(p.Handle) }, Timeout: postFn.Timeout,
		Tracer: tracer, Log: s.cfg.Log.With("component", "lambda"),
	}
	process = &lambdalocal.Function{
		Name: s.names.ProcessFunction, ARN: functionARN(s.names.ProcessFunction), Region: Region,
		NewHandler: func() lambda.Handler { return lambda.NewHandler(n.Handle) }, Timeout: processFn.Timeout,
		Tracer: tracer, Log: s.cfg.Log.With("component", "lambda"),
	}
	return post, process, nil
}

func lookup(env map[string]string) func(string) string {
	return func(name string) string { return env[name] }
}

func functionARN(name string) string {
	return "arn:aws:lambda:" + Region + ":" + AccountID + ":function:" + name
}

// routes serves the API resource, the page's configuration and the page.
func (s *Stack) routes(api http.Handler) http.Handler {
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
// the inbox and the daemon, which reports the traces still pending.
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
