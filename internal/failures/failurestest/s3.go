// Package failurestest is for tests of the failure store and its users: an
// in-memory S3 bucket answering the calls failures.Bucket makes as S3
// does.
package failurestest

import (
	"bytes"
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 is one bucket in memory: objects by key, each with its tag set.
// BeforeCall, when set, runs before each call with the call's name: a
// test interleaves with the store's user there.
type S3 struct {
	mu         sync.Mutex
	objects    map[string][]byte
	tags       map[string]map[string]string
	prefixes   []string
	BeforeCall func(op, key string)
}

// NewS3 is an empty bucket.
func NewS3() *S3 {
	return &S3{objects: map[string][]byte{}, tags: map[string]map[string]string{}}
}

// Put stores an object, as the stream mapping does.
func (f *S3) Put(key string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = slices.Clone(body)
	delete(f.tags, key)
}

// Keys are the keys in the bucket, sorted.
func (f *S3) Keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.objects))
}

// Prefixes are the prefixes the bucket was listed with.
func (f *S3) Prefixes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.prefixes)
}

func (f *S3) before(op, key string) {
	if f.BeforeCall != nil {
		f.BeforeCall(op, key)
	}
}

// ListObjectsV2 lists every key under the prefix, in one page.
func (f *S3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	f.before("ListObjectsV2", "")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prefixes = append(f.prefixes, aws.ToString(in.Prefix))
	out := &s3.ListObjectsV2Output{}
	for _, k := range slices.Sorted(maps.Keys(f.objects)) {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			out.Contents = append(out.Contents, types.Object{Key: aws.String(k), LastModified: aws.Time(time.Now())})
		}
	}
	return out, nil
}

// GetObject answers a missing key with NoSuchKey.
func (f *S3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.before("GetObject", aws.ToString(in.Key))
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b))}, nil
}

// HeadObject answers a missing key with NotFound (a HEAD answer has no
// body, so no NoSuchKey).
func (f *S3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	f.before("HeadObject", aws.ToString(in.Key))
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &types.NotFound{}
	}
	return &s3.HeadObjectOutput{ContentLength: aws.Int64(int64(len(b)))}, nil
}

// GetObjectTagging answers a missing key with NoSuchKey.
func (f *S3) GetObjectTagging(_ context.Context, in *s3.GetObjectTaggingInput, _ ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error) {
	f.before("GetObjectTagging", aws.ToString(in.Key))
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.objects[aws.ToString(in.Key)]; !ok {
		return nil, &types.NoSuchKey{}
	}
	out := &s3.GetObjectTaggingOutput{}
	tags := f.tags[aws.ToString(in.Key)]
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out.TagSet = append(out.TagSet, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out, nil
}

// PutObjectTagging replaces the object's tag set.
func (f *S3) PutObjectTagging(_ context.Context, in *s3.PutObjectTaggingInput, _ ...func(*s3.Options)) (*s3.PutObjectTaggingOutput, error) {
	f.before("PutObjectTagging", aws.ToString(in.Key))
	f.mu.Lock()
	defer f.mu.Unlock()
	key := aws.ToString(in.Key)
	if _, ok := f.objects[key]; !ok {
		return nil, &types.NoSuchKey{}
	}
	tags := map[string]string{}
	for _, t := range in.Tagging.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	f.tags[key] = tags
	return &s3.PutObjectTaggingOutput{}, nil
}

// DeleteObject succeeds for a missing key too, as S3 does.
func (f *S3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	f.before("DeleteObject", aws.ToString(in.Key))
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, aws.ToString(in.Key))
	delete(f.tags, aws.ToString(in.Key))
	return &s3.DeleteObjectOutput{}, nil
}
