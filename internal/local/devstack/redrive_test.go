package devstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/functions/notify"
	"github.com/mysfits/mysfits-questions/internal/failures"
	"github.com/mysfits/mysfits-questions/internal/local/streampoller"
	"github.com/mysfits/mysfits-questions/internal/redrive"
	"github.com/mysfits/mysfits-questions/questions"
)

// A batch that fails every retry is kept whole in the failure store and
// can be notified from it after the stream is gone. On the real stack:
// the topic is deleted, so every notification fails (SNS answers
// NotFound) and two accepted questions end in the failure store, with a
// poison record beside them; then the stack stops, its table and stream
// are deleted (what 24 hours do on AWS) and a new stack starts on the
// same failure store. Redrive notifies each question once from the store,
// keeps the poison record, and a second run does nothing.
func TestRedriveFromTheFailureStoreAfterTheStreamIsGone(t *testing.T) {
	needLocalServices(t)
	ctx := context.Background()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	prefix := "it-redrive-" + hex.EncodeToString(suffix)
	store := failures.Dir(filepath.Join(t.TempDir(), "failures"))
	sameStack := func(c *Config) {
		c.NamePrefix, c.FailureDir = prefix, string(store)
		c.StreamRetry = streampoller.Backoff{Initial: 50 * time.Millisecond, Max: 200 * time.Millisecond}
	}
	first, obs := startStackWith(t, services, atStage(contract.StageLambdaOnly), sameStack)
	res := first.Resources()
	goaws := sns.NewFromConfig(AWSConfig(services.GoAWSEndpoint))
	if _, err := goaws.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(res.TopicARN)}); err != nil {
		t.Fatal(err)
	}

	type asked struct{ id, email, text string }
	var good []asked
	for i, email := range []string{"ada.redrive@example.com", "grace.redrive@example.com"} {
		text := "Redrive question " + string(rune('A'+i)) + ": do mysfits wait?"
		a := postQuestion(t, first.Stack, email, text)
		if a.status != 201 {
			t.Fatalf("POST answered %d %v, want 201: storing needs only DynamoDB", a.status, a.body)
		}
		good = append(good, asked{a.body["questionId"], email, text})
	}
	const poisonID = "poison-redrive-00000000"
	db := dynamodb.NewFromConfig(AWSConfig(services.DynamoDBEndpoint))
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(res.TableName), Item: map[string]ddbtypes.AttributeValue{
		questions.AttrQuestionID:   &ddbtypes.AttributeValueMemberS{Value: poisonID},
		questions.AttrUserEmail:    &ddbtypes.AttributeValueMemberS{Value: "poison.redrive@example.com"},
		questions.AttrQuestionText: &ddbtypes.AttributeValueMemberN{Value: "42"},
	}}); err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{good[0].id, good[1].id, poisonID}
	storedIDs := func() []string {
		objs, err := store.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, obj := range objs {
			got, err := obj.Record.QuestionIDs()
			if err != nil {
				t.Fatalf("%s: %v", obj.Key, err)
			}
			ids = append(ids, got...)
		}
		slices.Sort(ids)
		return ids
	}
	waitFor(t, "the three records in the failure store", func() bool { return len(storedIDs()) == len(wantIDs) })
	if got, want := storedIDs(), slices.Sorted(slices.Values(wantIDs)); !slices.Equal(got, want) {
		t.Fatalf("the failure store holds %v, want %v", got, want)
	}

	// Whole: each record holds the question as it was stored.
	objs, err := store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		ev, err := obj.Record.Event()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range ev.Records {
			img := rec.Change.NewImage
			for _, g := range good {
				if img[questions.AttrQuestionID].String() == g.id &&
					(img[questions.AttrUserEmail].String() != g.email || img[questions.AttrQuestionText].String() != g.text || rec.EventName != "INSERT") {
					t.Errorf("question %s is kept as %+v, want it whole", g.id, rec)
				}
			}
		}
	}
	if _, notes, _ := obs.snapshot(); len(notes) != 0 {
		t.Fatalf("%d notifications while the topic was gone", len(notes))
	}

	// The stream goes away: the stack stops, its table and stream are
	// deleted. A new stack on the same failure store has never seen them.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(res.TableName)}); err != nil {
		t.Fatal(err)
	}
	second, obs2 := startStackWith(t, services, atStage(contract.StageLambdaOnly), sameStack)
	if second.Resources().StreamARN == res.StreamARN {
		t.Fatalf("the new stack reads the old stream %s", res.StreamARN)
	}
	notifier := &notify.Handler{TopicARN: second.Resources().TopicARN, SNS: goaws}

	// Listing changes nothing.
	var listing strings.Builder
	sum, err := redrive.Run(ctx, redrive.Config{Store: store, Out: &listing})
	if err != nil || sum.Batches != 3 || sum.Questions != 3 || sum.Notified != 0 {
		t.Fatalf("listing: %+v, %v\n%s", sum, err, listing.String())
	}
	for _, id := range wantIDs {
		if !strings.Contains(listing.String(), id) {
			t.Errorf("the listing does not name question %s:\n%s", id, listing.String())
		}
	}
	if !strings.Contains(listing.String(), "retries exhausted") || !strings.Contains(listing.String(), "QuestionText must be a non-empty string") {
		t.Errorf("the listing does not say why:\n%s", listing.String())
	}

	var applied strings.Builder
	sum, err = redrive.Run(ctx, redrive.Config{Store: store, Notifier: notifier, Apply: true, Out: &applied})
	if err != nil || sum.Notified != 2 || sum.Unnotifiable != 1 || sum.Kept != 1 {
		t.Fatalf("redrive --apply: %+v, %v\n%s", sum, err, applied.String())
	}
	waitFor(t, "the two questions notified", func() bool { _, n, _ := obs2.snapshot(); return len(n) >= 2 })

	var again strings.Builder
	sum, err = redrive.Run(ctx, redrive.Config{Store: store, Notifier: notifier, Apply: true, Out: &again})
	if err != nil || sum.Notified != 0 || sum.Removed != 0 || sum.Kept != 1 {
		t.Fatalf("a second redrive --apply: %+v, %v\n%s", sum, err, again.String())
	}
	time.Sleep(quietPeriod)
	_, notes, dead := obs2.snapshot()
	for _, g := range good {
		if n := countSubject(notes, g.id); n != 1 {
			t.Errorf("question %s notified %d times, want once", g.id, n)
		}
	}
	if n := countSubject(notes, poisonID); n != 0 || len(notes) != 2 || len(dead) != 0 {
		t.Errorf("%d notifications (%d of the poison record), %d new failures; want 2, 0, 0", len(notes), n, len(dead))
	}
	if got := storedIDs(); !slices.Equal(got, []string{poisonID}) {
		t.Errorf("the failure store holds %v after redrive, want only the poison record", got)
	}
	for _, out := range []string{listing.String(), applied.String(), again.String()} {
		for _, g := range good {
			if strings.Contains(out, g.email) || strings.Contains(out, g.text) {
				t.Errorf("redrive printed a visitor's e-mail or question:\n%s", out)
			}
		}
	}
	t.Logf("listing:\n%s\napplied:\n%s\nagain:\n%s", listing.String(), applied.String(), again.String())
}
