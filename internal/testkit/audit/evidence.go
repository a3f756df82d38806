package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/mysfits/mysfits-questions/internal/local/streampoller"
	"github.com/mysfits/mysfits-questions/questions"
)

// ScanTable reads every item of the table with strongly consistent reads:
// a question the API accepted is in it.
func ScanTable(ctx context.Context, db dynamodb.ScanAPIClient, table string) ([]questions.Question, error) {
	var items []questions.Question
	pages := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scanning %s: %w", table, err)
		}
		for _, it := range page.Items {
			items = append(items, questions.Question{
				ID:    stringAttr(it, questions.AttrQuestionID),
				Email: stringAttr(it, questions.AttrUserEmail),
				Text:  stringAttr(it, questions.AttrQuestionText),
			})
		}
	}
	return items, nil
}

func stringAttr(item map[string]ddbtypes.AttributeValue, name string) string {
	if s, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// StreamReader is the part of the DynamoDB Streams client DeadLetteredIDs uses.
type StreamReader interface {
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

var _ StreamReader = (*dynamodbstreams.Client)(nil)

// maxEmptyReads bounds the reads that return no record while the batch's
// end is not reached yet (an open shard answers empty pages).
const maxEmptyReads = 20

// DeadLetteredIDs reads the question ids of a dead-lettered batch back from
// the stream: the on-failure record only says where the batch sits, as on
// AWS, where the records stay readable for 24 hours.
func DeadLetteredIDs(ctx context.Context, streams StreamReader, rec streampoller.OnFailureRecord) ([]string, error) {
	info := rec.DDBStreamBatchInfo
	if info.StartSequenceNumber == "" || info.EndSequenceNumber == "" {
		return nil, errors.New("dead-letter record without sequence numbers")
	}
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn:         aws.String(info.StreamARN),
		ShardId:           aws.String(info.ShardID),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber,
		SequenceNumber:    aws.String(info.StartSequenceNumber),
	})
	if err != nil {
		return nil, fmt.Errorf("reading dead-lettered batch %s..%s: %w", info.StartSequenceNumber, info.EndSequenceNumber, err)
	}
	var ids []string
	iterator, empty := it.ShardIterator, 0
	for iterator != nil {
		out, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iterator})
		if err != nil {
			return nil, fmt.Errorf("reading dead-lettered batch %s..%s: %w", info.StartSequenceNumber, info.EndSequenceNumber, err)
		}
		for _, r := range out.Records {
			if r.Dynamodb == nil {
				continue
			}
			seq := aws.ToString(r.Dynamodb.SequenceNumber)
			if compareSequence(seq, info.EndSequenceNumber) > 0 {
				return ids, nil
			}
			if k, ok := r.Dynamodb.Keys[questions.AttrQuestionID].(*streamtypes.AttributeValueMemberS); ok {
				ids = append(ids, k.Value)
			}
			if seq == info.EndSequenceNumber {
				return ids, nil
			}
		}
		if len(out.Records) == 0 {
			if empty++; empty > maxEmptyReads {
				break
			}
		}
		iterator = out.NextShardIterator
	}
	return nil, fmt.Errorf("dead-lettered batch %s..%s: the stream ended before its last record", info.StartSequenceNumber, info.EndSequenceNumber)
}

// compareSequence orders two stream sequence numbers: decimal strings of
// any length, possibly zero-padded.
func compareSequence(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
