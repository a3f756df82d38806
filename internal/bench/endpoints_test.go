package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/mysfits/mysfits-questions/contract"
	"github.com/mysfits/mysfits-questions/internal/lambdabuild"
	"github.com/mysfits/mysfits-questions/internal/local/devstack"
	"github.com/mysfits/mysfits-questions/internal/local/inbox"
	"github.com/mysfits/mysfits-questions/questions"
)

// The bootstraps the deploy builds honour the SDK's service-specific
// endpoint variables, the way SAM local and LocalStack point a function at
// themselves: started on the Runtime API emulator with nothing but Lambda's
// own variables, the function's and AWS_ENDPOINT_URL_DYNAMODB (post) or
// AWS_ENDPOINT_URL_SNS (process) naming DynamoDB Local or GoAWS, post
// stores the question and process notifies it. No proxy runs here: a
// bootstrap ignoring the variable dials the real AWS endpoint and fails.
func TestBootstrapsHonourEndpointVariables(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs on DynamoDB Local (Java 17+, npm) and GoAWS; `make test` runs it")
	}
	root, err := devstack.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The deploy's builder and flags; this machine's GOARCH so it runs here.
	exes := map[string]string{}
	for _, f := range []function{postFunction, processFunction} {
		b, err := lambdabuild.GoBuilder{Dir: root, TempDir: t.TempDir(), Arch: runtime.GOARCH}.Build(ctx, f.pkg)
		if err != nil {
			t.Fatal(err)
		}
		if exes[f.name], err = unzipBootstrap(b.ZipPath, t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}

	inboxSubjects := &subjects{seen: map[string]bool{}}
	d, err := devstack.Up(ctx, devstack.UpConfig{
		Services: devstack.ServicesConfig{Root: root, StateDir: t.TempDir()},
		Stack: devstack.Config{
			Tracing:        contract.DefaultTracing(),
			HTTPAddr:       "127.0.0.1:0",
			XRayAddr:       "127.0.0.1:0",
			OnNotification: inboxSubjects.add,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	res := d.Resources()
	db := dynamodb.NewFromConfig(devstack.AWSConfig(d.Services.DynamoDBEndpoint))

	postEvent, err := os.ReadFile(filepath.Join(root, "testdata", "events", "post", "valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	sent := sentQuestion(t, postEvent)

	for _, stage := range []contract.TracingStage{contract.StageLambdaOnly, contract.StageSDK} {
		cfg := devstack.Config{Tracing: contract.Tracing{Stage: stage, Faults: contract.DefaultTracing().Faults}}
		postFn, processFn := cfg.Functions(res)
		traced := stage.SDKSubsegments()

		t.Run(fmt.Sprintf("post stage %d stores", stage), func(t *testing.T) {
			var id string
			s := coldSubject{
				name: "post", argv: []string{exes["post"]}, payload: postEvent, traced: traced,
				env: append(envList(postFn.Env), "AWS_ENDPOINT_URL_DYNAMODB="+d.Services.DynamoDBEndpoint),
				check: func(body []byte) error {
					if err := checkStatus(201)(body); err != nil {
						return err
					}
					var err error
					id, err = questionID(body)
					return err
				},
			}
			runBootstrap(t, ctx, s)
			out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
				TableName:      aws.String(res.TableName),
				Key:            map[string]types.AttributeValue{questions.AttrQuestionID: &types.AttributeValueMemberS{Value: id}},
				ConsistentRead: aws.Bool(true),
			})
			if err != nil {
				t.Fatalf("reading question %s back from DynamoDB Local: %v", id, err)
			}
			text, _ := out.Item[questions.AttrQuestionText].(*types.AttributeValueMemberS)
			email, _ := out.Item[questions.AttrUserEmail].(*types.AttributeValueMemberS)
			if text == nil || email == nil || text.Value != sent.Text || email.Value != sent.Email {
				t.Errorf("question %s in DynamoDB Local is not the one sent (%d attributes)", id, len(out.Item))
			}
		})

		t.Run(fmt.Sprintf("process stage %d notifies", stage), func(t *testing.T) {
			q := questions.Question{ID: uuid.NewString(), Email: sent.Email, Text: sent.Text}
			s := coldSubject{
				name: "process", argv: []string{exes["process"]}, payload: streamInsert(t, q), traced: traced,
				env:   append(envList(processFn.Env), "AWS_ENDPOINT_URL_SNS="+d.Services.GoAWSEndpoint),
				check: checkNoBatchFailures,
			}
			runBootstrap(t, ctx, s)
			// Only this bootstrap can publish this id: the table never held it.
			subject := questions.NotificationSubject(q)
			if !inboxSubjects.wait(subject, 15*time.Second) {
				t.Errorf("no notification %q reached the inbox", subject)
			}
		})
	}
}

// runBootstrap starts s once on a fresh Runtime API emulator, with Lambda's
// own variables, and fails the test with the bootstrap's log if it does
// not answer as s.check expects.
func runBootstrap(t *testing.T, ctx context.Context, s coldSubject) {
	t.Helper()
	var log bytes.Buffer
	taskRoot := filepath.Dir(s.argv[0])
	if _, err := startOnce(ctx, s, lambdaEnv(s.name, taskRoot, devstack.Region), &log); err != nil {
		t.Fatalf("%v\nbootstrap log:\n%s", err, log.Bytes())
	}
}

// sentQuestion is the question an API Gateway event carries.
func sentQuestion(t *testing.T, event []byte) questions.Question {
	t.Helper()
	var req events.APIGatewayProxyRequest
	var body struct {
		Email        string `json:"email"`
		QuestionText string `json:"questionText"`
	}
	if err := json.Unmarshal(event, &req); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(req.Body), &body); err != nil {
		t.Fatal(err)
	}
	return questions.Question{Email: body.Email, Text: strings.TrimSpace(body.QuestionText)}
}

// questionID reads the id out of post's 201 answer.
func questionID(response []byte) (string, error) {
	var r events.APIGatewayProxyResponse
	var body struct {
		QuestionID string `json:"questionId"`
	}
	if err := json.Unmarshal(response, &r); err != nil {
		return "", err
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || body.QuestionID == "" {
		return "", fmt.Errorf("no questionId in %s: %v", r.Body, err)
	}
	return body.QuestionID, nil
}

// streamInsert is a one-record stream batch inserting q, as the mapping
// delivers it.
func streamInsert(t *testing.T, q questions.Question) []byte {
	t.Helper()
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{
		EventID: "evt-" + q.ID, EventName: string(events.DynamoDBOperationTypeInsert),
		EventVersion: "1.1", EventSource: "aws:dynamodb", AWSRegion: devstack.Region,
		Change: events.DynamoDBStreamRecord{
			Keys:           map[string]events.DynamoDBAttributeValue{questions.AttrQuestionID: events.NewStringAttribute(q.ID)},
			SequenceNumber: "100000000000000000001",
			StreamViewType: "NEW_IMAGE",
			NewImage: map[string]events.DynamoDBAttributeValue{
				questions.AttrQuestionID:   events.NewStringAttribute(q.ID),
				questions.AttrUserEmail:    events.NewStringAttribute(q.Email),
				questions.AttrQuestionText: events.NewStringAttribute(q.Text),
			},
		},
	}}}
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// subjects are the subjects of the notifications the inbox received.
type subjects struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (s *subjects) add(n inbox.Notification) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[n.Subject] = true
}

// wait reports whether subject arrives within limit.
func (s *subjects) wait(subject string, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s.mu.Lock()
		ok := s.seen[subject]
		s.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}
