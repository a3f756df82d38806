package streampoller

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// fakeStream is an in-memory DynamoDB stream: shards of records, iterators
// that are positions, closed shards that end.
type fakeStream struct {
	mu     sync.Mutex
	shards []*fakeShard
	seq    int
	now    func() time.Time
	// failReads makes the next n GetRecords calls fail, as an outage would.
	failReads int
}

type fakeShard struct {
	id      string
	parent  string
	records []types.Record
	closed  bool
}

var _ Streams = (*fakeStream)(nil)

func newFakeStream(now func() time.Time) *fakeStream {
	return &fakeStream{now: now}
}

func (s *fakeStream) addShard(id, parent string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shards = append(s.shards, &fakeShard{id: id, parent: parent})
}

func (s *fakeStream) closeShard(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shard(id).closed = true
}

func (s *fakeStream) shard(id string) *fakeShard {
	for _, sh := range s.shards {
		if sh.id == id {
			return sh
		}
	}
	return nil
}

// put appends an INSERT of question id to the shard and returns its
// sequence number.
func (s *fakeStream) put(shardID, id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	seq := fmt.Sprintf("%021d", s.seq)
	created := s.now()
	keys := map[string]types.AttributeValue{"QuestionId": &types.AttributeValueMemberS{Value: id}}
	s.shard(shardID).records = append(s.shard(shardID).records, types.Record{
		EventID:      aws.String("event-" + seq),
		EventName:    types.OperationTypeInsert,
		EventSource:  aws.String("aws:dynamodb"),
		EventVersion: aws.String("1.1"),
		AwsRegion:    aws.String("us-east-1"),
		Dynamodb: &types.StreamRecord{
			ApproximateCreationDateTime: &created,
			Keys:                        keys,
			NewImage: map[string]types.AttributeValue{
				"QuestionId":   &types.AttributeValueMemberS{Value: id},
				"QuestionText": &types.AttributeValueMemberS{Value: "text of " + id},
			},
			SequenceNumber: aws.String(seq),
			SizeBytes:      aws.Int64(42),
			StreamViewType: types.StreamViewTypeNewImage,
		},
	})
	return seq
}

func (s *fakeStream) DescribeStream(_ context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// One shard per page, to exercise pagination.
	start := 0
	if in.ExclusiveStartShardId != nil {
		for i, sh := range s.shards {
			if sh.id == *in.ExclusiveStartShardId {
				start = i + 1
			}
		}
	}
	desc := &types.StreamDescription{StreamArn: in.StreamArn, StreamStatus: types.StreamStatusEnabled}
	if start < len(s.shards) {
		sh := s.shards[start]
		var parent *string
		if sh.parent != "" {
			parent = aws.String(sh.parent)
		}
		desc.Shards = []types.Shard{{ShardId: aws.String(sh.id), ParentShardId: parent}}
		if start+1 < len(s.shards) {
			desc.LastEvaluatedShardId = aws.String(sh.id)
		}
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: desc}, nil
}

func (s *fakeStream) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shard(aws.ToString(in.ShardId))
	if sh == nil {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no such shard")}
	}
	pos := 0
	switch in.ShardIteratorType {
	case types.ShardIteratorTypeTrimHorizon:
	case types.ShardIteratorTypeLatest:
		pos = len(sh.records)
	case types.ShardIteratorTypeAfterSequenceNumber, types.ShardIteratorTypeAtSequenceNumber:
		pos = -1
		for i, r := range sh.records {
			if aws.ToString(r.Dynamodb.SequenceNumber) == aws.ToString(in.SequenceNumber) {
				pos = i
				if in.ShardIteratorType == types.ShardIteratorTypeAfterSequenceNumber {
					pos++
				}
			}
		}
		if pos < 0 {
			return nil, fmt.Errorf("sequence number %s not in shard", aws.ToString(in.SequenceNumber))
		}
	default:
		return nil, fmt.Errorf("iterator type %s", in.ShardIteratorType)
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(sh.id + "|" + strconv.Itoa(pos))}, nil
}

func (s *fakeStream) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failReads > 0 {
		s.failReads--
		return nil, fmt.Errorf("connection refused (simulated outage)")
	}
	id, p, _ := strings.Cut(aws.ToString(in.ShardIterator), "|")
	pos, err := strconv.Atoi(p)
	sh := s.shard(id)
	if err != nil || sh == nil {
		return nil, fmt.Errorf("bad iterator %q", aws.ToString(in.ShardIterator))
	}
	end := min(len(sh.records), pos+int(aws.ToInt32(in.Limit)))
	out := &dynamodbstreams.GetRecordsOutput{Records: append([]types.Record(nil), sh.records[pos:end]...)}
	if !sh.closed || end < len(sh.records) {
		out.NextShardIterator = aws.String(sh.id + "|" + strconv.Itoa(end))
	}
	return out, nil
}
