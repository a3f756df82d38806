package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/internal/traces"
)

// fixtureServer serves the console API over a store fed a capture of the
// local stack.
func fixtureServer(t *testing.T, name string) (*httptest.Server, *traces.Store) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "traces", name))
	if err != nil {
		t.Fatal(err)
	}
	store := traces.NewStore(0)
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, traces.MaxDocumentSize)
	for sc.Scan() {
		if err := store.Add(sc.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle(traces.APIPrefix, traces.Handler(store))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, store
}

// stage3Now is a moment just after the stage-3 capture, so --since 1h
// covers it.
var stage3Now = time.Unix(1796155560, 0)

func testEnv(now time.Time) env {
	return env{now: func() time.Time { return now }, httpClient: &http.Client{Timeout: 10 * time.Second},
		tailInterval: 10 * time.Millisecond,
		awsOptions:   traces.AWSOptions{PollInterval: time.Millisecond, RetryDelay: time.Millisecond}}
}

// runCmd runs the command and returns its exit status and output.
func runCmd(t *testing.T, e env, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, e)
	return code, out.String(), errOut.String()
}
