package traces

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

// XRayAPI is the part of *xray.Client the AWS source calls.
type XRayAPI interface {
	GetServiceGraph(ctx context.Context, in *xray.GetServiceGraphInput, opts ...func(*xray.Options)) (*xray.GetServiceGraphOutput, error)
	GetTraceSummaries(ctx context.Context, in *xray.GetTraceSummariesInput, opts ...func(*xray.Options)) (*xray.GetTraceSummariesOutput, error)
	BatchGetTraces(ctx context.Context, in *xray.BatchGetTracesInput, opts ...func(*xray.Options)) (*xray.BatchGetTracesOutput, error)
	GetTraceSegmentDestination(ctx context.Context, in *xray.GetTraceSegmentDestinationInput, opts ...func(*xray.Options)) (*xray.GetTraceSegmentDestinationOutput, error)
	StartTraceRetrieval(ctx context.Context, in *xray.StartTraceRetrievalInput, opts ...func(*xray.Options)) (*xray.StartTraceRetrievalOutput, error)
	ListRetrievedTraces(ctx context.Context, in *xray.ListRetrievedTracesInput, opts ...func(*xray.Options)) (*xray.ListRetrievedTracesOutput, error)
}

var _ XRayAPI = (*xray.Client)(nil)

// AWSOptions tune the AWS source; zero values take the defaults.
type AWSOptions struct {
	// PollInterval spaces ListRetrievedTraces calls while a Transaction
	// Search retrieval runs (default 1 s); MaxPolls bounds them (default 120).
	PollInterval time.Duration
	MaxPolls     int
	// Retries is how often ids BatchGetTraces left unprocessed are asked
	// for again (0: the default 2; negative: never), RetryDelay apart
	// (default 1 s).
	Retries    int
	RetryDelay time.Duration
	// DefaultWindow is the time range used when a query gives none
	// (default 1 h): the X-Ray API needs one.
	DefaultWindow time.Duration
	Now           func() time.Time
}

// AWSSource reads the X-Ray API. With Transaction Search on (segments go
// to CloudWatch Logs) full traces come from StartTraceRetrieval and
// ListRetrievedTraces, since BatchGetTraces then returns nothing.
type AWSSource struct {
	api XRayAPI
	opt AWSOptions

	mu          sync.Mutex
	destination types.TraceSegmentDestination // "" until asked
}

var _ Source = (*AWSSource)(nil)

// NewAWSSource reads through api, e.g. xray.NewFromConfig(cfg).
func NewAWSSource(api XRayAPI, opt AWSOptions) *AWSSource {
	if opt.PollInterval <= 0 {
		opt.PollInterval = time.Second
	}
	if opt.MaxPolls <= 0 {
		opt.MaxPolls = 120
	}
	if opt.Retries < 0 {
		opt.Retries = 0
	} else if opt.Retries == 0 {
		opt.Retries = 2
	}
	if opt.RetryDelay <= 0 {
		opt.RetryDelay = time.Second
	}
	if opt.DefaultWindow <= 0 {
		opt.DefaultWindow = time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &AWSSource{api: api, opt: opt}
}

// The X-Ray API's bounds on a time range (AWS X-Ray API Reference,
// GetTraceSummaries: StartTime and EndTime; AWS X-Ray Developer Guide: trace
// data is kept 30 days): GetTraceSummaries takes a range of at most 6 hours
// per call, and nothing older than 30 days is held. A longer window is read
// as consecutive ranges of at most APIWindow, oldest first, from no further
// back than Retention; the service graph is read in the same ranges and
// merged, so a long --since never rests on a larger range being accepted.
// (Before these bounds the source passed any window through, and X-Ray's
// refusal reached the user as a raw SDK error; the recorded responses in
// testdata/traces/aws cover an 8-second window.)
const (
	APIWindow = 6 * time.Hour
	Retention = 30 * 24 * time.Hour
)

// retentionMargin keeps the oldest range clear of the retention edge,
// which moves on while the calls are made.
const retentionMargin = time.Minute

// timeRange is one call's StartTime and EndTime.
type timeRange struct{ start, end time.Time }

// ranges is the window [start, end] as the API takes it: the default
// window where a bound is missing, cut to what X-Ray keeps, in ranges of at
// most APIWindow, oldest first.
func (s *AWSSource) ranges(start, end time.Time) ([]timeRange, error) {
	if end.IsZero() {
		end = s.opt.Now()
	}
	if start.IsZero() {
		start = end.Add(-s.opt.DefaultWindow)
	}
	oldest := s.opt.Now().Add(-Retention + retentionMargin)
	if !end.After(oldest) {
		return nil, fmt.Errorf("X-Ray keeps traces %d days: the window %s - %s ended before %s",
			int(Retention.Hours()/24), start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), oldest.UTC().Format(time.RFC3339))
	}
	if start.Before(oldest) {
		start = oldest
	}
	if !end.After(start) {
		return []timeRange{{start, end}}, nil // as asked: X-Ray answers an empty or reversed range
	}
	var out []timeRange
	for from := start; from.Before(end); from = from.Add(APIWindow) {
		out = append(out, timeRange{from, minTime(from.Add(APIWindow), end)})
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// ServiceGraph implements Source with GetServiceGraph, every page of every
// range; the graphs of several ranges are merged into one.
func (s *AWSSource) ServiceGraph(ctx context.Context, start, end time.Time) (*ServiceGraph, error) {
	rs, err := s.ranges(start, end)
	if err != nil {
		return nil, err
	}
	out := &ServiceGraph{StartTime: Epoch(rs[0].start), EndTime: Epoch(rs[len(rs)-1].end), Services: []Service{}}
	var parts [][]Service
	for i, r := range rs {
		p := xray.NewGetServiceGraphPaginator(s.api, &xray.GetServiceGraphInput{StartTime: aws.Time(r.start), EndTime: aws.Time(r.end)})
		var services []Service
		for first := true; p.HasMorePages(); first = false {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("X-Ray GetServiceGraph: %w", err)
			}
			if first && i == 0 {
				out.StartTime = epochOr(page.StartTime, out.StartTime)
			}
			if first && i == len(rs)-1 {
				out.EndTime = epochOr(page.EndTime, out.EndTime)
			}
			for _, svc := range page.Services {
				services = append(services, convertService(svc))
			}
		}
		parts = append(parts, services)
	}
	if len(parts) == 1 {
		out.Services = append(out.Services, parts[0]...)
	} else {
		out.Services = mergeServices(parts)
	}
	return out, nil
}

// TraceSummaries implements Source with GetTraceSummaries and the filter
// passed to X-Ray as is, every page of every range.
func (s *AWSSource) TraceSummaries(ctx context.Context, start, end time.Time, filter string) (*TraceSummaries, error) {
	rs, err := s.ranges(start, end)
	if err != nil {
		return nil, err
	}
	out := &TraceSummaries{TraceSummaries: []TraceSummary{}}
	seen := map[string]bool{} // a trace on the edge of two ranges counts once
	for _, r := range rs {
		in := &xray.GetTraceSummariesInput{StartTime: aws.Time(r.start), EndTime: aws.Time(r.end)}
		if filter != "" {
			in.FilterExpression = aws.String(filter)
		}
		p := xray.NewGetTraceSummariesPaginator(s.api, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("X-Ray GetTraceSummaries: %w", err)
			}
			for _, ts := range page.TraceSummaries {
				if sum := convertSummary(ts); !seen[sum.ID] {
					seen[sum.ID] = true
					out.TraceSummaries = append(out.TraceSummaries, sum)
				}
			}
			out.TracesProcessedCount += aws.ToInt64(page.TracesProcessedCount)
			out.ApproximateTime = max(out.ApproximateTime, epochOr(page.ApproximateTime, 0))
		}
	}
	slices.SortStableFunc(out.TraceSummaries, func(a, b TraceSummary) int { return compareFloat(b.StartTime, a.StartTime) })
	return out, nil
}

// mergeServices joins the graphs of consecutive ranges: a node is its type,
// name and account (a client node, the nodes it calls), its counts and
// histograms the sums of the ranges', its edges joined by their targets.
func mergeServices(parts [][]Service) []Service {
	var out []Service
	index := map[string]int{}    // node key -> position in out
	edgeTo := map[int][]string{} // position in out -> its edges' target keys
	for _, services := range parts {
		keys := serviceKeys(services)
		for _, svc := range services {
			k := keys[svc.ReferenceID]
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				m := svc
				m.ReferenceID, m.Edges, m.SummaryStatistics, m.DurationHistogram, m.ResponseTimeHistogram = i, []Edge{}, nil, nil, nil
				m.Names = slices.Clone(svc.Names)
				out = append(out, m)
			}
			m := &out[i]
			for _, n := range svc.Names {
				if !slices.Contains(m.Names, n) {
					m.Names = append(m.Names, n)
				}
			}
			m.Root = m.Root || svc.Root
			m.StartTime, m.EndTime = earliest(m.StartTime, svc.StartTime), max(m.EndTime, svc.EndTime)
			m.SummaryStatistics = addStatistics(m.SummaryStatistics, svc.SummaryStatistics)
			m.DurationHistogram = addHistograms(m.DurationHistogram, svc.DurationHistogram)
			m.ResponseTimeHistogram = addHistograms(m.ResponseTimeHistogram, svc.ResponseTimeHistogram)
			for _, e := range svc.Edges {
				target := keys[e.ReferenceID]
				j := slices.Index(edgeTo[i], target)
				if j < 0 {
					j = len(m.Edges)
					edgeTo[i] = append(edgeTo[i], target)
					m.Edges = append(m.Edges, Edge{ResponseTimeHistogram: []HistogramEntry{}, Aliases: []Alias{}})
				}
				me := &m.Edges[j]
				me.StartTime, me.EndTime = earliest(me.StartTime, e.StartTime), max(me.EndTime, e.EndTime)
				me.SummaryStatistics = addStatistics(me.SummaryStatistics, e.SummaryStatistics)
				me.ResponseTimeHistogram = addHistograms(me.ResponseTimeHistogram, e.ResponseTimeHistogram)
				for _, a := range e.Aliases {
					if !slices.ContainsFunc(me.Aliases, func(b Alias) bool { return a.Name == b.Name && a.Type == b.Type }) {
						me.Aliases = append(me.Aliases, a)
					}
				}
			}
		}
	}
	for i := range out {
		for j := range out[i].Edges {
			out[i].Edges[j].ReferenceID = index[edgeTo[i][j]]
		}
	}
	return out
}

// serviceKeys names each node of one graph by what it is, not by its
// ReferenceId, which only holds within one answer.
func serviceKeys(services []Service) map[int]string {
	keys := map[int]string{}
	for _, s := range services {
		if s.Type != TypeClient {
			keys[s.ReferenceID] = s.Type + "\x00" + s.Name + "\x00" + s.AccountID
		}
	}
	for _, s := range services {
		if s.Type == TypeClient {
			var targets []string
			for _, e := range s.Edges {
				targets = append(targets, keys[e.ReferenceID])
			}
			slices.Sort(targets)
			keys[s.ReferenceID] = TypeClient + "\x00" + strings.Join(targets, "\x00")
		}
	}
	return keys
}

func earliest(a, b float64) float64 {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

func addStatistics(a, b *Statistics) *Statistics {
	if b == nil {
		return a
	}
	if a == nil {
		a = &Statistics{ErrorStatistics: &ErrorStatistics{}, FaultStatistics: &FaultStatistics{}}
	}
	a.OkCount += b.OkCount
	a.TotalCount += b.TotalCount
	a.TotalResponseTime += b.TotalResponseTime
	if e := b.ErrorStatistics; e != nil {
		a.ErrorStatistics.ThrottleCount += e.ThrottleCount
		a.ErrorStatistics.OtherCount += e.OtherCount
		a.ErrorStatistics.TotalCount += e.TotalCount
	}
	if f := b.FaultStatistics; f != nil {
		a.FaultStatistics.OtherCount += f.OtherCount
		a.FaultStatistics.TotalCount += f.TotalCount
	}
	return a
}

func addHistograms(a, b []HistogramEntry) []HistogramEntry {
	for _, e := range b {
		if i := slices.IndexFunc(a, func(x HistogramEntry) bool { return x.Value == e.Value }); i >= 0 {
			a[i].Count += e.Count
		} else {
			a = append(a, e)
		}
	}
	slices.SortFunc(a, func(x, y HistogramEntry) int { return compareFloat(x.Value, y.Value) })
	return a
}

// BatchGetTraces implements Source: BatchGetTraces MaxBatch ids a call,
// unprocessed ids asked for again, or the Transaction Search retrieval when
// segments go to CloudWatch Logs.
func (s *AWSSource) BatchGetTraces(ctx context.Context, ids []string) (*Traces, error) {
	if len(ids) == 0 {
		return &Traces{Traces: []Trace{}, UnprocessedTraceIDs: []string{}}, nil
	}
	dest, err := s.segmentDestination(ctx)
	if err != nil {
		return nil, err
	}
	if dest == types.TraceSegmentDestinationCloudWatchLogs {
		return s.retrieve(ctx, ids)
	}
	out := &Traces{Traces: []Trace{}, UnprocessedTraceIDs: []string{}}
	pending := ids
	for attempt := 0; ; attempt++ {
		var unprocessed []string
		for _, chunk := range chunks(pending, MaxBatch) {
			p := xray.NewBatchGetTracesPaginator(s.api, &xray.BatchGetTracesInput{TraceIds: chunk})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("X-Ray BatchGetTraces: %w", err)
				}
				for _, t := range page.Traces {
					out.Traces = append(out.Traces, convertTrace(t))
				}
				unprocessed = append(unprocessed, page.UnprocessedTraceIds...)
			}
		}
		if len(unprocessed) == 0 {
			return out, nil
		}
		if attempt == s.opt.Retries {
			// Still not ready (X-Ray is indexing them, or they expired):
			// the caller says which.
			out.UnprocessedTraceIDs = append(out.UnprocessedTraceIDs, unprocessed...)
			return out, nil
		}
		if err := sleep(ctx, s.opt.RetryDelay); err != nil {
			return nil, err
		}
		pending = unprocessed
	}
}

// segmentDestination asks GetTraceSegmentDestination once per source.
func (s *AWSSource) segmentDestination(ctx context.Context) (types.TraceSegmentDestination, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destination != "" {
		return s.destination, nil
	}
	out, err := s.api.GetTraceSegmentDestination(ctx, &xray.GetTraceSegmentDestinationInput{})
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("X-Ray GetTraceSegmentDestination: %w", err)
		}
		// Endpoints from before Transaction Search do not know the call:
		// they store segments in X-Ray.
		s.destination = types.TraceSegmentDestinationXRay
		return s.destination, nil
	}
	s.destination = out.Destination
	if s.destination == "" {
		s.destination = types.TraceSegmentDestinationXRay
	}
	return s.destination, nil
}

// retrieve fetches traces from the Transaction Search log group.
func (s *AWSSource) retrieve(ctx context.Context, ids []string) (*Traces, error) {
	out := &Traces{Traces: []Trace{}, UnprocessedTraceIDs: []string{}}
	for _, chunk := range chunks(ids, MaxBatch) {
		start, end := s.idWindow(chunk)
		started, err := s.api.StartTraceRetrieval(ctx, &xray.StartTraceRetrievalInput{
			TraceIds: chunk, StartTime: aws.Time(start), EndTime: aws.Time(end)})
		if err != nil {
			return nil, fmt.Errorf("X-Ray StartTraceRetrieval: %w", err)
		}
		got, err := s.listRetrieved(ctx, aws.ToString(started.RetrievalToken))
		if err != nil {
			return nil, err
		}
		found := map[string]bool{}
		for _, t := range got {
			found[t.ID] = true
			out.Traces = append(out.Traces, t)
		}
		for _, id := range chunk {
			if !found[id] {
				out.UnprocessedTraceIDs = append(out.UnprocessedTraceIDs, id)
			}
		}
	}
	return out, nil
}

// listRetrieved polls until the retrieval is COMPLETE, then reads every page.
func (s *AWSSource) listRetrieved(ctx context.Context, token string) ([]Trace, error) {
	var traces []Trace
	var next *string
	for polls := 0; ; {
		page, err := s.api.ListRetrievedTraces(ctx, &xray.ListRetrievedTracesInput{
			RetrievalToken: aws.String(token), TraceFormat: types.TraceFormatTypeXray, NextToken: next})
		if err != nil {
			return nil, fmt.Errorf("X-Ray ListRetrievedTraces: %w", err)
		}
		switch page.RetrievalStatus {
		case types.RetrievalStatusComplete:
			for _, rt := range page.Traces {
				traces = append(traces, convertRetrieved(rt))
			}
			if aws.ToString(page.NextToken) == "" {
				return traces, nil
			}
			next = page.NextToken
			continue
		case types.RetrievalStatusScheduled, types.RetrievalStatusRunning, "":
			polls++
			if polls >= s.opt.MaxPolls {
				return nil, fmt.Errorf("X-Ray ListRetrievedTraces: retrieval still %s after %d polls", page.RetrievalStatus, polls)
			}
			if err := sleep(ctx, s.opt.PollInterval); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("X-Ray ListRetrievedTraces: retrieval %s", page.RetrievalStatus)
		}
	}
}

// idWindow is the time range that holds the traces: a trace id carries
// its start in seconds (1-<hex seconds>-<random>); a Lambda runs at most
// 15 minutes, so half an hour after the last start covers every segment.
func (s *AWSSource) idWindow(ids []string) (time.Time, time.Time) {
	var first, last int64
	for _, id := range ids {
		parts := strings.Split(id, "-")
		if len(parts) != 3 {
			continue
		}
		sec, err := strconv.ParseInt(parts[1], 16, 64)
		if err != nil {
			continue
		}
		if first == 0 || sec < first {
			first = sec
		}
		last = max(last, sec)
	}
	now := s.opt.Now()
	if first == 0 {
		return now.Add(-24 * time.Hour), now
	}
	start := time.Unix(first, 0).Add(-time.Minute)
	end := time.Unix(last, 0).Add(30 * time.Minute)
	if end.After(now) && now.After(start) {
		end = now
	}
	return start, end
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func epochOr(t *time.Time, or float64) float64 {
	if t == nil {
		return or
	}
	return Epoch(*t)
}

func convertService(s types.Service) Service {
	out := Service{
		ReferenceID: int(aws.ToInt32(s.ReferenceId)), Name: aws.ToString(s.Name), Names: s.Names,
		AccountID: aws.ToString(s.AccountId), Type: aws.ToString(s.Type), Root: aws.ToBool(s.Root),
		State: aws.ToString(s.State), StartTime: epochOr(s.StartTime, 0), EndTime: epochOr(s.EndTime, 0),
		Edges:                 []Edge{},
		DurationHistogram:     convertHistogram(s.DurationHistogram),
		ResponseTimeHistogram: convertHistogram(s.ResponseTimeHistogram),
	}
	if st := s.SummaryStatistics; st != nil {
		out.SummaryStatistics = convertStatistics(st.OkCount, st.TotalCount, st.TotalResponseTime, st.ErrorStatistics, st.FaultStatistics)
	}
	for _, e := range s.Edges {
		edge := Edge{ReferenceID: int(aws.ToInt32(e.ReferenceId)), StartTime: epochOr(e.StartTime, 0), EndTime: epochOr(e.EndTime, 0),
			ResponseTimeHistogram: convertHistogram(e.ResponseTimeHistogram), Aliases: []Alias{}}
		if edge.ResponseTimeHistogram == nil {
			edge.ResponseTimeHistogram = []HistogramEntry{}
		}
		if st := e.SummaryStatistics; st != nil {
			edge.SummaryStatistics = convertStatistics(st.OkCount, st.TotalCount, st.TotalResponseTime, st.ErrorStatistics, st.FaultStatistics)
		}
		for _, a := range e.Aliases {
			edge.Aliases = append(edge.Aliases, Alias{Name: aws.ToString(a.Name), Names: a.Names, Type: aws.ToString(a.Type)})
		}
		out.Edges = append(out.Edges, edge)
	}
	return out
}

func convertStatistics(ok, total *int64, rt *float64, es *types.ErrorStatistics, fs *types.FaultStatistics) *Statistics {
	st := &Statistics{OkCount: aws.ToInt64(ok), TotalCount: aws.ToInt64(total), TotalResponseTime: aws.ToFloat64(rt),
		ErrorStatistics: &ErrorStatistics{}, FaultStatistics: &FaultStatistics{}}
	if es != nil {
		st.ErrorStatistics = &ErrorStatistics{ThrottleCount: aws.ToInt64(es.ThrottleCount),
			OtherCount: aws.ToInt64(es.OtherCount), TotalCount: aws.ToInt64(es.TotalCount)}
	}
	if fs != nil {
		st.FaultStatistics = &FaultStatistics{OtherCount: aws.ToInt64(fs.OtherCount), TotalCount: aws.ToInt64(fs.TotalCount)}
	}
	return st
}

func convertHistogram(h []types.HistogramEntry) []HistogramEntry {
	if h == nil {
		return nil
	}
	out := make([]HistogramEntry, len(h))
	for i, e := range h {
		out[i] = HistogramEntry{Value: e.Value, Count: int64(e.Count)}
	}
	return out
}

func convertServiceID(s types.ServiceId) ServiceID {
	return ServiceID{Name: aws.ToString(s.Name), Names: s.Names, AccountID: aws.ToString(s.AccountId), Type: aws.ToString(s.Type)}
}

func convertSummary(t types.TraceSummary) TraceSummary {
	out := TraceSummary{
		ID: aws.ToString(t.Id), StartTime: epochOr(t.StartTime, 0), Duration: aws.ToFloat64(t.Duration),
		ResponseTime: aws.ToFloat64(t.ResponseTime), HasFault: aws.ToBool(t.HasFault), HasError: aws.ToBool(t.HasError),
		HasThrottle: aws.ToBool(t.HasThrottle), IsPartial: aws.ToBool(t.IsPartial), ServiceIDs: []ServiceID{},
	}
	if h := t.Http; h != nil {
		out.HTTP = &TraceHTTP{HTTPURL: aws.ToString(h.HttpURL), HTTPStatus: int(aws.ToInt32(h.HttpStatus)),
			HTTPMethod: aws.ToString(h.HttpMethod), UserAgent: aws.ToString(h.UserAgent), ClientIP: aws.ToString(h.ClientIp)}
	}
	if t.EntryPoint != nil {
		id := convertServiceID(*t.EntryPoint)
		out.EntryPoint = &id
	}
	for _, s := range t.ServiceIds {
		out.ServiceIDs = append(out.ServiceIDs, convertServiceID(s))
	}
	for _, rc := range t.FaultRootCauses {
		c := RootCause{ClientImpacting: aws.ToBool(rc.ClientImpacting), Services: []RootCauseService{}}
		for _, s := range rc.Services {
			c.Services = append(c.Services, convertRootCauseService(s.Name, s.Names, s.AccountId, s.Type, s.Inferred, s.EntityPath))
		}
		out.FaultRootCauses = append(out.FaultRootCauses, c)
	}
	for _, rc := range t.ErrorRootCauses {
		c := RootCause{ClientImpacting: aws.ToBool(rc.ClientImpacting), Services: []RootCauseService{}}
		for _, s := range rc.Services {
			c.Services = append(c.Services, convertRootCauseService(s.Name, s.Names, s.AccountId, s.Type, s.Inferred, s.EntityPath))
		}
		out.ErrorRootCauses = append(out.ErrorRootCauses, c)
	}
	return out
}

// rootCauseEntity is the SDK's fault and error entity: two types, field for
// field the same, so one conversion reads both.
type rootCauseEntity interface {
	types.FaultRootCauseEntity | types.ErrorRootCauseEntity
}

// convertRootCauseService reads a fault or an error root-cause service. Their
// SDK types differ only in the entity type, so the caller passes the fields.
func convertRootCauseService[E rootCauseEntity](name *string, names []string, account, typ *string, inferred *bool, path []E) RootCauseService {
	svc := RootCauseService{Name: aws.ToString(name), Names: names, AccountID: aws.ToString(account),
		Type: aws.ToString(typ), Inferred: aws.ToBool(inferred), EntityPath: []RootCauseEntity{}}
	for _, e := range path {
		entity := types.FaultRootCauseEntity(e)
		svc.EntityPath = append(svc.EntityPath, RootCauseEntity{Name: aws.ToString(entity.Name), Remote: aws.ToBool(entity.Remote),
			Exceptions: convertExceptions(entity.Exceptions)})
	}
	return svc
}

func convertExceptions(es []types.RootCauseException) []RootCauseException {
	var out []RootCauseException
	for _, e := range es {
		out = append(out, RootCauseException{Name: aws.ToString(e.Name), Message: aws.ToString(e.Message)})
	}
	return out
}

func convertTrace(t types.Trace) Trace {
	out := Trace{ID: aws.ToString(t.Id), Duration: aws.ToFloat64(t.Duration), LimitExceeded: aws.ToBool(t.LimitExceeded), Segments: []Segment{}}
	for _, s := range t.Segments {
		out.Segments = append(out.Segments, Segment{ID: aws.ToString(s.Id), Document: aws.ToString(s.Document)})
	}
	return out
}

// convertRetrieved reads a Transaction Search trace in the XRAY format:
// its spans are segment documents.
func convertRetrieved(t types.RetrievedTrace) Trace {
	out := Trace{ID: aws.ToString(t.Id), Duration: aws.ToFloat64(t.Duration), Segments: []Segment{}}
	for _, s := range t.Spans {
		out.Segments = append(out.Segments, Segment{ID: aws.ToString(s.Id), Document: aws.ToString(s.Document)})
	}
	return out
}
