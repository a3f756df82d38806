package process_test

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/process"
)

// The fake stands where the real client does.
var _ process.Publisher = (*fakeSNS)(nil)

// fakeSNS records every Publish; the call numbered failAt (0-based) fails.
type fakeSNS struct {
	mu       sync.Mutex
	calls    []*sns.PublishInput
	unmarked int
	failAt   int // -1: never
	err      error
}

func (f *fakeSNS) Publish(ctx context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.calls)
	f.calls = append(f.calls, in)
	if !handlertest.HasMarker(ctx) {
		f.unmarked++
	}
	if n == f.failAt {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: new(string)}, nil
}
