package inbox

import (
	"testing"

	"github.com/mysfits/mysfits-questions/internal/local/goaws"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		body string
		want Notification
	}{
		{"SNS envelope", `{"Type":"Notification","MessageId":"m1","TopicArn":"arn:t","Subject":"New question q1","Message":"line 1\nline 2","Timestamp":"2026-01-01T00:00:00Z"}`,
			Notification{MessageID: "m1", TopicARN: "arn:t", Subject: "New question q1", Message: "line 1\nline 2", Timestamp: "2026-01-01T00:00:00Z"}},
		{"raw delivery", "just the text", Notification{MessageID: "q-msg", Message: "just the text"}},
		{"JSON that is not a notification", `{"Type":"SubscriptionConfirmation"}`, Notification{MessageID: "q-msg", Message: `{"Type":"SubscriptionConfirmation"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Parse(goaws.Message{ID: "q-msg", Body: tc.body}); got != tc.want {
				t.Errorf("Parse = %+v, want %+v", got, tc.want)
			}
		})
	}
}
