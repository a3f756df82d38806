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
