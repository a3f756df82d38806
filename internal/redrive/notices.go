package redrive

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/failures"
)

// SQSAPI is the part of the SQS client the notice queue uses.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

var _ SQSAPI = (*sqs.Client)(nil)

// NoticeQueue is the stack's notice queue (output deadLetterQueueUrl):
// one EventBridge event per object the mapping put in the failure bucket,
// and, on a stack deployed before the bucket, the on-failure records the
// queue got when it was the mapping's destination.
type NoticeQueue struct {
	URL    string
	Client SQSAPI
}

var _ Notices = (*NoticeQueue)(nil)

// Describe is the queue's URL.
func (q *NoticeQueue) Describe() string { return q.URL }

// notice is the part of an EventBridge event from S3 that names the object
// (Amazon S3 user guide, "EventBridge event message structure":
// detail-type "Object Created", detail.bucket.name, detail.object.key).
type notice struct {
	DetailType string `json:"detail-type"`
	Source     string `json:"source"`
	Detail     struct {
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"detail"`
}

// classify reads one message of the queue: a notice names its object, a
// legacy on-failure record is itself, anything else is neither.
func classify(id, body string) Message {
	m := Message{ID: id}
	var n notice
	if json.Unmarshal([]byte(body), &n) == nil && n.Source == "aws.s3" && n.DetailType == contract.FailureNoticeType && n.Detail.Object.Key != "" {
		m.Key = n.Detail.Object.Key
		return m
	}
	if rec, err := failures.ParseQueueRecord([]byte(body)); err == nil {
		m.Legacy = &rec
	}
	return m
}

// maxReceives bounds one visit: enough for hundreds of messages.
const maxReceives = 100

// Visit receives each message and deletes those remove picks (it asks
// once a message). A message it leaves is made visible again at once, so
// the alarm's count never dips.
func (q *NoticeQueue) Visit(ctx context.Context, remove func(Message) bool) (removed []Message, left int, err error) {
	seen := map[string]bool{}
	for range maxReceives {
		out, err := q.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(q.URL),
			MaxNumberOfMessages: 10,
			WaitTimeSeconds:     1, // asks every server, not a sample
			VisibilityTimeout:   30,
		})
		if err != nil {
			return removed, len(seen) - len(removed), fmt.Errorf("receiving from %s: %w", q.URL, err)
		}
		fresh := 0
		for _, sm := range out.Messages {
			id := aws.ToString(sm.MessageId)
			first := !seen[id] // each message is decided on once a visit
			if first {
				seen[id] = true
				fresh++
			}
			m := classify(id, aws.ToString(sm.Body))
			if first && remove(m) {
				if _, err := q.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.URL), ReceiptHandle: sm.ReceiptHandle}); err != nil {
					return removed, len(seen) - len(removed), fmt.Errorf("deleting a message from %s: %w", q.URL, err)
				}
				removed = append(removed, m)
				continue
			}
			if _, err := q.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(q.URL), ReceiptHandle: sm.ReceiptHandle, VisibilityTimeout: 0,
			}); err != nil {
				return removed, len(seen) - len(removed), fmt.Errorf("releasing a message in %s: %w", q.URL, err)
			}
		}
		if fresh == 0 {
			break
		}
	}
	// Every message seen and not deleted is still in the queue.
	return removed, len(seen) - len(removed), nil
}
