package traces

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Source is where cmd/traces reads traces: the local console API or the
// X-Ray API, both answering in the same model.
type Source interface {
	// ServiceGraph is the graph of [start, end]; zero times mean all the
	// source holds where it allows that.
	ServiceGraph(ctx context.Context, start, end time.Time) (*ServiceGraph, error)
	// TraceSummaries are the traces of [start, end] that match filter (an
	// X-Ray filter expression, "" for all), newest first, every page.
	TraceSummaries(ctx context.Context, start, end time.Time, filter string) (*TraceSummaries, error)
	// BatchGetTraces fetches full traces, any number of ids; the ones not
	// found come back in UnprocessedTraceIds.
	BatchGetTraces(ctx context.Context, ids []string) (*Traces, error)
}

// LocalSource reads the local stack's console API (Handler).
type LocalSource struct {
	base   *url.URL
	client *http.Client
}

var _ Source = (*LocalSource)(nil)

// NewLocalSource reads the stack at baseURL, e.g. http://127.0.0.1:8080;
// client nil means a client with a 30 s timeout.
func NewLocalSource(baseURL string, client *http.Client) (*LocalSource, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("local stack URL %q: want http://host:port", baseURL)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &LocalSource{base: u, client: client}, nil
}

func (s *LocalSource) get(ctx context.Context, endpoint string, q url.Values, out any) error {
	u := *s.base
	u.Path = strings.TrimSuffix(u.Path, "/") + APIPrefix + endpoint
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("local %s: %w", endpoint, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("local %s: %w (is the local stack running? make dev)", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("local %s: reading the answer: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return &APIError{Status: resp.StatusCode, Message: e.Error}
		}
		return &APIError{Status: resp.StatusCode, Message: fmt.Sprintf("%s answered %s", u.Path, resp.Status)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("local %s: decoding the answer: %w", endpoint, err)
	}
	return nil
}

// APIError is a refusal from the console API, e.g. a bad filter.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

// ErrBadRequest matches an APIError for bad input with errors.Is.
var ErrBadRequest = errors.New("bad request")

// Is makes errors.Is(err, ErrBadRequest) true for 400 answers.
func (e *APIError) Is(target error) bool {
	return target == ErrBadRequest && e.Status == http.StatusBadRequest
}

func windowQuery(start, end time.Time) url.Values {
	q := url.Values{}
	if !start.IsZero() {
		q.Set("start", strconv.FormatFloat(Epoch(start), 'f', -1, 64))
	}
	if !end.IsZero() {
		q.Set("end", strconv.FormatFloat(Epoch(end), 'f', -1, 64))
	}
	return q
}

// ServiceGraph implements Source.
func (s *LocalSource) ServiceGraph(ctx context.Context, start, end time.Time) (*ServiceGraph, error) {
	var g ServiceGraph
	if err := s.get(ctx, "graph", windowQuery(start, end), &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// TraceSummaries implements Source.
func (s *LocalSource) TraceSummaries(ctx context.Context, start, end time.Time, filter string) (*TraceSummaries, error) {
	q := windowQuery(start, end)
	if filter != "" {
		q.Set("filter", filter)
	}
	var out TraceSummaries
	if err := s.get(ctx, "summaries", q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BatchGetTraces implements Source, MaxBatch ids per request.
func (s *LocalSource) BatchGetTraces(ctx context.Context, ids []string) (*Traces, error) {
	out := &Traces{Traces: []Trace{}, UnprocessedTraceIDs: []string{}}
	for _, chunk := range chunks(ids, MaxBatch) {
		var page Traces
		if err := s.get(ctx, "traces", url.Values{"id": chunk}, &page); err != nil {
			return nil, err
		}
		out.Traces = append(out.Traces, page.Traces...)
		out.UnprocessedTraceIDs = append(out.UnprocessedTraceIDs, page.UnprocessedTraceIDs...)
	}
	return out, nil
}

// chunks splits ids, without duplicates, into groups of at most n.
func chunks(ids []string, n int) [][]string {
	seen := map[string]bool{}
	var out [][]string
	var cur []string
	for _, id := range ids {
		if seen[id] || id == "" {
			continue
		}
		seen[id] = true
		cur = append(cur, id)
		if len(cur) == n {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
