package failures

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mysfits/mysfits-questions/internal/failures/failurestest"
)

func testRecord(id, ts string) Record {
	return Record{
		RequestContext:     RequestContext{RequestID: id, Condition: ConditionRetriesExhausted, ApproximateInvokeCount: 4},
		Timestamp:          ts,
		Version:            "1.0",
		DDBStreamBatchInfo: BatchInfo{ShardID: "shardId-1", StartSequenceNumber: "100", EndSequenceNumber: "100", BatchSize: 1},
		Payload:            `{"Records":[]}`,
	}
}

// storeContract is what every store does, on the local folder and on a
// bucket alike.
func storeContract(t *testing.T, s Store, put func(key string, rec Record)) {
	t.Helper()
	ctx := context.Background()
	if objs, err := s.List(ctx); err != nil || len(objs) != 0 {
		t.Fatalf("empty store lists %v, %v", objs, err)
	}
	newer, older := testRecord("b", "2026-01-02T00:00:00.000Z"), testRecord("a", "2026-01-01T00:00:00.000Z")
	kNewer, _ := Key("m", newer)
	kOlder, _ := Key("m", older)
	put(kNewer, newer)
	put(kOlder, older)
	objs, err := s.List(ctx)
	if err != nil || len(objs) != 2 || objs[0].Key != kOlder || objs[1].Key != kNewer {
		t.Fatalf("List = %+v, %v; want the older record first", objs, err)
	}
	if objs[0].Record.Payload != older.Payload || objs[0].RedrivenThrough != "" {
		t.Errorf("listed %+v, want the record whole, not redriven", objs[0])
	}
	if err := s.SetRedrivenThrough(ctx, kOlder, "100"); err != nil {
		t.Fatal(err)
	}
	if objs, _ := s.List(ctx); len(objs) != 2 || objs[0].RedrivenThrough != "100" {
		t.Errorf("after SetRedrivenThrough: %+v", objs)
	}
	for range 2 { // deleting twice is fine: a second redrive repeats it
		if err := s.Delete(ctx, kOlder); err != nil {
			t.Fatal(err)
		}
	}
	if objs, _ := s.List(ctx); len(objs) != 1 || objs[0].Key != kNewer {
		t.Errorf("after Delete: %+v", objs)
	}
	for key, want := range map[string]bool{kNewer: true, kOlder: false} {
		if got, err := s.Exists(ctx, key); err != nil || got != want {
			t.Errorf("Exists(%s) = %t, %v; want %t", key, got, err, want)
		}
	}
	// A batch that fails after the listing is there all the same.
	later := testRecord("c", "2026-01-03T00:00:00.000Z")
	kLater, _ := Key("m", later)
	put(kLater, later)
	if got, err := s.Exists(ctx, kLater); err != nil || !got {
		t.Errorf("Exists(%s) of a batch put since the listing = %t, %v; want true", kLater, got, err)
	}
}

// Exists on S3 as the SDK reads S3's answers to HeadObject: 200 is there,
// 404 (no body: a HEAD answer) is gone, 403 (no s3:ListBucket) is an
// error, never "gone".
func TestBucketExistsAnswers(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		want    bool
		wantErr string
	}{
		{"there", http.StatusOK, true, ""},
		{"gone", http.StatusNotFound, false, ""},
		{"forbidden", http.StatusForbidden, false, "looking for s3://questions-failures-1a2b3c4/aws/lambda/m/k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodHead || r.URL.Path != "/questions-failures-1a2b3c4/aws/lambda/m/k" {
					t.Errorf("S3 got %s %s, want HEAD of the object", r.Method, r.URL.Path)
				}
				w.Header().Set("x-amz-request-id", "R1")
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			client := s3.New(s3.Options{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(srv.URL),
				UsePathStyle: true,
				Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
				Retryer:      aws.NopRetryer{},
			})
			got, err := (&Bucket{Name: "questions-failures-1a2b3c4", Client: client}).Exists(context.Background(), "aws/lambda/m/k")
			if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Exists = %t, %v; want %t, error %q", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDir(t *testing.T) {
	dir := Dir(filepath.Join(t.TempDir(), "failures")) // not made yet: an empty store
	storeContract(t, dir, func(key string, rec Record) {
		t.Helper()
		if err := dir.Put(context.Background(), key, rec); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(string(dir), filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("record file mode %o, want 600: it holds e-mail addresses", perm)
		}
	})
	for _, bad := range []string{"", "../outside", "/etc/passwd"} {
		if err := dir.Put(context.Background(), bad, testRecord("x", "2026-01-01T00:00:00.000Z")); err == nil {
			t.Errorf("Put(%q) succeeded", bad)
		}
	}
	if err := os.WriteFile(filepath.Join(string(dir), "stray"), []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.List(context.Background()); err == nil || !strings.Contains(err.Error(), "not a failure record") {
		t.Errorf("a stray file listed with %v, want an error naming it", err)
	}
}

func TestBucket(t *testing.T) {
	fake := failurestest.NewS3()
	b := &Bucket{Name: "questions-failures-1a2b3c4", Client: fake}
	storeContract(t, b, func(key string, rec Record) {
		raw, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		fake.Put(key, raw)
	})
	if got := fake.Prefixes(); len(got) == 0 || got[0] != "aws/lambda/" {
		t.Errorf("listed prefixes %v, want Lambda's aws/lambda/", got)
	}
	if b.Describe() != "s3://questions-failures-1a2b3c4" {
		t.Errorf("Describe = %s", b.Describe())
	}
}
