package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// The paths of the Lambda Runtime API, version 2018-06-01 (Lambda developer
// guide, "Using the Lambda runtime API for custom runtimes").
const (
	runtimeAPIPrefix = "/2018-06-01/runtime"
	nextPath         = runtimeAPIPrefix + "/invocation/next"
)

// Invocation is one event the emulator hands to the runtime.
type Invocation struct {
	RequestID   string
	Payload     []byte
	TraceID     string // Lambda-Runtime-Trace-Id: the X-Ray trace header
	FunctionARN string
	Deadline    time.Time
}

// EventKind is what the runtime did.
type EventKind int

// What a runtime does through the API, in the order a healthy one does it.
const (
	NextRequested EventKind = iota // GET /invocation/next
	Responded                      // POST /invocation/{id}/response
	Failed                         // POST /invocation/{id}/error
	InitFailed                     // POST /init/error
)

func (k EventKind) String() string {
	switch k {
	case NextRequested:
		return "GET next"
	case Responded:
		return "response"
	case Failed:
		return "invocation error"
	case InitFailed:
		return "init error"
	}
	return "event " + strconv.Itoa(int(k))
}

// Event is one request of the runtime, stamped when it arrived.
type Event struct {
	Kind      EventKind
	At        time.Time
	RequestID string
	Body      []byte // the response or error document
	ErrorType string // Lambda-Runtime-Function-Error-Type of an error
}

// RuntimeAPI emulates the Runtime API of one execution environment: GET
// next long-polls until an invocation is queued, as on Lambda, and every
// request the runtime makes is reported on Events with its arrival time,
// which is what a cold start is measured by.
type RuntimeAPI struct {
	addr   string
	server *http.Server
	queue  chan Invocation
	events chan Event
	done   chan struct{}
}

// maxDocument bounds what the emulator reads of a response or error
// document; Lambda's own limit for a synchronous response is 6 MB.
const maxDocument = 6 << 20

// NewRuntimeAPI starts an emulator on a free loopback port.
func NewRuntimeAPI() (*RuntimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API emulator: %w", err)
	}
	a := &RuntimeAPI{
		addr:   ln.Addr().String(),
		queue:  make(chan Invocation, 16),
		events: make(chan Event, 64),
		done:   make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+nextPath, a.next)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/invocation/{id}/response", a.document(Responded))
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/invocation/{id}/error", a.document(Failed))
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/init/error", a.document(InitFailed))
	a.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.server.Serve(ln) }()
	return a, nil
}

// Addr is the value of AWS_LAMBDA_RUNTIME_API: host and port, no scheme.
func (a *RuntimeAPI) Addr() string { return a.addr }

// Queue adds an invocation for the runtime's next GET next.
func (a *RuntimeAPI) Queue(inv Invocation) { a.queue <- inv }

// Events reports each request of the runtime as it arrives.
func (a *RuntimeAPI) Events() <-chan Event { return a.events }

// Close ends the emulator; a GET next still waiting gets a 503.
func (a *RuntimeAPI) Close() error {
	close(a.done)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return a.server.Shutdown(ctx)
}

func (a *RuntimeAPI) report(ev Event) {
	select {
	case a.events <- ev:
	case <-a.done:
	}
}

func (a *RuntimeAPI) next(w http.ResponseWriter, r *http.Request) {
	a.report(Event{Kind: NextRequested, At: time.Now()})
	var inv Invocation
	select {
	case inv = <-a.queue:
	case <-a.done:
		http.Error(w, "the emulator is closing", http.StatusServiceUnavailable)
		return
	case <-r.Context().Done():
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.RequestID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.Deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.FunctionARN)
	if inv.TraceID != "" {
		h.Set("Lambda-Runtime-Trace-Id", inv.TraceID)
	}
	_, _ = w.Write(inv.Payload)
}

// document receives a response or an error document.
func (a *RuntimeAPI) document(kind EventKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDocument))
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "document too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.report(Event{Kind: kind, At: at, RequestID: r.PathValue("id"), Body: body,
			ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	}
}
