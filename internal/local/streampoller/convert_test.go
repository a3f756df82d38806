package streampoller

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// TestEventRecordHasLambdasShape compares a converted record with the JSON
// Lambda delivers for a DynamoDB stream record.
func TestEventRecordHasLambdasShape(t *testing.T) {
	created := time.Unix(1700000000, 0)
	rec := types.Record{
		AwsRegion:    aws.String("us-east-1"),
		EventID:      aws.String("c4ca4238a0b923820dcc509a6f75849b"),
		EventName:    types.OperationTypeInsert,
		EventSource:  aws.String("aws:dynamodb"),
		EventVersion: aws.String("1.1"),
		Dynamodb: &types.StreamRecord{
			ApproximateCreationDateTime: &created,
			Keys:                        map[string]types.AttributeValue{"QuestionId": &types.AttributeValueMemberS{Value: "q1"}},
			NewImage: map[string]types.AttributeValue{
				"S":    &types.AttributeValueMemberS{Value: "text"},
				"N":    &types.AttributeValueMemberN{Value: "1.5"},
				"B":    &types.AttributeValueMemberB{Value: []byte("hi")},
				"BOOL": &types.AttributeValueMemberBOOL{Value: true},
				"NULL": &types.AttributeValueMemberNULL{Value: true},
				"SS":   &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
				"NS":   &types.AttributeValueMemberNS{Value: []string{"1", "2"}},
				"BS":   &types.AttributeValueMemberBS{Value: [][]byte{[]byte("x")}},
				"L":    &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "e"}}},
				"M":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberN{Value: "7"}}},
			},
			SequenceNumber: aws.String("111"),
			SizeBytes:      aws.Int64(26),
			StreamViewType: types.StreamViewTypeNewImage,
		},
	}
	got, err := EventRecord(rec, testStreamARN)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
	  "awsRegion": "us-east-1",
	  "dynamodb": {
	    "ApproximateCreationDateTime": 1700000000,
	    "Keys": {"QuestionId": {"S": "q1"}},
	    "NewImage": {
	      "S": {"S": "text"}, "N": {"N": "1.5"}, "B": {"B": "aGk="}, "BOOL": {"BOOL": true},
	      "NULL": {"NULL": true}, "SS": {"SS": ["a", "b"]}, "NS": {"NS": ["1", "2"]},
	      "BS": {"BS": ["eA=="]}, "L": {"L": [{"S": "e"}]}, "M": {"M": {"k": {"N": "7"}}}
	    },
	    "SequenceNumber": "111",
	    "SizeBytes": 26,
	    "StreamViewType": "NEW_IMAGE"
	  },
	  "eventID": "c4ca4238a0b923820dcc509a6f75849b",
	  "eventName": "INSERT",
	  "eventSource": "aws:dynamodb",
	  "eventVersion": "1.1",
	  "eventSourceARN": "` + testStreamARN + `"
	}`
	var gotAny, wantAny any
	if err := json.Unmarshal(gotJSON, &gotAny); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &wantAny); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(gotAny) // maps marshal with sorted keys: a canonical form
	w, _ := json.Marshal(wantAny)
	if string(g) != string(w) {
		t.Errorf("converted record\n got %s\nwant %s", g, w)
	}
}

func TestEventRecordRejectsARecordWithoutData(t *testing.T) {
	if _, err := EventRecord(types.Record{EventID: aws.String("e1")}, testStreamARN); err == nil {
		t.Error("a record without its dynamodb part converted without error")
	}
}
