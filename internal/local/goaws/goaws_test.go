package goaws

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestConfigAndSpec(t *testing.T) {
	c := Config{Binary: "/bin/goaws", Port: 4567, Region: "us-east-1", AccountID: "000000000000",
		ConfigPath: filepath.Join(t.TempDir(), "goaws", "goaws.yaml"), LogPath: "/tmp/goaws.log"}
	if err := WriteConfig(c); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Port: 4567", "Region: us-east-1", `AccountId: "000000000000"`, "Host: 127.0.0.1"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("configuration lacks %q:\n%s", want, b)
		}
	}
	s := Spec(c)
	// Without -config GoAWS walks the whole working tree for a goaws.yaml.
	if i := slices.Index(s.Args, "-config"); i < 0 || s.Args[i+1] != c.ConfigPath {
		t.Errorf("args %v, want -config %s", s.Args, c.ConfigPath)
	}
	if s.Stdout == nil {
		t.Error("GoAWS stdout is not filtered: it logs message bodies at info level")
	}
}

func TestClientDecodesErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "SendMessage" || r.Form.Get("QueueUrl") != "http://x/000000000000/missing" {
			t.Errorf("request form %v", r.Form)
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message></Error><RequestId>0</RequestId></ErrorResponse>`))
	}))
	defer srv.Close()
	_, err := (&Client{Endpoint: srv.URL}).SendMessage(context.Background(), "http://x/000000000000/missing", "body")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "AWS.SimpleQueueService.NonExistentQueue" || apiErr.Status != 400 {
		t.Errorf("error %v, want the decoded NonExistentQueue error", err)
	}
}
