package traces

import (
	"errors"
	"strings"
	"testing"
)

func TestFilterMatches(t *testing.T) {
	// stage 3: five 502 faults, one 400, three 201, one OPTIONS, one
	// stream batch.
	s := fixtureStore(t, "stage3.jsonl")
	tests := []struct {
		expr string
		want int
	}{
		{"", 11},
		{"fault", 5},
		{"FAULT", 5},
		{"error", 1},
		{"ok", 5},
		{"!ok", 6},
		{"throttle", 0},
		{"partial", 0},
		{"fault = true", 5},
		{"fault = false", 6},
		{"fault != TRUE", 6},
		{"responsetime > 0.5", 5},
		{"responsetime >= 1.00225", 1},
		{"ResponseTime <= 0.02", 5},
		{"duration < 0.001", 2},
		{"responsetime = 0.02", 1},
		{"responsetime != 0.02", 10},
		{"http.status = 502", 5},
		{"http.status != 502", 6},
		{"http.status >= 400", 6},
		{`http.method = "POST"`, 9},
		{`http.method = "post"`, 0},
		{`http.method != "POST"`, 1},
		{`http.url CONTAINS "/prod/"`, 10},
		{`http.url contains "/prod/"`, 10},
		{`http.url BEGINSWITH "http://127.0.0.1"`, 10},
		{`http.url ENDSWITH "/questions"`, 10},
		{`http.useragent CONTAINS "curl"`, 10},
		{`http.clientip = "127.0.0.1"`, 10},
		{`service("mysfits-questions-process")`, 1},
		{`service("DynamoDB")`, 3},
		{`service("SNS") AND ok`, 1},
		{`service("mysfits-questions-post") { fault }`, 5},
		{`service("mysfits-questions-post") { responsetime > 0.5 }`, 5},
		{`service("mysfits-questions/prod") { error }`, 1},
		{`service("mysfits-questions/prod") { http.status = 400 }`, 1},
		{`service("nope")`, 0},
		{`service("mysfits-questions/prod") { http.method = "OPTIONS" }`, 1},
		{`service("mysfits-questions/prod") { ok AND !partial }`, 4},
		{`service("mysfits-questions-process") { service("SNS") }`, 0}, // no nesting: a service has no services
		{"fault AND responsetime > 1.001", 4},
		{"fault && responsetime > 1.001", 4},
		{"error OR fault", 6},
		{"error || fault && responsetime > 1.002", 2},
		{"(error || fault) && responsetime > 1.002", 1},
		{"!(fault OR error)", 5},
		{"!!fault", 5},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := ParseFilter(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if f.String() != tt.expr {
				t.Errorf("String() = %q", f.String())
			}
			if got := len(s.TraceSummaries(0, 0, f).TraceSummaries); got != tt.want {
				t.Errorf("%d traces match, want %d", got, tt.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		expr string
		pos  int
		msg  string
	}{
		{"responsetime >", 15, "expected a number after responsetime >, found the end of the expression"},
		{"responsetime ~ 5", 14, `unexpected character '~'`},
		{"responsetime CONTAINS 5", 14, `responsetime takes = != < <= > or >=, found "CONTAINS"`},
		{"foo", 1, `unknown keyword "foo"`},
		{"NOT fault", 1, `unknown keyword "NOT"`},
		{`http.url > "x"`, 10, `http.url takes = != CONTAINS BEGINSWITH or ENDSWITH, found ">"`},
		{"http.method = POST", 15, `expected a quoted string after http.method =, found "POST"`},
		{"fault AND", 10, "expected a keyword"},
		{"(fault", 7, "expected a closing ), found the end of the expression"},
		{"service(post)", 9, "expected the service's name as a quoted string"},
		{`service("x"`, 12, "expected a closing ) after the service's name"},
		{`service("x") { fault`, 21, "expected a closing }"},
		{`"unclosed`, 1, "string not closed"},
		{"fault = maybe", 9, `expected true or false after fault =, found "maybe"`},
		{"fault error", 7, `expected AND, OR or the end of the expression, found "error"`},
		{"responsetime > 5 #", 18, "unexpected character '#'"},
		{")", 1, "expected a keyword"},
		// X-Ray syntax the local console does not evaluate: named, with
		// what it does evaluate.
		{`annotation.account = "12345"`, 1, `annotation.account: annotations (annotation.KEY, annotation[KEY]) are X-Ray filter syntax the local console does not evaluate; it evaluates ok, error, fault, throttle, partial, responsetime, duration, http.status, http.url, http.method, http.useragent, http.clientip, service("name")`},
		{`fault AND annotation[account] = "12345"`, 11, `annotation: annotations (annotation.KEY, annotation[KEY]) are X-Ray filter syntax the local console does not evaluate; it evaluates ok,`},
		{`user = "ada"`, 1, "user: users"},
		{`edge("mysfits-questions/prod", "mysfits-questions-post")`, 1, "edge: edges"},
		{`service(id(name: "mysfits-questions-post", type: "AWS::Lambda::Function"))`, 9, "service(id...): service ids"},
		{`id(name: "mysfits-questions-post", type: "AWS::Lambda::Function")`, 1, "id: service ids"},
		{`group.name = "faults"`, 1, "group.name: groups"},
		{`rootcause.fault.service { name = "mysfits-questions-post" }`, 1, "rootcause.fault.service: root causes"},
		{`fault.rootcause.service { name = "x" }`, 1, "fault.rootcause.service: root causes"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := ParseFilter(tt.expr)
			var fe *FilterError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FilterError", err)
			}
			if fe.Pos != tt.pos || !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("error at %d %q, want at %d containing %q", fe.Pos, fe.Msg, tt.pos, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "at position ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestFilterNil(t *testing.T) {
	for _, blank := range []string{"", "   "} {
		f, err := ParseFilter(blank)
		if err != nil || f != nil {
			t.Errorf("ParseFilter(%q) = %v, %v; want nil, nil", blank, f, err)
		}
	}
	var f *Filter
	if !f.Match(&TraceDocs{}, &TraceSummary{}) || f.String() != "" {
		t.Errorf("nil filter does not match all")
	}
}
