package proc

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func shSpec(t *testing.T, name, script string) Spec {
	t.Helper()
	return Spec{Name: name, Path: "/bin/sh", Args: []string{"-c", script}, LogPath: filepath.Join(t.TempDir(), "child.log")}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		// A zombie still answers kill 0 until reaped by its parent.
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && bytes.Contains(b, []byte(") Z ")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the child and whatever it started in its process group.
func TestStopEndsTheWholeProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "grandchild.pid")
	spec := shSpec(t, "worker", "sleep 300 & echo $! > "+pidFile+"; wait")
	spec.Ready = func(context.Context) error {
		if _, err := os.Stat(pidFile); err != nil {
			return err
		}
		return nil
	}
	p, err := Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	grandchild, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if !alive(grandchild) {
		t.Fatal("the grandchild is not running")
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	<-p.Done()
	waitGone(t, grandchild)
	if err := p.Stop(time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestAChildThatDiesWhileStartingIsNamedWithItsLog(t *testing.T) {
	spec := shSpec(t, "Fragile Service", "echo 'bind: address already in use' >&2; exit 3")
	spec.Ready = func(context.Context) error { return errors.New("not yet") }
	_, err := Start(context.Background(), spec)
	if err == nil {
		t.Fatal("Start succeeded for a child that exits")
	}
	for _, want := range []string{"Fragile Service", "exited while starting", "exit status 3", "address already in use", spec.LogPath} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestReadinessTimeout(t *testing.T) {
	spec := shSpec(t, "Slow Service", "sleep 300")
	spec.Ready = func(context.Context) error { return errors.New("connection refused") }
	spec.ReadyTimeout = 300 * time.Millisecond
	_, err := Start(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "Slow Service not ready") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %v, want it to name the service and the last check", err)
	}
}

func TestFailureAfterStart(t *testing.T) {
	spec := shSpec(t, "Crashy", "sleep 0.2; echo 'java.lang.OutOfMemoryError' >&2; exit 1")
	p, err := Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the child did not exit")
	}
	err = p.Failure("exited unexpectedly")
	if !strings.Contains(err.Error(), "Crashy exited unexpectedly (exit status 1)") || !strings.Contains(err.Error(), "OutOfMemoryError") {
		t.Errorf("failure %q, want the name, the status and the log tail", err)
	}
}

func TestCheckPortFree(t *testing.T) {
	// Taken on every interface, and on loopback only.
	for _, addr := range []string{":0", Addr(0)} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		err = CheckPortFree(port)
		l.Close()
		if err == nil || !strings.Contains(err.Error(), "in use") {
			t.Errorf("CheckPortFree on a port used on %s = %v, want an error saying it is in use", addr, err)
		}
	}
	free, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPortFree(free); err != nil {
		t.Errorf("CheckPortFree(free port) = %v", err)
	}
}

func TestLevelFilterKeepsWarningsOnly(t *testing.T) {
	var out bytes.Buffer
	w := LevelFilter("warning", "error")(&out)
	input := `{"level":"info","msg":"Topic: t, Message: {\"email\":\"ada@example.com\"}"}
{"level":"warning","msg":"GoAws listening on: 0.0.0.0:4100"}
plain line
{"level":"error","msg":"bad`
	// Written in pieces, as a pipe delivers it.
	for _, chunk := range []string{input[:20], input[20:90], input[90:], "\"}\n"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	got := out.String()
	if strings.Contains(got, "ada@example.com") {
		t.Errorf("an info line with a message body got through: %q", got)
	}
	for _, want := range []string{"GoAws listening", "plain line", `"level":"error"`} {
		if !strings.Contains(got, want) {
			t.Errorf("filtered output %q lacks %q", got, want)
		}
	}
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte("1\n2\n3\n4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Tail(path, 2); got != "3\n4" {
		t.Errorf("Tail = %q, want the last two lines", got)
	}
	if got := Tail(filepath.Join(t.TempDir(), "missing"), 2); got != "" {
		t.Errorf("Tail of a missing file = %q", got)
	}
}
