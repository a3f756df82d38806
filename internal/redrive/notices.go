package redrive

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mysfits/mysfits-questions/contract"
)

// SQSAPI is the part of the SQS client the notice queue uses.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

var _ SQSAPI = (*sqs.Client)(nil)

// NoticeQueue is the stack's notice queue (output deadLetterQueueUrl):
// one EventBridge event per object the mapping put in the failure bucket.
type NoticeQueue struct {
	URL    string
	Client SQSAPI
}

var _ Notices = (*NoticeQueue)(nil)

// Describe is the queue's URL.
func (q *NoticeQueue) Describe() string { return q.URL }

// notice is the part of an EventBridge event from S3 that names the object
// (Amazon S3 user guide, "Using EventBridge": detail-type "Object Created",
// detail.bucket.name, detail.object.key).
type notice struct {
	DetailType string `json:"detail-type"`
	Source     string `json:"source"`
	Detail     struct {
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"detail"`
}

// maxReceives bounds one drain: enough for hundreds of notices.
const maxReceives = 100

// Drain deletes each notice whose object the store no longer holds. A
// notice it keeps (its object is still there, or it is not a notice, such
// as an on-failure record from before the bucket, which only says where
// a batch was in the stream) is made visible again at once, so the
// alarm's count never dips.
func (q *NoticeQueue) Drain(ctx context.Context, inStore func(key string) bool) (deleted, kept int, err error) {
	seen := map[string]bool{}
	for range maxReceives {
		out, err := q.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(q.URL),
			MaxNumberOfMessages: 10,
			WaitTimeSeconds:     1, // asks every server, not a sample
			VisibilityTimeout:   30,
		})
		if err != nil {
			return deleted, kept, fmt.Errorf("receiving from %s: %w", q.URL, err)
		}
		fresh := 0
		for _, m := range out.Messages {
			id := aws.ToString(m.MessageId)
			if !seen[id] {
				seen[id] = true
				fresh++
			}
			var n notice
			isNotice := json.Unmarshal([]byte(aws.ToString(m.Body)), &n) == nil &&
				n.Source == "aws.s3" && n.DetailType == contract.FailureNoticeType && n.Detail.Object.Key != ""
			if isNotice && !inStore(n.Detail.Object.Key) {
				if _, err := q.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.URL), ReceiptHandle: m.ReceiptHandle}); err != nil {
					return deleted, kept, fmt.Errorf("deleting a notice from %s: %w", q.URL, err)
				}
				deleted++
				continue
			}
			if _, err := q.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(q.URL), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0,
			}); err != nil {
				return deleted, kept, fmt.Errorf("releasing a notice in %s: %w", q.URL, err)
			}
		}
		if fresh == 0 {
			break
		}
	}
	// Every message seen and not deleted is still in the queue.
	return deleted, len(seen) - deleted, nil
}
