package streampoller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// errInvalidFailures is a response whose batch item failures name no record
// of the batch: Lambda then treats the whole batch as failed.
var errInvalidFailures = errors.New("batch item failure names no record of the batch")

// consume reads one shard until it is closed and drained (true) or ctx ends
// (false).
func (p *Poller) consume(ctx context.Context, shardID string, position types.ShardIteratorType) bool {
	log := p.log.With("shard", shardID)
	var (
		iterator *string
		buffer   []types.Record
		firstAt  time.Time // when the oldest buffered record was read
		failures int       // consecutive failed stream calls
	)
	window := p.cfg.Mapping.MaxBatchingWindow
	for ctx.Err() == nil {
		if iterator == nil {
			it, err := p.iterator(ctx, shardID, position)
			if err != nil {
				if ctx.Err() != nil {
					return false
				}
				var gone *types.ResourceNotFoundException
				if errors.As(err, &gone) {
					log.Warn("shard no longer exists", "error", err)
					return true
				}
				failures++
				log.Warn("getting a shard iterator failed; retrying", "error", err, "failures", failures)
				p.sleep(ctx, p.cfg.Retry.delay(failures))
				continue
			}
			// Reading restarts after the checkpoint: what was buffered comes again.
			iterator, buffer, firstAt = it, nil, time.Time{}
		}

		out, err := p.cfg.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{
			ShardIterator: iterator,
			Limit:         aws.Int32(int32(p.cfg.Mapping.BatchSize)),
		})
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			var (
				expired *types.ExpiredIteratorException
				trimmed *types.TrimmedDataAccessException
				gone    *types.ResourceNotFoundException
			)
			switch {
			case errors.As(err, &expired):
				iterator = nil
			case errors.As(err, &trimmed):
				// The checkpoint is older than the stream's retention: those
				// records are gone on AWS too. Carry on from the oldest left.
				log.Error("records past the stream's retention were trimmed before processing", "error", err)
				iterator, position = nil, types.ShardIteratorTypeTrimHorizon
				if err := p.cfg.Checkpoints.Set(shardID, ""); err != nil {
					log.Warn("clearing the checkpoint failed", "error", err)
				}
			case errors.As(err, &gone):
				log.Warn("shard no longer exists", "error", err)
				return true
			default:
				failures++
				log.Warn("reading the shard failed; retrying", "error", err, "failures", failures)
				p.sleep(ctx, p.cfg.Retry.delay(failures))
			}
			continue
		}
		failures = 0
		if len(out.Records) > 0 && len(buffer) == 0 {
			firstAt = p.cfg.Now()
		}
		buffer = append(buffer, out.Records...)
		iterator = out.NextShardIterator
		closed := iterator == nil

		for len(buffer) > 0 && (len(buffer) >= p.cfg.Mapping.BatchSize || closed || p.cfg.Now().Sub(firstAt) >= window) {
			n := min(len(buffer), p.cfg.Mapping.BatchSize)
			if !p.deliver(ctx, log, shardID, buffer[:n]) {
				return false
			}
			buffer = buffer[n:]
			firstAt = p.cfg.Now()
		}
		if closed {
			return true
		}
		switch {
		case len(out.Records) >= p.cfg.Mapping.BatchSize:
			// A full page: there may be more right away.
		case len(buffer) > 0:
			p.sleep(ctx, min(p.cfg.PollInterval, window-p.cfg.Now().Sub(firstAt)))
		default:
			p.sleep(ctx, p.cfg.PollInterval)
		}
	}
	return false
}

// iterator starts reading after the checkpoint, or at position.
func (p *Poller) iterator(ctx context.Context, shardID string, position types.ShardIteratorType) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{
		StreamArn:         aws.String(p.cfg.StreamARN),
		ShardId:           aws.String(shardID),
		ShardIteratorType: position,
	}
	if seq, ok := p.cfg.Checkpoints.Get(shardID); ok && seq != "" {
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(seq)
	}
	out, err := p.cfg.Streams.GetShardIterator(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("shard iterator (%s): %w", in.ShardIteratorType, err)
	}
	if out.ShardIterator == nil {
		return nil, errors.New("shard iterator: none in the answer")
	}
	return out.ShardIterator, nil
}

// deliver processes a batch until every record is done or given up; false
// when ctx ended first.
func (p *Poller) deliver(ctx context.Context, log *slog.Logger, shardID string, batch []types.Record) bool {
	return p.process(ctx, log, shardID, batch, 0) == nil
}

// process invokes the function with batch, the way the event source mapping
// handles the outcome. With both ReportBatchItemFailures and
// BisectBatchOnFunctionError on, it follows the rule AWS documents (Lambda
// developer guide, "Configuring partial batch response with DynamoDB and
// Lambda", Bisecting a batch): "If your invocation fails and
// BisectBatchOnFunctionError is turned on, the batch is bisected regardless
// of your ReportBatchItemFailures setting. When a partial batch success
// response is received and both BisectBatchOnFunctionError and
// ReportBatchItemFailures are turned on, the batch is bisected at the
// returned sequence number and Lambda retries only the remaining records."
// And "if the batchItemFailures array contains multiple items, Lambda uses
// the record with the lowest sequence number as the checkpoint".
//   - success: checkpoint after the batch;
//   - batch item failures (when the mapping reports them): checkpoint before
//     the lowest failed record and retry from it, the failed record and
//     every one after it, one retry;
//   - a function error with bisect on: split the batch in two and process
//     each half; splitting does not count as a retry;
//   - any other failure: retry the same batch;
//   - more retries than MaxRetryAttempts: send the batch's on-failure record
//     and checkpoint after it;
//   - records older than MaxRecordAge: on-failure record, never invoked.
//
// It returns an error only when ctx ends.
func (p *Poller) process(ctx context.Context, log *slog.Logger, shardID string, batch []types.Record, retries int) error {
	m := p.cfg.Mapping
	var last lastInvocation
	for len(batch) > 0 {
		if old := p.expired(batch); old > 0 {
			if err := p.giveUp(ctx, log, shardID, ConditionRecordAge, batch[:old], last); err != nil {
				return err
			}
			batch, last = batch[old:], lastInvocation{}
			continue
		}

		resp, err := p.invoke(ctx, batch)
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: the batch stays unprocessed, not failed
		}
		last.count++
		last.functionError = err != nil
		failedAt := -1
		if err == nil {
			failedAt, err = p.firstFailure(batch, resp)
		}
		switch {
		case err == nil && failedAt < 0:
			p.checkpoint(log, shardID, batch[len(batch)-1])
			return nil
		case err == nil:
			log.Info("batch item failure: retrying from the failed record",
				"batch_size", len(batch), "failed_at", failedAt, "sequence_number", sequenceNumber(batch[failedAt]))
			if failedAt > 0 {
				p.checkpoint(log, shardID, batch[failedAt-1])
				batch = batch[failedAt:] // the invocations so far included these records
			}
		case m.BisectOnFunctionErr && len(batch) > 1:
			mid := len(batch) / 2
			log.Info("function error: bisecting the batch", "batch_size", len(batch), "error", err)
			if err := p.process(ctx, log, shardID, batch[:mid], retries); err != nil {
				return err
			}
			batch, last = batch[mid:], lastInvocation{}
			continue
		default:
			log.Info("function error: retrying the batch", "batch_size", len(batch), "error", err)
		}

		retries++
		if m.MaxRetryAttempts >= 0 && retries > m.MaxRetryAttempts {
			return p.giveUp(ctx, log, shardID, ConditionRetriesExhausted, batch, last)
		}
		p.sleep(ctx, p.cfg.Retry.delay(retries))
	}
	return nil
}

// expired counts the leading records older than MaxRecordAge.
func (p *Poller) expired(batch []types.Record) int {
	maxAge := p.cfg.Mapping.MaxRecordAge
	if maxAge <= 0 {
		return 0
	}
	now := p.cfg.Now()
	n := 0
	for _, r := range batch {
		t, ok := created(r)
		if !ok || now.Sub(t) <= maxAge {
			break
		}
		n++
	}
	return n
}

// invoke converts the batch into Lambda's event and calls the function.
func (p *Poller) invoke(ctx context.Context, batch []types.Record) (events.DynamoDBEventResponse, error) {
	ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(batch))}
	for _, r := range batch {
		rec, err := EventRecord(r, p.cfg.StreamARN)
		if err != nil {
			return events.DynamoDBEventResponse{}, err
		}
		ev.Records = append(ev.Records, rec)
	}
	return p.cfg.Process(ctx, ev)
}

// firstFailure is the index of the lowest record the response reports as
// failed, -1 for none. Failures are ignored unless the mapping reports them,
// as Lambda does.
func (p *Poller) firstFailure(batch []types.Record, resp events.DynamoDBEventResponse) (int, error) {
	if !p.cfg.Mapping.ReportBatchFailures || len(resp.BatchItemFailures) == 0 {
		return -1, nil
	}
	first := len(batch)
	for _, f := range resp.BatchItemFailures {
		i := indexOf(batch, f.ItemIdentifier)
		if i < 0 {
			return 0, fmt.Errorf("%w: %q", errInvalidFailures, f.ItemIdentifier)
		}
		first = min(first, i)
	}
	return first, nil
}

func indexOf(batch []types.Record, seq string) int {
	if seq == "" {
		return -1
	}
	for i, r := range batch {
		if sequenceNumber(r) == seq {
			return i
		}
	}
	return -1
}

// giveUp sends the batch's on-failure record, retrying until the
// destination takes it, then moves the checkpoint past the batch.
func (p *Poller) giveUp(ctx context.Context, log *slog.Logger, shardID, condition string, batch []types.Record, last lastInvocation) error {
	rec, err := newFailureRecord(p.cfg.Now(), p.cfg.FunctionARN, p.cfg.StreamARN, shardID, condition, batch, last)
	if err != nil {
		log.Warn("the on-failure record lacks part of the batch", "error", err)
	}
	for attempt := 1; ; attempt++ {
		err := p.cfg.OnFailure(ctx, rec)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("sending to the on-failure destination failed; retrying", "error", err, "attempt", attempt)
		p.sleep(ctx, p.cfg.Retry.delay(attempt))
	}
	log.Warn("batch sent to the on-failure destination", "condition", condition,
		"start_sequence_number", rec.DDBStreamBatchInfo.StartSequenceNumber,
		"end_sequence_number", rec.DDBStreamBatchInfo.EndSequenceNumber,
		"batch_size", len(batch), "invocations", last.count)
	p.checkpoint(log, shardID, batch[len(batch)-1])
	return nil
}

func (p *Poller) checkpoint(log *slog.Logger, shardID string, r types.Record) {
	if err := p.cfg.Checkpoints.Set(shardID, sequenceNumber(r)); err != nil {
		log.Warn("saving the checkpoint failed", "error", err)
	}
}

// sleep waits d or until ctx ends.
func (p *Poller) sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
