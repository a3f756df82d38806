package post_test

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mysfits/mysfits-questions/functions/internal/handlertest"
	"github.com/mysfits/mysfits-questions/functions/post"
)

// The fake stands where the real client does.
var _ post.ItemPutter = (*fakeDB)(nil)

// fakeDB records every PutItem and answers with err.
type fakeDB struct {
	mu       sync.Mutex
	calls    []*dynamodb.PutItemInput
	unmarked int // calls whose context was not the invocation's
	err      error
	// landed answers like DynamoDB after an SDK retry of a write whose
	// first answer was lost: the condition fails on the very item sent.
	landed    bool
	deadlines []time.Time // the deadline of each call's context (zero: none)
}

func (f *fakeDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if !handlertest.HasMarker(ctx) {
		f.unmarked++
	}
	deadline, _ := ctx.Deadline()
	f.deadlines = append(f.deadlines, deadline)
	if f.landed {
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed"), Item: in.Item}
	}
	if f.err != nil {
		return nil, f.err
	}
	return &dynamodb.PutItemOutput{}, nil
}
