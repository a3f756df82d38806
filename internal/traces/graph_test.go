package traces

import (
	"slices"
	"strings"
	"testing"
)

func graphOf(t *testing.T, fixture string) ServiceGraph {
	t.Helper()
	return fixtureStore(t, fixture).ServiceGraph(0, 0, nil)
}

func node(t *testing.T, g ServiceGraph, name, typ string) Service {
	t.Helper()
	for _, s := range g.Services {
		if s.Name == name && s.Type == typ {
			return s
		}
	}
	t.Fatalf("no node %s (%s) in %s", name, typ, nodeList(g))
	return Service{}
}

func nodeList(g ServiceGraph) string {
	var l []string
	for _, s := range g.Services {
		l = append(l, s.Name+" ("+s.Type+")")
	}
	return strings.Join(l, ", ")
}

// edge finds the edge from the node (fromName, fromType) to (toName, toType);
// a client is named by the root it feeds.
func edge(t *testing.T, g ServiceGraph, from, to Service) Edge {
	t.Helper()
	for _, e := range from.Edges {
		if e.ReferenceID == to.ReferenceID {
			return e
		}
	}
	t.Fatalf("no edge %s (%s) -> %s (%s)", from.Name, from.Type, to.Name, to.Type)
	return Edge{}
}

// clientOf is the client node in front of root.
func clientOf(t *testing.T, g ServiceGraph, root Service) Service {
	t.Helper()
	for _, s := range g.Services {
		if s.Type != TypeClient {
			continue
		}
		for _, e := range s.Edges {
			if e.ReferenceID == root.ReferenceID {
				return s
			}
		}
	}
	t.Fatalf("no client in front of %s", root.Name)
	return Service{}
}

// counts is total/ok/error/throttle/fault, the way the tables below read.
type counts struct{ total, ok, errors, throttles, faults int64 }

func countsOf(st *Statistics) counts {
	if st == nil {
		return counts{}
	}
	return counts{st.TotalCount, st.OkCount, st.ErrorStatistics.OtherCount, st.ErrorStatistics.ThrottleCount, st.FaultStatistics.TotalCount}
}

func hist(values ...float64) []HistogramEntry {
	var h []HistogramEntry
	for _, v := range values {
		if n := len(h); n > 0 && h[n-1].Value == v {
			h[n-1].Count++
			continue
		}
		h = append(h, HistogramEntry{Value: v, Count: 1})
	}
	return h
}

const (
	post    = "mysfits-questions-post"
	process = "mysfits-questions-process"
	api     = "mysfits-questions/prod"
)

func TestGraphStages(t *testing.T) {
	type nodeWant struct {
		name, typ string
		root      bool
		counts    counts
	}
	type edgeWant struct {
		from, fromType, to, toType string // from "client": the client of the root "to"
		counts                     counts
	}
	tests := []struct {
		fixture string
		nodes   []nodeWant
		edges   []edgeWant
		clients int
	}{
		{
			fixture: "stage1.jsonl",
			clients: 2,
			nodes: []nodeWant{
				{post, TypeLambda, true, counts{4, 4, 0, 0, 0}},
				{post, TypeLambdaFunction, false, counts{4, 4, 0, 0, 0}},
				{process, TypeLambda, true, counts{1, 1, 0, 0, 0}},
				{process, TypeLambdaFunction, false, counts{1, 1, 0, 0, 0}},
			},
			edges: []edgeWant{
				{"client", "", post, TypeLambda, counts{4, 4, 0, 0, 0}},
				{post, TypeLambda, post, TypeLambdaFunction, counts{4, 4, 0, 0, 0}},
				{"client", "", process, TypeLambda, counts{1, 1, 0, 0, 0}},
				{process, TypeLambda, process, TypeLambdaFunction, counts{1, 1, 0, 0, 0}},
			},
		},
		{
			fixture: "stage2.jsonl",
			clients: 2,
			nodes: []nodeWant{
				{api, TypeAPIGateway, true, counts{5, 4, 1, 0, 0}}, // OPTIONS 200, three 201, one 400
				{post, TypeLambda, false, counts{4, 4, 0, 0, 0}},
				{post, TypeLambdaFunction, false, counts{4, 4, 0, 0, 0}},
				{"DynamoDB", TypeDynamoDBTable, false, counts{3, 3, 0, 0, 0}},
				{process, TypeLambda, true, counts{1, 1, 0, 0, 0}},
				{process, TypeLambdaFunction, false, counts{1, 1, 0, 0, 0}},
				{"SNS", TypeSNS, false, counts{3, 3, 0, 0, 0}},
			},
			edges: []edgeWant{
				{"client", "", api, TypeAPIGateway, counts{5, 4, 1, 0, 0}},
				{api, TypeAPIGateway, post, TypeLambda, counts{4, 4, 0, 0, 0}}, // the Invoke subsegments: 200
				{post, TypeLambda, post, TypeLambdaFunction, counts{4, 4, 0, 0, 0}},
				{post, TypeLambdaFunction, "DynamoDB", TypeDynamoDBTable, counts{3, 3, 0, 0, 0}},
				{"client", "", process, TypeLambda, counts{1, 1, 0, 0, 0}},
				{process, TypeLambdaFunction, "SNS", TypeSNS, counts{3, 3, 0, 0, 0}},
			},
		},
		{
			fixture: "stage3.jsonl",
			clients: 2,
			nodes: []nodeWant{
				{api, TypeAPIGateway, true, counts{10, 4, 1, 0, 5}},
				{post, TypeLambda, false, counts{9, 9, 0, 0, 0}}, // the Invoke itself succeeds
				{post, TypeLambdaFunction, false, counts{9, 4, 0, 0, 5}},
				{"DynamoDB", TypeDynamoDBTable, false, counts{3, 3, 0, 0, 0}},
				{process, TypeLambda, true, counts{1, 1, 0, 0, 0}},
				{process, TypeLambdaFunction, false, counts{1, 1, 0, 0, 0}},
				{"SNS", TypeSNS, false, counts{3, 3, 0, 0, 0}},
			},
			edges: []edgeWant{
				{"client", "", api, TypeAPIGateway, counts{10, 4, 1, 0, 5}},
				{api, TypeAPIGateway, post, TypeLambda, counts{9, 9, 0, 0, 0}},
				{post, TypeLambda, post, TypeLambdaFunction, counts{9, 4, 0, 0, 5}},
				{post, TypeLambdaFunction, "DynamoDB", TypeDynamoDBTable, counts{3, 3, 0, 0, 0}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			g := graphOf(t, tt.fixture)
			if got, want := len(g.Services), len(tt.nodes)+tt.clients; got != want {
				t.Errorf("%d nodes, want %d: %s", got, want, nodeList(g))
			}
			for _, n := range tt.nodes {
				s := node(t, g, n.name, n.typ)
				if s.Root != n.root {
					t.Errorf("%s (%s): Root = %t, want %t", n.name, n.typ, s.Root, n.root)
				}
				if got := countsOf(s.SummaryStatistics); got != n.counts {
					t.Errorf("%s (%s): counts %+v, want %+v", n.name, n.typ, got, n.counts)
				}
				var inHist int64
				for _, e := range s.ResponseTimeHistogram {
					inHist += e.Count
				}
				if inHist != n.counts.total {
					t.Errorf("%s (%s): response time histogram holds %d, want %d", n.name, n.typ, inHist, n.counts.total)
				}
			}
			for _, e := range tt.edges {
				to := node(t, g, e.to, e.toType)
				var from Service
				if e.from == "client" {
					from = clientOf(t, g, to)
				} else {
					from = node(t, g, e.from, e.fromType)
				}
				if got := countsOf(edge(t, g, from, to).SummaryStatistics); got != e.counts {
					t.Errorf("edge %s -> %s (%s): counts %+v, want %+v", e.from, e.to, e.toType, got, e.counts)
				}
			}
			for _, s := range g.Services {
				if s.Type == TypeClient && (s.SummaryStatistics != nil || len(s.Edges) != 1) {
					t.Errorf("client node %d: statistics %v, %d edges; want none and 1", s.ReferenceID, s.SummaryStatistics, len(s.Edges))
				}
			}
		})
	}
}

func TestGraphHistogramsExact(t *testing.T) {
	tests := []struct {
		fixture, name, typ string
		want               []HistogramEntry
	}{
		{"stage1.jsonl", post, TypeLambda, hist(0.001, 0.015, 0.017, 0.135)},
		{"stage2.jsonl", "DynamoDB", TypeDynamoDBTable, hist(0.007, 0.009, 0.12)},
		{"stage2.jsonl", "SNS", TypeSNS, hist(0.001, 0.001, 0.002)},
		{"stage3.jsonl", post, TypeLambdaFunction, hist(0, 0.017, 0.02, 0.119, 1.001, 1.001, 1.001, 1.001, 1.002)},
		{"stage3.jsonl", api, TypeAPIGateway, hist(0, 0, 0.017, 0.02, 0.119, 1.001, 1.001, 1.001, 1.001, 1.002)},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.name, func(t *testing.T) {
			g := graphOf(t, tt.fixture)
			s := node(t, g, tt.name, tt.typ)
			if !slices.Equal(s.ResponseTimeHistogram, tt.want) {
				t.Errorf("ResponseTimeHistogram = %v, want %v", s.ResponseTimeHistogram, tt.want)
			}
		})
	}
	// Edges carry the caller's view: API Gateway's Invoke subsegments.
	g := graphOf(t, "stage3.jsonl")
	e := edge(t, g, node(t, g, api, TypeAPIGateway), node(t, g, post, TypeLambda))
	if p50, p99 := Percentile(e.ResponseTimeHistogram, 50), Percentile(e.ResponseTimeHistogram, 99); p50 != 1.001 || p99 != 1.002 {
		t.Errorf("edge p50/p99 = %v/%v, want 1.001/1.002", p50, p99)
	}
	fn := node(t, g, post, TypeLambdaFunction)
	if got, want := fn.SummaryStatistics.TotalResponseTime, 5.161119; got != want {
		t.Errorf("TotalResponseTime = %v, want %v", got, want)
	}
}

func TestGraphReferenceIDsAreConsistent(t *testing.T) {
	g := graphOf(t, "stage3.jsonl")
	refs := map[int]bool{}
	for i, s := range g.Services {
		if s.ReferenceID != i || refs[s.ReferenceID] {
			t.Fatalf("service %d has ReferenceId %d", i, s.ReferenceID)
		}
		refs[s.ReferenceID] = true
	}
	for _, s := range g.Services {
		for _, e := range s.Edges {
			if !refs[e.ReferenceID] {
				t.Errorf("%s: edge to unknown ReferenceId %d", s.Name, e.ReferenceID)
			}
			if e.Aliases == nil || e.ResponseTimeHistogram == nil {
				t.Errorf("%s: edge %d has null Aliases or histogram", s.Name, e.ReferenceID)
			}
		}
	}
}

func TestGraphInferredNodes(t *testing.T) {
	seg := func(id, name, origin, parent string, subs ...Document) Document {
		return Document{ID: id, Name: name, TraceID: "1-00000001-000000000000000000000001", ParentID: parent,
			Origin: origin, StartTime: 10, EndTime: 11, Subsegments: subs}
	}
	sub := func(id, name, ns string, aws map[string]any, fault bool) Document {
		return Document{ID: id, Name: name, Namespace: ns, StartTime: 10, EndTime: 10.5, AWS: aws, Fault: fault}
	}
	tests := []struct {
		name      string
		sub       Document
		wantName  string
		wantType  string
		wantFault int64
	}{
		{"table named", sub("s1", "DynamoDB", "aws", map[string]any{"operation": "PutItem", "table_name": "questions"}, false), "questions", TypeDynamoDBTable, 0},
		{"table unnamed", sub("s1", "DynamoDB", "aws", map[string]any{"operation": "PutItem"}, true), "DynamoDB", TypeDynamoDBTable, 1},
		{"sns", sub("s1", "SNS", "aws", nil, false), "SNS", TypeSNS, 0},
		{"lambda without its segment", sub("s1", "Lambda", "aws", map[string]any{"function_name": "fn"}, false), "fn", TypeLambda, 0},
		{"other aws service", sub("s1", "SQS", "aws", nil, false), "SQS", "AWS::SQS", 0},
		{"remote", sub("s1", "api.example.com", "remote", nil, false), "api.example.com", TypeRemote, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Assemble("1-00000001-000000000000000000000001", []Document{seg("a", "app", "AWS::EC2::Instance", "", tt.sub)})
			g := Graph([]TraceDocs{tr}, 0, 0)
			n := node(t, g, tt.wantName, tt.wantType)
			if got := countsOf(n.SummaryStatistics); got.total != 1 || got.faults != tt.wantFault {
				t.Errorf("counts %+v, want 1 request, %d faults", got, tt.wantFault)
			}
			if e := edge(t, g, node(t, g, "app", "AWS::EC2::Instance"), n); e.SummaryStatistics.TotalResponseTime != 0.5 {
				t.Errorf("edge response time %v, want 0.5", e.SummaryStatistics.TotalResponseTime)
			}
		})
	}
	// A subsegment answered by a segment infers nothing.
	call := sub("call", "Lambda", "aws", map[string]any{"function_name": "fn"}, false)
	tr := Assemble("1-00000001-000000000000000000000001", []Document{
		seg("a", "gw", TypeAPIGateway, "", call), seg("b", "fn", TypeLambda, "call")})
	g := Graph([]TraceDocs{tr}, 0, 0)
	if len(g.Services) != 3 {
		t.Errorf("nodes %s, want client, gw and fn", nodeList(g))
	}
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		values []float64
		p      float64
		want   float64
	}{
		{nil, 50, 0},
		{[]float64{3}, 99, 3},
		{[]float64{1, 2, 3, 4}, 50, 2},
		{[]float64{4, 3, 2, 1}, 99, 4},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
	}
	for _, tt := range tests {
		if got := PercentileOf(tt.values, tt.p); got != tt.want {
			t.Errorf("PercentileOf(%v, %v) = %v, want %v", tt.values, tt.p, got, tt.want)
		}
	}
}

func TestOutcomeOf(t *testing.T) {
	status := func(code int) *HTTP { return &HTTP{Response: &HTTPResponse{Status: code}} }
	tests := []struct {
		name string
		doc  Document
		want outcome
	}{
		{"ok", Document{HTTP: status(201)}, outcomeOK},
		{"fault flag", Document{Fault: true, HTTP: status(200)}, outcomeFault},
		{"throttle flag", Document{Throttle: true, Error: true}, outcomeThrottle},
		{"error flag", Document{Error: true}, outcomeError},
		{"5xx without flags", Document{HTTP: status(503)}, outcomeFault},
		{"429 without flags", Document{HTTP: status(429)}, outcomeThrottle},
		{"4xx without flags", Document{HTTP: status(404)}, outcomeError},
		{"no status", Document{}, outcomeOK},
	}
	for _, tt := range tests {
		if got := outcomeOf(&tt.doc); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// Throttles count as errors, in their own column.
	st := newStats()
	st.observe(&Document{StartTime: 1, EndTime: 2, Throttle: true, Error: true}, 1)
	if s := st.summary(); s.Errors() != 1 || s.Throttles() != 1 || s.OkCount != 0 {
		t.Errorf("throttle counted %+v %+v", s, s.ErrorStatistics)
	}
}
