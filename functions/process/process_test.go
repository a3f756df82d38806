package process_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/lambdaenv"
	"github.com/mysfits/mysfits-questions/functions/process"
	"github.com/mysfits/mysfits-questions/questions"
)

const testTopic = handlertest.Topic

func TestNotifyEvents(t *testing.T) {
	tests := []struct {
		name      string
		event     string
		failAt    int      // publish call that fails, -1 none
		published []string // question ids of the publish calls, in order
		failures  []string // reported sequence numbers
		fnError   bool     // the invocation fails as a whole
		wraps     string   // what the function error wraps: "publish error" or "invalid question"
	}{
		{name: "inserts", event: "inserts", failAt: -1,
			published: []string{"5f0c6a1e-8a3b-4c47-9b1e-0d2f3a4b5c61", "7a1d2e3f-4b5c-4d6e-8f90-a1b2c3d4e5f6", "q-3\r\nBcc: everyone" + strings.Repeat("x", 120)}},
		{name: "MODIFY and REMOVE ignored", event: "mixed-events", failAt: -1,
			published: []string{"5f0c6a1e-8a3b-4c47-9b1e-0d2f3a4b5c61", "0e1d2c3b-4a59-4687-a6b5-c4d3e2f1a0b9"}},
		{name: "publish fails in the middle: stop there", event: "inserts", failAt: 1,
			published: []string{"5f0c6a1e-8a3b-4c47-9b1e-0d2f3a4b5c61", "7a1d2e3f-4b5c-4d6e-8f90-a1b2c3d4e5f6"},
			failures:  []string{"100000000000000000002"}},
		// Nothing published yet: the invocation fails, so the mapping
		// bisects the batch instead of retrying the record with all after it.
		{name: "publish fails first: function error", event: "inserts", failAt: 0,
			published: []string{"5f0c6a1e-8a3b-4c47-9b1e-0d2f3a4b5c61"},
			fnError:   true, wraps: "publish error"},
		{name: "malformed image after a notified one: stop there", event: "malformed-image", failAt: -1,
			published: []string{"5f0c6a1e-8a3b-4c47-9b1e-0d2f3a4b5c61"},
			failures:  []string{"300000000000000000002"}},
		{name: "insert without a new image first: function error", event: "missing-new-image", failAt: -1,
			fnError: true, wraps: "invalid question"},
		{name: "failed record without a sequence number", event: "missing-sequence-number", failAt: -1, fnError: true, wraps: "invalid question"},
		{name: "empty batch", event: "empty", failAt: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := handlertest.ReadEvent(t, "stream", tt.event)
			var ev events.DynamoDBEvent
			if err := json.Unmarshal(payload, &ev); err != nil {
				t.Fatal(err)
			}
			images := map[string]map[string]events.DynamoDBAttributeValue{}
			for _, rec := range ev.Records {
				if id := rec.Change.NewImage[questions.AttrQuestionID]; id.DataType() == events.DataTypeString {
					images[id.String()] = rec.Change.NewImage
				}
			}
			pub := &fakeSNS{failAt: tt.failAt, err: &smithy.GenericAPIError{Code: "InternalError", Message: "try again"}}
			var logs handlertest.LogBuffer
			n := &process.Handler{TopicARN: testTopic, SNS: pub, Log: logs.Logger()}

			out, err := handlertest.Invoke(t, handlertest.MarkedContext(), n.Handle, payload)
			if tt.fnError {
				if err == nil {
					t.Fatalf("Invoke = %s, want a function error", out)
				}
				// Function errors end in the mapping's logs: no user data.
				for _, secret := range handlertest.StreamSecrets(ev) {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("function error %q holds user data %q", err, secret)
					}
				}
				if wrapped := map[string]error{"publish error": pub.err, "invalid question": questions.ErrInvalid}[tt.wraps]; !errors.Is(err, wrapped) {
					t.Errorf("function error %v does not wrap the %s %v", err, tt.wraps, wrapped)
				}
			} else {
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				var resp events.DynamoDBEventResponse
				if err := json.Unmarshal(out, &resp); err != nil {
					t.Fatal(err)
				}
				if resp.BatchItemFailures == nil {
					t.Errorf("response %s: batchItemFailures must be a list", out)
				}
				var got []string
				for _, f := range resp.BatchItemFailures {
					got = append(got, f.ItemIdentifier)
				}
				if strings.Join(got, ",") != strings.Join(tt.failures, ",") {
					t.Errorf("batch item failures = %v, want %v", got, tt.failures)
				}
			}

			if len(pub.calls) != len(tt.published) {
				t.Fatalf("%d publish calls, want %d", len(pub.calls), len(tt.published))
			}
			if pub.unmarked != 0 {
				t.Errorf("Publish did not get the invocation's context")
			}
			for i, in := range pub.calls {
				q := questions.Question{ID: tt.published[i]}
				img := images[q.ID]
				q.Email, q.Text = img[questions.AttrUserEmail].String(), img[questions.AttrQuestionText].String()
				if aws.ToString(in.TopicArn) != testTopic {
					t.Errorf("publish %d: topic %q", i, aws.ToString(in.TopicArn))
				}
				if got, want := aws.ToString(in.Message), questions.NotificationMessage(q); got != want {
					t.Errorf("publish %d: message %q, want %q", i, got, want)
				}
				subject := aws.ToString(in.Subject)
				if subject != questions.NotificationSubject(q) {
					t.Errorf("publish %d: subject %q, want %q", i, subject, questions.NotificationSubject(q))
				}
				if len(subject) == 0 || len(subject) > 100 || strings.ContainsAny(subject, "\r\n") {
					t.Errorf("publish %d: subject %q breaks SNS's rules", i, subject)
				}
				for _, r := range subject {
					if r < 0x20 || r > 0x7e {
						t.Errorf("publish %d: subject %q holds %U", i, subject, r)
					}
				}
				if strings.Contains(subject, q.Email) || strings.Contains(subject, q.Text) {
					t.Errorf("publish %d: subject %q carries the visitor's input", i, subject)
				}
			}
			logs.Records(t) // every line is JSON
			logs.AssertLogsFree(t, handlertest.StreamSecrets(ev))
			if tt.failures != nil && !strings.Contains(logs.String(), tt.failures[0]) {
				t.Errorf("the failure log does not name sequence number %s:\n%s", tt.failures[0], logs.String())
			}
		})
	}
}

func TestNew(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1"}
	tests := []struct {
		name    string
		vars    map[string]string
		problem string
	}{
		{"stage 1", map[string]string{contract.EnvTopicARN: testTopic}, ""},
		{"stage 2", map[string]string{contract.EnvTopicARN: testTopic, contract.EnvStage: "2"}, ""},
		{"topic missing", map[string]string{contract.EnvStage: "2"}, contract.EnvTopicARN},
		{"bad stage", map[string]string{contract.EnvTopicARN: testTopic, contract.EnvStage: "x"}, contract.EnvStage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := newHandler(cfg, func(name string) string { return tt.vars[name] })
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("New error = %v, want one naming %s", err, tt.problem)
				}
				if errors.Is(err, lambdaenv.ErrMissing) != (tt.problem == contract.EnvTopicARN) {
					t.Errorf("error %v: ErrMissing mismatch", err)
				}
				return
			}
			if err != nil || n.TopicARN != testTopic || n.SNS == nil {
				t.Fatalf("New = %+v, %v", n, err)
			}
		})
	}
}
