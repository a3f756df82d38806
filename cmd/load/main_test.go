package main

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/load"
	"github.com/mysfits/mysfits-questions/internal/testkit/audit"
)

func TestFlags(t *testing.T) {
	cases := []struct {
		args    []string
		check   func(options) bool
		wantErr string
	}{
		{args: nil, check: func(o options) bool {
			return o.run.Questions == 2000 && o.run.Clients == 16 && o.run.InvalidPercent == 5 && o.timeout == 5*time.Minute && o.stack.Endpoint == "" &&
				o.stack.Stage == contract.DefaultStage
		}},
		{args: []string{"-n", "100", "-c", "8"}, check: func(o options) bool { return o.run.Questions == 100 && o.run.Clients == 8 }},
		{args: []string{"--endpoint", "http://localhost:8080"}, check: func(o options) bool { return o.stack.Endpoint == "http://localhost:8080" }},
		{args: []string{"--endpoint", "http://[::1]:8080", "--dynamodb-endpoint", "http://127.0.0.2:8000"}, check: func(o options) bool { return true }},
		{args: []string{"--stage", "2", "--state-dir", "/tmp/x"}, check: func(o options) bool { return o.stack.Stage == contract.StageSDK && o.stack.StateDir == "/tmp/x" }},
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

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		name string
		ds   []time.Duration
		want string
	}{
		{"1..100ms", ds, "p50 50ms  p90 90ms  p99 99ms  max 100ms"},
		{"none", nil, "-"},
		{"rounded", []time.Duration{36_123 * time.Microsecond, 251 * time.Millisecond}, "p50 36.1ms  p90 250ms  p99 250ms  max 250ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentiles(load.PercentilesOf(tc.ds)); got != tc.want {
				t.Errorf("percentiles = %q, want %q", got, tc.want)
			}
		})
	}
}

// The report prints what a Result holds, and a lost question fails the
// run: the exit status `make load` users and CI read.
func TestReport(t *testing.T) {
	clean := load.Result{
		Elapsed: 500 * time.Millisecond, SentValid: 92, SentInvalid: 8, Answers: 100, Throughput: 200,
		Latency2xx: load.PercentilesOf([]time.Duration{20 * time.Millisecond}),
		Audit: audit.Report{
			Sent: 100, Accepted: 92, Refused: 8, ByStatus: map[int]int{201: 92, 400: 6, 415: 2},
			Stored: 92, Notified: 90, DeadLettered: 2,
		},
	}
	lost := load.Result{
		Elapsed: time.Second, SentValid: 1, Answers: 1, Throughput: 1,
		Audit: audit.Check([]audit.Request{{Text: "q", Status: 201, QuestionID: "id"}}, audit.Evidence{}),
	}
	cases := []struct {
		name    string
		res     load.Result
		rows    []string
		wantErr string
	}{
		{name: "kept", res: clean, rows: []string{
			`sent\s+100\s+\(92 valid, 8 invalid on purpose; 0 not sent\)`,
			`accepted\s+92\s+\(201: 92\)`,
			`rejected\s+8\s+\(400: 6, 415: 2\)`,
			`throughput\s+200\.0 req/s\s+\(100 answers in 500ms\)`,
			`latency, 2xx\s+p50 20ms  p90 20ms  p99 20ms  max 20ms`,
			`stored\s+92`,
			`LOST\s+0`,
			`duplicates\s+0\s`,
			`refused but stored\s+0`,
		}},
		{name: "lost", res: lost, rows: []string{`LOST\s+1$`}, wantErr: "1 lost"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := report(&out, &errOut, tc.res)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("report: %v, want an error containing %q", err, tc.wantErr)
			}
			table := out.String()
			for _, row := range tc.rows {
				if !regexp.MustCompile(`(?m)^\s+` + row).MatchString(table) {
					t.Errorf("table lacks a row matching %q:\n%s", row, table)
				}
			}
			// Every stored question reached the inbox or the dead-letter queue.
			if n, d := tableCount(t, table, "notified"), tableCount(t, table, "dead-lettered"); n+d < tc.res.Audit.Stored {
				t.Errorf("%d notified + %d dead-lettered, want all %d stored questions", n, d, tc.res.Audit.Stored)
			}
		})
	}
}

// tableCount reads the number of a row of the table.
func tableCount(t *testing.T, table, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s+` + name + `\s+(\d+)`).FindStringSubmatch(table)
	if m == nil {
		t.Fatalf("table lacks the %s row", name)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
