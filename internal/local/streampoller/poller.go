// Package streampoller does locally what a Lambda event source mapping does
// for a DynamoDB stream: it follows the stream's shards (parents before
// children), reads records from the mapping's starting position, batches
// them (batch size, batching window), invokes the function with a
// DynamoDBEvent and honours what comes back: partial batch failures retry
// from the first failed record, function errors bisect the batch, retries
// and record age are bounded, and a batch given up goes to the on-failure
// destination before the shard moves on. Nothing is skipped silently.
package streampoller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/mysfits/mysfits-questions/contract"
)

// Streams is the part of the DynamoDB Streams client the poller uses.
type Streams interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

var _ Streams = (*dynamodbstreams.Client)(nil)

// ProcessFunc invokes the function with one batch. An error is a failed
// invocation (a function error); the response reports batch item failures.
type ProcessFunc func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// FailureFunc delivers a given-up batch's record to the on-failure
// destination. The poller retries it until it succeeds: the record is the
// only trace of the batch once the shard moves on.
type FailureFunc func(ctx context.Context, rec OnFailureRecord) error

// Backoff is the delay before the n-th retry: Initial doubled per retry, at
// most Max.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

func (b Backoff) delay(retry int) time.Duration {
	d := b.Initial
	for i := 1; i < retry && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Config is one event source mapping.
type Config struct {
	StreamARN   string
	FunctionARN string
	Mapping     contract.StreamMapping
	Streams     Streams
	Process     ProcessFunc
	OnFailure   FailureFunc

	// PollInterval is the pause between reads of an idle shard; Lambda polls
	// each shard four times a second. Default 250ms.
	PollInterval time.Duration
	// ShardRefresh is how often the stream is described to find new shards.
	// Default 10s.
	ShardRefresh time.Duration
	// Retry spaces the retries of a failing batch and of failing stream or
	// destination calls. Default 500ms doubling to 30s.
	Retry Backoff
	// Now is the clock for the batching window and the record age.
	Now func() time.Time
	// Checkpoints remembers where each shard is; nil keeps them in memory.
	Checkpoints Checkpoints
	Log         *slog.Logger
}

// Checkpoints stores, per shard, the sequence number of the last record
// that was processed or given up.
type Checkpoints interface {
	Get(shardID string) (string, bool)
	Set(shardID, sequenceNumber string) error
}

// MemoryCheckpoints keeps checkpoints for the life of the process.
type MemoryCheckpoints struct {
	mu sync.Mutex
	m  map[string]string
}

// Get returns the shard's checkpoint.
func (c *MemoryCheckpoints) Get(shardID string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seq, ok := c.m[shardID]
	return seq, ok
}

// Set records the shard's checkpoint.
func (c *MemoryCheckpoints) Set(shardID, seq string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]string{}
	}
	c.m[shardID] = seq
	return nil
}

// Poller runs one mapping.
type Poller struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg and fills in defaults.
func New(cfg Config) (*Poller, error) {
	switch {
	case cfg.StreamARN == "":
		return nil, errors.New("stream poller: no stream ARN")
	case cfg.Streams == nil || cfg.Process == nil || cfg.OnFailure == nil:
		return nil, errors.New("stream poller: Streams, Process and OnFailure are required")
	case cfg.Mapping.BatchSize < 1:
		return nil, fmt.Errorf("stream poller: batch size %d: must be at least 1", cfg.Mapping.BatchSize)
	case cfg.Mapping.StartingPosition != string(types.ShardIteratorTypeTrimHorizon) &&
		cfg.Mapping.StartingPosition != string(types.ShardIteratorTypeLatest):
		return nil, fmt.Errorf("stream poller: starting position %q: must be TRIM_HORIZON or LATEST", cfg.Mapping.StartingPosition)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	if cfg.ShardRefresh <= 0 {
		cfg.ShardRefresh = 10 * time.Second
	}
	if cfg.Retry.Initial <= 0 {
		cfg.Retry.Initial = 500 * time.Millisecond
	}
	if cfg.Retry.Max < cfg.Retry.Initial {
		cfg.Retry.Max = max(30*time.Second, cfg.Retry.Initial)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Checkpoints == nil {
		cfg.Checkpoints = &MemoryCheckpoints{}
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	return &Poller{cfg: cfg, log: log.With("stream", cfg.StreamARN)}, nil
}

// shard is what the coordinator knows about one shard.
type shard struct {
	parent          string
	initialPosition bool // listed when the mapping started: begins at StartingPosition
	started         bool
	done            bool
}

// Run polls the stream until ctx ends. Outages of the stream are logged and
// retried; Run returns only when ctx is done.
func (p *Poller) Run(ctx context.Context) error {
	shards := map[string]*shard{}
	// Shards present when the mapping starts begin at the starting
	// position; shards that appear later are read from their start, so no
	// record written after the mapping started is missed.
	initial := true
	finished := make(chan string)
	var wg sync.WaitGroup
	defer wg.Wait()

	refresh := time.NewTimer(0)
	defer refresh.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case id := <-finished:
			shards[id].done = true
			p.log.Info("shard finished", "shard", id)
		case <-refresh.C:
			if err := p.describe(ctx, shards, initial); err != nil {
				p.log.Warn("describing the stream failed; retrying", "error", err)
				refresh.Reset(p.cfg.Retry.Initial)
				continue
			}
			initial = false
			refresh.Reset(p.cfg.ShardRefresh)
		}
		for id, s := range shards {
			if s.started {
				continue
			}
			// Records of a key move from a parent shard to its children: the
			// parent must be drained first. A parent no longer listed has been
			// trimmed away.
			if parent, known := shards[s.parent]; s.parent != "" && known && !parent.done {
				continue
			}
			s.started = true
			position := types.ShardIteratorTypeTrimHorizon
			if s.initialPosition {
				position = types.ShardIteratorType(p.cfg.Mapping.StartingPosition)
			}
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				if p.consume(ctx, id, position) {
					select {
					case finished <- id:
					case <-ctx.Done():
					}
				}
			}(id)
		}
	}
}

// describe adds the stream's shards not seen yet.
func (p *Poller) describe(ctx context.Context, shards map[string]*shard, initial bool) error {
	var after *string
	for {
		out, err := p.cfg.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{
			StreamArn:             aws.String(p.cfg.StreamARN),
			ExclusiveStartShardId: after,
		})
		if err != nil {
			return fmt.Errorf("describing stream: %w", err)
		}
		if out.StreamDescription == nil {
			return errors.New("describing stream: no description in the answer")
		}
		for _, sh := range out.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if id == "" || shards[id] != nil {
				continue
			}
			shards[id] = &shard{parent: aws.ToString(sh.ParentShardId), initialPosition: initial}
			p.log.Info("shard found", "shard", id, "parent", aws.ToString(sh.ParentShardId))
		}
		after = out.StreamDescription.LastEvaluatedShardId
		if after == nil {
			return nil
		}
	}
}
