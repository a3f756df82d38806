package traces

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Document is a parsed X-Ray segment or subsegment document: the fields the
// graph, the summaries, the filter and the timeline read. The raw document
// stays the source of truth; fields not listed here are kept there.
type Document struct {
	Name       string  `json:"name"`
	ID         string  `json:"id"`
	TraceID    string  `json:"trace_id,omitempty"`
	ParentID   string  `json:"parent_id,omitempty"`
	Type       string  `json:"type,omitempty"` // "subsegment" when sent on its own
	StartTime  float64 `json:"start_time"`
	EndTime    float64 `json:"end_time,omitempty"`
	InProgress bool    `json:"in_progress,omitempty"`
	Origin     string  `json:"origin,omitempty"`
	Namespace  string  `json:"namespace,omitempty"` // "aws" or "remote" for downstream calls
	Inferred   bool    `json:"inferred,omitempty"`  // set by X-Ray on segments it made from subsegments
	Error      bool    `json:"error,omitempty"`
	Fault      bool    `json:"fault,omitempty"`
	Throttle   bool    `json:"throttle,omitempty"`
	HTTP       *HTTP   `json:"http,omitempty"`
	// AWS holds the aws object: operation, table_name, function_name, ...
	AWS         map[string]any `json:"aws,omitempty"`
	Cause       *Cause         `json:"cause,omitempty"`
	Subsegments []Document     `json:"subsegments,omitempty"`
}

// HTTP is the http object of a document.
type HTTP struct {
	Request  *HTTPRequest  `json:"request,omitempty"`
	Response *HTTPResponse `json:"response,omitempty"`
}

// HTTPRequest is what a segment recorded of the request it served or sent.
type HTTPRequest struct {
	Method        string `json:"method,omitempty"`
	URL           string `json:"url,omitempty"`
	UserAgent     string `json:"user_agent,omitempty"`
	ClientIP      string `json:"client_ip,omitempty"`
	XForwardedFor bool   `json:"x_forwarded_for,omitempty"`
}

// HTTPResponse is the answer's status.
type HTTPResponse struct {
	Status        int `json:"status,omitempty"`
	ContentLength int `json:"content_length,omitempty"`
}

// Cause is the cause object. X-Ray also allows a bare string, the id of an
// exception recorded on a descendant; it lands in ExceptionID.
type Cause struct {
	ExceptionID string      `json:"-"`
	Exceptions  []Exception `json:"exceptions,omitempty"`
}

// UnmarshalJSON accepts both forms of cause.
func (c *Cause) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &c.ExceptionID)
	}
	var obj struct {
		Exceptions []Exception `json:"exceptions"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	c.Exceptions = obj.Exceptions
	return nil
}

// MarshalJSON writes the form that was read.
func (c Cause) MarshalJSON() ([]byte, error) {
	if c.ExceptionID != "" && len(c.Exceptions) == 0 {
		return json.Marshal(c.ExceptionID)
	}
	return json.Marshal(struct {
		Exceptions []Exception `json:"exceptions,omitempty"`
	}{c.Exceptions})
}

// Exception is one recorded error.
type Exception struct {
	ID      string `json:"id,omitempty"`
	Type    string `json:"type,omitempty"`
	Message string `json:"message,omitempty"`
	Remote  bool   `json:"remote,omitempty"`
}

// MaxDocumentSize is the largest segment document X-Ray accepts.
const MaxDocumentSize = 64 << 10

// ParseDocument decodes one segment document and checks what every document
// needs: an id, a name and, for segments and independently sent subsegments,
// a trace id.
func ParseDocument(raw []byte) (Document, error) {
	var d Document
	if len(raw) > MaxDocumentSize {
		return d, fmt.Errorf("segment document of %d bytes is larger than %d", len(raw), MaxDocumentSize)
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, fmt.Errorf("decoding the segment document: %w", err)
	}
	switch {
	case d.ID == "":
		return d, errors.New("segment document without id")
	case d.TraceID == "":
		return d, fmt.Errorf("segment document %s without trace_id", d.ID)
	case d.Type == "subsegment" && d.ParentID == "":
		return d, fmt.Errorf("subsegment %s sent on its own without parent_id", d.ID)
	}
	return d, nil
}

// Duration is end minus start in seconds; zero while in progress.
func (d *Document) Duration() float64 {
	if d.EndTime == 0 || d.EndTime < d.StartTime {
		return 0
	}
	return d.EndTime - d.StartTime
}

// Elapsed is Duration as a time.Duration.
func (d *Document) Elapsed() time.Duration {
	return time.Duration(d.Duration() * float64(time.Second))
}

// SetHTTPStatus records the response status and the flags X-Ray derives
// from it: 429 throttle, 4xx error, 5xx fault.
func (d *Document) SetHTTPStatus(status int) {
	if d.HTTP == nil {
		d.HTTP = &HTTP{}
	}
	d.HTTP.Response = &HTTPResponse{Status: status}
	switch {
	case status == 429:
		d.Throttle, d.Error = true, true
	case status >= 500:
		d.Fault = true
	case status >= 400:
		d.Error = true
	}
}

// Status is the answer's HTTP status, 0 when none was recorded.
func (d *Document) Status() int {
	if d.HTTP != nil && d.HTTP.Response != nil {
		return d.HTTP.Response.Status
	}
	return 0
}

// Operation is aws.operation, e.g. "PutItem".
func (d *Document) Operation() string { return d.awsString("operation") }

func (d *Document) awsString(key string) string {
	s, _ := d.AWS[key].(string)
	return s
}

// IsSubsegment tells a subsegment sent on its own from a segment.
func (d *Document) IsSubsegment() bool { return d.Type == "subsegment" }

// Downstream reports a subsegment that calls another service: X-Ray infers
// a node from it unless that service sent its own segment.
func (d *Document) Downstream() bool { return d.Namespace == "aws" || d.Namespace == "remote" }

// walk calls fn for d and every nested subsegment, depth first, with the
// depth below d.
func (d *Document) walk(depth int, fn func(s *Document, depth int) bool) bool {
	if !fn(d, depth) {
		return false
	}
	for i := range d.Subsegments {
		if !d.Subsegments[i].walk(depth+1, fn) {
			return false
		}
	}
	return true
}
