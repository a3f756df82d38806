package load

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/internal/local/inbox"
	"github.com/mysfits/mysfits-questions/internal/testkit/audit"
	"github.com/mysfits/mysfits-questions/questions"
)

// observer sees what the administrator is told, through a queue of its own
// subscribed to the topic (SNS gives every subscriber each message; the
// stack's inbox view consumes the inbox queue), and what the stream
// mapping gave up, by reading the failure store without changing it.
type observer struct {
	t            *Target
	queueURL     string
	subscription string
	stop         context.CancelFunc
	done         chan struct{}

	mu       sync.Mutex
	notes    []inbox.Notification
	arrived  map[string]time.Time // question id -> first notification seen
	seenDead map[string]bool      // failure store keys already read
	dead     []string             // question ids of the batches given up
	problems []string             // what could not be read
}

// observe subscribes a fresh queue to the topic and starts reading.
func observe(ctx context.Context, t *Target, queueName string) (*observer, error) {
	o := &observer{t: t, arrived: map[string]time.Time{}, seenDead: map[string]bool{}, done: make(chan struct{})}
	// Batches a running stack gave up before this run are not this run's.
	before, err := t.failures.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the failure store: %w", err)
	}
	for _, obj := range before {
		o.seenDead[obj.Key] = true
	}
	if o.queueURL, err = t.queues.CreateQueue(ctx, queueName, nil); err != nil {
		return nil, fmt.Errorf("creating the load test's queue %s: %w", queueName, err)
	}
	arn, err := t.queues.QueueARN(ctx, o.queueURL)
	if err == nil {
		var sub *sns.SubscribeOutput
		sub, err = t.sns.Subscribe(ctx, &sns.SubscribeInput{
			TopicArn: aws.String(t.topicARN), Protocol: aws.String("sqs"), Endpoint: aws.String(arn),
			Attributes:            map[string]string{"RawMessageDelivery": "false"},
			ReturnSubscriptionArn: true,
		})
		if err == nil {
			o.subscription = aws.ToString(sub.SubscriptionArn)
		}
	}
	if err != nil {
		o.close()
		return nil, fmt.Errorf("subscribing a queue of the load test to %s: %w", t.topicARN, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	o.stop = cancel
	go o.run(runCtx)
	return o, nil
}

// run reads both queues until stopped.
func (o *observer) run(ctx context.Context) {
	defer close(o.done)
	nextDead := time.Now()
	for ctx.Err() == nil {
		msgs, err := o.t.queues.ReceiveMessage(ctx, o.queueURL, 10, time.Second)
		if err != nil && ctx.Err() == nil {
			o.problem(fmt.Sprintf("reading the notifications: %v", err))
			time.Sleep(time.Second)
		}
		now := time.Now()
		for _, m := range msgs {
			n := inbox.Parse(m)
			o.mu.Lock()
			o.notes = append(o.notes, n)
			if id, ok := audit.NotificationID(n); ok {
				if _, seen := o.arrived[id]; !seen {
					o.arrived[id] = now
				}
			}
			o.mu.Unlock()
			if err := o.t.queues.DeleteMessage(ctx, o.queueURL, m.ReceiptHandle); err != nil && ctx.Err() == nil {
				// Shown again after the visibility timeout: it would count twice.
				o.problem(fmt.Sprintf("deleting a read notification: %v", err))
			}
		}
		if time.Now().After(nextDead) {
			o.readDeadLetters(ctx)
			nextDead = time.Now().Add(time.Second)
		}
	}
}

// readDeadLetters reads the batches put in the failure store since the
// run began, leaving them there for the stack's owner (and redrive).
func (o *observer) readDeadLetters(ctx context.Context) {
	objs, err := o.t.failures.List(ctx)
	if err != nil {
		if ctx.Err() == nil {
			o.problem(fmt.Sprintf("reading the failure store: %v", err))
		}
		return
	}
	for _, obj := range objs {
		o.mu.Lock()
		seen := o.seenDead[obj.Key]
		o.seenDead[obj.Key] = true
		o.mu.Unlock()
		if seen {
			continue
		}
		// The record carries the batch whole: its ids need no stream read.
		ids, err := obj.Record.QuestionIDs()
		if err != nil {
			o.problem(fmt.Sprintf("failure record %s: %v", obj.Key, err))
			continue
		}
		o.mu.Lock()
		o.dead = append(o.dead, ids...)
		o.mu.Unlock()
	}
}

func (o *observer) problem(p string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.problems = append(o.problems, p)
}

// evidence is what was seen so far, with the table's items.
func (o *observer) evidence(items []questions.Question) audit.Evidence {
	o.mu.Lock()
	defer o.mu.Unlock()
	return audit.Evidence{
		Items:         items,
		Notifications: slices.Clone(o.notes),
		DeadLettered:  slices.Clone(o.dead),
	}
}

// firstSeen is when the first notification for a question arrived.
func (o *observer) firstSeen(id string) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.arrived[id]
	return t, ok
}

func (o *observer) readProblems() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.problems)
}

// close stops reading and removes the subscription, then the queue: a
// running stack's topic must not keep feeding a queue nobody reads.
func (o *observer) close() {
	if o.stop != nil {
		o.stop()
		<-o.done
	}
	ctx, cancel := cleanupContext(context.Background())
	defer cancel()
	if o.subscription != "" {
		if _, err := o.t.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(o.subscription)}); err != nil {
			return // keep the queue: the topic still delivers to it
		}
	}
	_ = o.t.queues.DeleteQueue(ctx, o.queueURL)
}
