package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// projectDir is a copy of the project's Pulumi.yaml in a folder of its own,
// with the stack files given.
func projectDir(t *testing.T, stackFiles map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	project, err := os.ReadFile(filepath.Join("..", "..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stackFiles["Pulumi.yaml"] = string(project)
	for name, content := range stackFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSettings(t *testing.T) {
	files := map[string]string{
		"Pulumi.dev.yaml":  "config:\n  aws:region: us-east-1\n  mysfits-questions:adminEmail: admin@mysfits.example\n  mysfits-questions:stage: \"2\"\n",
		"Pulumi.walk.yaml": "config:\n  mysfits-questions:stage: 3\n  mysfits-questions:faultPercent: \"100\"\n  mysfits-questions:faultDelay: 300ms\n",
		"Pulumi.bad.yaml":  "config:\n  mysfits-questions:stage: \"7\"\n  mysfits-questions:faultDelay: soon\n",
	}
	root := projectDir(t, files)
	stage := func(s contract.TracingStage) contract.Tracing {
		return contract.Tracing{Stage: s, Faults: contract.DefaultTracing().Faults}
	}
	cases := []struct {
		args    []string
		want    contract.Tracing
		origin  string
		sources map[string]string
		wantErr string
	}{
		{args: nil, want: stage(2), origin: "*",
			sources: map[string]string{"stage": "Pulumi.dev.yaml", "faultPercent": "default", "allowedOrigin": "default"}},
		{args: []string{"--stack", "walk"}, want: contract.Tracing{Stage: 3, Faults: contract.Faults{Percent: 100, Delay: 300 * time.Millisecond}}, origin: "*",
			sources: map[string]string{"stage": "Pulumi.walk.yaml", "faultDelay": "Pulumi.walk.yaml"}},
		{args: []string{"--stack", "none"}, want: contract.DefaultTracing(), origin: "*", sources: map[string]string{"stage": "default"}},
		// A flag the user gave wins over the file; the ones not given do not.
		{args: []string{"--stage", "1"}, want: stage(1), origin: "*", sources: map[string]string{"stage": "--stage", "faultDelay": "default"}},
		{args: []string{"--stack", "walk", "--fault-percent", "0"}, want: contract.Tracing{Stage: 3, Faults: contract.Faults{Percent: 0, Delay: 300 * time.Millisecond}}, origin: "*",
			sources: map[string]string{"faultPercent": "--fault-percent", "stage": "Pulumi.walk.yaml"}},
		// The fault delay is kept below stage 3: it sizes the post timeout.
		{args: []string{"--stage", "1", "--fault-delay", "20s"}, want: contract.Tracing{Stage: 1, Faults: contract.Faults{Percent: 50, Delay: 20 * time.Second}}, origin: "*"},
		{args: []string{"--allowed-origin", "https://www.mysfits.example"}, want: stage(2), origin: "https://www.mysfits.example"},
		// A pinned key's bad value in the file is not read.
		{args: []string{"--stack", "bad", "--stage", "2", "--fault-delay", "1s"}, want: contract.Tracing{Stage: 2, Faults: contract.Faults{Percent: 50, Delay: time.Second}}, origin: "*"},
		{args: []string{"--stage", "4"}, wantErr: "Pulumi.dev.yaml: invalid configuration:\n--stage: 4 is not allowed (must be 1, 2 or 3)"},
		{args: []string{"--stage", "3", "--fault-percent", "101"}, wantErr: "--fault-percent: 101 is not allowed"},
		{args: []string{"--stage", "1", "--fault-delay", "1m"}, wantErr: "--fault-delay: 1m0s is not allowed"},
		{args: []string{"--allowed-origin", "https://www.mysfits.example/contact"}, wantErr: "--allowed-origin: \"https://www.mysfits.example/contact\" is not allowed"},
		// The deploy's own message, for each bad key.
		{args: []string{"--stack", "bad"}, wantErr: "Pulumi.bad.yaml: invalid configuration:\nfaultDelay: \"soon\" is not allowed (must be a duration such as 5s or 1500ms)"},
		{args: []string{"--stack", "a/b c"}, wantErr: "--stack: stack \"a/b c\": a stack name is"},
		{args: []string{"--stage", "2", "extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, err := parse(tc.args, io.Discard)
			var origin string
			var tr contract.Tracing
			if err == nil {
				_, from, _, serr := settings(o, root)
				err = serr
				tr, origin = from.Settings.Tracing, from.Settings.AllowedOrigin
				for key, want := range tc.sources {
					if got := from.Source(key); got != want {
						t.Errorf("source of %s: %q, want %q", key, got, want)
					}
				}
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || tr != tc.want || origin != tc.origin {
				t.Errorf("tracing %+v origin %q, %v; want %+v %q", tr, origin, err, tc.want, tc.origin)
			}
		})
	}
}

// The banner says where each setting came from, which are pinned, and
// what else the file holds, never an e-mail address.
func TestSettingsBlock(t *testing.T) {
	root := projectDir(t, map[string]string{
		"Pulumi.dev.yaml": "config:\n  mysfits-questions:adminEmail: admin@mysfits.example\n  mysfits-questions:stage: \"2\"\n" +
			"  mysfits-questions:logRetentionDays: \"30\"\n  mysfits-questions:stag: \"3\"\n",
	})
	o, err := parse([]string{"--fault-delay", "1s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	_, from, _, err := settings(o, root)
	if err != nil {
		t.Fatal(err)
	}
	got := settingsBlock(o.stack, from)
	for _, want := range []string{
		"settings          Pulumi.dev.yaml, followed: `pulumi config set stage N --stack dev` or an edit applies within a second, no restart",
		"    stage           2        Pulumi.dev.yaml\n",
		"    faultPercent    50       default\n",
		"    faultDelay      1s       --fault-delay (pinned: a change of the file does not move it)\n",
		"    allowedOrigin   *        default\n",
		"also set, checked as `pulumi up` checks them, no local effect: adminEmail, logRetentionDays",
		"not keys of Pulumi.yaml, nothing reads them: stag",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("banner settings:\n%s\nwant it to hold %q", got, want)
		}
	}
	if strings.Contains(got, "admin@") {
		t.Errorf("banner settings show an e-mail address:\n%s", got)
	}

	o.stack = "none"
	if _, from, _, err = settings(o, root); err != nil {
		t.Fatal(err)
	}
	if got := settingsBlock(o.stack, from); !strings.Contains(got, "Pulumi.none.yaml does not exist: the defaults") {
		t.Errorf("banner settings without a file:\n%s", got)
	}
}
