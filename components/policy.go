package components

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PolicyStatement allows Actions on Resources. Resources are inputs because
// ARNs are known only once the resources they name exist.
type PolicyStatement struct {
	Actions   []string
	Resources pulumi.StringArrayInput
}

// IAM policy documents as Go values, so the JSON is always well-formed.
type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid    string `json:"Sid,omitempty"`
	Effect string `json:"Effect"`
	// Principal is a *policyPrincipal, or "*" (anyone) in a resource
	// policy's Deny.
	Principal any      `json:"Principal,omitempty"`
	Action    []string `json:"Action"`
	Resource  []string `json:"Resource,omitempty"`
	// Condition maps an operator (Bool, ArnEquals) to keys and values.
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

type policyPrincipal struct {
	Service string `json:"Service"`
}

// anyone is the principal of a resource policy statement about everyone.
const anyone = "*"

// resourcePolicy renders a bucket or queue policy.
func resourcePolicy(statements ...policyStatement) (string, error) {
	b, err := json.Marshal(policyDocument{Version: policyVersion, Statement: statements})
	if err != nil {
		return "", fmt.Errorf("resource policy: %w", err)
	}
	return string(b), nil
}

const policyVersion = "2012-10-17"

// assumeRolePolicy lets an AWS service (lambda.amazonaws.com) take a role.
func assumeRolePolicy(service string) (string, error) {
	doc := policyDocument{
		Version: policyVersion,
		Statement: []policyStatement{{
			Effect:    "Allow",
			Principal: &policyPrincipal{Service: service},
			Action:    []string{"sts:AssumeRole"},
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("assume-role policy for %s: %w", service, err)
	}
	return string(b), nil
}

// permissionsPolicy renders statements as one policy document once every
// ARN is known.
func permissionsPolicy(statements []PolicyStatement) pulumi.StringOutput {
	resources := make([]any, len(statements))
	for i, s := range statements {
		resources[i] = s.Resources.ToStringArrayOutput()
	}
	return pulumi.All(resources...).ApplyT(func(resolved []any) (string, error) {
		doc := policyDocument{Version: policyVersion}
		for i, s := range statements {
			arns := resolved[i].([]string)
			if len(s.Actions) == 0 || len(arns) == 0 {
				return "", errors.New("policy statement needs at least one action and one resource")
			}
			doc.Statement = append(doc.Statement, policyStatement{Effect: "Allow", Action: s.Actions, Resource: arns})
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return "", fmt.Errorf("permissions policy: %w", err)
		}
		return string(b), nil
	}).(pulumi.StringOutput)
}
