package lambdaenv

import "testing"

// The service's own variable is named as the SDK names it: the service id
// upper-cased, spaces turned into underscores.
func TestServiceEndpointVar(t *testing.T) {
	for id, want := range map[string]string{
		"DynamoDB":          "AWS_ENDPOINT_URL_DYNAMODB",
		"SNS":               "AWS_ENDPOINT_URL_SNS",
		"Elastic Beanstalk": "AWS_ENDPOINT_URL_ELASTIC_BEANSTALK",
	} {
		if got := serviceEndpointVar(id); got != want {
			t.Errorf("serviceEndpointVar(%q) = %q, want %q", id, got, want)
		}
	}
}
