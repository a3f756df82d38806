package goaws

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Client speaks the SQS query protocol to GoAWS: the calls the local stack
// needs for its queues (the administrator's inbox and the notice queue).
type Client struct {
	Endpoint string
	HTTP     *http.Client // nil = a client with a 30s timeout
}

// Message is one received message.
type Message struct {
	ID            string
	ReceiptHandle string
	Body          string
	// ReceiveCount is how often it was received (ApproximateReceiveCount).
	ReceiveCount int
}

// APIError is an error answer of the emulator.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("SQS %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// CreateQueue creates the queue (or finds it) and returns its URL.
func (c *Client) CreateQueue(ctx context.Context, name string, attributes map[string]string) (string, error) {
	form := url.Values{"QueueName": {name}}
	names := make([]string, 0, len(attributes))
	for n := range attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		form.Set(fmt.Sprintf("Attribute.%d.Name", i+1), n)
		form.Set(fmt.Sprintf("Attribute.%d.Value", i+1), attributes[n])
	}
	var out struct {
		URL string `xml:"CreateQueueResult>QueueUrl"`
	}
	if err := c.call(ctx, "CreateQueue", form, &out); err != nil {
		return "", fmt.Errorf("creating queue %s: %w", name, err)
	}
	return out.URL, nil
}

// QueueURL finds an existing queue by name; unlike CreateQueue it never
// creates one.
func (c *Client) QueueURL(ctx context.Context, name string) (string, error) {
	var out struct {
		URL string `xml:"GetQueueUrlResult>QueueUrl"`
	}
	if err := c.call(ctx, "GetQueueUrl", url.Values{"QueueName": {name}}, &out); err != nil {
		return "", fmt.Errorf("finding queue %s: %w", name, err)
	}
	return out.URL, nil
}

// DeleteQueue deletes the queue and its messages.
func (c *Client) DeleteQueue(ctx context.Context, queueURL string) error {
	if err := c.call(ctx, "DeleteQueue", url.Values{"QueueUrl": {queueURL}}, nil); err != nil {
		return fmt.Errorf("deleting queue %s: %w", queueURL, err)
	}
	return nil
}

// QueueARN returns the queue's ARN.
func (c *Client) QueueARN(ctx context.Context, queueURL string) (string, error) {
	var out struct {
		Attributes []struct {
			Name  string `xml:"Name"`
			Value string `xml:"Value"`
		} `xml:"GetQueueAttributesResult>Attribute"`
	}
	form := url.Values{"QueueUrl": {queueURL}, "AttributeName.1": {"QueueArn"}}
	if err := c.call(ctx, "GetQueueAttributes", form, &out); err != nil {
		return "", fmt.Errorf("reading the attributes of %s: %w", queueURL, err)
	}
	for _, a := range out.Attributes {
		if a.Name == "QueueArn" {
			return a.Value, nil
		}
	}
	return "", fmt.Errorf("queue %s has no QueueArn attribute", queueURL)
}

// SendMessage sends one message and returns its id.
func (c *Client) SendMessage(ctx context.Context, queueURL, body string) (string, error) {
	var out struct {
		ID string `xml:"SendMessageResult>MessageId"`
	}
	if err := c.call(ctx, "SendMessage", url.Values{"QueueUrl": {queueURL}, "MessageBody": {body}}, &out); err != nil {
		return "", fmt.Errorf("sending to %s: %w", queueURL, err)
	}
	return out.ID, nil
}

// ReceiveMessage waits up to wait (whole seconds, at most 20) for at most
// max messages.
func (c *Client) ReceiveMessage(ctx context.Context, queueURL string, max int, wait time.Duration) ([]Message, error) {
	form := url.Values{
		"QueueUrl":            {queueURL},
		"MaxNumberOfMessages": {strconv.Itoa(max)},
		"WaitTimeSeconds":     {strconv.Itoa(int(wait / time.Second))},
		"AttributeName.1":     {"All"},
	}
	var out struct {
		Messages []struct {
			ID            string `xml:"MessageId"`
			ReceiptHandle string `xml:"ReceiptHandle"`
			Body          string `xml:"Body"`
			Attributes    []struct {
				Name  string `xml:"Name"`
				Value string `xml:"Value"`
			} `xml:"Attribute"`
		} `xml:"ReceiveMessageResult>Message"`
	}
	if err := c.call(ctx, "ReceiveMessage", form, &out); err != nil {
		return nil, fmt.Errorf("receiving from %s: %w", queueURL, err)
	}
	msgs := make([]Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		msg := Message{ID: m.ID, ReceiptHandle: m.ReceiptHandle, Body: m.Body}
		for _, a := range m.Attributes {
			if a.Name == "ApproximateReceiveCount" {
				msg.ReceiveCount, _ = strconv.Atoi(a.Value)
			}
		}
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// DeleteMessage removes a received message.
func (c *Client) DeleteMessage(ctx context.Context, queueURL, receiptHandle string) error {
	if err := c.call(ctx, "DeleteMessage", url.Values{"QueueUrl": {queueURL}, "ReceiptHandle": {receiptHandle}}, nil); err != nil {
		return fmt.Errorf("deleting a message from %s: %w", queueURL, err)
	}
	return nil
}

// call posts one query-protocol action and decodes the XML answer into out.
func (c *Client) call(ctx context.Context, action string, form url.Values, out any) error {
	form.Set("Action", action)
	form.Set("Version", "2012-11-05")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("reading the %s answer: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(body, &e) != nil || e.Code == "" {
			e.Code, e.Message = "Unknown", strings.TrimSpace(string(body))
		}
		return &APIError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	if out == nil {
		return nil
	}
	if err := xml.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding the %s answer: %w", action, err)
	}
	return nil
}
