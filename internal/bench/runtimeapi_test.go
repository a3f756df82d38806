package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/internal/lambdabuild"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
)

// nextEvent waits for the emulator's next report.
func nextEvent(t *testing.T, api *RuntimeAPI) Event {
	t.Helper()
	select {
	case ev := <-api.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event from the runtime API emulator")
		return Event{}
	}
}

// The emulator speaks the Runtime API: GET next waits for a queued
// invocation and carries its headers; a response or an error is reported
// with its document and answered 202.
func TestRuntimeAPI(t *testing.T) {
	api, err := NewRuntimeAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	base := "http://" + api.Addr() + "/2018-06-01/runtime"

	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Get(base + "/invocation/next")
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		got <- resp
	}()
	if ev := nextEvent(t, api); ev.Kind != NextRequested {
		t.Fatalf("first event %v, want GET next", ev.Kind)
	}
	select {
	case <-got:
		t.Fatal("GET next answered with no invocation queued")
	case <-time.After(50 * time.Millisecond):
	}
	deadline := time.Now().Add(time.Minute).Truncate(time.Millisecond)
	api.Queue(Invocation{RequestID: "req-1", Payload: []byte(`{"a":1}`), TraceID: "Root=1-x;Sampled=1", FunctionARN: "arn:fn", Deadline: deadline})
	resp := <-got
	if resp == nil {
		t.FailNow()
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	if string(body) != `{"a":1}` || h.Get("Lambda-Runtime-Aws-Request-Id") != "req-1" || h.Get("Lambda-Runtime-Trace-Id") != "Root=1-x;Sampled=1" ||
		h.Get("Lambda-Runtime-Invoked-Function-Arn") != "arn:fn" || h.Get("Lambda-Runtime-Deadline-Ms") != strconv.FormatInt(deadline.UnixMilli(), 10) {
		t.Errorf("GET next: %s %v", body, h)
	}

	tests := []struct {
		path string
		kind EventKind
	}{
		{"/invocation/req-1/response", Responded},
		{"/invocation/req-1/error", Failed},
		{"/init/error", InitFailed},
	}
	for _, tt := range tests {
		resp, err := http.Post(base+tt.path, "application/json", strings.NewReader(`{"ok":true}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("POST %s: %d, want 202", tt.path, resp.StatusCode)
		}
		ev := nextEvent(t, api)
		if ev.Kind != tt.kind || string(ev.Body) != `{"ok":true}` || (tt.kind != InitFailed && ev.RequestID != "req-1") {
			t.Errorf("POST %s reported %+v", tt.path, ev)
		}
	}
}

// A client that trusts the proxy's CA reaches the local service for a
// known AWS host over TLS; an unknown host is refused.
func TestAWSProxy(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Target", r.Header.Get("X-Amz-Target"))
		io.WriteString(w, "local:"+r.Method+" "+r.URL.Path+" "+string(body))
	}))
	t.Cleanup(upstream.Close)
	p, err := NewAWSProxy(t.TempDir(), map[string]string{"dynamodb.us-east-1.amazonaws.com": upstream.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })

	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(p.caFile)
	if err != nil || !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("CA file: %v", err)
	}
	proxyURL, _ := url.Parse(strings.TrimPrefix(p.Env()[0], "HTTPS_PROXY="))
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool},
	}}
	req, _ := http.NewRequest(http.MethodPost, "https://dynamodb.us-east-1.amazonaws.com/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "local:POST / {}" || resp.Header.Get("X-Target") != "DynamoDB_20120810.PutItem" {
		t.Errorf("through the proxy: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if _, err := client.Get("https://s3.us-east-1.amazonaws.com/"); err == nil {
		t.Error("a host without a local service went through")
	}
}

// The floor, built for this machine by the component's builder, starts
// against the emulator, answers its invocation and waits for the next:
// the cold-start measurement end to end.
func TestStartOnceFloor(t *testing.T) {
	root, err := devstack.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := lambdabuild.GoBuilder{Dir: root, TempDir: t.TempDir(), Arch: runtime.GOARCH}.Build(ctx, floorPackage)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exe, err := unzipBootstrap(b.ZipPath, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := coldSubject{name: "floor", argv: []string{exe}, payload: []byte(`{}`), check: func(body []byte) error {
		if string(body) != "{}" {
			t.Errorf("floor answered %s", body)
		}
		return nil
	}}
	run, err := startOnce(ctx, s, lambdaEnv("floor", dir, "us-east-1"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if run.toNext <= 0 || run.toResponse < run.toNext {
		t.Errorf("timings %+v: want 0 < to GET next <= to response", run)
	}
	// A bare bootstrap holds a few MB: far less than this test binary,
	// whose size a child's ru_maxrss would report.
	if runtime.GOOS == "linux" && (run.peakRSS < 1<<20 || run.peakRSS > 64<<20) {
		t.Errorf("peak RSS %d bytes: not the bootstrap's own", run.peakRSS)
	}
}
