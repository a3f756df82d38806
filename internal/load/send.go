package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/questions"
)

// kind is what a request is made to test.
type kind int

const (
	valid kind = iota
	badEmail
	tooLong
	truncatedJSON
	wrongContentType
	kinds
)

var kindNames = [kinds]string{"valid", "invalid e-mail", "over-long question", "truncated JSON", "text/plain body"}

// request is one planned POST. Every text is unique, so whatever the
// answer, its item can be found in the table.
type request struct {
	kind        kind
	email, text string
	body        []byte
	contentType string
}

// plan builds n requests for the run, invalidPct percent of them invalid on
// purpose, spread evenly and cycling through the ways to be invalid.
func plan(runID string, n, invalidPct int) []request {
	reqs := make([]request, n)
	invalid := 0
	for i := range reqs {
		r := request{
			kind:        valid,
			email:       fmt.Sprintf("visitor%d@example.com", i),
			text:        fmt.Sprintf("Load test %s, question %d: what do the mysfits eat for breakfast?", runID, i),
			contentType: "application/json",
		}
		if (i+1)*invalidPct/100 > i*invalidPct/100 {
			r.kind = kind(1 + invalid%int(kinds-1))
			invalid++
		}
		switch r.kind {
		case badEmail:
			r.email = fmt.Sprintf("visitor%d.example.com", i)
		case tooLong:
			r.text += strings.Repeat(" Why?", questions.MaxQuestionRunes/5)
		case wrongContentType:
			r.contentType = "text/plain"
		}
		r.body, _ = json.Marshal(map[string]string{questions.FieldEmail: r.email, questions.FieldQuestionText: r.text})
		if r.kind == truncatedJSON {
			r.body = r.body[:len(r.body)-3]
		}
		reqs[i] = r
	}
	return reqs
}

// outcome is what one request got.
type outcome struct {
	request
	sent       bool
	status     int    // 0: no answer
	questionID string // from a 2xx answer
	problem    string // the error of a 4xx/5xx answer, or why the request got no answer
	unclear    string // why the answer is not the JSON the API promises
	latency    time.Duration
	answeredAt time.Time
}

// sendResult is the sending phase.
type sendResult struct {
	outcomes []outcome
	started  time.Time
	elapsed  time.Duration
}

// requestTimeout is longer than API Gateway's 29s integration timeout: the
// gateway answers before the client gives up.
const requestTimeout = 35 * time.Second

// Feed calls do(client, i) for every i from 0 to n-1 from clients
// goroutines at once (client is the goroutine's number, 0 to clients-1),
// handing the indexes out in order until all are handed out or ctx ends.
// It returns once every call has returned, with when the first index was
// handed out and how long the whole took: the load test's clients and the
// benchmark's raw PutItem clients are fed by this one loop, so the two
// measure the same way.
func Feed(ctx context.Context, n, clients int, do func(client, i int)) (start time.Time, elapsed time.Duration) {
	next := make(chan int)
	var wg sync.WaitGroup
	// At least one client: with none, the first hand-out would wait forever.
	for c := range max(clients, 1) {
		wg.Go(func() {
			for i := range next {
				do(c, i)
			}
		})
	}
	start = time.Now()
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return start, time.Since(start)
}

// send posts every request from the given number of concurrent clients
// until all are sent or ctx ends.
func send(ctx context.Context, endpoint string, reqs []request, clients int) sendResult {
	httpClient := &http.Client{
		Timeout:   requestTimeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients},
	}
	defer httpClient.CloseIdleConnections()
	out := make([]outcome, len(reqs))
	start, elapsed := Feed(ctx, len(reqs), clients, func(_, i int) {
		out[i] = post(ctx, httpClient, endpoint, reqs[i])
	})
	for i := range out {
		if !out[i].sent {
			out[i].request = reqs[i]
		}
	}
	return sendResult{outcomes: out, started: start, elapsed: elapsed}
}

// answerBody is either answer of the API.
type answerBody struct {
	QuestionID *string `json:"questionId"`
	Error      *string `json:"error"`
}

func post(ctx context.Context, c *http.Client, endpoint string, r request) outcome {
	o := outcome{request: r}
	if ctx.Err() != nil {
		return o
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+contract.ResourcePath, bytes.NewReader(r.body))
	if err != nil {
		o.problem = err.Error()
		return o
	}
	req.Header.Set("Content-Type", r.contentType)
	o.sent = true
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		o.latency, o.problem = time.Since(start), err.Error()
		return o
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	o.answeredAt = time.Now()
	o.latency = o.answeredAt.Sub(start)
	o.status = resp.StatusCode
	if err != nil {
		o.status, o.problem = 0, "reading the answer: "+err.Error()
		return o
	}

	var a answerBody
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		o.unclear = fmt.Sprintf("%d answer with Content-Type %q", o.status, ct)
	} else if err := json.Unmarshal(body, &a); err != nil {
		o.unclear = fmt.Sprintf("%d answer is not a JSON object: %v", o.status, err)
	}
	switch {
	case o.unclear != "":
	case o.status >= 200 && o.status < 300:
		if a.QuestionID == nil || *a.QuestionID == "" {
			o.unclear = fmt.Sprintf("%d answer without a questionId", o.status)
		} else {
			o.questionID = *a.QuestionID
		}
	default:
		if a.Error == nil || *a.Error == "" {
			o.unclear = fmt.Sprintf("%d answer without an error message", o.status)
		} else {
			o.problem = *a.Error
		}
	}
	return o
}
