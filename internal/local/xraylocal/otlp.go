package xraylocal

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/mysfits/mysfits-questions/contract"
)

// The OTLP/HTTP trace receiver (OTLP specification 1.x, "OTLP/HTTP"):
// exporters POST an ExportTraceServiceRequest to /v1/traces
// (contract.OTLPTracesPath), binary protobuf by default, JSON when
// configured, either one optionally gzipped, and read an
// ExportTraceServiceResponse back. Each span becomes an X-Ray
// segment document (otlp_segment.go) that goes into the same store, and
// through the same "trace finished" bookkeeping, as the UDP datagrams.

const (
	contentTypeProtobuf = "application/x-protobuf"
	contentTypeJSON     = "application/json"
	// maxOTLPBody bounds a request body, compressed and uncompressed: the
	// SDK's batches are far smaller, and a gzip bomb must not take the
	// stack's memory.
	maxOTLPBody = 16 << 20
)

// listenOTLP opens the receiver's TCP socket. Like every service of the
// local stack it refuses to listen beyond this machine: the spans carry
// what the functions saw.
func listenOTLP(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("OTLP receiver address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("OTLP receiver address %q: not a loopback address: the local stack listens on this machine only (127.0.0.1, ::1, localhost)", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("X-Ray daemon: listening for OTLP on tcp %s: %w", addr, err)
	}
	return l, nil
}

// OTLPEndpoint is the URL OTLP/HTTP exporters send traces to, the value for
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (a full URL, used as is); "" when the
// daemon was started without DaemonConfig.OTLPAddr.
func (d *Daemon) OTLPEndpoint() string {
	if d.otlp == nil {
		return ""
	}
	return "http://" + d.otlp.Addr().String() + contract.OTLPTracesPath
}

// serveOTLP serves the OTLP receiver until ctx ends or stop is called;
// stop returns once the requests in flight have been answered, so their
// spans are in the store before the daemon's last report.
func (d *Daemon) serveOTLP(ctx context.Context) (stop func()) {
	if d.otlp == nil {
		return func() {}
	}
	srv := &http.Server{
		Handler:           d.otlpHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(d.cfg.Log.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(d.otlp); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.cfg.Log.Warn("X-Ray daemon: the OTLP receiver stopped", "error", err)
		}
	}()
	shutdown := sync.OnceFunc(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close() // a client that will not finish its request
		}
		<-done
	})
	cancelAfter := context.AfterFunc(ctx, shutdown)
	return func() {
		cancelAfter()
		shutdown()
	}
}

// otlpHandler answers POST /v1/traces; other paths are 404 and other
// methods 405, as net/http's patterns give them.
func (d *Daemon) otlpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+contract.OTLPTracesPath, d.receiveTraces)
	return mux
}

// receiveTraces takes one export request. The whole body is decoded before
// anything is stored, so a bad request leaves the store as it was.
func (d *Daemon) receiveTraces(w http.ResponseWriter, r *http.Request) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mediaType != contentTypeProtobuf && mediaType != contentTypeJSON) {
		writeOTLPError(w, contentTypeProtobuf, http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("unsupported Content-Type %q: send %s or %s", r.Header.Get("Content-Type"), contentTypeProtobuf, contentTypeJSON))
		return
	}
	body, status, err := readOTLPBody(w, r)
	if err != nil {
		writeOTLPError(w, mediaType, status, codes.InvalidArgument, err.Error())
		return
	}
	req, err := decodeExportRequest(mediaType, body)
	if err != nil {
		writeOTLPError(w, mediaType, http.StatusBadRequest, codes.InvalidArgument, err.Error())
		return
	}

	resp := &coltracepb.ExportTraceServiceResponse{}
	var rejected []string
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, span := range ss.GetSpans() {
				if err := d.addSpan(rs.GetResource(), span); err != nil {
					rejected = append(rejected, err.Error())
				}
			}
		}
	}
	if len(rejected) > 0 {
		// OTLP's partial success: the request was understood, some spans
		// were not usable; retrying would not help.
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{
			RejectedSpans: int64(len(rejected)),
			ErrorMessage:  fmt.Sprintf("%d spans rejected, the first: %s", len(rejected), rejected[0]),
		}
		d.cfg.Log.Warn("X-Ray daemon: OTLP spans rejected", "count", len(rejected), "first", rejected[0])
	}
	writeOTLPMessage(w, mediaType, http.StatusOK, resp)
}

// readOTLPBody reads the body, gunzipped when it says so; on failure it
// returns the status to answer.
func readOTLPBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	var body io.Reader = http.MaxBytesReader(w, r.Body, maxOTLPBody)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		gz, err := gzip.NewReader(body)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("reading the gzip body: %w", err)
		}
		defer gz.Close()
		body = gz
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("unsupported Content-Encoding %q: send gzip or nothing", enc)
	}
	b, err := io.ReadAll(io.LimitReader(body, maxOTLPBody+1))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || len(b) > maxOTLPBody:
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body larger than %d bytes", maxOTLPBody)
	case err != nil:
		return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %w", err)
	}
	return b, 0, nil
}

// decodeExportRequest decodes an ExportTraceServiceRequest in either OTLP
// encoding.
func decodeExportRequest(mediaType string, body []byte) (*coltracepb.ExportTraceServiceRequest, error) {
	req := &coltracepb.ExportTraceServiceRequest{}
	if mediaType == contentTypeProtobuf {
		if err := proto.Unmarshal(body, req); err != nil {
			return nil, fmt.Errorf("decoding the protobuf ExportTraceServiceRequest: %w", err)
		}
		return req, nil
	}
	normalized, err := otlpJSONToProtoJSON(body)
	if err != nil {
		return nil, fmt.Errorf("decoding the JSON ExportTraceServiceRequest: %w", err)
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(normalized, req); err != nil {
		return nil, fmt.Errorf("decoding the JSON ExportTraceServiceRequest: %w", err)
	}
	return req, nil
}

// otlpJSONToProtoJSON rewrites the trace and span ids of OTLP/JSON, which
// the OTLP specification encodes in hex, into the base64 that the protobuf
// JSON mapping expects for bytes; the rest of OTLP/JSON is protobuf JSON.
func otlpJSONToProtoJSON(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep 64-bit nanosecond times exact
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	idFields := [][2]string{{"traceId", "trace_id"}, {"spanId", "span_id"}, {"parentSpanId", "parent_span_id"}}
	var rewrite func(obj map[string]any) error
	rewrite = func(obj map[string]any) error {
		for _, names := range idFields {
			for _, name := range names {
				s, ok := obj[name].(string)
				if !ok {
					continue
				}
				b, err := hex.DecodeString(s)
				if err != nil {
					return fmt.Errorf("%s %q is not hex", name, s)
				}
				obj[name] = base64.StdEncoding.EncodeToString(b)
			}
		}
		for _, link := range objects(obj["links"]) {
			if err := rewrite(link); err != nil {
				return err
			}
		}
		return nil
	}
	for _, rs := range objects(doc["resourceSpans"], doc["resource_spans"]) {
		for _, ss := range objects(rs["scopeSpans"], rs["scope_spans"]) {
			for _, span := range objects(ss["spans"]) {
				if err := rewrite(span); err != nil {
					return nil, err
				}
			}
		}
	}
	return json.Marshal(doc)
}

// objects are the JSON objects in the arrays vs.
func objects(vs ...any) []map[string]any {
	var out []map[string]any
	for _, v := range vs {
		arr, _ := v.([]any)
		for _, e := range arr {
			if obj, ok := e.(map[string]any); ok {
				out = append(out, obj)
			}
		}
	}
	return out
}

// writeOTLPMessage answers with m in the request's encoding.
func writeOTLPMessage(w http.ResponseWriter, mediaType string, status int, m proto.Message) {
	var b []byte
	var err error
	if mediaType == contentTypeJSON {
		b, err = protojson.Marshal(m)
	} else {
		mediaType = contentTypeProtobuf
		b, err = proto.Marshal(m)
	}
	if err != nil { // a message built here always encodes
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeOTLPError answers with the google.rpc.Status body the OTLP
// specification requires for 4xx and 5xx responses.
func writeOTLPError(w http.ResponseWriter, mediaType string, status int, code codes.Code, msg string) {
	writeOTLPMessage(w, mediaType, status, &statuspb.Status{Code: int32(code), Message: msg})
}
