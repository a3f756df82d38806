package failures

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mysfits/mysfits-questions/contract"
)

// S3API is the part of the S3 client the bucket store uses.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObjectTagging(ctx context.Context, in *s3.GetObjectTaggingInput, optFns ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error)
	PutObjectTagging(ctx context.Context, in *s3.PutObjectTaggingInput, optFns ...func(*s3.Options)) (*s3.PutObjectTaggingOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// ProgressTag is the object tag holding redrive's progress on an object.
// Tags, not a rewrite: the bucket lets only the process function's role
// put objects.
const ProgressTag = "redriven-through"

// maxRecordBytes bounds one record: a batch of 10 items of at most 400 KB
// each, escaped, is well under it.
const maxRecordBytes = 64 << 20

// Bucket is the failure bucket of a deployed stack.
type Bucket struct {
	Name   string
	Client S3API
}

var _ Store = (*Bucket)(nil)

// Describe is the bucket's URL.
func (b *Bucket) Describe() string { return "s3://" + b.Name }

// List reads every record under the prefix Lambda writes to.
func (b *Bucket) List(ctx context.Context) ([]Object, error) {
	var objs []Object
	pages := s3.NewListObjectsV2Paginator(b.Client, &s3.ListObjectsV2Input{
		Bucket: aws.String(b.Name),
		Prefix: aws.String(contract.FailureKeyPrefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", b.Name, contract.FailureKeyPrefix, err)
		}
		for _, o := range page.Contents {
			obj, err := b.read(ctx, aws.ToString(o.Key))
			if errors.Is(err, errGone) {
				continue // deleted since the listing
			}
			if err != nil {
				return nil, err
			}
			obj.LastModified = aws.ToTime(o.LastModified)
			objs = append(objs, obj)
		}
	}
	sortOldestFirst(objs)
	return objs, nil
}

var errGone = errors.New("object no longer exists")

func (b *Bucket) read(ctx context.Context, key string) (Object, error) {
	out, err := b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return Object{}, errGone
	}
	if err != nil {
		return Object{}, fmt.Errorf("reading s3://%s/%s: %w", b.Name, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxRecordBytes+1))
	if err != nil {
		return Object{}, fmt.Errorf("reading s3://%s/%s: %w", b.Name, key, err)
	}
	if len(body) > maxRecordBytes {
		return Object{}, fmt.Errorf("s3://%s/%s is larger than %d bytes: not a failure record", b.Name, key, maxRecordBytes)
	}
	obj := Object{Key: key}
	if err := json.Unmarshal(body, &obj.Record); err != nil {
		return Object{}, fmt.Errorf("s3://%s/%s is not a failure record: %w", b.Name, key, err)
	}
	tags, err := b.Client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	if errors.As(err, &missing) {
		return Object{}, errGone // redriven by another run since the read
	}
	if err != nil {
		return Object{}, fmt.Errorf("reading the tags of s3://%s/%s: %w", b.Name, key, err)
	}
	for _, t := range tags.TagSet {
		if aws.ToString(t.Key) == ProgressTag {
			obj.RedrivenThrough = aws.ToString(t.Value)
		}
	}
	return obj, nil
}

// SetRedrivenThrough tags the object with redrive's progress.
func (b *Bucket) SetRedrivenThrough(ctx context.Context, key, seq string) error {
	_, err := b.Client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
		Bucket:  aws.String(b.Name),
		Key:     aws.String(key),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String(ProgressTag), Value: aws.String(seq)}}},
	})
	if err != nil {
		return fmt.Errorf("tagging s3://%s/%s: %w", b.Name, key, err)
	}
	return nil
}

// Exists asks S3 for the object's metadata (HeadObject: s3:GetObject on
// the object; with s3:ListBucket on the bucket a missing key is a 404
// NotFound, without it a 403, an error here).
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	_, err := b.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	var missing *types.NotFound
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &missing):
		return false, nil
	default:
		return false, fmt.Errorf("looking for s3://%s/%s: %w", b.Name, key, err)
	}
}

// Delete removes the object (S3 answers a missing key with success too).
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if _, err := b.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("deleting s3://%s/%s: %w", b.Name, key, err)
	}
	return nil
}
