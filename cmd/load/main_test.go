package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/internal/testkit/audit"
	"github.com/mysfits/mysfits-questions/questions"
)

func TestFlags(t *testing.T) {
	cases := []struct {
		args    []string
		check   func(options) bool
		wantErr string
	}{
		{args: nil, check: func(o options) bool {
			return o.questions == 2000 && o.clients == 16 && o.invalidPct == 5 && o.timeout == 5*time.Minute && o.endpoint == ""
		}},
		{args: []string{"-n", "100", "-c", "8"}, check: func(o options) bool { return o.questions == 100 && o.clients == 8 }},
		{args: []string{"--endpoint", "http://localhost:8080"}, check: func(o options) bool { return o.endpoint == "http://localhost:8080" }},
		{args: []string{"--endpoint", "http://[::1]:8080", "--dynamodb-endpoint", "http://127.0.0.2:8000"}, check: func(o options) bool { return true }},
		{args: []string{"-n", "0"}, wantErr: "-n 0: must be 1 to 100000"},
		{args: []string{"-c", "1000"}, wantErr: "-c 1000: must be 1 to 256"},
		{args: []string{"--invalid-percent", "101"}, wantErr: "--invalid-percent 101"},
		{args: []string{"--timeout", "0s"}, wantErr: "--timeout 0s"},
		{args: []string{"--stage", "3"}, wantErr: "--stage 3: must be 1 or 2"},
		{args: []string{"--endpoint", "http://192.0.2.10:8080"}, wantErr: "not a loopback address"},
		{args: []string{"--endpoint", "http://example.com"}, wantErr: "not a loopback address"},
		{args: []string{"--endpoint", "http://127.0.0.1:8080", "--sns-endpoint", "http://mysfits.example:4100"}, wantErr: "--sns-endpoint"},
		{args: []string{"--endpoint", "127.0.0.1:8080"}, wantErr: "not an http(s) URL"},
		{args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, err := parse(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(o) {
				t.Errorf("options %+v, %v", o, err)
			}
		})
	}
}

// The plan's requests are what the service's own decoder accepts or
// refuses: valid ones decode, each invalid kind fails as intended.
func TestPlan(t *testing.T) {
	reqs := plan("run1", 100, 8)
	count := map[kind]int{}
	texts := map[string]bool{}
	for i, r := range reqs {
		count[r.kind]++
		if texts[r.text] {
			t.Fatalf("request %d repeats a text: the audit could not tell the questions apart", i)
		}
		texts[r.text] = true
		_, err := questions.DecodeSubmission(r.body)
		switch r.kind {
		case valid, wrongContentType:
			if err != nil {
				t.Errorf("request %d (%s): body refused: %v", i, kindNames[r.kind], err)
			}
			if want := map[kind]string{valid: "application/json", wrongContentType: "text/plain"}[r.kind]; r.contentType != want {
				t.Errorf("request %d (%s): content type %q, want %q", i, kindNames[r.kind], r.contentType, want)
			}
		default:
			if !errors.Is(err, questions.ErrInvalid) {
				t.Errorf("request %d (%s): decoder said %v, want it refused", i, kindNames[r.kind], err)
			}
		}
	}
	if count[valid] != 92 {
		t.Errorf("%d valid of 100 at 8%% invalid, want 92", count[valid])
	}
	for k := badEmail; k < kinds; k++ {
		if count[k] != 2 {
			t.Errorf("%d %s requests, want 2: the invalid kinds take turns", count[k], kindNames[k])
		}
	}
	if n := len(plan("run1", 50, 0)); n != 50 {
		t.Errorf("plan(50) made %d requests", n)
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if got, want := percentiles(ds), "p50 50ms  p90 90ms  p99 99ms  max 100ms"; got != want {
		t.Errorf("percentiles = %q, want %q", got, want)
	}
	if got := percentiles(nil); got != "-" {
		t.Errorf("percentiles(nil) = %q, want -", got)
	}
}

// A lost question fails the run and shows in the table.
func TestLostQuestionFailsTheRun(t *testing.T) {
	res := result{
		sendResult: sendResult{outcomes: []outcome{{request: request{kind: valid, text: "q"}, sent: true, status: 201, questionID: "id"}}, elapsed: time.Second},
		report:     audit.Check([]audit.Request{{Text: "q", Status: 201, QuestionID: "id"}}, audit.Evidence{}),
	}
	if len(res.problems()) == 0 {
		t.Fatal("a lost question is no problem")
	}
	var out bytes.Buffer
	res.print(&out)
	if !regexp.MustCompile(`(?m)^\s+LOST\s+1$`).MatchString(out.String()) {
		t.Errorf("table does not show 1 lost:\n%s", out.String())
	}
}

// The load test, small: a local stack of its own, 100 questions from 8
// clients, every one accounted for. Speed is printed, never asserted.
func TestLoadOnALocalStack(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts DynamoDB Local (Java 17+, npm) and GoAWS; `make test` runs it")
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-n", "100", "-c", "8", "--invalid-percent", "8", "--timeout", "3m", "--state-dir", t.TempDir()}
	err := run(context.Background(), args, &stdout, &stderr)
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	if err != nil {
		t.Fatalf("load test failed: %v", err)
	}
	table := stdout.String()
	for _, row := range []string{
		`sent\s+100\s+\(92 valid, 8 invalid on purpose; 0 not sent\)`,
		`accepted\s+92\s+\(201: 92\)`,
		`rejected\s+8\s+\(400: 6, 415: 2\)`,
		`stored\s+92`,
		`LOST\s+0`,
		`duplicates\s+0\s`,
		`refused but stored\s+0`,
	} {
		if !regexp.MustCompile(`(?m)^\s+` + row).MatchString(table) {
			t.Errorf("table lacks a row matching %q", row)
		}
	}
	// Every stored question reached the inbox or the dead-letter queue.
	count := func(name string) int {
		m := regexp.MustCompile(`(?m)^\s+` + name + `\s+(\d+)`).FindStringSubmatch(table)
		if m == nil {
			t.Fatalf("table lacks the %s row", name)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if n, d := count("notified"), count("dead-lettered"); n+d < 92 {
		t.Errorf("%d notified + %d dead-lettered, want all 92 stored questions", n, d)
	}
}
