package devstack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/mysfits/mysfits-questions/contract"
)

// A restarted GoAWS has the stack's topic, inbox queue and subscription
// from the first request it answers, as SNS keeps them through an outage:
// a publish in the first moment after the restart reaches the inbox, never
// a topic without its subscriber. Asked from before GoAWS is back, its
// very first answer must list the subscription, with nothing made again
// through its API.
func TestGoAWSRestartsWithItsResources(t *testing.T) {
	needLocalServices(t)
	// Not parallel: it stops the shared GoAWS. Go runs it before the
	// parallel tests start.
	stack, obs := startStack(t, atStage(contract.StageLambdaOnly))
	res := stack.Resources()
	if err := services.StopService(GoAWS); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topics := sns.NewFromConfig(AWSConfig(services.GoAWSEndpoint), func(o *sns.Options) { o.Retryer = aws.NopRetryer{} })

	type answer struct {
		subscribers []string
		err         error
	}
	first := make(chan answer, 1)
	go func() {
		for {
			out, err := topics.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(res.TopicARN)})
			var apiErr smithy.APIError
			if err != nil && !errors.As(err, &apiErr) && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond) // not answering yet: still down
				continue
			}
			a := answer{err: err}
			if out != nil {
				for _, s := range out.Subscriptions {
					a.subscribers = append(a.subscribers, aws.ToString(s.Protocol)+" "+aws.ToString(s.Endpoint))
				}
			}
			first <- a
			return
		}
	}()
	if err := services.StartService(ctx, GoAWS); err != nil {
		t.Fatal(err)
	}
	a := <-first
	if want := "sqs " + res.InboxARN; a.err != nil || len(a.subscribers) != 1 || a.subscribers[0] != want {
		t.Fatalf("the restarted GoAWS's first answer about topic %s: subscribers %v, error %v; want exactly %q", res.TopicARN, a.subscribers, a.err, want)
	}

	subject := fmt.Sprintf("published right after the restart (%s)", t.Name())
	if _, err := topics.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(res.TopicARN), Subject: aws.String(subject), Message: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message published after the restart in the inbox", func() bool {
		_, notes, _ := obs.snapshot()
		for _, n := range notes {
			if strings.Contains(n.Subject, subject) {
				return true
			}
		}
		return false
	})
}
