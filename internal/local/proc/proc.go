// Package proc runs the local stack's child processes (DynamoDB Local,
// GoAWS): each in its own process group so stopping it stops everything it
// started, output captured to a log file whose tail explains a failure, a
// readiness check before it counts as started, and a clear error naming the
// child when it dies or its port is taken.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec describes one child.
type Spec struct {
	Name    string // for messages: "DynamoDB Local"
	Path    string
	Args    []string
	Dir     string
	Env     []string // added to the runner's environment
	LogPath string   // stdout and stderr end here
	// Stdout, when set, wraps the log writer for the child's stdout, e.g. to
	// keep only warnings of a chatty child.
	Stdout func(io.Writer) io.Writer
	// Ready is polled until it returns nil; the child counts as started then.
	Ready        func(ctx context.Context) error
	ReadyTimeout time.Duration // default 60s
}

// Process is a running child.
type Process struct {
	spec Spec
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error // set before done closes
	stop sync.Once
}

// Start launches the child and waits until it is ready. On any failure the
// child is stopped and the error names it and shows the tail of its log.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	if err := os.MkdirAll(filepath.Dir(spec.LogPath), 0o755); err != nil {
		return nil, fmt.Errorf("%s: log folder: %w", spec.Name, err)
	}
	logFile, err := os.Create(spec.LogPath)
	if err != nil {
		return nil, fmt.Errorf("%s: log file: %w", spec.Name, err)
	}
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Dir = spec.Dir
	cmd.Env = append(os.Environ(), spec.Env...)
	cmd.Stdin = nil
	cmd.Stderr = logFile
	cmd.Stdout = logFile
	if spec.Stdout != nil {
		cmd.Stdout = spec.Stdout(logFile)
	}
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%s: starting %s: %w", spec.Name, spec.Path, err)
	}
	p := &Process{spec: spec, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		if err == nil {
			err = errors.New("exited")
		}
		p.err = err
		close(p.done)
	}()

	if err := p.waitReady(ctx); err != nil {
		_ = p.Stop(5 * time.Second)
		return nil, err
	}
	return p, nil
}

func (p *Process) waitReady(ctx context.Context) error {
	if p.spec.Ready == nil {
		return nil
	}
	timeout := p.spec.ReadyTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		last = p.spec.Ready(attempt)
		cancelAttempt()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			return p.Failure("exited while starting")
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%s not ready after %s (last check: %v)%s", p.spec.Name, timeout, last, p.tailNote())
			}
			return fmt.Errorf("%s: start interrupted: %w", p.spec.Name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Name is the child's name.
func (p *Process) Name() string { return p.spec.Name }

// Pid is the child's process id (and its process group id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// LogPath is where its output goes.
func (p *Process) LogPath() string { return p.spec.LogPath }

// Done closes when the child exits.
func (p *Process) Done() <-chan struct{} { return p.done }

// Failure explains an exit: the child's name, what happened, its exit
// status and the last lines of its log.
func (p *Process) Failure(what string) error {
	status := "still running"
	select {
	case <-p.done:
		status = p.err.Error()
	default:
	}
	return fmt.Errorf("%s %s (%s)%s", p.spec.Name, what, status, p.tailNote())
}

func (p *Process) tailNote() string {
	tail := Tail(p.spec.LogPath, 15)
	if tail == "" {
		return "; its log " + p.spec.LogPath + " is empty"
	}
	return "; last lines of " + p.spec.LogPath + ":\n" + indent(tail, "    ")
}

// Stop ends the child's whole process group: SIGTERM, then SIGKILL after
// grace. It is safe to call more than once.
func (p *Process) Stop(grace time.Duration) error {
	var err error
	p.stop.Do(func() {
		defer p.log.Close()
		select {
		case <-p.done:
			return
		default:
		}
		pgid := p.cmd.Process.Pid
		if e := syscall.Kill(-pgid, syscall.SIGTERM); e != nil && !errors.Is(e, syscall.ESRCH) {
			err = fmt.Errorf("%s: stopping: %w", p.spec.Name, e)
		}
		select {
		case <-p.done:
		case <-time.After(grace):
			if e := syscall.Kill(-pgid, syscall.SIGKILL); e != nil && !errors.Is(e, syscall.ESRCH) {
				err = fmt.Errorf("%s: killing: %w", p.spec.Name, e)
			}
			<-p.done
		}
		// Anything the child left in its group goes too.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	})
	return err
}

// Tail returns the last n lines of a file, "" if it cannot be read.
func Tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// Loopback is the one address every service of the local stack listens
// on (DynamoDB Local, GoAWS, the API, the X-Ray daemon): it holds e-mail
// addresses and questions, so only this machine may reach it.
const Loopback = "127.0.0.1"

// Addr is Loopback:port, where a service of the local stack listens.
func Addr(port int) string { return net.JoinHostPort(Loopback, strconv.Itoa(port)) }

// Endpoint is the URL of a local HTTP service on port.
func Endpoint(port int) string { return "http://" + Addr(port) }

// CheckPortFree fails when port is taken on Loopback, where the children
// listen, or on every interface: on macOS a listener on Loopback would
// quietly take the loopback connections of another program's wildcard
// listener, where Linux refuses the bind.
func CheckPortFree(port int) error {
	for _, addr := range []string{":" + strconv.Itoa(port), Addr(port)} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("in use: %w", err)
		}
		if err := l.Close(); err != nil {
			return fmt.Errorf("checking %s: %w", addr, err)
		}
	}
	return nil
}

// FreePort asks the kernel for a free TCP port on Loopback.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", Addr(0))
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// HTTPReady is a readiness check: the URL answers HTTP, whatever the status.
func HTTPReady(url string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
}

// LevelFilter keeps only the JSON log lines of a child (logrus, slog) whose
// "level" is one of levels; other lines pass unchanged. GoAWS logs every
// message body at info level, and message bodies hold e-mail addresses.
func LevelFilter(levels ...string) func(io.Writer) io.Writer {
	return func(w io.Writer) io.Writer {
		return &levelFilter{w: w, levels: levels}
	}
}

type levelFilter struct {
	mu     sync.Mutex
	w      io.Writer
	levels []string
	buf    []byte
}

func (f *levelFilter) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, b...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			break
		}
		line := f.buf[:i+1]
		if f.keep(line) {
			if _, err := f.w.Write(line); err != nil {
				return len(b), err
			}
		}
		f.buf = f.buf[i+1:]
	}
	return len(b), nil
}

func (f *levelFilter) keep(line []byte) bool {
	if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("{")) {
		return true
	}
	for _, l := range f.levels {
		if bytes.Contains(line, []byte(`"level":"`+l+`"`)) {
			return true
		}
	}
	return false
}
