package devstack

import (
	"context"
	"errors"
	"testing"

	"github.com/mysfits/mysfits-questions/internal/local/goaws"
)

// The load test finds the dead-letter queue of a running stack without
// creating one, and removes its own queue when done.
func TestSQSQueueLookupAndDelete(t *testing.T) {
	needLocalServices(t)
	t.Parallel() // on stacks of its own
	ctx := context.Background()
	c := &goaws.Client{Endpoint: services.GoAWSEndpoint}
	created, err := c.CreateQueue(ctx, "lookup-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	found, err := c.QueueURL(ctx, "lookup-test")
	if err != nil || found != created {
		t.Fatalf("QueueURL = %q, %v; want %q", found, err, created)
	}
	if err := c.DeleteQueue(ctx, created); err != nil {
		t.Fatal(err)
	}
	var apiErr *goaws.APIError
	if _, err := c.QueueURL(ctx, "lookup-test"); !errors.As(err, &apiErr) {
		t.Errorf("QueueURL of a deleted queue = %v, want the emulator's error", err)
	}
}
