package bench

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// AWSProxy stands where a function's AWS endpoints are, so the deployed
// bootstrap runs unchanged against the local services: it is an HTTPS proxy
// (CONNECT) that ends TLS for the AWS hosts it knows with certificates of a
// CA of its own and passes each request on to the local service for that
// host. The bootstrap only gets HTTPS_PROXY and SSL_CERT_FILE, which Go's
// net/http and crypto/x509 read, and does the TLS handshake a function does
// on Lambda.
type AWSProxy struct {
	addr   string
	caFile string
	routes map[string]*url.URL // AWS host name -> local service

	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	mu     sync.Mutex
	leaves map[string]*tls.Certificate

	outer, inner *http.Server
	tunnels      *connListener
}

// NewAWSProxy starts a proxy on a free loopback port for routes (AWS host
// name, such as dynamodb.us-east-1.amazonaws.com, to the base URL of the
// local service) and writes its CA certificate into dir.
func NewAWSProxy(dir string, routes map[string]string) (*AWSProxy, error) {
	p := &AWSProxy{routes: map[string]*url.URL{}, leaves: map[string]*tls.Certificate{}}
	for host, target := range routes {
		u, err := url.Parse(target)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("AWS proxy: route %s -> %q is not a base URL", host, target)
		}
		p.routes[host] = u
	}
	if err := p.newCA(); err != nil {
		return nil, fmt.Errorf("AWS proxy: %w", err)
	}
	p.caFile = filepath.Join(dir, "aws-proxy-ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.Raw})
	if err := os.WriteFile(p.caFile, caPEM, 0o644); err != nil {
		return nil, fmt.Errorf("AWS proxy: writing the CA certificate: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("AWS proxy: %w", err)
	}
	p.addr = ln.Addr().String()
	p.tunnels = newConnListener(ln.Addr())
	p.inner = &http.Server{Handler: http.HandlerFunc(p.forward), ReadHeaderTimeout: 10 * time.Second}
	p.outer = &http.Server{Handler: http.HandlerFunc(p.connect), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.inner.Serve(p.tunnels) }()
	go func() { _ = p.outer.Serve(ln) }()
	return p, nil
}

// Env is what a child needs to go through the proxy and trust it.
func (p *AWSProxy) Env() []string {
	return []string{"HTTPS_PROXY=http://" + p.addr, "SSL_CERT_FILE=" + p.caFile}
}

// Close stops the proxy and the tunnels through it.
func (p *AWSProxy) Close() error {
	return errors.Join(p.outer.Close(), p.inner.Close())
}

func (p *AWSProxy) newCA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mysfits-questions benchmark CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	if p.ca, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	p.caKey = key
	return nil
}

// leaf is the certificate for host, made once.
func (p *AWSProxy) leaf(host string) (*tls.Certificate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.leaves[host]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	p.leaves[host] = c
	return c, nil
}

// connect answers CONNECT for a known host and hands the tunnel, TLS ended
// here, to the inner server.
func (p *AWSProxy) connect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "only CONNECT: this proxy is for HTTPS", http.StatusMethodNotAllowed)
		return
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if _, ok := p.routes[host]; !ok {
		http.Error(w, "no local service for "+host, http.StatusForbidden)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	// Bytes the client sent after CONNECT may already sit in the buffer.
	tunnel := net.Conn(conn)
	if rw.Reader.Buffered() > 0 {
		tunnel = &bufferedConn{Conn: conn, r: rw.Reader}
	}
	tlsConn := tls.Server(tunnel, &tls.Config{
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return p.leaf(host) },
		NextProtos:     []string{"http/1.1"},
		MinVersion:     tls.VersionTLS12,
	})
	if !p.tunnels.push(tlsConn) {
		tlsConn.Close()
	}
}

// forward passes a request that came through a tunnel to its service.
func (p *AWSProxy) forward(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	target, ok := p.routes[host]
	if !ok {
		http.Error(w, "no local service for "+host, http.StatusBadGateway)
		return
	}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	rp.ServeHTTP(w, r)
}

// bufferedConn reads what the hijacked reader holds before the connection.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// connListener is a net.Listener of connections handed to it: the tunnels.
type connListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
