// Package devstack is the local stack: it launches the local services
// (DynamoDB Local and GoAWS) as child processes, creates the service's
// resources on them, and runs in-process what AWS would run: the REST API
// stage, the two Lambda functions, the stream's event source mapping and an
// X-Ray daemon, plus a view of the administrator's inbox.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mysfits/mysfits-questions/internal/local/dynamodblocal"
	"github.com/mysfits/mysfits-questions/internal/local/goaws"
	"github.com/mysfits/mysfits-questions/internal/local/proc"
)

// Local identity of every resource: GoAWS builds its ARNs from these.
const (
	Region    = "us-east-1"
	AccountID = "000000000000"
)

// ServicesConfig says where the services run.
type ServicesConfig struct {
	Root         string // the module root: go.mod, node_modules
	StateDir     string // logs and generated configuration (.local)
	DataDir      string // DynamoDB Local's files; "" = in memory
	DynamoDBPort int    // 0 = a free port
	GoAWSPort    int    // 0 = a free port
}

// Service names a child.
type Service int

// The two services.
const (
	DynamoDBLocal Service = iota
	GoAWS
)

// Services are the running children.
type Services struct {
	DynamoDBEndpoint, GoAWSEndpoint string

	mu      sync.Mutex
	goaws   goaws.Config // its Resources grow with KeepResources
	specs   [2]proc.Spec
	procs   [2]*proc.Process
	stopped [2]bool // stopped on purpose: not a death to report
	died    chan error
	closed  bool
}

// StartServices checks the prerequisites, then starts DynamoDB Local and
// GoAWS side by side and waits until both answer.
func StartServices(ctx context.Context, c ServicesConfig) (*Services, error) {
	java, err := dynamodblocal.Java(ctx)
	if err != nil {
		return nil, err
	}
	jar, libDir, err := dynamodblocal.Jar(c.Root)
	if err != nil {
		return nil, err
	}
	buildDir := filepath.Join(c.Root, BuildDir)
	launcher, err := dynamodblocal.Launcher(ctx, java, jar, buildDir)
	if err != nil {
		return nil, err
	}
	goawsBin, err := goaws.Binary(ctx, c.Root, buildDir)
	if err != nil {
		return nil, err
	}
	ddbPort, err := port(c.DynamoDBPort, DynamoDBPort)
	if err != nil {
		return nil, err
	}
	goawsPort, err := port(c.GoAWSPort, GoAWSPort)
	if err != nil {
		return nil, err
	}
	if ddbPort == goawsPort {
		return nil, fmt.Errorf("DynamoDB Local and GoAWS cannot share port %d", ddbPort)
	}
	dataDir := ""
	if c.DataDir != "" {
		if dataDir, err = filepath.Abs(c.DataDir); err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
	}
	logDir := filepath.Join(c.StateDir, "logs")
	gc := goaws.Config{
		Binary: goawsBin, Port: goawsPort, Region: Region, AccountID: AccountID,
		ConfigPath: filepath.Join(c.StateDir, "goaws", "goaws.yaml"),
		LogPath:    filepath.Join(logDir, "goaws.log"),
	}
	if err := goaws.WriteConfig(gc); err != nil {
		return nil, err
	}
	s := &Services{
		DynamoDBEndpoint: dynamodblocal.Endpoint(ddbPort),
		GoAWSEndpoint:    goaws.Endpoint(goawsPort),
		goaws:            gc,
		died:             make(chan error, 8),
	}
	s.specs[DynamoDBLocal] = dynamodblocal.Spec(dynamodblocal.Config{
		Java: java, Jar: jar, LibDir: libDir, Launcher: launcher, Port: ddbPort, DataDir: dataDir,
		LogPath: filepath.Join(logDir, "dynamodb-local.log"),
	})
	s.specs[GoAWS] = goaws.Spec(gc)

	errs := make([]error, len(s.specs))
	var wg sync.WaitGroup
	for i := range s.specs {
		wg.Go(func() { errs[i] = s.StartService(ctx, Service(i)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// StartService starts one service (again, after StopService: an outage
// test) on its port and watches it.
func (s *Services) StartService(ctx context.Context, which Service) error {
	p, err := proc.Start(ctx, s.specs[which])
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = p.Stop(5 * time.Second)
		return errors.New("the services are stopped")
	}
	s.procs[which], s.stopped[which] = p, false
	go func() {
		<-p.Done()
		s.mu.Lock()
		deliberate := s.stopped[which] || s.procs[which] != p
		s.mu.Unlock()
		if !deliberate {
			s.died <- p.Failure("exited unexpectedly")
		}
	}()
	return nil
}

// KeepResources adds topics, queues and subscriptions to GoAWS's
// configuration, so that GoAWS has them again from the moment it accepts
// requests after a restart (an outage test), as SNS and SQS keep them
// through an outage. GoAWS keeps them in memory only; made again through
// its API after the restart, a topic could take a publish before its
// subscription existed, and the message would reach no one.
func (s *Services) KeepResources(r goaws.Resources) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.goaws
	c.Resources = c.Resources.Add(r)
	if err := goaws.WriteConfig(c); err != nil {
		return err
	}
	s.goaws = c
	return nil
}

// StopService stops one service, which is then not reported as died.
func (s *Services) StopService(which Service) error {
	s.mu.Lock()
	p := s.procs[which]
	s.stopped[which] = true
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.Stop(10 * time.Second)
}

// BuildDir, under the module root, holds what the services are built
// into: the GoAWS binary and DynamoDB Local's launcher. It is shared by
// every state folder (each test has its own), so each is built once.
const BuildDir = ".local/build"

// port is the requested port if it is free, or a free one for 0.
func port(requested int, which Port) (int, error) {
	if requested == 0 {
		return proc.FreePort()
	}
	addr := proc.Addr(requested)
	if requested < 0 || requested > 65535 {
		return 0, &PortError{Port: which, Addr: addr, Err: errors.New("not a port")}
	}
	if err := proc.CheckPortFree(requested); err != nil {
		return 0, &PortError{Port: which, Addr: addr, Err: err}
	}
	return requested, nil
}

// Died delivers an error naming a child that exits on its own.
func (s *Services) Died() <-chan error { return s.died }

// Stop ends both children and their process groups.
func (s *Services) Stop() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(s.procs))
	for i := range s.procs {
		wg.Go(func() { errs[i] = s.StopService(Service(i)) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Pid is the process id of a running service, 0 when it is not running:
// for tools that measure what the service uses (make bench).
func (s *Services) Pid(which Service) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.procs[which]; p != nil && !s.stopped[which] {
		return p.Pid()
	}
	return 0
}

// Describe is one line per service for the start banner.
func (s *Services) Describe() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ddb, ga := s.procs[DynamoDBLocal], s.procs[GoAWS]
	return []string{
		fmt.Sprintf("DynamoDB Local    %s  (pid %d, log %s)", s.DynamoDBEndpoint, ddb.Pid(), ddb.LogPath()),
		fmt.Sprintf("GoAWS (SNS/SQS)   %s  (pid %d, log %s)", s.GoAWSEndpoint, ga.Pid(), ga.LogPath()),
	}
}

// FindRoot walks up from dir to the folder holding go.mod.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above: run from the repository", dir)
		}
	}
}
