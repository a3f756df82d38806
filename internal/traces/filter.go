package traces

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Filter is a parsed filter expression: the subset of X-Ray's language
// the local console evaluates. The nil Filter matches every trace.
//
//	keywords   ok error fault throttle partial        (alone, or = true/false)
//	numbers    responsetime duration http.status      = != < <= > >=  seconds
//	strings    http.url http.method http.useragent http.clientip
//	           = != CONTAINS BEGINSWITH ENDSWITH  "quoted"
//	services   service("name")  service("name") { expression }
//	combined   AND && OR || ! ( )
//
// Keywords are case-insensitive, string values are not.
type Filter struct {
	src  string
	root expr
}

// FilterError says where an expression goes wrong and what was expected.
type FilterError struct {
	Pos int // 1-based position in the expression
	Msg string
}

func (e *FilterError) Error() string { return fmt.Sprintf("at position %d: %s", e.Pos, e.Msg) }

// String is the expression as written.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return f.src
}

// ParseFilter parses src; an empty or blank src gives the nil Filter.
func ParseFilter(src string) (*Filter, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.fail(t, "expected AND, OR or the end of the expression")
	}
	return &Filter{src: src, root: e}, nil
}

// Match evaluates the filter against a trace and its summary.
func (f *Filter) Match(t *TraceDocs, s *TraceSummary) bool {
	if f == nil {
		return true
	}
	return f.root.eval(&traceScope{t: t, s: s})
}

// scope is what an expression is evaluated against: the whole trace, or
// one service inside service("name") { ... }.
type scope interface {
	flag(kw string) bool
	number(kw string) (float64, bool)
	text(kw string) (string, bool)
	services(name string) []scope
}

type expr interface{ eval(scope) bool }

type (
	andExpr    struct{ l, r expr }
	orExpr     struct{ l, r expr }
	notExpr    struct{ e expr }
	flagExpr   struct{ kw string }
	numberExpr struct {
		kw, op string
		v      float64
	}
	textExpr    struct{ kw, op, v string }
	serviceExpr struct {
		name  string
		inner expr // nil: the trace touches the service
	}
)

func (e andExpr) eval(s scope) bool  { return e.l.eval(s) && e.r.eval(s) }
func (e orExpr) eval(s scope) bool   { return e.l.eval(s) || e.r.eval(s) }
func (e notExpr) eval(s scope) bool  { return !e.e.eval(s) }
func (e flagExpr) eval(s scope) bool { return s.flag(e.kw) }

func (e numberExpr) eval(s scope) bool {
	v, ok := s.number(e.kw)
	if !ok {
		return false
	}
	switch e.op {
	case "=":
		return v == e.v
	case "!=":
		return v != e.v
	case "<":
		return v < e.v
	case "<=":
		return v <= e.v
	case ">":
		return v > e.v
	case ">=":
		return v >= e.v
	}
	return false
}

func (e textExpr) eval(s scope) bool {
	v, ok := s.text(e.kw)
	if !ok {
		return false
	}
	switch e.op {
	case "=":
		return v == e.v
	case "!=":
		return v != e.v
	case "CONTAINS":
		return strings.Contains(v, e.v)
	case "BEGINSWITH":
		return strings.HasPrefix(v, e.v)
	case "ENDSWITH":
		return strings.HasSuffix(v, e.v)
	}
	return false
}

func (e serviceExpr) eval(s scope) bool {
	for _, svc := range s.services(e.name) {
		if e.inner == nil || e.inner.eval(svc) {
			return true
		}
	}
	return false
}

var (
	flagKeywords   = []string{"ok", "error", "fault", "throttle", "partial"}
	numberKeywords = []string{"responsetime", "duration", "http.status"}
	textKeywords   = []string{"http.url", "http.method", "http.useragent", "http.clientip"}
	textOps        = []string{"=", "!=", "CONTAINS", "BEGINSWITH", "ENDSWITH"}
	numberOps      = []string{"=", "!=", "<", "<=", ">", ">="}
)

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokNumber
	tokOp // = != < <= > >= ! && || ( ) { }
)

type token struct {
	kind tokKind
	text string // words as written; strings unquoted
	pos  int    // 1-based
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the expression"
	case tokString:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		pos := i + 1
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, &FilterError{Pos: pos, Msg: "string not closed: expected a closing \""}
			}
			toks = append(toks, token{tokString, b.String(), pos})
			i = j + 1
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			toks = append(toks, token{tokNumber, src[i:j], pos})
			i = j
		case isWordByte(c):
			j := i
			for j < len(src) && (isWordByte(src[j]) || src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			toks = append(toks, token{tokWord, src[i:j], pos})
			i = j
		default:
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch {
			case two == "!=" || two == "<=" || two == ">=" || two == "&&" || two == "||":
				toks = append(toks, token{tokOp, two, pos})
				i += 2
			case strings.IndexByte("=<>!(){}[],:", c) >= 0: // [ ] , : only to name X-Ray's other constructs
				toks = append(toks, token{tokOp, string(c), pos})
				i++
			default:
				return nil, &FilterError{Pos: pos, Msg: fmt.Sprintf("unexpected character %q", rune(c))}
			}
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(src) + 1}), nil
}

func isWordByte(c byte) bool { return c == '_' || c < 0x80 && unicode.IsLetter(rune(c)) }

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) fail(t token, format string, args ...any) error {
	return &FilterError{Pos: t.pos, Msg: fmt.Sprintf(format, args...) + ", found " + t.describe()}
}

func (p *parser) isWord(t token, w string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, w)
}

func (p *parser) or() (expr, error) {
	return p.chain(p.and, "OR", "||", func(l, r expr) expr { return orExpr{l, r} })
}

func (p *parser) and() (expr, error) {
	return p.chain(p.unary, "AND", "&&", func(l, r expr) expr { return andExpr{l, r} })
}

// chain parses operand (word|op operand)*, left-associative: the two
// binary levels of the grammar differ only in these.
func (p *parser) chain(operand func() (expr, error), word, op string, join func(l, r expr) expr) (expr, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); p.isWord(t, word) || t.kind == tokOp && t.text == op; t = p.peek() {
		p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = join(l, r)
	}
	return l, nil
}

func (p *parser) unary() (expr, error) {
	if t := p.peek(); t.kind == tokOp && t.text == "!" {
		p.next()
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	}
	return p.primary()
}

func (p *parser) expectOp(op, what string) error {
	if t := p.next(); t.kind != tokOp || t.text != op {
		return p.fail(t, "expected %s", what)
	}
	return nil
}

func (p *parser) primary() (expr, error) {
	t := p.next()
	if t.kind == tokOp && t.text == "(" {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")", "a closing )"); err != nil {
			return nil, err
		}
		return e, nil
	}
	if t.kind != tokWord {
		return nil, p.fail(t, "expected a keyword (%s), service(\"name\"), ! or (", keywordList())
	}
	kw := strings.ToLower(t.text)
	switch {
	case kw == "service":
		return p.service()
	case slices.Contains(flagKeywords, kw):
		return p.flag(kw)
	case slices.Contains(numberKeywords, kw):
		op := p.next()
		if op.kind != tokOp || !slices.Contains(numberOps, op.text) {
			return nil, p.fail(op, "%s takes = != < <= > or >=", kw)
		}
		v := p.next()
		if v.kind != tokNumber {
			return nil, p.fail(v, "expected a number after %s %s", kw, op.text)
		}
		n, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return nil, p.fail(v, "expected a number after %s %s", kw, op.text)
		}
		return numberExpr{kw, op.text, n}, nil
	case slices.Contains(textKeywords, kw):
		op := p.next()
		name := op.text
		if op.kind == tokWord {
			name = strings.ToUpper(op.text)
		}
		if op.kind != tokOp && op.kind != tokWord || !slices.Contains(textOps, name) {
			return nil, p.fail(op, "%s takes = != CONTAINS BEGINSWITH or ENDSWITH", kw)
		}
		v := p.next()
		if v.kind != tokString {
			return nil, p.fail(v, "expected a quoted string after %s %s", kw, name)
		}
		return textExpr{kw, name, v.text}, nil
	}
	if what := unsupported(kw); what != "" {
		return nil, notEvaluated(t.pos, t.text, what)
	}
	return nil, &FilterError{Pos: t.pos, Msg: fmt.Sprintf("unknown keyword %q: expected %s or service(\"name\")", t.text, keywordList())}
}

// unsupportedConstructs are the parts of X-Ray's filter language (AWS
// X-Ray Developer Guide, "Use filter expressions") the local console does
// not evaluate, by the word they start with: what they are called.
var unsupportedConstructs = []struct{ word, what string }{
	{"annotation", "annotations (annotation.KEY, annotation[KEY])"},
	{"user", "users (user = \"name\")"},
	{"edge", "edges (edge(\"from\", \"to\"))"},
	{"id", "service ids (id(name: \"name\", type: \"type\"))"},
	{"group", "groups (group.name, group.arn)"},
	{"rootcause", "root causes (rootcause.fault.service { ... })"},
	{"json", "JSON paths (json(...))"},
}

// unsupported says what X-Ray construct kw starts, "" for none.
func unsupported(kw string) string {
	head, _, _ := strings.Cut(kw, ".")
	for _, c := range unsupportedConstructs {
		if head == c.word {
			return c.what
		}
	}
	// fault.rootcause..., error.rootcause...: root causes too.
	if _, rest, ok := strings.Cut(kw, "."); ok && strings.HasPrefix(rest, "rootcause") {
		return unsupported("rootcause")
	}
	return ""
}

// notEvaluated is the error for X-Ray syntax the local console does not
// evaluate: it names the construct and what the console does evaluate.
func notEvaluated(pos int, written, what string) error {
	return &FilterError{Pos: pos, Msg: fmt.Sprintf("%s: %s are X-Ray filter syntax the local console does not evaluate; it evaluates %s, "+
		`service("name") and service("name") { ... }, combined with AND, OR, ! and ( )`, written, what, keywordList())}
}

func (p *parser) flag(kw string) (expr, error) {
	t := p.peek()
	if t.kind != tokOp || t.text != "=" && t.text != "!=" {
		return flagExpr{kw}, nil
	}
	p.next()
	v := p.next()
	var want bool
	switch {
	case p.isWord(v, "true"):
		want = true
	case p.isWord(v, "false"):
	default:
		return nil, p.fail(v, "expected true or false after %s %s", kw, t.text)
	}
	if t.text == "!=" {
		want = !want
	}
	if want {
		return flagExpr{kw}, nil
	}
	return notExpr{flagExpr{kw}}, nil
}

func (p *parser) service() (expr, error) {
	if err := p.expectOp("(", "( after service"); err != nil {
		return nil, err
	}
	name := p.next()
	if what := unsupported(strings.ToLower(name.text)); name.kind == tokWord && what != "" {
		return nil, notEvaluated(name.pos, "service("+name.text+"...)", what)
	}
	if name.kind != tokString {
		return nil, p.fail(name, "expected the service's name as a quoted string")
	}
	if err := p.expectOp(")", "a closing ) after the service's name"); err != nil {
		return nil, err
	}
	e := serviceExpr{name: name.text}
	if t := p.peek(); t.kind == tokOp && t.text == "{" {
		p.next()
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("}", "a closing }"); err != nil {
			return nil, err
		}
		e.inner = inner
	}
	return e, nil
}

func keywordList() string {
	all := append(append(append([]string{}, flagKeywords...), numberKeywords...), textKeywords...)
	return strings.Join(all, ", ")
}

// traceScope evaluates against the whole trace.
type traceScope struct {
	t *TraceDocs
	s *TraceSummary
}

func (c *traceScope) flag(kw string) bool {
	s := c.s
	switch kw {
	case "ok":
		return !s.HasFault && !s.HasError && !s.HasThrottle
	case "error":
		return s.HasError
	case "fault":
		return s.HasFault
	case "throttle":
		return s.HasThrottle
	case "partial":
		return s.IsPartial
	}
	return false
}

func (c *traceScope) number(kw string) (float64, bool) {
	switch kw {
	case "responsetime":
		return c.s.ResponseTime, true
	case "duration":
		return c.s.Duration, true
	case "http.status":
		if c.s.HTTP != nil && c.s.HTTP.HTTPStatus != 0 {
			return float64(c.s.HTTP.HTTPStatus), true
		}
	}
	return 0, false
}

func (c *traceScope) text(kw string) (string, bool) {
	h := c.s.HTTP
	if h == nil {
		return "", false
	}
	v := map[string]string{"http.url": h.HTTPURL, "http.method": h.HTTPMethod,
		"http.useragent": h.UserAgent, "http.clientip": h.ClientIP}[kw]
	return v, v != ""
}

func (c *traceScope) services(name string) []scope {
	x := newTraceIndex(c.t)
	byKey := map[nodeKey]*serviceScope{}
	var order []nodeKey
	add := func(k nodeKey, d *Document) {
		if k.name != name {
			return
		}
		if byKey[k] == nil {
			byKey[k] = &serviceScope{}
			order = append(order, k)
		}
		byKey[k].docs = append(byKey[k].docs, d)
	}
	for i := range c.t.Segments {
		seg := &c.t.Segments[i]
		add(segmentKey(seg), seg)
		x.downstream(seg, func(sub *Document) { add(inferredKey(sub), sub) })
	}
	out := make([]scope, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

// serviceScope evaluates against one service's segments (or the
// subsegments a downstream service is inferred from).
type serviceScope struct{ docs []*Document }

func (c *serviceScope) flag(kw string) bool {
	hasAny := func(o ...outcome) bool {
		for _, d := range c.docs {
			if slices.Contains(o, outcomeOf(d)) {
				return true
			}
		}
		return false
	}
	switch kw {
	case "ok":
		return !hasAny(outcomeFault, outcomeError, outcomeThrottle)
	case "error":
		return hasAny(outcomeError, outcomeThrottle)
	case "fault":
		return hasAny(outcomeFault)
	case "throttle":
		return hasAny(outcomeThrottle)
	case "partial":
		for _, d := range c.docs {
			if d.InProgress || d.EndTime == 0 {
				return true
			}
		}
	}
	return false
}

func (c *serviceScope) number(kw string) (float64, bool) {
	switch kw {
	case "responsetime", "duration":
		var longest float64
		for _, d := range c.docs {
			longest = max(longest, d.Duration())
		}
		return longest, len(c.docs) > 0
	case "http.status":
		for _, d := range c.docs {
			if s := d.Status(); s != 0 {
				return float64(s), true
			}
		}
	}
	return 0, false
}

func (c *serviceScope) text(kw string) (string, bool) {
	for _, d := range c.docs {
		if d.HTTP == nil || d.HTTP.Request == nil {
			continue
		}
		r := d.HTTP.Request
		v := map[string]string{"http.url": r.URL, "http.method": r.Method,
			"http.useragent": r.UserAgent, "http.clientip": r.ClientIP}[kw]
		if v != "" {
			return v, true
		}
	}
	return "", false
}

func (c *serviceScope) services(string) []scope { return nil }
