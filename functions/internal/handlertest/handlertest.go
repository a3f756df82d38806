// Package handlertest is what the tests of the functions' handler packages
// (submit, notify, lambdaenv) share: the recorded events, invocation as the
// Lambda runtime makes it, log assertions, a fake AWS endpoint, a stand-in
// X-Ray daemon and the benchmark harness. Only tests import it, so no
// function links it.
package handlertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// Names the tests configure the handlers with.
const (
	Table = "questions-table-test"
	Topic = "arn:aws:sns:us-east-1:123456789012:questions-topic-test"
)

// eventsDir holds the JSON events the tests replay, seen from a handler
// package's folder (functions/NAME), where go test runs its tests.
var eventsDir = filepath.Join("..", "..", "testdata", "events")

// ReadEvent is the recorded event kind/name (kind "post" or "stream").
func ReadEvent(t testing.TB, kind, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, kind, name+".json"))
	if err != nil {
		t.Fatalf("reading event: %v", err)
	}
	return b
}

// Invoke runs h the way the Lambda runtime does: JSON payload in, JSON out.
func Invoke(t *testing.T, ctx context.Context, h any, payload []byte) ([]byte, error) {
	t.Helper()
	return lambda.NewHandler(h).Invoke(ctx, payload)
}

// ctxMarker proves a handler passes its context on to the AWS clients.
type ctxMarker struct{}

// MarkedContext is an invocation's context that HasMarker recognises.
func MarkedContext() context.Context {
	return context.WithValue(context.Background(), ctxMarker{}, "invocation")
}

// HasMarker tells whether ctx is, or derives from, a MarkedContext.
func HasMarker(ctx context.Context) bool { return ctx.Value(ctxMarker{}) == "invocation" }

// Getenv looks variables up in vars, as os.Getenv does in the environment.
func Getenv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// Quiet is a logger that drops everything.
var Quiet = slog.New(slog.DiscardHandler)

// LogBuffer is a JSON slog logger writing to memory, for asserting what is logged.
type LogBuffer struct{ bytes.Buffer }

// Logger writes JSON records into the buffer.
func (b *LogBuffer) Logger() *slog.Logger { return slog.New(slog.NewJSONHandler(b, nil)) }

// Records parses the buffer: every line must be one JSON object.
func (b *LogBuffer) Records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(b.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, rec)
	}
	return out
}

// AssertLogsFree fails if any secret (e-mail address, question text) shows
// up in the logs.
func (b *LogBuffer) AssertLogsFree(t *testing.T, secrets []string) {
	t.Helper()
	logs := b.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("logs contain user data %q:\n%s", s, logs)
		}
	}
}

// fixtureSecrets are the user data written into the event files, including
// parts of it, for events whose body cannot be parsed.
var fixtureSecrets = []string{
	"ada.lovelace", "grace.hopper", "alan.turing", "katherine.johnson", "mallory",
	"Do mysfits bite", "friendliest", "Muerden", "Mysfits! Mysfits!", "Why? Why?", "Caf",
	"Original question", "Edited question", "Removed question", "How fast", "Can mysfits swim",
}

// RequestSecrets are the fixtures' user data and the e-mail and question
// text of a request body that parses.
func RequestSecrets(t *testing.T, req events.APIGatewayProxyRequest) []string {
	t.Helper()
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(req.Body); err == nil {
			body = b
		}
	}
	secrets := append([]string{}, fixtureSecrets...)
	var fields map[string]any
	if json.Unmarshal(body, &fields) == nil {
		for _, v := range fields {
			if s, ok := v.(string); ok && len(strings.TrimSpace(s)) >= 4 {
				secrets = append(secrets, strings.TrimSpace(s))
			}
		}
	}
	return secrets
}

// StreamSecrets are the fixtures' user data and every string attribute of
// the batch's images but the id.
func StreamSecrets(ev events.DynamoDBEvent) []string {
	secrets := append([]string{}, fixtureSecrets...)
	for _, rec := range ev.Records {
		for _, img := range []map[string]events.DynamoDBAttributeValue{rec.Change.NewImage, rec.Change.OldImage} {
			for name, av := range img {
				if name != "QuestionId" && av.DataType() == events.DataTypeString {
					secrets = append(secrets, av.String())
				}
			}
		}
	}
	return secrets
}
