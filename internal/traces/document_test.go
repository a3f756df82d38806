package traces

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseDocument(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"segment", `{"name":"gw","id":"a","trace_id":"1-2-3","start_time":1,"end_time":2}`, ""},
		{"subsegment on its own", `{"name":"DynamoDB","id":"b","trace_id":"1-2-3","parent_id":"a","type":"subsegment","start_time":1}`, ""},
		{"subsegment without parent", `{"name":"x","id":"b","trace_id":"1-2-3","type":"subsegment","start_time":1}`, "without parent_id"},
		{"no id", `{"name":"gw","trace_id":"1-2-3"}`, "without id"},
		{"no trace id", `{"name":"gw","id":"a"}`, "without trace_id"},
		{"not json", `{"name":`, "decoding the segment document"},
		{"not an object", `[1,2]`, "decoding the segment document"},
		{"too large", `{"name":"` + strings.Repeat("x", MaxDocumentSize) + `"}`, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDocument([]byte(tt.doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestCauseForms(t *testing.T) {
	var d Document
	if err := json.Unmarshal([]byte(`{"id":"a","cause":"0123456789abcdef"}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.Cause == nil || d.Cause.ExceptionID != "0123456789abcdef" {
		t.Fatalf("cause = %+v, want the exception id", d.Cause)
	}
	b, err := json.Marshal(d.Cause)
	if err != nil || string(b) != `"0123456789abcdef"` {
		t.Errorf("marshalled %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"id":"a","cause":{"working_directory":"/x","exceptions":[{"id":"e","type":"T","message":"m"}]}}`), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Cause.Exceptions) != 1 || d.Cause.Exceptions[0].Message != "m" {
		t.Errorf("exceptions = %+v", d.Cause.Exceptions)
	}
}

func TestSetHTTPStatusFlags(t *testing.T) {
	for status, want := range map[int][3]bool{200: {}, 404: {true, false, false}, 429: {true, false, true}, 502: {false, true, false}} {
		var d Document
		d.SetHTTPStatus(status)
		if got := [3]bool{d.Error, d.Fault, d.Throttle}; got != want || d.Status() != status {
			t.Errorf("status %d: error/fault/throttle = %v, status %d; want %v", status, got, d.Status(), want)
		}
	}
}
