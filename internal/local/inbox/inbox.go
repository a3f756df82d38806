// Package inbox reads the queue that stands in for the administrator's
// e-mail subscription: every message is the SNS envelope an e-mail
// subscriber would get, with its subject and text.
package inbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/mysfits/mysfits-questions/internal/local/goaws"
)

// Queue is the part of the SQS client the watcher uses.
type Queue interface {
	ReceiveMessage(ctx context.Context, queueURL string, max int, wait time.Duration) ([]goaws.Message, error)
	DeleteMessage(ctx context.Context, queueURL, receiptHandle string) error
}

var _ Queue = (*goaws.Client)(nil)

// Notification is one message the administrator received.
type Notification struct {
	MessageID string
	TopicARN  string
	Subject   string
	Message   string
	Timestamp string
}

// envelope is the SNS notification JSON delivered to a queue without raw
// delivery.
type envelope struct {
	Type      string `json:"Type"`
	MessageID string `json:"MessageId"`
	TopicARN  string `json:"TopicArn"`
	Subject   string `json:"Subject"`
	Message   string `json:"Message"`
	Timestamp string `json:"Timestamp"`
}

// Parse reads a queue message; a body that is not an SNS envelope (raw
// delivery) is the message itself.
func Parse(m goaws.Message) Notification {
	var e envelope
	if err := json.Unmarshal([]byte(m.Body), &e); err != nil || e.Type != "Notification" {
		return Notification{MessageID: m.ID, Message: m.Body}
	}
	return Notification{MessageID: e.MessageID, TopicARN: e.TopicARN, Subject: e.Subject, Message: e.Message, Timestamp: e.Timestamp}
}

// Watch receives from the queue until ctx ends, hands every notification
// to deliver and then deletes it, as reading an e-mail would. Receive
// failures (the emulator restarting) are logged and retried.
func Watch(ctx context.Context, q Queue, queueURL string, deliver func(Notification), log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	failures := 0
	for ctx.Err() == nil {
		msgs, err := q.ReceiveMessage(ctx, queueURL, 10, 2*time.Second)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures == 1 || failures%30 == 0 {
				log.Warn("inbox: receiving failed; retrying", "error", err, "failures", failures)
			}
			sleep(ctx, time.Second)
			continue
		}
		if failures > 0 {
			log.Info("inbox: receiving again", "after_failures", failures)
			failures = 0
		}
		for _, m := range msgs {
			deliver(Parse(m))
			if err := q.DeleteMessage(ctx, queueURL, m.ReceiptHandle); err != nil && ctx.Err() == nil {
				log.Warn("inbox: deleting a read message failed; it may show again", "message_id", m.ID, "error", err)
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
