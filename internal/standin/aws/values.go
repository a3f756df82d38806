package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// defaultsKey lists, in the inputs Check returns, the properties the
// provider filled in itself, as the bridged provider records them: an
// update keeps a generated name only if it was generated.
const defaultsKey = "__defaults"

// reserved reports keys that are bookkeeping, not properties of the
// resource: __defaults and pulumi-go-provider's version stamp.
func reserved(key string) bool { return strings.HasPrefix(key, "__") }

// properties are m without its bookkeeping keys.
func properties(m property.Map) property.Map {
	out := map[string]property.Value{}
	for k, v := range m.All {
		if !reserved(k) {
			out[k] = v
		}
	}
	return property.NewMap(out)
}

// plain turns m into the plain Go values awsfake computes from: secrets
// are unwrapped, unknowns are nil, an asset or archive is its hash and a
// resource reference its id.
func plain(m property.Map) map[string]any {
	out := map[string]any{}
	for k, v := range properties(m).All {
		out[k] = plainValue(v)
	}
	return out
}

func plainValue(v property.Value) any {
	switch {
	case v.IsBool():
		return v.AsBool()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsString():
		return v.AsString()
	case v.IsArray():
		out := make([]any, 0, v.AsArray().Len())
		for _, e := range v.AsArray().All {
			out = append(out, plainValue(e))
		}
		return out
	case v.IsMap():
		out := map[string]any{}
		for k, e := range v.AsMap().All {
			out[k] = plainValue(e)
		}
		return out
	case v.IsAsset():
		return assetHash(v)
	case v.IsArchive():
		return archiveHash(v)
	case v.IsResourceReference():
		return plainValue(v.AsResourceReference().ID)
	default: // null, computed
		return nil
	}
}

// fingerprint is a digest of the inputs, the instance seed of a new
// resource: a replacement made because its inputs changed gets new ids.
func fingerprint(m property.Map) string {
	b, err := json.Marshal(plain(m)) // map keys sorted: stable
	if err != nil {
		// plain values always marshal; fall back to "no instance".
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// fromPlain is a computed output as a property value.
func fromPlain(v any) property.Value {
	return resource.FromResourcePropertyValue(resource.NewPropertyValue(v))
}

// stateOf is the state that echoes inputs: without bookkeeping and without
// the dependencies the engine tracks itself.
func stateOf(inputs property.Map) property.Map {
	out := map[string]property.Value{}
	for k, v := range properties(inputs).All {
		out[k] = withoutDependencies(v)
	}
	return property.NewMap(out)
}

func withoutDependencies(v property.Value) property.Value {
	v = v.WithDependencies(nil)
	switch {
	case v.IsArray():
		elems := make([]property.Value, 0, v.AsArray().Len())
		for _, e := range v.AsArray().All {
			elems = append(elems, withoutDependencies(e))
		}
		return property.WithGoValue(v, property.NewArray(elems))
	case v.IsMap():
		fields := map[string]property.Value{}
		for k, e := range v.AsMap().All {
			fields[k] = withoutDependencies(e)
		}
		return property.WithGoValue(v, property.NewMap(fields))
	}
	return v
}

// absent reports a value that is as good as unset: null, or an empty list
// or map (Terraform's SDKv2, under the bridged provider, does not tell an
// empty collection from an unset one).
func absent(v property.Value) bool {
	switch {
	case v.IsNull():
		return true
	case v.IsArray():
		return v.AsArray().Len() == 0
	case v.IsMap():
		return v.AsMap().Len() == 0
	}
	return false
}

// equal is the deep equality of Diff: secrets and dependencies do not
// count, a missing key equals a null one, assets and archives are equal
// when their contents' hashes are (never their paths), and an unknown value
// equals nothing.
func equal(a, b property.Value) bool {
	if absent(a) && absent(b) {
		return true
	}
	switch {
	case a.IsComputed() || b.IsComputed():
		return false
	case a.IsBool() && b.IsBool():
		return a.AsBool() == b.AsBool()
	case a.IsNumber() && b.IsNumber():
		return a.AsNumber() == b.AsNumber()
	case a.IsString() && b.IsString():
		return a.AsString() == b.AsString()
	case a.IsAsset() && b.IsAsset():
		h := assetHash(a)
		return h != "" && h == assetHash(b)
	case a.IsArchive() && b.IsArchive():
		h := archiveHash(a)
		return h != "" && h == archiveHash(b)
	case a.IsArray() && b.IsArray():
		x, y := a.AsArray(), b.AsArray()
		if x.Len() != y.Len() {
			return false
		}
		for i := range x.Len() {
			if !equal(x.Get(i), y.Get(i)) {
				return false
			}
		}
		return true
	case a.IsMap() && b.IsMap():
		return equalMaps(a.AsMap(), b.AsMap())
	case a.IsResourceReference() && b.IsResourceReference():
		x, y := a.AsResourceReference(), b.AsResourceReference()
		return x.URN == y.URN && equal(x.ID, y.ID)
	}
	return false
}

func equalMaps(a, b property.Map) bool {
	for k, v := range a.All {
		if !equal(v, b.Get(k)) {
			return false
		}
	}
	for k, v := range b.All {
		if _, ok := a.GetOk(k); !ok && !absent(v) {
			return false
		}
	}
	return true
}

// assetHash is the hash of an asset's contents, computed if the engine has
// not (it normally has); "" if it cannot be.
func assetHash(v property.Value) string {
	a := v.AsAsset() // a copy
	if a == nil {
		return ""
	}
	if a.Hash == "" {
		if err := a.EnsureHash(); err != nil {
			return ""
		}
	}
	return a.Hash
}

func archiveHash(v property.Value) string {
	a := v.AsArchive() // a copy
	if a == nil {
		return ""
	}
	if a.Hash == "" {
		if err := a.EnsureHash(); err != nil {
			return ""
		}
	}
	return a.Hash
}
