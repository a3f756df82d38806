package handlers_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/functions/handlers"
)

// Compile-time checks that the fakes stand where the real clients do.
var (
	_ handlers.ItemPutter = (*fakeDB)(nil)
	_ handlers.Publisher  = (*fakeSNS)(nil)
)

// eventsDir holds the JSON events the tests replay.
var eventsDir = filepath.Join("..", "..", "testdata", "events")

func readEvent(t *testing.T, kind, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, kind, name+".json"))
	if err != nil {
		t.Fatalf("reading event: %v", err)
	}
	return b
}

// invoke runs h the way the Lambda runtime does: JSON payload in, JSON out.
func invoke(t *testing.T, ctx context.Context, h any, payload []byte) ([]byte, error) {
	t.Helper()
	return lambda.NewHandler(h).Invoke(ctx, payload)
}

// ctxMarker proves a handler passes its context on to the AWS clients.
type ctxMarker struct{}

func markedContext() context.Context {
	return context.WithValue(context.Background(), ctxMarker{}, "invocation")
}

func hasMarker(ctx context.Context) bool { return ctx.Value(ctxMarker{}) == "invocation" }

// fakeDB records every PutItem and answers with err.
type fakeDB struct {
	mu       sync.Mutex
	calls    []*dynamodb.PutItemInput
	unmarked int // calls whose context was not the invocation's
	err      error
	// landed answers like DynamoDB after an SDK retry of a write whose
	// first answer was lost: the condition fails on the very item sent.
	landed    bool
	deadlines []time.Time // the deadline of each call's context (zero: none)
}

func (f *fakeDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if !hasMarker(ctx) {
		f.unmarked++
	}
	deadline, _ := ctx.Deadline()
	f.deadlines = append(f.deadlines, deadline)
	if f.landed {
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed"), Item: in.Item}
	}
	if f.err != nil {
		return nil, f.err
	}
	return &dynamodb.PutItemOutput{}, nil
}

// fakeSNS records every Publish; the call numbered failAt (0-based) fails.
type fakeSNS struct {
	mu       sync.Mutex
	calls    []*sns.PublishInput
	unmarked int
	failAt   int // -1: never
	err      error
}

func (f *fakeSNS) Publish(ctx context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.calls)
	f.calls = append(f.calls, in)
	if !hasMarker(ctx) {
		f.unmarked++
	}
	if n == f.failAt {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: new(string)}, nil
}

// logBuffer is a JSON slog logger writing to memory, for asserting what is logged.
type logBuffer struct{ bytes.Buffer }

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(b, nil)) }

// records parses the buffer: every line must be one JSON object.
func (b *logBuffer) records(t *testing.T) []map[string]any {
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

// assertLogsFree fails if any secret (e-mail address, question text) shows
// up in the logs.
func (b *logBuffer) assertLogsFree(t *testing.T, secrets []string) {
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

// requestSecrets adds the e-mail and question text of a request body that parses.
func requestSecrets(t *testing.T, req events.APIGatewayProxyRequest) []string {
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

// streamSecrets are every string attribute of the batch's images but the id.
func streamSecrets(ev events.DynamoDBEvent) []string {
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
