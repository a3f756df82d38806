package pulumimock

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
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
