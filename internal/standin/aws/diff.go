package main

import (
	"slices"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/mysfits/mysfits-questions/internal/awsfake"
)

// replaceRule says which input changes replace a resource rather than
// update it: what Terraform's AWS provider marks ForceNew, under
// pulumi-aws 6.83.4.
type replaceRule struct {
	props []string
	// every: the resource has no update, every input replaces it ...
	every bool
	// ... but these.
	except []string
	// when: replace on this property only if the function says the change
	// needs it.
	when map[string]func(olds, news property.Map) bool
}

func on(props ...string) replaceRule       { return replaceRule{props: props} }
func everyBut(props ...string) replaceRule { return replaceRule{every: true, except: props} }

func (r replaceRule) replaces(key string, olds, news property.Map) bool {
	if f, ok := r.when[key]; ok {
		return f(olds, news)
	}
	if r.every {
		return !slices.Contains(r.except, key)
	}
	return slices.Contains(r.props, key)
}

// replaceOnChange is the table for every type the stand-in models (a test
// checks it covers awsfake.Types()). It lists the properties this project
// sets or could plausibly set, not every ForceNew one of each type. Note
// that a RestApi's and a RequestValidator's name update in place.
var replaceOnChange = map[string]replaceRule{
	"aws:apigateway/restApi:RestApi":                         {},            // its name and definition update in place
	"aws:apigateway/resource:Resource":                       on("restApi"), // parentId and pathPart are patched
	"aws:apigateway/method:Method":                           on("restApi", "resourceId", "httpMethod"),
	"aws:apigateway/integration:Integration":                 on("restApi", "resourceId", "httpMethod"),
	"aws:apigateway/methodResponse:MethodResponse":           on("restApi", "resourceId", "httpMethod", "statusCode"),
	"aws:apigateway/integrationResponse:IntegrationResponse": on("restApi", "resourceId", "httpMethod", "statusCode"),
	"aws:apigateway/response:Response":                       on("restApiId", "responseType"),
	"aws:apigateway/model:Model":                             on("restApi", "name", "contentType"),
	"aws:apigateway/requestValidator:RequestValidator":       on("restApi"),
	// A deployment is a snapshot: only its description can change.
	"aws:apigateway/deployment:Deployment":         everyBut("description"),
	"aws:apigateway/stage:Stage":                   on("restApi", "stageName"), // a new deployment is an update
	"aws:apigateway/methodSettings:MethodSettings": on("restApi", "stageName", "methodPath"),

	"aws:lambda/function:Function": on("name", "packageType"),
	// A permission is a statement of the function's policy, never updated.
	"aws:lambda/permission:Permission":                 {every: true},
	"aws:lambda/eventSourceMapping:EventSourceMapping": on("eventSourceArn", "startingPosition", "startingPositionTimestamp"),

	// The key schema cannot change; other attributes (of indexes) can.
	"aws:dynamodb/table:Table": {
		props: []string{"name", "hashKey", "rangeKey", "localSecondaryIndexes"},
		when:  map[string]func(olds, news property.Map) bool{"attributes": keyAttributesChanged},
	},

	"aws:sns/topic:Topic": on("name", "namePrefix", "fifoTopic"),
	"aws:sns/topicSubscription:TopicSubscription": on("topic", "protocol", "endpoint",
		"endpointAutoConfirms", "confirmationTimeoutInMinutes"),
	"aws:sqs/queue:Queue":             on("name", "namePrefix", "fifoQueue"),
	"aws:sqs/queuePolicy:QueuePolicy": on("queueUrl"),

	"aws:iam/role:Role":             on("name", "namePrefix", "path"),
	"aws:iam/rolePolicy:RolePolicy": on("role", "name", "namePrefix"),

	"aws:cloudwatch/logGroup:LogGroup":       on("name", "namePrefix", "logGroupClass"),
	"aws:cloudwatch/metricAlarm:MetricAlarm": on("name"),
	"aws:cloudwatch/eventRule:EventRule":     on("name", "namePrefix", "eventBusName"),
	"aws:cloudwatch/eventTarget:EventTarget": on("rule", "targetId", "eventBusName"),

	"aws:s3/bucketV2:BucketV2":                                                                   on("bucket", "bucketPrefix", "objectLockEnabled"),
	"aws:s3/bucketPolicy:BucketPolicy":                                                           on("bucket"),
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     on("bucket"),
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     on("bucket"),
	"aws:s3/bucketNotification:BucketNotification":                                               on("bucket"),
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": on("bucket", "expectedBucketOwner"),
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       on("bucket", "expectedBucketOwner"),

	"aws:xray/group:Group":               on("groupName"),
	"aws:xray/samplingRule:SamplingRule": on("ruleName", "resourceArn", "version"),
}

// keyAttributesChanged reports whether a table's attributes change the
// definition (the type) of a key attribute or the set of key attributes.
func keyAttributesChanged(olds, news property.Map) bool {
	keys := func(m property.Map) map[string]property.Value {
		names := map[string]bool{}
		for _, k := range []string{"hashKey", "rangeKey"} {
			if v := m.Get(k); v.IsString() {
				names[v.AsString()] = true
			}
		}
		types := map[string]property.Value{}
		if attrs := m.Get("attributes"); attrs.IsArray() {
			for _, a := range attrs.AsArray().All {
				if !a.IsMap() {
					continue
				}
				name, typ := a.AsMap().Get("name"), a.AsMap().Get("type")
				if name.IsString() && names[name.AsString()] {
					types[name.AsString()] = typ
				}
			}
		}
		return types
	}
	o, n := keys(olds), keys(news)
	if len(o) != len(n) {
		return true
	}
	for k, v := range o {
		if nv, ok := n[k]; !ok || !equal(v, nv) {
			return true
		}
	}
	return false
}

// diff compares old and new inputs key by key and says which changes
// replace the resource.
func diff(typ string, olds, news property.Map, ignore []string) p.DiffResponse {
	detailed, replace := diffInputs(replaceOnChange[typ], olds, news, ignore)
	return p.DiffResponse{
		HasChanges:          len(detailed) > 0,
		DetailedDiff:        detailed,
		DeleteBeforeReplace: replace && keepsGivenName(typ, olds, news),
	}
}

// diffInputs is the changed top-level properties and whether one of them
// replaces the resource. ignore are the ignoreChanges paths: their
// top-level properties are left out (the engine has already put the old
// values in the new inputs; this is for good measure).
func diffInputs(rule replaceRule, olds, news property.Map, ignore []string) (map[string]p.PropertyDiff, bool) {
	olds, news = properties(olds), properties(news)
	ignored := map[string]bool{}
	for _, path := range ignore {
		if pp, err := resource.ParsePropertyPath(path); err == nil && len(pp) > 0 {
			if head, ok := pp[0].(string); ok {
				ignored[head] = true
			}
		}
	}
	keys := map[string]bool{}
	for k := range olds.All {
		keys[k] = true
	}
	for k := range news.All {
		keys[k] = true
	}

	detailed := map[string]p.PropertyDiff{}
	replace := false
	for k := range keys {
		o, n := olds.Get(k), news.Get(k)
		if ignored[k] || equal(o, n) {
			continue
		}
		r := rule.replaces(k, olds, news)
		replace = replace || r
		var kind p.DiffKind
		switch {
		case absent(o):
			kind = pick(r, p.Add, p.AddReplace)
		case absent(n):
			kind = pick(r, p.Delete, p.DeleteReplace)
		default:
			kind = pick(r, p.Update, p.UpdateReplace)
		}
		detailed[k] = p.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return detailed, replace
}

func pick(replace bool, update, replaceKind p.DiffKind) p.DiffKind {
	if replace {
		return replaceKind
	}
	return update
}

// keepsGivenName reports a replacement that must delete the old resource
// first, as the bridged provider decides: the program gave the physical
// name itself (it is not among the generated defaults) and it stays the
// same, so AWS would refuse a second resource of that name.
// news are the inputs Check returned, with their defaultsKey.
func keepsGivenName(typ string, olds, news property.Map) bool {
	prop := awsfake.NameProperty(typ)
	if prop == "" || !news.Get(prop).IsString() || generated(news, prop) {
		return false
	}
	return equal(olds.Get(prop), news.Get(prop))
}

// generated reports whether Check generated the property of these inputs.
func generated(inputs property.Map, prop string) bool {
	d := inputs.Get(defaultsKey)
	if !d.IsArray() {
		return false
	}
	for _, e := range d.AsArray().All {
		if e.IsString() && e.AsString() == prop {
			return true
		}
	}
	return false
}
