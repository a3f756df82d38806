package traces

// The X-Ray API's wire shapes (GetServiceGraph, GetTraceSummaries,
// BatchGetTraces), with their PascalCase names and epoch-second timestamps,
// so one JSON body serves the local console and reads like AWS's.

// ServiceGraph is the body of GetServiceGraph.
type ServiceGraph struct {
	StartTime float64   `json:"StartTime"`
	EndTime   float64   `json:"EndTime"`
	Services  []Service `json:"Services"`
}

// Service is a node of the graph: a service that sent segments, a
// downstream service inferred from subsegments, or the clients of a root.
type Service struct {
	ReferenceID int      `json:"ReferenceId"`
	Name        string   `json:"Name,omitempty"`
	Names       []string `json:"Names,omitempty"`
	AccountID   string   `json:"AccountId,omitempty"`
	Type        string   `json:"Type"`
	Root        bool     `json:"Root"`
	State       string   `json:"State,omitempty"`
	StartTime   float64  `json:"StartTime,omitempty"`
	EndTime     float64  `json:"EndTime,omitempty"`
	Edges       []Edge   `json:"Edges"`
	// Client nodes have no statistics of their own: their edges carry them.
	SummaryStatistics     *Statistics      `json:"SummaryStatistics,omitempty"`
	DurationHistogram     []HistogramEntry `json:"DurationHistogram,omitempty"`
	ResponseTimeHistogram []HistogramEntry `json:"ResponseTimeHistogram,omitempty"`
}

// Types of graph nodes this service produces. A segment's origin is its
// node's type, so the local stack's API Gateway and Lambda stand-ins write
// these as the origins of the segments AWS would send.
const (
	TypeClient         = "client"
	TypeRemote         = "remote"
	TypeAPIGateway     = "AWS::ApiGateway::Stage"
	TypeLambda         = "AWS::Lambda"
	TypeLambdaFunction = "AWS::Lambda::Function"
	TypeDynamoDBTable  = "AWS::DynamoDB::Table"
	TypeSNS            = "AWS::SNS"
)

// Edge is a connection to the downstream service with ReferenceId.
type Edge struct {
	ReferenceID           int              `json:"ReferenceId"`
	StartTime             float64          `json:"StartTime,omitempty"`
	EndTime               float64          `json:"EndTime,omitempty"`
	SummaryStatistics     *Statistics      `json:"SummaryStatistics,omitempty"`
	ResponseTimeHistogram []HistogramEntry `json:"ResponseTimeHistogram"`
	Aliases               []Alias          `json:"Aliases"`
}

// Alias is another name of an edge's target.
type Alias struct {
	Name  string   `json:"Name,omitempty"`
	Names []string `json:"Names,omitempty"`
	Type  string   `json:"Type,omitempty"`
}

// Statistics is EdgeStatistics and ServiceStatistics, which share a shape:
// ok (2xx), error (4xx: throttle 429 and other), fault (5xx) counts and the
// summed response time in seconds.
type Statistics struct {
	OkCount           int64            `json:"OkCount"`
	ErrorStatistics   *ErrorStatistics `json:"ErrorStatistics"`
	FaultStatistics   *FaultStatistics `json:"FaultStatistics"`
	TotalCount        int64            `json:"TotalCount"`
	TotalResponseTime float64          `json:"TotalResponseTime"`
}

// ErrorStatistics counts 4xx answers.
type ErrorStatistics struct {
	ThrottleCount int64 `json:"ThrottleCount"`
	OtherCount    int64 `json:"OtherCount"`
	TotalCount    int64 `json:"TotalCount"`
}

// FaultStatistics counts 5xx answers.
type FaultStatistics struct {
	OtherCount int64 `json:"OtherCount"`
	TotalCount int64 `json:"TotalCount"`
}

// HistogramEntry is Count observations of Value seconds.
type HistogramEntry struct {
	Value float64 `json:"Value"`
	Count int64   `json:"Count"`
}

// TraceSummaries is the body of GetTraceSummaries, newest first.
type TraceSummaries struct {
	TraceSummaries       []TraceSummary `json:"TraceSummaries"`
	TracesProcessedCount int64          `json:"TracesProcessedCount"`
	ApproximateTime      float64        `json:"ApproximateTime"`
	NextToken            string         `json:"NextToken,omitempty"`
}

// TraceSummary is what X-Ray computes of one trace.
type TraceSummary struct {
	ID              string      `json:"Id"`
	StartTime       float64     `json:"StartTime"`
	Duration        float64     `json:"Duration"`
	ResponseTime    float64     `json:"ResponseTime"`
	HasFault        bool        `json:"HasFault"`
	HasError        bool        `json:"HasError"`
	HasThrottle     bool        `json:"HasThrottle"`
	IsPartial       bool        `json:"IsPartial"`
	HTTP            *TraceHTTP  `json:"Http,omitempty"`
	EntryPoint      *ServiceID  `json:"EntryPoint,omitempty"`
	ServiceIDs      []ServiceID `json:"ServiceIds"`
	FaultRootCauses []RootCause `json:"FaultRootCauses,omitempty"`
	ErrorRootCauses []RootCause `json:"ErrorRootCauses,omitempty"`
	// Settings are the stage and fault settings the trace ran under: the
	// local store's addition (RecordSettings), nil from AWS.
	Settings *RunSettings `json:"Settings,omitempty"`
}

// TraceHTTP is the request the trace served, from its entry segment.
type TraceHTTP struct {
	HTTPURL    string `json:"HttpURL,omitempty"`
	HTTPStatus int    `json:"HttpStatus,omitempty"`
	HTTPMethod string `json:"HttpMethod,omitempty"`
	UserAgent  string `json:"UserAgent,omitempty"`
	ClientIP   string `json:"ClientIp,omitempty"`
}

// ServiceID names a node.
type ServiceID struct {
	Name      string   `json:"Name,omitempty"`
	Names     []string `json:"Names,omitempty"`
	AccountID string   `json:"AccountId,omitempty"`
	Type      string   `json:"Type,omitempty"`
}

// RootCause is FaultRootCause and ErrorRootCause, which share a shape.
type RootCause struct {
	Services        []RootCauseService `json:"Services"`
	ClientImpacting bool               `json:"ClientImpacting,omitempty"`
}

// RootCauseService is the service where the fault or error starts, with
// the path of entities inside it that lead to the failing one.
type RootCauseService struct {
	Name       string            `json:"Name,omitempty"`
	Names      []string          `json:"Names,omitempty"`
	AccountID  string            `json:"AccountId,omitempty"`
	Type       string            `json:"Type,omitempty"`
	Inferred   bool              `json:"Inferred,omitempty"`
	EntityPath []RootCauseEntity `json:"EntityPath"`
}

// RootCauseEntity is a segment or subsegment on the path to the cause.
type RootCauseEntity struct {
	Name       string               `json:"Name"`
	Exceptions []RootCauseException `json:"Exceptions,omitempty"`
	Remote     bool                 `json:"Remote"`
}

// RootCauseException is an exception's type (Name) and message.
type RootCauseException struct {
	Name    string `json:"Name,omitempty"`
	Message string `json:"Message,omitempty"`
}

// Traces is the body of BatchGetTraces.
type Traces struct {
	Traces              []Trace  `json:"Traces"`
	UnprocessedTraceIDs []string `json:"UnprocessedTraceIds"`
}

// Trace is one trace's segment documents.
type Trace struct {
	ID            string    `json:"Id"`
	Duration      float64   `json:"Duration"`
	LimitExceeded bool      `json:"LimitExceeded"`
	Segments      []Segment `json:"Segments"`
}

// Segment carries one segment document as a JSON string.
type Segment struct {
	ID       string `json:"Id"`
	Document string `json:"Document"`
}

// MaxBatch is how many trace ids BatchGetTraces takes per call.
const MaxBatch = 5

// Faults, Errors, Throttles and Total read a possibly absent Statistics.
func (st *Statistics) Faults() int64 {
	if st == nil || st.FaultStatistics == nil {
		return 0
	}
	return st.FaultStatistics.TotalCount
}

// Errors counts 4xx answers, throttles included.
func (st *Statistics) Errors() int64 {
	if st == nil || st.ErrorStatistics == nil {
		return 0
	}
	return st.ErrorStatistics.TotalCount
}

// Throttles counts 429 answers.
func (st *Statistics) Throttles() int64 {
	if st == nil || st.ErrorStatistics == nil {
		return 0
	}
	return st.ErrorStatistics.ThrottleCount
}

// Total counts completed requests.
func (st *Statistics) Total() int64 {
	if st == nil {
		return 0
	}
	return st.TotalCount
}
