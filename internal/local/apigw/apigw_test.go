package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/local/lambdalocal"
)

// fakePost records the proxy events and answers with reply.
type fakePost struct {
	mu     sync.Mutex
	events []events.APIGatewayProxyRequest
	ups    []lambdalocal.Upstream
	reply  func() ([]byte, error)
}

func (f *fakePost) Invoke(_ context.Context, payload []byte, up lambdalocal.Upstream) ([]byte, error) {
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.events = append(f.events, ev)
	f.ups = append(f.ups, up)
	f.mu.Unlock()
	return f.reply()
}

// validBody passes the request validator.
const validBody = `{"email":"a@b.example","questionText":"Hi"}`

func respond(resp events.APIGatewayProxyResponse) func() ([]byte, error) {
	return func() ([]byte, error) { return json.Marshal(resp) }
}

func newServer(t *testing.T, post *fakePost) *httptest.Server {
	t.Helper()
	api := New(Config{APIName: "questions", APIID: "abc123", AccountID: "000000000000", Region: "us-east-1",
		AllowedOrigin: "https://www.mysfits.example", Post: post, Log: slog.New(slog.NewTextHandler(t.Output(), nil))})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url string, body io.Reader, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestPostBuildsTheRESTProxyEvent(t *testing.T) {
	post := &fakePost{reply: respond(events.APIGatewayProxyResponse{StatusCode: 201, Body: `{"questionId":"q1"}`})}
	srv := newServer(t, post)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/questions?lang=en&lang=fr", strings.NewReader(validBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("User-Agent", "test-agent")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("status %d, want the function's 201", resp.StatusCode)
	}
	if len(post.events) != 1 {
		t.Fatalf("function invoked %d times, want once", len(post.events))
	}
	ev := post.events[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"resource", ev.Resource, "/questions"},
		{"path", ev.Path, "/questions"},
		{"httpMethod", ev.HTTPMethod, "POST"},
		{"body", ev.Body, validBody},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"headers Content-Type", ev.Headers["Content-Type"], "application/json"},
		{"headers X-Multi (last value)", ev.Headers["X-Multi"], "two"},
		{"multiValueHeaders X-Multi", strings.Join(ev.MultiValueHeaders["X-Multi"], ","), "one,two"},
		{"headers Host", ev.Headers["Host"], strings.TrimPrefix(srv.URL, "http://")},
		{"headers X-Forwarded-For", ev.Headers["X-Forwarded-For"], "127.0.0.1"},
		{"queryStringParameters lang", ev.QueryStringParameters["lang"], "fr"},
		{"multiValueQueryStringParameters lang", strings.Join(ev.MultiValueQueryStringParameters["lang"], ","), "en,fr"},
		{"requestContext.stage", ev.RequestContext.Stage, "prod"},
		{"requestContext.resourcePath", ev.RequestContext.ResourcePath, "/questions"},
		{"requestContext.path", ev.RequestContext.Path, "/prod/questions"},
		{"requestContext.httpMethod", ev.RequestContext.HTTPMethod, "POST"},
		{"requestContext.apiId", ev.RequestContext.APIID, "abc123"},
		{"requestContext.accountId", ev.RequestContext.AccountID, "000000000000"},
		{"requestContext.identity.sourceIp", ev.RequestContext.Identity.SourceIP, "127.0.0.1"},
		{"requestContext.identity.userAgent", ev.RequestContext.Identity.UserAgent, "test-agent"},
		{"requestContext.requestId matches x-amzn-RequestId", ev.RequestContext.RequestID, resp.Header.Get("x-amzn-RequestId")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if ev.RequestContext.RequestID == "" || ev.RequestContext.RequestTimeEpoch == 0 || ev.RequestContext.RequestTime == "" {
		t.Errorf("requestContext lacks request id or time: %+v", ev.RequestContext)
	}
	if post.ups[0] != (lambdalocal.Upstream{}) {
		t.Errorf("untraced stage passed trace context %+v to Lambda, want none", post.ups[0])
	}
}

func TestNoQueryStringIsNull(t *testing.T) {
	post := &fakePost{reply: respond(events.APIGatewayProxyResponse{StatusCode: 200})}
	srv := newServer(t, post)
	do(t, http.MethodPost, srv.URL+"/questions", strings.NewReader(validBody), nil)
	raw, _ := json.Marshal(post.events[0])
	var ev map[string]any
	_ = json.Unmarshal(raw, &ev)
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables"} {
		if v, ok := ev[k]; !ok || v != nil {
			t.Errorf("%s = %v, want null as API Gateway sends", k, v)
		}
	}
}

func TestResponseMapping(t *testing.T) {
	cases := []struct {
		name       string
		reply      func() ([]byte, error)
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{
			name: "status, headers and body",
			reply: respond(events.APIGatewayProxyResponse{StatusCode: 400, Body: `{"error":"email: is required"}`,
				Headers: map[string]string{"Content-Type": "application/json", "X-One": "1"}}),
			wantStatus: 400, wantBody: `{"error":"email: is required"}`,
			wantHeader: map[string]string{"X-One": "1", "Content-Type": "application/json"},
		},
		{
			name: "multi-value headers",
			reply: respond(events.APIGatewayProxyResponse{StatusCode: 200,
				MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}}}),
			wantStatus: 200, wantHeader: map[string]string{"Set-Cookie": "a=1"},
		},
		{
			name: "base64 body is decoded",
			reply: respond(events.APIGatewayProxyResponse{StatusCode: 200, IsBase64Encoded: true,
				Body: base64.StdEncoding.EncodeToString([]byte("binary\x00data"))}),
			wantStatus: 200, wantBody: "binary\x00data",
		},
		{
			name:       "function error is a 502 with the CORS headers",
			reply:      func() ([]byte, error) { return nil, &lambdalocal.FunctionError{Type: "wrapError", Message: "boom"} },
			wantStatus: 502, wantBody: `{"error":"Internal server error"}`,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "https://www.mysfits.example", "Content-Type": "application/json"},
		},
		{
			name:       "malformed proxy response is a 502",
			reply:      func() ([]byte, error) { return []byte(`"not an object"`), nil },
			wantStatus: 502, wantBody: `{"error":"Internal server error"}`,
		},
		{
			name:       "response without a status code is a 502",
			reply:      func() ([]byte, error) { return []byte(`{"body":"x"}`), nil },
			wantStatus: 502, wantBody: `{"error":"Internal server error"}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, &fakePost{reply: tc.reply})
			resp, body := do(t, http.MethodPost, srv.URL+"/questions", strings.NewReader(validBody), map[string]string{"Content-Type": "application/json"})
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.wantBody != "" && string(body) != tc.wantBody {
				t.Errorf("body %q, want %q", body, tc.wantBody)
			}
			for k, v := range tc.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tc.name == "multi-value headers" {
				if got := resp.Header.Values("Set-Cookie"); len(got) != 2 {
					t.Errorf("Set-Cookie values %v, want both", got)
				}
			}
		})
	}
}

func TestGatewayAnswers(t *testing.T) {
	post := &fakePost{reply: respond(events.APIGatewayProxyResponse{StatusCode: 201})}
	srv := newServer(t, post)
	cases := []struct {
		name       string
		method     string
		path       string
		body       io.Reader
		wantStatus int
		wantBody   string
	}{
		{"preflight from the MOCK integration", http.MethodOptions, "/questions", nil, 200, ""},
		{"method the resource lacks", http.MethodGet, "/questions", nil, 403, `{"error":"Missing Authentication Token"}`},
		{"resource the API lacks", http.MethodPost, "/questions/extra", strings.NewReader("{}"), 403, `{"error":"Missing Authentication Token"}`},
		{"body over API Gateway's 10 MB", http.MethodPost, "/questions", bytes.NewReader(make([]byte, MaxPayload+1)), 413, `{"error":"Request Too Long"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.method, srv.URL+tc.path, tc.body, nil)
			if resp.StatusCode != tc.wantStatus || string(body) != tc.wantBody {
				t.Errorf("%s %s = %d %q, want %d %q", tc.method, tc.path, resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			// The post function's and the deployed API's headers
			// (contract.CORSHeaders): a single origin varies by Origin.
			want := map[string]string{
				"Access-Control-Allow-Origin":  "https://www.mysfits.example",
				"Access-Control-Allow-Methods": contract.CORSAllowMethods,
				"Access-Control-Allow-Headers": contract.CORSAllowHeaders,
				"Vary":                         "Origin",
			}
			if tc.method == http.MethodOptions {
				want["Access-Control-Max-Age"] = contract.CORSMaxAge
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
	if len(post.events) != 0 {
		t.Errorf("the function was invoked %d times for requests API Gateway answers itself", len(post.events))
	}
}
