package bench

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// coldSubject is one bootstrap the cold-start runs start.
type coldSubject struct {
	name    string
	argv    []string
	env     []string // the function's own variables, beyond the runtime's
	payload []byte
	// check says whether the first response is the one expected, so a
	// timing of a failing function is never reported.
	check func(body []byte) error
	// traced: the bootstrap must send X-Ray segments (stage 2).
	traced bool
	// otlp: the bootstrap must export spans over OTLP/HTTP (stage 2 of
	// OpenTelemetry's build), to the sink each start gets.
	otlp bool
}

// coldRun is one start of a bootstrap.
type coldRun struct {
	toNext     time.Duration // exec to the first GET next: the init
	toResponse time.Duration // exec to the first invocation's response
	peakRSS    int64         // bytes
	datagrams  int64         // X-Ray datagrams received
	exports    int64         // OTLP export requests received
}

// coldTimeout bounds one start: the Python reference takes about half a
// second, the Go bootstraps milliseconds.
const coldTimeout = 30 * time.Second

// startOnce execs the subject against a fresh Runtime API emulator with
// one queued invocation, waits for its response and for the GET next
// after it (the runtime idle again, as Lambda freezes it), reads its
// peak RSS and kills it. base is the Lambda runtime's environment.
func startOnce(ctx context.Context, s coldSubject, base []string, logw io.Writer) (coldRun, error) {
	api, err := NewRuntimeAPI()
	if err != nil {
		return coldRun{}, err
	}
	defer api.Close()
	sink, err := newDatagramSink()
	if err != nil {
		return coldRun{}, err
	}
	defer sink.Close()
	otlp, err := newOTLPSink()
	if err != nil {
		return coldRun{}, err
	}
	defer otlp.Close()

	id, err := randomHex(16)
	if err != nil {
		return coldRun{}, err
	}
	trace, err := traceHeader()
	if err != nil {
		return coldRun{}, err
	}
	api.Queue(Invocation{
		RequestID: id, Payload: s.payload, TraceID: trace,
		FunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:" + s.name,
		Deadline:    time.Now().Add(coldTimeout),
	})

	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Env = append(append(append([]string{}, base...), s.env...),
		"AWS_LAMBDA_RUNTIME_API="+api.Addr(), "AWS_XRAY_DAEMON_ADDRESS="+sink.Addr(),
		// Where OpenTelemetry's build exports (the X-Ray SDK's ignores it):
		// a local receiver, as the local stack's daemon is.
		contract.EnvOTLPTracesEndpoint+"="+otlp.URL())
	cmd.Dir = filepath.Dir(s.argv[len(s.argv)-1])
	cmd.Stdout, cmd.Stderr = logw, logw
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return coldRun{}, fmt.Errorf("%s: %w", s.name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	run, waitErr := awaitCold(ctx, api, exited, start, s)
	if waitErr == nil {
		// Idle at its second GET next: read the peak while it still runs.
		run.peakRSS, waitErr = peakRSS(cmd.Process.Pid)
	}
	if cmd.ProcessState == nil {
		_ = cmd.Process.Kill()
		<-exited
	}
	run.datagrams = sink.Count(50 * time.Millisecond)
	if waitErr != nil {
		return run, fmt.Errorf("%s: %w", s.name, waitErr)
	}
	if s.traced && run.datagrams == 0 {
		return run, fmt.Errorf("%s: no X-Ray segment sent: tracing did not run", s.name)
	}
	// The export happens before the response: nothing to wait for.
	run.exports = otlp.n.Load()
	if s.otlp && run.exports == 0 {
		return run, fmt.Errorf("%s: no spans exported over OTLP: tracing did not run", s.name)
	}
	return run, nil
}

func awaitCold(ctx context.Context, api *RuntimeAPI, exited <-chan error, start time.Time, s coldSubject) (coldRun, error) {
	var run coldRun
	nexts := 0
	timeout := time.NewTimer(coldTimeout)
	defer timeout.Stop()
	for {
		select {
		case ev := <-api.Events():
			switch ev.Kind {
			case NextRequested:
				nexts++
				if nexts == 1 {
					run.toNext = ev.At.Sub(start)
				}
				if nexts == 2 {
					return run, nil
				}
			case Responded:
				run.toResponse = ev.At.Sub(start)
				if s.check != nil {
					if err := s.check(ev.Body); err != nil {
						return run, fmt.Errorf("unexpected response %s: %w", ev.Body, err)
					}
				}
			default:
				return run, fmt.Errorf("%s: %s", ev.Kind, ev.Body)
			}
		case err := <-exited:
			return run, fmt.Errorf("exited before the second GET next: %v", err)
		case <-timeout.C:
			return run, fmt.Errorf("no response and second GET next within %s", coldTimeout)
		case <-ctx.Done():
			return run, ctx.Err()
		}
	}
}

// lambdaEnv is what Lambda's provided runtimes set for every function
// (Lambda developer guide, "Defined runtime environment variables"), with
// the local stack's credentials; AWS_LAMBDA_RUNTIME_API and the X-Ray
// daemon's address are set per start.
func lambdaEnv(name, taskRoot, region string) []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_SESSION_TOKEN=local",
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=bench",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"LAMBDA_RUNTIME_DIR=" + taskRoot,
		"AWS_XRAY_CONTEXT_MISSING=LOG_ERROR",
	}
}

// traceHeader is a sampled X-Ray trace header as Lambda passes it with
// active tracing on.
func traceHeader() (string, error) {
	root, err := randomHex(12)
	if err != nil {
		return "", err
	}
	parent, err := randomHex(8)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=1", time.Now().Unix(), root, parent), nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// datagramSink stands in for the X-Ray daemon: it counts what arrives.
type datagramSink struct {
	conn net.PacketConn
	n    atomic.Int64
	done chan struct{}
}

func newDatagramSink() (*datagramSink, error) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("X-Ray sink: %w", err)
	}
	s := &datagramSink{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 64<<10)
		for {
			if _, _, err := conn.ReadFrom(buf); err != nil {
				return
			}
			s.n.Add(1)
		}
	}()
	return s, nil
}

func (s *datagramSink) Addr() string { return s.conn.LocalAddr().String() }

// Count is the number of datagrams received, after waiting settle for
// any still in flight.
func (s *datagramSink) Count(settle time.Duration) int64 {
	time.Sleep(settle)
	return s.n.Load()
}

func (s *datagramSink) Close() error {
	err := s.conn.Close()
	<-s.done
	return err
}

// otlpSink stands in for an OTLP/HTTP receiver: it counts the export
// requests and answers each with an empty ExportTraceServiceResponse.
type otlpSink struct {
	ln  net.Listener
	srv *http.Server
	n   atomic.Int64
}

func newOTLPSink() (*otlpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("OTLP sink: %w", err)
	}
	s := &otlpSink{ln: ln}
	s.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPost && r.URL.Path == contract.OTLPTracesPath {
			s.n.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the traces endpoint, as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT takes it.
func (s *otlpSink) URL() string { return "http://" + s.ln.Addr().String() + contract.OTLPTracesPath }

func (s *otlpSink) Close() error { return s.srv.Close() }

// unzipBootstrap extracts the bundle's bootstrap into dir.
func unzipBootstrap(zipPath, dir string) (string, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", zipPath, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "bootstrap" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		path := filepath.Join(dir, "bootstrap")
		out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(out, rc); err != nil {
			out.Close()
			return "", err
		}
		return path, out.Close()
	}
	return "", fmt.Errorf("%s holds no bootstrap", zipPath)
}

// Checks of the first response of each subject.

func checkStatus(want int) func([]byte) error {
	return func(body []byte) error {
		var r struct {
			StatusCode int `json:"statusCode"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return err
		}
		if r.StatusCode != want {
			return fmt.Errorf("status %d, want %d", r.StatusCode, want)
		}
		return nil
	}
}

func checkNoBatchFailures(body []byte) error {
	var r struct {
		BatchItemFailures *[]json.RawMessage `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	if r.BatchItemFailures == nil {
		return errors.New("no batchItemFailures list")
	}
	if len(*r.BatchItemFailures) > 0 {
		return fmt.Errorf("%d batch item failures", len(*r.BatchItemFailures))
	}
	return nil
}
