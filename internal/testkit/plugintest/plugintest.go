// Package plugintest starts a Pulumi plugin binary the way the engine does
// and connects to it, for the tests of the project's plugins (the provider
// and the stand-in AWS plugin).
package plugintest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Plugin is a started plugin process and the connection to it.
type Plugin struct {
	Conn *grpc.ClientConn
	Stop func() // SIGINT, as the engine ends a plugin, then wait; idempotent
}

// Start runs bin with args (the engine passes its address) in dir with env
// appended to this process's environment, reads the port it prints (the
// plugin protocol) and dials it. The test's cleanup stops it, and fails
// the test if it did not end cleanly.
func Start(t testing.TB, ctx context.Context, bin, dir string, env []string, args ...string) Plugin {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the plugin %s: %v", bin, err)
	}
	stopped := false
	var conn *grpc.ClientConn
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		if conn != nil {
			conn.Close()
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Errorf("interrupting the plugin: %v", err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("the plugin ended with %v", err)
		}
	}
	t.Cleanup(stop)

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the plugin's port: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || port <= 0 {
		t.Fatalf("the plugin printed %q, want its port", line)
	}
	conn, err = grpc.NewClient("127.0.0.1:"+strconv.Itoa(port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("connecting to the plugin: %v", err)
	}
	return Plugin{Conn: conn, Stop: stop}
}
