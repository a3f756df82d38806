package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"
	// Linked only so the build records awsSDK's version (sdkVersion).
	_ "github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/mysfits/mysfits-questions/internal/awsfake"
)

// The plugin the stand-in replaces.
const (
	pluginName = "aws"
	// awsSDK is the pulumi-aws SDK module: the program's resources ask the
	// engine for the aws plugin of that module's version.
	awsSDK = "github.com/pulumi/pulumi-aws/sdk/v6"
)

// pluginVersion is the version of awsSDK this binary was built with (go.mod
// pins it), so the stand-in answers as the plugin the SDK asks for.
var pluginVersion = sdkVersion()

func sdkVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == awsSDK {
				return strings.TrimPrefix(dep.Version, "v")
			}
		}
	}
	return "0.0.0" // not linked: the blank import below went missing
}

const getRegionToken = "aws:index/getRegion:getRegion"

// cloud is one plugin process: the engine configures it once per provider
// (default or explicit), then drives resources through it.
type cloud struct {
	mu     sync.Mutex
	region string
}

func newProvider() p.Provider {
	c := &cloud{region: awsfake.Region}
	return p.Provider{
		GetSchema:   getSchema,
		Cancel:      func(context.Context) error { return nil }, // nothing runs long enough to cancel
		CheckConfig: c.checkConfig,
		DiffConfig:  c.diffConfig,
		Configure:   c.configure,
		Invoke:      c.invoke,
		Check:       c.check,
		Diff:        c.diff,
		Create:      c.create,
		Read:        c.read,
		Update:      c.update,
		Delete:      c.delete,
	}
}

func notModelled(typ string) error {
	return fmt.Errorf("the stand-in AWS plugin does not model %s", typ)
}

// resourceType is the type token of a resource, if the stand-in models it.
func resourceType(urn resource.URN) (string, error) {
	typ := string(urn.Type())
	if !awsfake.Models(typ) {
		return "", notModelled(typ)
	}
	return typ, nil
}

func (c *cloud) currentRegion() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.region
}

// getSchema is the least the engine accepts: the stand-in does not describe
// the types it models (no SDK is generated from it).
func getSchema(context.Context, p.GetSchemaRequest) (p.GetSchemaResponse, error) {
	b, err := json.Marshal(map[string]any{
		"name":        pluginName,
		"version":     pluginVersion,
		"displayName": "AWS (stand-in)",
		"description": "A stand-in for pulumi-resource-aws that fakes AWS for the engine tests.",
	})
	if err != nil {
		return p.GetSchemaResponse{}, fmt.Errorf("encoding the schema: %w", err)
	}
	return p.GetSchemaResponse{Schema: string(b)}, nil
}

// ---- provider configuration ---------------------------------------------

// checkConfig accepts the configuration as it is (aws:region and whatever
// else, such as credentials, that the stand-in has no use for); only a
// region that is not a string is refused.
func (c *cloud) checkConfig(_ context.Context, req p.CheckRequest) (p.CheckResponse, error) {
	var failures []p.CheckFailure
	if v := req.Inputs.Get("region"); !v.IsNull() && !v.IsString() && !v.IsComputed() {
		failures = append(failures, p.CheckFailure{Property: "region", Reason: "region must be a string, such as us-east-1"})
	}
	return p.CheckResponse{Inputs: req.Inputs, Failures: failures}, nil
}

// diffConfig reports the changed settings. A new region replaces the
// provider, and with it every resource, as their ARNs name the region; an
// unset region is the default one, so setting it to that changes nothing.
func (c *cloud) diffConfig(_ context.Context, req p.DiffRequest) (p.DiffResponse, error) {
	olds := req.OldInputs
	if olds.Len() == 0 {
		olds = req.State
	}
	withRegion := func(m property.Map) property.Map {
		if unset(m.Get("region")) {
			return m.Set("region", property.New(awsfake.Region))
		}
		return m
	}
	detailed, _ := diffInputs(on("region"), withRegion(olds), withRegion(req.Inputs), req.IgnoreChanges)
	return p.DiffResponse{HasChanges: len(detailed) > 0, DetailedDiff: detailed}, nil
}

func (c *cloud) configure(_ context.Context, req p.ConfigureRequest) error {
	region := ""
	if v := req.Args.Get("region"); v.IsString() {
		region = v.AsString()
	} else if s, ok := req.Variables["aws:region"]; ok {
		region = s
	}
	// A value may come JSON-encoded, as the engine passes config values.
	if strings.HasPrefix(region, `"`) {
		var unquoted string
		if err := json.Unmarshal([]byte(region), &unquoted); err != nil {
			return fmt.Errorf("aws:region %s: %w", region, err)
		}
		region = unquoted
	}
	if region == "" {
		region = awsfake.Region
	}
	c.mu.Lock()
	c.region = region
	c.mu.Unlock()
	return nil
}

// ---- invokes ----------------------------------------------------------------

func (c *cloud) invoke(_ context.Context, req p.InvokeRequest) (p.InvokeResponse, error) {
	switch tok := string(req.Token); tok {
	case getRegionToken:
		region := c.currentRegion()
		if v := req.Args.Get("name"); v.IsString() && v.AsString() != "" {
			region = v.AsString()
		}
		ret := map[string]property.Value{}
		for k, v := range awsfake.GetRegion(region) {
			ret[k] = fromPlain(v)
		}
		return p.InvokeResponse{Return: property.NewMap(ret)}, nil
	default:
		return p.InvokeResponse{}, fmt.Errorf("the stand-in AWS plugin does not model the function %s", tok)
	}
}

// ---- resources --------------------------------------------------------------

// check auto-names: a resource whose program leaves its physical name unset
// gets one generated, recorded in defaultsKey so that an update (old inputs
// given) keeps it and an unchanged program shows no diff. A name the
// program gave and then removed is generated afresh, which replaces the
// resource, as with the bridged provider.
func (c *cloud) check(_ context.Context, req p.CheckRequest) (p.CheckResponse, error) {
	typ, err := resourceType(req.Urn)
	if err != nil {
		return p.CheckResponse{}, err
	}
	inputs := req.Inputs
	defaults := []property.Value{}
	if prop := awsfake.NameProperty(typ); prop != "" && unset(inputs.Get(prop)) {
		name := req.State.Get(prop) // the old inputs' name, kept if generated
		if !name.IsString() || name.AsString() == "" || !generated(req.State, prop) {
			generatedName, _ := awsfake.AutoName(typ, req.Urn.Name(), string(req.Urn))
			name = property.New(generatedName)
		}
		inputs = inputs.Set(prop, name)
		defaults = append(defaults, property.New(prop))
	}
	return p.CheckResponse{Inputs: inputs.Set(defaultsKey, property.New(defaults))}, nil
}

func unset(v property.Value) bool { return v.IsNull() || (v.IsString() && v.AsString() == "") }

func (c *cloud) diff(_ context.Context, req p.DiffRequest) (p.DiffResponse, error) {
	typ, err := resourceType(req.Urn)
	if err != nil {
		return p.DiffResponse{}, err
	}
	olds := req.OldInputs
	if olds.Len() == 0 {
		// An engine older than 3.74 sends no old inputs: the state's
		// properties that are inputs are the best guess.
		olds = onlyKeys(req.State, req.Inputs)
	}
	return diff(typ, olds, req.Inputs, req.IgnoreChanges), nil
}

func onlyKeys(m, keys property.Map) property.Map {
	out := map[string]property.Value{}
	for k := range keys.All {
		if v, ok := m.GetOk(k); ok {
			out[k] = v
		}
	}
	return property.NewMap(out)
}

func (c *cloud) fake(typ string, urn resource.URN, inputs property.Map) awsfake.Resource {
	return awsfake.Resource{Type: typ, Name: urn.Name(), URN: string(urn), Inputs: plain(inputs), Region: c.currentRegion()}
}

// create answers with the id AWS would assign and state = inputs + what AWS
// computes. A preview has no id yet, and what AWS would assign is unknown.
func (c *cloud) create(_ context.Context, req p.CreateRequest) (p.CreateResponse, error) {
	typ, err := resourceType(req.Urn)
	if err != nil {
		return p.CreateResponse{}, err
	}
	r := c.fake(typ, req.Urn, req.Properties)
	state := stateOf(req.Properties)
	if req.DryRun {
		_, out := awsfake.Compute(r)
		for k := range out {
			if !known(state.Get(k)) {
				state = state.Set(k, property.New(property.Computed))
			}
		}
		return p.CreateResponse{Properties: state}, nil
	}
	r.Instance = fingerprint(req.Properties)
	id, out := awsfake.Compute(r)
	return p.CreateResponse{ID: id, Properties: withOutputs(state, out)}, nil
}

// update keeps the id and what AWS assigned at creation and recomputes the
// rest from the new inputs. In a preview, an output that would change (or
// depends on an input not known yet) is unknown.
func (c *cloud) update(_ context.Context, req p.UpdateRequest) (p.UpdateResponse, error) {
	typ, err := resourceType(req.Urn)
	if err != nil {
		return p.UpdateResponse{}, err
	}
	r := c.fake(typ, req.Urn, req.Inputs)
	r.ID, r.Prior = req.ID, plain(req.State)
	_, out := awsfake.Compute(r)
	state := stateOf(req.Inputs)
	if !req.DryRun {
		return p.UpdateResponse{Properties: withOutputs(state, out)}, nil
	}
	for k, v := range out {
		if known(state.Get(k)) {
			continue
		}
		if pv := fromPlain(v); equal(pv, req.State.Get(k)) {
			state = state.Set(k, pv.WithSecret(req.State.Get(k).Secret()))
		} else {
			state = state.Set(k, property.New(property.Computed))
		}
	}
	return p.UpdateResponse{Properties: state}, nil
}

// read reports no drift: AWS is as the state says.
func (c *cloud) read(_ context.Context, req p.ReadRequest) (p.ReadResponse, error) {
	if _, err := resourceType(req.Urn); err != nil {
		return p.ReadResponse{}, err
	}
	return p.ReadResponse{ID: req.ID, Properties: req.Properties, Inputs: req.Inputs}, nil
}

// delete always succeeds: nothing is stored.
func (c *cloud) delete(context.Context, p.DeleteRequest) error { return nil }

func known(v property.Value) bool { return !v.IsNull() && !v.HasComputed() }

// withOutputs sets the computed outputs on state; an output that is also a
// secret input stays secret.
func withOutputs(state property.Map, out map[string]any) property.Map {
	for k, v := range out {
		pv := fromPlain(v)
		if state.Get(k).Secret() {
			pv = pv.WithSecret(true)
		}
		state = state.Set(k, pv)
	}
	return state
}
