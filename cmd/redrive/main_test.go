package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
)

func TestParse(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		check   func(options) bool
	}{
		{args: nil, check: func(o options) bool { return !o.aws && !o.apply && o.stateDir == ".local" }},
		{args: []string{"--apply", "--state-dir", "/tmp/s"}, check: func(o options) bool { return o.apply && o.stateDir == "/tmp/s" }},
		{args: []string{"--aws", "--bucket", "b", "--region", "eu-west-1"}, check: func(o options) bool { return o.aws && o.bucket == "b" && o.region == "eu-west-1" }},
		{args: []string{"--bucket", "b"}, wantErr: "go with --aws"},
		{args: []string{"list"}, wantErr: `unexpected argument "list"`},
		{args: []string{"--nope"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		var stderr strings.Builder
		o, err := parse(tt.args, &stderr)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parse(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !tt.check(o) {
			t.Errorf("parse(%q) = %+v, %v", tt.args, o, err)
		}
	}
}

func TestFromOutputs(t *testing.T) {
	const outputs = `{"failureBucketName":"questions-failures-1a2b3c4","questionsTopicArn":"arn:aws:sns:us-east-1:123456789012:questions-topic-1",` +
		`"deadLetterQueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/questions-dlq-1","tracingStage":2}`
	o := options{topic: "arn:given"} // a flag wins over the outputs
	if err := fromOutputs(&o, "-", strings.NewReader(outputs)); err != nil {
		t.Fatal(err)
	}
	if o.bucket != "questions-failures-1a2b3c4" || o.topic != "arn:given" || !strings.HasSuffix(o.queue, "/questions-dlq-1") {
		t.Errorf("from the outputs: %+v", o)
	}
	if err := fromOutputs(&options{}, "-", strings.NewReader("not json")); err == nil || !strings.Contains(err.Error(), "pulumi stack output --json") {
		t.Errorf("bad outputs: %v", err)
	}
	if err := fromOutputs(&options{}, filepath.Join(t.TempDir(), "missing.json"), nil); err == nil {
		t.Error("a missing outputs file was read")
	}
}

func TestAWSNeedsABucket(t *testing.T) {
	err := run(context.Background(), []string{"--aws", "--region", "us-east-1"}, strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "no failure bucket") {
		t.Errorf("--aws without a bucket: %v", err)
	}
}

// Listing the local stack's failure store needs no running stack.
func TestListLocal(t *testing.T) {
	stateDir := t.TempDir()
	var out strings.Builder
	if err := run(context.Background(), []string{"--state-dir", stateDir}, nil, &out, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "empty, nothing to redrive") {
		t.Errorf("empty store:\n%s", out.String())
	}
	rec := failures.Record{
		RequestContext:     failures.RequestContext{RequestID: "r1", Condition: failures.ConditionRecordAge},
		Timestamp:          "2026-02-03T04:05:06.000Z",
		DDBStreamBatchInfo: failures.BatchInfo{ShardID: "shardId-1"},
		Payload:            `{"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"QuestionId":{"S":"q-1"}},"NewImage":{"QuestionId":{"S":"q-1"},"UserEmailAddress":{"S":"a@b.example"},"QuestionText":{"S":"Hi?"}},"SequenceNumber":"1"}}]}`,
	}
	key, err := failures.Key("m", rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := failures.Dir(devstack.FailureDir(stateDir)).Put(context.Background(), key, rec); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"--state-dir", stateDir}, nil, &out, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"q-1", "2026-02-03 04:05:06", "older than the mapping's maximum record age", "to notify"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("listing lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "a@b.example") {
		t.Errorf("listing shows an e-mail address:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(devstack.FailureDir(stateDir), filepath.FromSlash(key))); err != nil {
		t.Errorf("listing changed the store: %v", err)
	}
}

// Listing reads the notice queue too: the legacy on-failure records of a
// stack deployed before the failure bucket are listed before --apply
// removes them.
func TestAWSListingReadsTheQueue(t *testing.T) {
	for _, apply := range []bool{false, true} {
		o := options{aws: true, apply: apply, region: "us-east-1", bucket: "questions-failures-1a2b3c4", topic: "arn:aws:sns:us-east-1:123456789012:questions",
			queue: "https://sqs.us-east-1.amazonaws.com/123456789012/questions-dlq-1"}
		cfg, err := awsConfig(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Notices == nil || cfg.Notices.Describe() != o.queue {
			t.Errorf("--apply=%t: notices %v, want the queue", apply, cfg.Notices)
		}
	}
}
