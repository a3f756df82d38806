package traces

import (
	"reflect"
	"testing"
)

func summaryOf(t *testing.T, fixture, id string) TraceSummary {
	t.Helper()
	for _, s := range fixtureStore(t, fixture).TraceSummaries(0, 0, nil).TraceSummaries {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("%s: no trace %s", fixture, id)
	return TraceSummary{}
}

func TestSummarizeFault(t *testing.T) {
	s := summaryOf(t, "stage3.jsonl", "1-6b0f28a0-22cc7e8d6c2dba7b5ad5b175")
	if !s.HasFault || s.HasError || s.HasThrottle || s.IsPartial {
		t.Errorf("flags fault/error/throttle/partial = %t/%t/%t/%t, want true/false/false/false", s.HasFault, s.HasError, s.HasThrottle, s.IsPartial)
	}
	wantHTTP := &TraceHTTP{HTTPURL: "http://127.0.0.1:18080/prod/questions", HTTPStatus: 502, HTTPMethod: "POST", UserAgent: "curl/7.88.1", ClientIP: "127.0.0.1"}
	if !reflect.DeepEqual(s.HTTP, wantHTTP) {
		t.Errorf("Http = %+v, want %+v", s.HTTP, wantHTTP)
	}
	if s.EntryPoint == nil || s.EntryPoint.Name != api || s.EntryPoint.Type != TypeAPIGateway {
		t.Errorf("EntryPoint = %+v", s.EntryPoint)
	}
	if s.ResponseTime != 1.00225 || s.Duration != 1.00225 {
		t.Errorf("ResponseTime/Duration = %v/%v, want 1.00225", s.ResponseTime, s.Duration)
	}
	wantIDs := []ServiceID{
		{Name: post, Names: []string{post}, Type: TypeLambda},
		{Name: post, Names: []string{post}, Type: TypeLambdaFunction},
		{Name: api, Names: []string{api}, Type: TypeAPIGateway},
	}
	if !reflect.DeepEqual(s.ServiceIDs, wantIDs) {
		t.Errorf("ServiceIds = %+v, want %+v", s.ServiceIDs, wantIDs)
	}
	if len(s.FaultRootCauses) != 1 || len(s.FaultRootCauses[0].Services) != 1 {
		t.Fatalf("FaultRootCauses = %+v, want one service", s.FaultRootCauses)
	}
	cause := s.FaultRootCauses[0]
	svc := cause.Services[0]
	if svc.Name != post || svc.Type != TypeLambdaFunction || svc.Inferred || !cause.ClientImpacting {
		t.Errorf("root cause service %+v (client impacting %t)", svc, cause.ClientImpacting)
	}
	if len(svc.EntityPath) != 2 || svc.EntityPath[0].Name != post || svc.EntityPath[1].Name != "hangingException" {
		t.Fatalf("EntityPath = %+v, want the function segment then hangingException", svc.EntityPath)
	}
	wantEx := []RootCauseException{{Name: "fmt.wrapError", Message: "injected fault (tracing stage 3 exercise): hangingException hung for 1s"}}
	if got := svc.EntityPath[1].Exceptions; !reflect.DeepEqual(got, wantEx) {
		t.Errorf("hangingException exceptions = %+v, want %+v", got, wantEx)
	}
	if len(s.ErrorRootCauses) != 0 {
		t.Errorf("ErrorRootCauses = %+v, want none", s.ErrorRootCauses)
	}
}

func TestSummarizeBadRequest(t *testing.T) {
	s := summaryOf(t, "stage2.jsonl", "1-6b0f2889-386858c440ba3e00c5965c9c")
	if s.HasFault || !s.HasError || s.HTTP.HTTPStatus != 400 {
		t.Errorf("fault/error/status = %t/%t/%d, want false/true/400", s.HasFault, s.HasError, s.HTTP.HTTPStatus)
	}
	if len(s.ErrorRootCauses) != 1 || s.ErrorRootCauses[0].Services[0].Name != api {
		t.Fatalf("ErrorRootCauses = %+v, want API Gateway", s.ErrorRootCauses)
	}
	if path := s.ErrorRootCauses[0].Services[0].EntityPath; len(path) != 1 || path[0].Name != api {
		t.Errorf("EntityPath = %+v", path)
	}
}

func TestSummarizeStage1(t *testing.T) {
	// Without API Gateway tracing the Lambda service segment is the entry:
	// it knows the Invoke's status only.
	s := summaryOf(t, "stage1.jsonl", "1-6b0f287a-232f9528a941eb10b1343b64")
	if s.EntryPoint == nil || s.EntryPoint.Type != TypeLambda || s.EntryPoint.Name != post {
		t.Errorf("EntryPoint = %+v", s.EntryPoint)
	}
	if s.HTTP == nil || s.HTTP.HTTPStatus != 200 || s.HTTP.HTTPMethod != "" {
		t.Errorf("Http = %+v, want status 200 only", s.HTTP)
	}
	if s.HasError || s.HasFault || s.IsPartial {
		t.Errorf("flags set: %+v", s)
	}
}

func TestSummarizePartial(t *testing.T) {
	const tid = "1-00000001-00000000000000000000000a"
	tests := []struct {
		name string
		docs []Document
	}{
		{"no root", []Document{{ID: "b", Name: "fn", TraceID: tid, ParentID: "a", StartTime: 1, EndTime: 2}}},
		{"root in progress", []Document{{ID: "a", Name: "gw", TraceID: tid, StartTime: 1, InProgress: true}}},
		{"orphan subsegment", []Document{
			{ID: "a", Name: "gw", TraceID: tid, StartTime: 1, EndTime: 2},
			{ID: "c", Name: "x", TraceID: tid, Type: "subsegment", ParentID: "missing", StartTime: 1, EndTime: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Assemble(tid, tt.docs)
			if s := Summarize(&tr); !s.IsPartial {
				t.Errorf("IsPartial = false")
			}
		})
	}
	tr := Assemble(tid, []Document{{ID: "a", Name: "gw", TraceID: tid, StartTime: 1, EndTime: 2}})
	if s := Summarize(&tr); s.IsPartial {
		t.Errorf("complete trace IsPartial")
	}
}

func TestSummarizeInferredRootCause(t *testing.T) {
	const tid = "1-00000001-00000000000000000000000b"
	ddb := Document{ID: "s", Name: "DynamoDB", Namespace: "aws", StartTime: 1, EndTime: 1.5, Fault: true,
		AWS: map[string]any{"operation": "PutItem"}, Cause: &Cause{Exceptions: []Exception{{Type: "InternalServerError", Message: "boom"}}}}
	tr := Assemble(tid, []Document{{ID: "a", Name: "fn", Origin: TypeLambdaFunction, TraceID: tid, StartTime: 1, EndTime: 2, Fault: true,
		Subsegments: []Document{ddb}}})
	s := Summarize(&tr)
	if len(s.FaultRootCauses) != 1 {
		t.Fatalf("FaultRootCauses = %+v", s.FaultRootCauses)
	}
	svc := s.FaultRootCauses[0].Services[0]
	want := RootCauseService{Name: "DynamoDB", Names: []string{"DynamoDB"}, Type: TypeDynamoDBTable, Inferred: true,
		EntityPath: []RootCauseEntity{{Name: "DynamoDB", Remote: true, Exceptions: []RootCauseException{{Name: "InternalServerError", Message: "boom"}}}}}
	if !reflect.DeepEqual(svc, want) {
		t.Errorf("root cause %+v, want %+v", svc, want)
	}
}

func TestTraceLine(t *testing.T) {
	const tid = "1-00000001-00000000000000000000000c"
	const start = 1767225600.0 // 2026-01-01 UTC
	api := Document{Name: "questions/prod", ID: "a1", TraceID: tid, Origin: TypeAPIGateway, StartTime: start, EndTime: start + 0.3}
	api.SetHTTPStatus(502)
	lambdaSvc := Document{Name: "post", ID: "b1", ParentID: "a1", TraceID: tid, Origin: TypeLambda, StartTime: start + 0.01, EndTime: start + 0.29}
	fn := Document{Name: "post", ID: "c1", ParentID: "b1", TraceID: tid, Origin: TypeLambdaFunction, StartTime: start + 0.02, EndTime: start + 0.28, Fault: true}
	hang := Document{Name: "hangingException", ID: "d1", ParentID: "c1", TraceID: tid, Type: "subsegment", StartTime: start + 0.03, EndTime: start + 0.27, Fault: true}
	put := Document{Name: "DynamoDB", ID: "e1", ParentID: "c1", TraceID: tid, Type: "subsegment", Namespace: "aws",
		AWS: map[string]any{"operation": "PutItem"}, StartTime: start + 0.02, EndTime: start + 0.03}
	orphan := Document{Name: "DynamoDB", ID: "f1", ParentID: "gone", TraceID: tid, Type: "subsegment", Namespace: "aws", StartTime: start, EndTime: start + 0.01}
	cases := []struct {
		name string
		docs []Document
		want string
	}{
		{"fault", []Document{hang, fn, lambdaSvc, api},
			"trace " + tid + "  300ms  502 fault  questions/prod > post > hangingException  faulted: hangingException"},
		{"ok with an AWS call", []Document{put, {Name: "post", ID: "c1", TraceID: tid, Origin: TypeLambdaFunction, StartTime: start, EndTime: start + 0.05}},
			"trace " + tid + "  50ms  ok  post > DynamoDB.PutItem"},
		// A fault without a failing subsegment starts in the segment.
		{"function fault", []Document{{Name: "fn", ID: "c4", TraceID: tid, Origin: TypeLambdaFunction, StartTime: start, EndTime: start + 0.002, Fault: true}},
			"trace " + tid + "  2.0ms  fault  fn  faulted: fn"},
		{"throttled", []Document{{Name: "questions/prod", ID: "a3", TraceID: tid, Origin: TypeAPIGateway, StartTime: start, EndTime: start + 0.001,
			HTTP: &HTTP{Response: &HTTPResponse{Status: 429}}}},
			"trace " + tid + "  1.0ms  429 throttle  questions/prod"},
		// Without its entry segment, the span of what arrived.
		{"incomplete", []Document{orphan},
			"trace " + tid + "  10ms  ok (incomplete)  DynamoDB"},
		// Durations read as cmd/traces list prints them (FormatSeconds).
		{"sub-millisecond", []Document{{Name: "questions/prod", ID: "a2", TraceID: tid,
			Origin: TypeAPIGateway, StartTime: start, EndTime: start + 0.000114, HTTP: &HTTP{Response: &HTTPResponse{Status: 200}}}},
			"trace " + tid + "  0.1ms  200 ok  questions/prod"},
		{"a few milliseconds", []Document{{Name: "process", ID: "c2", TraceID: tid,
			Origin: TypeLambdaFunction, StartTime: start, EndTime: start + 0.005351}},
			"trace " + tid + "  5.4ms  ok  process"},
		{"seconds", []Document{{Name: "post", ID: "c3", TraceID: tid,
			Origin: TypeLambdaFunction, StartTime: start, EndTime: start + 1.00225}},
			"trace " + tid + "  1.002s  ok  post"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := Assemble(tid, tc.docs)
			s := Summarize(&tr)
			if got := TraceLine(&tr, &s); got != tc.want {
				t.Errorf("line\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// The line of a stage-3 fault as the local stack captured it: the gateway's
// Lambda Invoke call is on the path, the exception message is not.
func TestTraceLineOfACapturedFault(t *testing.T) {
	const id = "1-6b0f28a0-22cc7e8d6c2dba7b5ad5b175"
	tr, s, ok := fixtureStore(t, "stage3.jsonl").Trace(id)
	if !ok {
		t.Fatalf("stage3.jsonl: no trace %s", id)
	}
	want := "trace " + id + "  1.002s  502 fault  " + api + " > Lambda.Invoke > " + post + " > hangingException  faulted: hangingException"
	if got := TraceLine(&tr, &s); got != want {
		t.Errorf("line\n got %q\nwant %q", got, want)
	}
	if got := s.FaultOrigins(); !reflect.DeepEqual(got, []string{"hangingException"}) {
		t.Errorf("FaultOrigins = %v, want where the root cause's path ends", got)
	}
}
