package pulumimock

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mysfits/mysfits-questions/internal/awsfake"
)

type buildFunc func(ctx context.Context, pkg string) (string, error)

func (f buildFunc) Build(ctx context.Context, pkg string) (string, error) { return f(ctx, pkg) }

func TestMemoize(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	fail := atomic.Bool{}
	memo := Memoize[string](buildFunc(func(_ context.Context, pkg string) (string, error) {
		calls.Add(1)
		if fail.Load() {
			return "", errors.New("boom")
		}
		return "hash-" + pkg, nil
	}))

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			b, err := memo.Build(context.Background(), "./a")
			if err != nil || b != "hash-./a" {
				t.Errorf("Build(./a) = %+v, %v", b, err)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("8 concurrent builds of one package ran the builder %d times, want 1", n)
	}

	fail.Store(true)
	if _, err := memo.Build(context.Background(), "./b"); err == nil {
		t.Fatal("failed build was not reported")
	}
	fail.Store(false)
	if b, err := memo.Build(context.Background(), "./b"); err != nil || b != "hash-./b" {
		t.Fatalf("retry after a failure = %+v, %v; failures must not be cached", b, err)
	}
	if b, err := memo.Build(context.Background(), "./a"); err != nil || b != "hash-./a" {
		t.Fatalf("Build(./a) again = %+v, %v", b, err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("builder ran %d times, want 3 (./a once, ./b failed then succeeded)", n)
	}
}

// TestNewResourceFollowsAWSFake: the mocks fill in what internal/awsfake
// computes, the rules the stand-in AWS plugin follows too.
func TestNewResourceFollowsAWSFake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, name string
		inputs    map[string]any
	}{
		{"aws:dynamodb/table:Table", "questions-table", map[string]any{"hashKey": "id"}},
		{"aws:sqs/queue:Queue", "questions-dlq", map[string]any{"name": "dlq"}},
		{"aws:apigateway/restApi:RestApi", "questions-api", map[string]any{}},
		{"aws:apigateway/method:Method", "questions-api-post", map[string]any{"httpMethod": "POST"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			t.Parallel()
			cloud := NewCloud("mysfits-questions", "dev")
			id, state, err := cloud.NewResource(pulumi.MockResourceArgs{TypeToken: tt.typ, Name: tt.name, Inputs: resource.NewPropertyMapFromMap(tt.inputs)})
			if err != nil {
				t.Fatalf("NewResource: %v", err)
			}
			r := cloud.Get(t, tt.typ, tt.name)
			wantID, computed := awsfake.Compute(awsfake.Resource{Type: tt.typ, Name: tt.name, URN: r.URN, Inputs: tt.inputs})
			if id != wantID || r.ID != wantID {
				t.Errorf("id = %q (recorded %q), want %q", id, r.ID, wantID)
			}
			for k, v := range computed {
				if got := state.Mappable()[k]; got != v {
					t.Errorf("%s = %v, want %v", k, got, v)
				}
			}
			for k, v := range tt.inputs {
				if got := r.Inputs[k]; got != v {
					t.Errorf("input %s = %v, want %v", k, got, v)
				}
			}
		})
	}
}
