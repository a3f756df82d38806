// Package awsfake holds the rules of the fake AWS the project's tests deploy
// to: the account and region, the physical names given to resources the
// program leaves unnamed, and the ids, ARNs, URLs and other outputs AWS
// computes, in the shapes AWS uses. Both stand-ins for AWS use it, so the
// rules are written once: internal/pulumimock (the mocks of Pulumi's unit
// tests) and internal/standin/aws (the provider plugin the real Pulumi
// engine runs). It imports nothing of Pulumi or of the project.
//
// Everything is derived from the resource's URN by hashing, so a name or an
// id is stable between runs and differs between stacks, as a random suffix
// of Pulumi's auto-naming or an id AWS assigns would.
package awsfake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The account the fake cloud pretends to be, and its default region.
const (
	Region  = "us-east-1"
	Account = "123456789012"
)

// Resource is what Compute needs to know of a resource.
type Resource struct {
	Type string // type token, such as aws:sqs/queue:Queue
	Name string // logical name: the prefix of an auto-name
	URN  string // seeds every generated name and id
	// Inputs are plain values (string, float64, bool, []any, map[string]any,
	// nil). An unset physical name is generated as AutoName does.
	Inputs map[string]any
	// Region is the provider's region; "" is Region.
	Region string
	// Instance tells apart successive resources with one URN, such as a
	// replacement and the resource it replaces: it is mixed into what AWS
	// assigns at creation (ids, the root resource id), never into names,
	// which the program or auto-naming decides. "" keeps everything a
	// function of the URN alone, as the unit-test mocks want.
	Instance string
	// ID and Prior are the id and state of the existing resource, for an
	// update: what AWS assigned at creation is kept.
	ID    string
	Prior map[string]any
}

// rule is what the fake cloud knows of a type. The zero rule is a resource
// AWS gives an id of its own and nothing else the program reads.
type rule struct {
	// nameProp is the physical-name input a provider auto-names when it is
	// unset; "" if the type has none.
	nameProp string
	// salt seeds the auto-name's suffix; lower lower-cases the logical name
	// (S3 bucket names cannot have capitals).
	salt  string
	lower bool
	// compute sets the id (when it is not one AWS assigns at random) and the
	// outputs AWS computes.
	compute func(c *calc)
}

// named is the rule of a type auto-named on its name input.
func named(compute func(c *calc)) rule { return rule{nameProp: "name", salt: "name", compute: compute} }

// rules are the types the fake cloud models: every aws:* type the project
// registers.
var rules = map[string]rule{
	"aws:apigateway/restApi:RestApi": named(func(c *calc) {
		c.set("rootResourceId", c.kept("rootResourceId", func() string { return c.assigned("root", 10) }))
		c.set("executionArn", fmt.Sprintf("arn:aws:execute-api:%s:%s:%s", c.region, Account, c.id))
		c.set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/restapis/%s", c.region, c.id))
	}),
	"aws:apigateway/resource:Resource": {compute: func(c *calc) {
		c.set("path", "/"+c.in("pathPart"))
	}},
	"aws:apigateway/method:Method":                           {},
	"aws:apigateway/integration:Integration":                 {},
	"aws:apigateway/methodResponse:MethodResponse":           {},
	"aws:apigateway/integrationResponse:IntegrationResponse": {},
	"aws:apigateway/response:Response":                       {},
	"aws:apigateway/model:Model":                             {},
	"aws:apigateway/requestValidator:RequestValidator":       {},
	"aws:apigateway/deployment:Deployment":                   {},
	"aws:apigateway/stage:Stage": {compute: func(c *calc) {
		c.set("invokeUrl", fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", c.in("restApi"), c.region, c.in("stageName")))
	}},
	"aws:apigateway/methodSettings:MethodSettings": {},

	"aws:lambda/function:Function": named(func(c *calc) {
		c.id = c.name
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", c.region, Account, c.name)
		c.set("arn", arn)
		c.set("invokeArn", fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", c.region, arn))
	}),
	"aws:lambda/permission:Permission":                 {},
	"aws:lambda/eventSourceMapping:EventSourceMapping": {},

	"aws:dynamodb/table:Table": named(func(c *calc) {
		c.id = c.name
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", c.region, Account, c.name)
		c.set("arn", arn)
		c.set("streamArn", arn+"/stream/2025-01-01T00:00:00.000")
	}),

	"aws:sns/topic:Topic": named(func(c *calc) {
		c.id = fmt.Sprintf("arn:aws:sns:%s:%s:%s", c.region, Account, c.name)
		c.set("arn", c.id)
	}),
	"aws:sns/topicSubscription:TopicSubscription": {compute: func(c *calc) {
		// AWS answers a subscription with the topic's ARN and a UUID
		// (ReturnSubscriptionArn); an e-mail subscription waits for its
		// confirmation.
		if c.ID == "" {
			u := c.assigned("s", 32)
			c.id = fmt.Sprintf("%s:%s-%s-%s-%s-%s", c.in("topic"), u[:8], u[8:12], u[12:16], u[16:20], u[20:32])
		}
		c.set("arn", c.id)
		protocol := c.in("protocol")
		c.set("pendingConfirmation", protocol == "email" || protocol == "email-json")
		c.set("confirmationWasAuthenticated", false)
		c.set("ownerId", Account)
	}},

	"aws:sqs/queue:Queue": named(func(c *calc) {
		c.id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", c.region, Account, c.name)
		c.set("url", c.id)
		c.set("arn", fmt.Sprintf("arn:aws:sqs:%s:%s:%s", c.region, Account, c.name))
	}),
	"aws:sqs/queuePolicy:QueuePolicy": {compute: func(c *calc) { c.id = c.in("queueUrl") }},

	"aws:iam/role:Role": named(func(c *calc) {
		c.id = c.name
		c.set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", Account, c.name))
	}),
	"aws:iam/rolePolicy:RolePolicy": named(func(c *calc) {
		c.id = c.in("role") + ":" + c.name
	}),

	"aws:cloudwatch/logGroup:LogGroup": named(func(c *calc) {
		c.id = c.name
		c.set("arn", fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", c.region, Account, c.name))
	}),
	"aws:cloudwatch/metricAlarm:MetricAlarm": named(func(c *calc) {
		c.id = c.name
		c.set("arn", fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", c.region, Account, c.name))
	}),
	"aws:cloudwatch/eventRule:EventRule": named(func(c *calc) {
		c.id = c.name
		c.set("arn", fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", c.region, Account, c.name))
	}),
	"aws:cloudwatch/eventTarget:EventTarget": {compute: func(c *calc) {
		// The provider names an unnamed target itself, once.
		target := c.in("targetId")
		if target == "" {
			target = c.kept("targetId", func() string { return "terraform-" + c.assigned("target", 20) })
		}
		c.set("targetId", target)
		c.id = c.in("rule") + "-" + target
	}},

	"aws:s3/bucketV2:BucketV2": {nameProp: "bucket", salt: "bucket", lower: true, compute: func(c *calc) {
		c.id = c.name
		c.set("arn", "arn:aws:s3:::"+c.name)
		c.set("bucketDomainName", c.name+".s3.amazonaws.com")
		c.set("region", c.region)
	}},
	// A bucket's sub-resources are known by the bucket.
	"aws:s3/bucketPolicy:BucketPolicy":                                                           bucketPart,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     bucketPart,
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     bucketPart,
	"aws:s3/bucketNotification:BucketNotification":                                               bucketPart,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": bucketPart,
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       bucketPart,

	"aws:xray/group:Group": {compute: func(c *calc) {
		if c.ID == "" {
			c.id = fmt.Sprintf("arn:aws:xray:%s:%s:group/%s/%s", c.region, Account, c.in("groupName"), strings.ToUpper(c.assigned("group", 32)))
		}
		c.set("arn", c.id)
	}},
	// The components always name the rule; the mocks have named it when
	// they do not, so the plugin does too.
	"aws:xray/samplingRule:SamplingRule": {nameProp: "ruleName", salt: "name", compute: func(c *calc) {
		c.id = c.name
		c.set("arn", fmt.Sprintf("arn:aws:xray:%s:%s:sampling-rule/%s", c.region, Account, c.name))
	}},
}

var bucketPart = rule{compute: func(c *calc) { c.id = c.in("bucket") }}

// Models reports whether the fake cloud models the type.
func Models(typ string) bool {
	_, ok := rules[typ]
	return ok
}

// Types lists the modelled types, sorted.
func Types() []string { return slices.Sorted(maps.Keys(rules)) }

// NameProperty is the type's physical-name input that is generated when the
// program leaves it unset ("name"; "bucket" for an S3 bucket), or "".
func NameProperty(typ string) string { return rules[typ].nameProp }

// AutoName is the physical name of a resource whose program sets none: its
// logical name, "-" and 7 hex digits seeded by the URN, as Pulumi's
// auto-naming appends a random suffix. ok is false if the type has no name
// to generate.
func AutoName(typ, logicalName, urn string) (name string, ok bool) {
	r := rules[typ]
	if r.nameProp == "" {
		return "", false
	}
	if r.lower {
		logicalName = strings.ToLower(logicalName)
	}
	return logicalName + "-" + digest(urn+"|"+r.salt, 7), true
}

// Compute returns the resource's id and the outputs AWS computes, its
// physical name among them. A type the fake cloud does not model gets an id
// and nothing else; Models tells the two apart.
func Compute(r Resource) (id string, outputs map[string]any) {
	c := &calc{Resource: r, region: r.Region, out: map[string]any{}}
	if c.region == "" {
		c.region = Region
	}
	ru := rules[r.Type]
	if ru.nameProp != "" {
		c.name = c.in(ru.nameProp)
		if c.name == "" {
			c.name, _ = AutoName(r.Type, r.Name, r.URN)
		}
		c.set(ru.nameProp, c.name)
	}
	c.id = r.ID
	if c.id == "" {
		c.id = c.assigned("id", 10)
	}
	if ru.compute != nil {
		ru.compute(c)
	}
	return c.id, c.out
}

// calc is one Compute.
type calc struct {
	Resource
	region, name, id string
	out              map[string]any
}

func (c *calc) set(key string, value any) { c.out[key] = value }

// in is a string input, or "" (unset, unknown or not a string).
func (c *calc) in(key string) string {
	s, _ := c.Inputs[key].(string)
	return s
}

// assigned is n hex digits of what AWS assigns at creation.
func (c *calc) assigned(salt string, n int) string {
	if c.Instance == "" {
		return digest(c.URN+"|"+salt, n)
	}
	return digest(c.URN+"|"+c.Instance+"|"+salt, n)
}

// kept is the existing resource's output key if it has one, else gen().
func (c *calc) kept(key string, gen func() string) string {
	if s, ok := c.Prior[key].(string); ok && s != "" {
		return s
	}
	return gen()
}

func digest(seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])[:n]
}

// regionNames are the descriptions getRegion answers with.
var regionNames = map[string]string{
	"us-east-1":      "US East (N. Virginia)",
	"us-east-2":      "US East (Ohio)",
	"us-west-1":      "US West (N. California)",
	"us-west-2":      "US West (Oregon)",
	"ca-central-1":   "Canada (Central)",
	"sa-east-1":      "South America (Sao Paulo)",
	"eu-west-1":      "Europe (Ireland)",
	"eu-west-2":      "Europe (London)",
	"eu-west-3":      "Europe (Paris)",
	"eu-central-1":   "Europe (Frankfurt)",
	"eu-north-1":     "Europe (Stockholm)",
	"eu-south-1":     "Europe (Milan)",
	"ap-south-1":     "Asia Pacific (Mumbai)",
	"ap-northeast-1": "Asia Pacific (Tokyo)",
	"ap-northeast-2": "Asia Pacific (Seoul)",
	"ap-northeast-3": "Asia Pacific (Osaka)",
	"ap-southeast-1": "Asia Pacific (Singapore)",
	"ap-southeast-2": "Asia Pacific (Sydney)",
	"ap-east-1":      "Asia Pacific (Hong Kong)",
	"af-south-1":     "Africa (Cape Town)",
	"me-south-1":     "Middle East (Bahrain)",
}

// GetRegion is the answer of aws:index/getRegion:getRegion for a region
// ("" is Region), in the shape pulumi-aws 6 returns. A region it does not
// know has an empty description.
func GetRegion(region string) map[string]any {
	if region == "" {
		region = Region
	}
	return map[string]any{
		"name":        region,
		"id":          region,
		"endpoint":    "ec2." + region + ".amazonaws.com",
		"description": regionNames[region],
	}
}
