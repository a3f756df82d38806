package opentelemetry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigV4Transport signs each request with AWS Signature Version 4 before
// next sends it: X-Ray's OTLP endpoint authenticates callers that way
// (CloudWatch User Guide, "OTLP Endpoints"), and the OTLP exporter, which
// knows no AWS, takes it as its HTTP client's transport. The signer is the
// one aws-sdk-go-v2's own clients sign with.
type SigV4Transport struct {
	Credentials aws.CredentialsProvider
	Service     string // the signing name: "xray"
	Region      string
	// Next sends the signed request; nil means http.DefaultTransport.
	Next http.RoundTripper
	// Now is the signing time; nil means time.Now. Tests fix it.
	Now func() time.Time
}

var _ http.RoundTripper = (*SigV4Transport)(nil)

// RoundTrip signs a copy of req (a RoundTripper must not change the
// request it is given) over its whole body and sends it.
func (t *SigV4Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("signing the request to %s: %w", req.URL.Host, err)
	}
	creds, err := t.Credentials.Retrieve(req.Context())
	if err != nil {
		return nil, fmt.Errorf("signing the request to %s: credentials: %w", req.URL.Host, err)
	}
	signed := req.Clone(req.Context())
	signed.Body = io.NopCloser(bytes.NewReader(body))
	signed.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	signed.ContentLength = int64(len(body))
	sum := sha256.Sum256(body)
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	if err := v4.NewSigner().SignHTTP(req.Context(), creds, signed, hex.EncodeToString(sum[:]), t.Service, t.Region, now().UTC()); err != nil {
		return nil, fmt.Errorf("signing the request to %s: %w", req.URL.Host, err)
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(signed)
}

// readBody reads the request's body whole and closes it, as a transport
// must; the signature covers the payload's hash.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	return io.ReadAll(req.Body)
}
