package handlertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FakeRequestID is the request id every fake AWS answer carries.
const FakeRequestID = "11111111-2222-4333-8444-555555555555"

// AWSCall is one request the fake AWS endpoint answered.
type AWSCall struct {
	Operation   string
	TraceHeader string // X-Amzn-Trace-Id, set by the X-Ray middleware
	Params      map[string]any
}

// awsAnswer is what DynamoDB PutItem (AWS JSON 1.0) or SNS Publish (query
// protocol, XML) answers a request, as the services do, so the real SDK
// clients and the real X-Ray middleware run end to end. call.Operation is
// "" for a request neither would take.
type awsAnswer struct {
	call        AWSCall
	status      int
	contentType string
	text        string
}

// answerAWS answers r, whose body is body; withParams also records the
// request's parameters, which the benchmarks leave out of their timing.
func answerAWS(r *http.Request, body []byte, withParams bool) awsAnswer {
	call := AWSCall{TraceHeader: r.Header.Get("X-Amzn-Trace-Id")}
	if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.PutItem" {
		call.Operation = "PutItem"
		if withParams {
			if err := json.Unmarshal(body, &call.Params); err != nil {
				return awsAnswer{status: http.StatusBadRequest, contentType: "text/plain; charset=utf-8", text: err.Error()}
			}
		}
		return awsAnswer{call: call, status: http.StatusOK, contentType: "application/x-amz-json-1.0", text: `{}`}
	}
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") == "Publish" {
		call.Operation = "Publish"
		if withParams {
			call.Params = map[string]any{"TopicArn": form.Get("TopicArn"), "Subject": form.Get("Subject")}
		}
		return awsAnswer{call: call, status: http.StatusOK, contentType: "text/xml", text: fmt.Sprintf(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>
</PublishResponse>`, FakeRequestID)}
	}
	return awsAnswer{status: http.StatusBadRequest, contentType: "application/x-amz-json-1.0", text: `{"__type":"UnknownOperationException"}`}
}

// FakeAWS is an HTTP endpoint answering as answerAWS does and recording
// the calls it answered.
type FakeAWS struct {
	*httptest.Server
	mu    sync.Mutex
	calls []AWSCall
}

// NewFakeAWS starts a FakeAWS for the test.
func NewFakeAWS(t *testing.T) *FakeAWS {
	t.Helper()
	f := &FakeAWS{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *FakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := answerAWS(r, body, true)
	w.Header().Set("X-Amzn-RequestId", FakeRequestID)
	w.Header().Set("Content-Type", a.contentType)
	w.WriteHeader(a.status)
	fmt.Fprint(w, a.text)
	if a.status != http.StatusOK {
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, a.call)
	f.mu.Unlock()
}

// Answered are the calls answered so far, in order.
func (f *FakeAWS) Answered() []AWSCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]AWSCall(nil), f.calls...)
}

// Config is an SDK configuration aimed at the fake, with static credentials
// and no retries.
func (f *FakeAWS) Config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		BaseEndpoint: aws.String(f.URL),
		HTTPClient:   f.Client(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// awsAnswers is an http.RoundTripper answering as answerAWS does, in
// process, without a socket.
type awsAnswers struct{}

func (awsAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	a := answerAWS(r, body, false)
	h := http.Header{"X-Amzn-Requestid": {FakeRequestID}, "Content-Type": {a.contentType}}
	return &http.Response{
		Status: http.StatusText(a.status), StatusCode: a.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(a.text)), ContentLength: int64(len(a.text)), Request: r,
	}, nil
}
