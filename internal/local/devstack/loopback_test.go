package devstack

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
)

// Every service of the local stack is reachable from this machine only:
// DynamoDB Local, GoAWS, the API and the X-Ray daemon each listen on
// loopback, and a connection to the machine's other addresses is refused.
// The stack runs on the addresses `make dev` gives it (LoopbackAddr).
func TestEveryServiceListensOnLoopbackOnly(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	d, _ := startStackWith(t, services, atStage(contract.StageLambdaOnly), func(c *Config) {
		c.HTTPAddr, c.XRayAddr = LoopbackAddr(0), LoopbackAddr(0)
	})
	tcp := map[string]int{
		"DynamoDB Local":        endpointPort(t, services.DynamoDBEndpoint),
		"GoAWS":                 endpointPort(t, services.GoAWSEndpoint),
		"the API and the pages": endpointPort(t, d.Endpoint()),
	}
	xray := endpointPort(t, "udp://"+d.XRayAddr())

	if runtime.GOOS == "linux" {
		// The kernel's own table of sockets: what each one is bound to.
		for name, port := range tcp {
			checkBoundToLoopback(t, name, "tcp", port)
		}
		checkBoundToLoopback(t, "the X-Ray daemon", "udp", xray)
	}
	others := nonLoopbackAddrs(t)
	if len(others) == 0 {
		t.Logf("this machine has no address but loopback: nothing to connect to from outside")
	}
	for name, port := range tcp {
		for _, ip := range others {
			addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
			if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
				c.Close()
				t.Errorf("%s accepts connections on %s, an address other machines can reach", name, addr)
			}
		}
	}
}

func endpointPort(t *testing.T, endpoint string) int {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatalf("no port in %s: %v", endpoint, err)
	}
	return p
}

// checkBoundToLoopback reads /proc/net/{tcp,tcp6} (or udp) for the sockets
// listening on port and requires at least one, each bound to loopback.
func checkBoundToLoopback(t *testing.T, name, proto string, port int) {
	t.Helper()
	var found []net.IP
	for _, table := range []string{proto, proto + "6"} {
		ips, err := listeningOn("/proc/net/"+table, proto, port)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, ips...)
	}
	if len(found) == 0 {
		t.Errorf("%s: nothing listens on %s port %d", name, proto, port)
	}
	for _, ip := range found {
		if !ip.IsLoopback() {
			t.Errorf("%s listens on %s, not on loopback only", name, net.JoinHostPort(ip.String(), strconv.Itoa(port)))
		}
	}
}

// listeningOn returns the local addresses of the sockets of a
// /proc/net/{tcp,udp}[6] table bound to port: listening (TCP state 0A) or
// unconnected (UDP state 07).
func listeningOn(path, proto string, port int) ([]net.IP, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the kernel's socket table: %w", err)
	}
	defer f.Close()
	state := "0A"
	if proto == "udp" {
		state = "07"
	}
	var ips []net.IP
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[3] != state {
			continue
		}
		hexIP, hexPort, ok := strings.Cut(fields[1], ":")
		if p, err := strconv.ParseUint(hexPort, 16, 16); !ok || err != nil || int(p) != port {
			continue
		}
		ip, err := procIP(hexIP)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ips = append(ips, ip)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ips, nil
}

// procIP decodes an address of /proc/net: 32-bit words in host byte order
// (little endian on amd64 and arm64).
func procIP(s string) (net.IP, error) {
	b, err := hex.DecodeString(s)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return nil, fmt.Errorf("address %q: not 4 or 16 hex bytes", s)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return net.IP(b), nil
}

// nonLoopbackAddrs are this machine's addresses other machines could use.
func nonLoopbackAddrs(t *testing.T) []net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var ips []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			ips = append(ips, n.IP)
		}
	}
	return ips
}

func TestProcIP(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"0100007F":                         "127.0.0.1",
		"00000000":                         "0.0.0.0",
		"0000000000000000FFFF00000100007F": "::ffff:127.0.0.1",
		"00000000000000000000000001000000": "::1",
		"00000000000000000000000000000000": "::",
	} {
		ip, err := procIP(in)
		if err != nil || !ip.Equal(net.ParseIP(want)) {
			t.Errorf("procIP(%s) = %v, %v; want %s", in, ip, err, want)
		}
	}
}
