// Package langhosttest starts a stand-in language host in-process the way the
// engine starts one (langhost.Serve, then the port line on stdout) and
// returns a client for it, for the stand-ins' tests.
package langhosttest

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/mysfits/mysfits-questions/tools/pulumi/standin/internal/langhost"
)

// Start serves srv until the test ends and returns a client connected to the
// port the server announced on its stdout, as the engine would read it.
func Start(t *testing.T, srv pulumirpc.LanguageRuntimeServer) pulumirpc.LanguageRuntimeClient {
	t.Helper()

	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- langhost.Serve(ctx, "", stdoutW, srv)
		_ = stdoutW.Close()
	}()

	// The engine reads exactly one line, the port, before dialing.
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdoutR).ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, stdoutR)
	}()

	var line string
	select {
	case line = <-lines:
	case err := <-served:
		cancel()
		t.Fatalf("Serve returned before reporting a port: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("no port line on stdout within 10s")
	}
	port, err := strconv.Atoi(strings.TrimSuffix(line, "\n"))
	if err != nil || !strings.HasSuffix(line, "\n") {
		cancel()
		t.Fatalf("port line = %q, want a number and a newline", line)
	}

	conn, err := grpc.NewClient("127.0.0.1:"+strconv.Itoa(port),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		cancel()
		t.Fatalf("dial the stand-in on port %d: %v", port, err)
	}

	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return within 10s of its context ending")
		}
	})
	return pulumirpc.NewLanguageRuntimeClient(conn)
}

// Refused runs each call and checks the stand-in refuses it as
// Unimplemented, naming host and method and saying each of why.
func Refused(t *testing.T, host string, calls map[string]func() error, why ...string) {
	t.Helper()
	for method, call := range calls {
		t.Run(method, func(t *testing.T) {
			err := call()
			if status.Code(err) != codes.Unimplemented {
				t.Fatalf("error = %v, want Unimplemented", err)
			}
			for _, want := range append([]string{host + ": " + method + " is not implemented"}, why...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not contain %q", err, want)
				}
			}
		})
	}
}
