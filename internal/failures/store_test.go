package failures

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
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
	fake := &fakeS3{objects: map[string][]byte{}, tags: map[string]string{}}
	b := &Bucket{Name: "questions-failures-1a2b3c4", Client: fake}
	storeContract(t, b, func(key string, rec Record) {
		raw, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		fake.objects[key] = raw
	})
	if got := fake.prefixes; len(got) == 0 || got[0] != "aws/lambda/" {
		t.Errorf("listed prefixes %v, want Lambda's aws/lambda/", got)
	}
	if b.Describe() != "s3://questions-failures-1a2b3c4" {
		t.Errorf("Describe = %s", b.Describe())
	}
}

// fakeS3 keeps objects in memory, answering as S3 does.
type fakeS3 struct {
	objects  map[string][]byte
	tags     map[string]string
	prefixes []string
}

func (f *fakeS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	f.prefixes = append(f.prefixes, aws.ToString(in.Prefix))
	out := &s3.ListObjectsV2Output{}
	for k := range f.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			out.Contents = append(out.Contents, types.Object{Key: aws.String(k), LastModified: aws.Time(time.Now())})
		}
	}
	return out, nil
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b, ok := f.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b))}, nil
}

func (f *fakeS3) GetObjectTagging(_ context.Context, in *s3.GetObjectTaggingInput, _ ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error) {
	out := &s3.GetObjectTaggingOutput{}
	if v, ok := f.tags[aws.ToString(in.Key)]; ok {
		out.TagSet = []types.Tag{{Key: aws.String(ProgressTag), Value: aws.String(v)}}
	}
	return out, nil
}

func (f *fakeS3) PutObjectTagging(_ context.Context, in *s3.PutObjectTaggingInput, _ ...func(*s3.Options)) (*s3.PutObjectTaggingOutput, error) {
	if _, ok := f.objects[aws.ToString(in.Key)]; !ok {
		return nil, errors.New("NoSuchKey")
	}
	f.tags[aws.ToString(in.Key)] = aws.ToString(in.Tagging.TagSet[0].Value)
	return &s3.PutObjectTaggingOutput{}, nil
}

func (f *fakeS3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	delete(f.objects, aws.ToString(in.Key))
	delete(f.tags, aws.ToString(in.Key))
	return &s3.DeleteObjectOutput{}, nil
}
