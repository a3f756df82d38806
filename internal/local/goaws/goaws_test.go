package goaws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/conf"

	"github.com/mysfits/mysfits-questions/internal/local/proc"
)

func TestConfigAndSpec(t *testing.T) {
	c := Config{Binary: "/bin/goaws", Port: 4567, Region: "us-east-1", AccountID: "000000000000",
		ConfigPath: filepath.Join(t.TempDir(), "goaws", "goaws.yaml"), LogPath: "/tmp/goaws.log",
		Resources: Resources{
			Queues: []string{"inbox"},
			Topics: []Topic{{Name: "news", Subscriptions: []Subscription{{Queue: "inbox"}, {Queue: "raw", Raw: true}}}},
		}}
	if err := WriteConfig(c); err != nil {
		t.Fatal(err)
	}
	// Read by GoAWS's own loader, as the loopback command reads it.
	ports := conf.LoadYamlConfig(c.ConfigPath, Environment)
	env := app.CurrentEnvironment
	if !slices.Equal(ports, []string{"4567"}) || env.Host != proc.Loopback || env.Region != "us-east-1" || env.AccountID != "000000000000" {
		t.Errorf("GoAWS read ports %v, environment %+v; want port 4567 on %s, us-east-1, account 000000000000", ports, env, proc.Loopback)
	}
	var queues []string
	for name := range app.SyncQueues.Queues {
		queues = append(queues, name)
	}
	slices.Sort(queues)
	if !slices.Equal(queues, []string{"inbox", "raw"}) {
		t.Errorf("GoAWS made queues %v, want inbox and raw (made for its subscription)", queues)
	}
	var subs []string
	if topic := app.SyncTopics.Topics["news"]; topic != nil {
		for _, s := range topic.Subscriptions {
			subs = append(subs, fmt.Sprintf("%s %s raw=%t", s.Protocol, s.EndPoint, s.Raw))
		}
	}
	if want := []string{"sqs arn:aws:sqs:us-east-1:000000000000:inbox raw=false", "sqs arn:aws:sqs:us-east-1:000000000000:raw raw=true"}; !slices.Equal(subs, want) {
		t.Errorf("GoAWS made subscriptions %q to topic news, want %q", subs, want)
	}

	s := Spec(c)
	// Without -config GoAWS walks the whole working tree for a goaws.yaml.
	if i := slices.Index(s.Args, "-config"); i < 0 || s.Args[i+1] != c.ConfigPath {
		t.Errorf("args %v, want -config %s", s.Args, c.ConfigPath)
	}
	if s.Stdout == nil {
		t.Error("GoAWS stdout is not filtered: it logs message bodies at info level")
	}
}

func TestResourcesAdd(t *testing.T) {
	a := Resources{Queues: []string{"q1"}, Topics: []Topic{{Name: "t1", Subscriptions: []Subscription{{Queue: "q1"}}}}}
	b := Resources{Queues: []string{"q1", "q2"}, Topics: []Topic{
		{Name: "t1", Subscriptions: []Subscription{{Queue: "q1"}, {Queue: "q2"}}},
		{Name: "t2", Subscriptions: []Subscription{{Queue: "q2", Raw: true}}},
	}}
	got := a.Add(b)
	want := Resources{Queues: []string{"q1", "q2"}, Topics: []Topic{
		{Name: "t1", Subscriptions: []Subscription{{Queue: "q1"}, {Queue: "q2"}}},
		{Name: "t2", Subscriptions: []Subscription{{Queue: "q2", Raw: true}}},
	}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Add = %+v, want %+v", got, want)
	}
	if len(a.Topics[0].Subscriptions) != 1 {
		t.Errorf("Add changed its receiver: %+v", a)
	}
}

func TestClientDecodesErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "SendMessage" || r.Form.Get("QueueUrl") != "http://x/000000000000/missing" {
			t.Errorf("request form %v", r.Form)
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message></Error><RequestId>0</RequestId></ErrorResponse>`))
	}))
	defer srv.Close()
	_, err := (&Client{Endpoint: srv.URL}).SendMessage(context.Background(), "http://x/000000000000/missing", "body")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "AWS.SimpleQueueService.NonExistentQueue" || apiErr.Status != 400 {
		t.Errorf("error %v, want the decoded NonExistentQueue error", err)
	}
}
