package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mysfits/mysfits-questions/internal/local/proc"
)

// Port names a port of the local stack, so a command can say which of its
// flags moves it.
type Port int

// The ports of the local stack.
const (
	HTTPPort     Port = iota // the API and the pages (TCP)
	XRayPort                 // the X-Ray daemon (UDP)
	DynamoDBPort             // DynamoDB Local (TCP)
	GoAWSPort                // GoAWS, SNS and SQS (TCP)
)

// DefaultStateDir is the local stack's state folder (logs, generated
// configuration, the failure store), relative to the module root; the
// commands that read it (make dev, redrive, load) default to it.
const DefaultStateDir = ".local"

// The ports `make dev` uses unless told otherwise.
const (
	DefaultHTTPPort     = 8080
	DefaultXRayPort     = 2000 // the X-Ray daemon's own default
	DefaultDynamoDBPort = 8000 // DynamoDB Local's own default
	DefaultGoAWSPort    = 4100 // GoAWS's own default
)

// LocalEndpoint is http://127.0.0.1:port, how the stack's services are reached.
func LocalEndpoint(port int) string { return proc.Endpoint(port) }

// LoopbackAddr is 127.0.0.1:port, where the API and the X-Ray daemon
// listen, as DynamoDB Local and GoAWS do: reachable from this machine only.
func LoopbackAddr(port int) string { return proc.Addr(port) }

func (p Port) String() string {
	switch p {
	case HTTPPort:
		return "the API and the pages"
	case XRayPort:
		return "the X-Ray daemon"
	case DynamoDBPort:
		return "DynamoDB Local"
	case GoAWSPort:
		return "GoAWS (SNS/SQS)"
	}
	return "port " + strconv.Itoa(int(p))
}

// PortError is a port that cannot be used: taken, or not a port.
type PortError struct {
	Port Port
	Addr string
	Err  error
}

func (e *PortError) Error() string { return fmt.Sprintf("%s on %s: %v", e.Port, e.Addr, e.Err) }

func (e *PortError) Unwrap() error { return e.Err }

// AWSConfig is the SDK configuration for a local service: fixed region and
// dummy credentials, nothing read from the user's AWS profile.
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// UpConfig is a whole local deployment: the services and the stack on them.
type UpConfig struct {
	// Services says where DynamoDB Local and GoAWS run. Root is found from
	// the current folder when empty; StateDir is made absolute under Root.
	Services ServicesConfig
	// Shared, when set, are services already running (a test package's):
	// Up starts only the stack on them and leaves them running.
	Shared *Services
	// Stack is the stack's configuration (a relative WebDir is under
	// Root); Up fills in the services' endpoints and, when unset, the
	// failure store (StateDir/failures) and the logs (files in StateDir/logs: the
	// stack's own log as JSON in local.log with warnings also to Warnings,
	// the functions' logs in functions.log, the console in console.log).
	Stack    Config
	Warnings io.Writer // nil = discard
	// Progress hears what Up is doing, before the services are ready.
	Progress io.Writer // nil = discard
}

// Deployment is a running local deployment.
type Deployment struct {
	*Stack
	Services *Services
	LogDir   string

	died    <-chan error // of the services Up started; nil for shared ones
	closers []func() error
	once    sync.Once
}

// Up starts the local deployment: it checks the in-process ports, starts
// the services (unless shared ones are given), creates the resources and
// runs the stack. On failure nothing is left running.
func Up(ctx context.Context, c UpConfig) (_ *Deployment, err error) {
	d := &Deployment{}
	defer func() {
		if err != nil {
			_ = d.Close()
		}
	}()
	sc := c.Services
	if sc.Root == "" {
		if sc.Root, err = FindRoot("."); err != nil {
			return nil, err
		}
	}
	if sc.StateDir == "" {
		sc.StateDir = DefaultStateDir
	}
	if !filepath.IsAbs(sc.StateDir) {
		sc.StateDir = filepath.Join(sc.Root, sc.StateDir)
	}
	d.LogDir = filepath.Join(sc.StateDir, "logs")
	if err := os.MkdirAll(d.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("log folder: %w", err)
	}
	cfg := c.Stack
	if cfg.FailureDir == "" {
		cfg.FailureDir = FailureDir(sc.StateDir)
	}
	if cfg.WebDir != "" && !filepath.IsAbs(cfg.WebDir) {
		cfg.WebDir = filepath.Join(sc.Root, cfg.WebDir)
	}
	warnings := c.Warnings
	if warnings == nil {
		warnings = io.Discard
	}
	if cfg.Log == nil {
		f, err := d.logFile("local.log")
		if err != nil {
			return nil, err
		}
		cfg.Log = slog.New(slog.NewMultiHandler(
			slog.NewJSONHandler(f, nil),
			slog.NewTextHandler(warnings, &slog.HandlerOptions{Level: slog.LevelWarn}),
		))
	}
	if cfg.FunctionLog == nil {
		if cfg.FunctionLog, err = d.logFile("functions.log"); err != nil {
			return nil, err
		}
	}
	if cfg.Out == nil {
		if cfg.Out, err = d.logFile("console.log"); err != nil {
			return nil, err
		}
	}
	// The in-process ports first: better to fail before starting the children.
	if err := checkPorts(cfg.HTTPAddr, cfg.XRayAddr); err != nil {
		return nil, err
	}

	d.Services = c.Shared
	if d.Services == nil {
		if c.Progress != nil {
			fmt.Fprintf(c.Progress, "Starting DynamoDB Local and GoAWS (logs in %s) ...\n", d.LogDir)
		}
		if d.Services, err = StartServices(ctx, sc); err != nil {
			return nil, err
		}
		d.closers = append(d.closers, d.Services.Stop)
		d.died = d.Services.Died()
	}
	// Before the stack makes them: from then on a restarted GoAWS has them.
	if err := d.Services.KeepResources(cfg.Names().Messaging()); err != nil {
		return nil, err
	}
	cfg.DynamoDBEndpoint, cfg.GoAWSEndpoint = d.Services.DynamoDBEndpoint, d.Services.GoAWSEndpoint
	if d.Stack, err = Start(ctx, cfg); err != nil {
		return nil, err
	}
	d.closers = append(d.closers, d.Stack.Close)
	return d, nil
}

func (d *Deployment) logFile(name string) (*os.File, error) {
	f, err := os.Create(filepath.Join(d.LogDir, name))
	if err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	d.closers = append(d.closers, f.Close)
	return f, nil
}

// Wait blocks until ctx ends (nil) or a part stops on its own: a service
// Up started exits, or a part of the stack fails (its error).
func (d *Deployment) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-d.died:
		return err
	case err := <-d.Stack.Err():
		return err
	}
}

// Failed is Wait without waiting: the failure of a part, if one stopped.
func (d *Deployment) Failed() error {
	select {
	case err := <-d.died:
		return err
	case err := <-d.Stack.Err():
		return err
	default:
		return nil
	}
}

// Close stops the stack, then the services Up started, then closes the
// logs, and reports what failed on the way.
func (d *Deployment) Close() error {
	var errs []error
	d.once.Do(func() {
		for i := len(d.closers) - 1; i >= 0; i-- {
			errs = append(errs, d.closers[i]())
		}
	})
	return errors.Join(errs...)
}

// checkPorts fails early, naming the port, when the API's TCP port or the
// X-Ray daemon's UDP port is taken. Port 0 (a free port) is always fine.
func checkPorts(httpAddr, xrayAddr string) error {
	if !freePortRequested(httpAddr) {
		l, err := net.Listen("tcp", httpAddr)
		if err != nil {
			return &PortError{Port: HTTPPort, Addr: httpAddr, Err: err}
		}
		l.Close()
	}
	if !freePortRequested(xrayAddr) {
		c, err := net.ListenPacket("udp", xrayAddr)
		if err != nil {
			return &PortError{Port: XRayPort, Addr: xrayAddr, Err: fmt.Errorf("%w (an X-Ray daemon already running?)", err)}
		}
		c.Close()
	}
	return nil
}

func freePortRequested(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err != nil || port == "0"
}
