package contract

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// stringLeaves lists every string field of v (a struct, walked into nested
// structs) by its path, with its value.
func stringLeaves(v reflect.Value, path string, into map[string]string) {
	for i := range v.NumField() {
		f, p := v.Field(i), path+v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.Struct:
			stringLeaves(f, p+".", into)
		case reflect.String:
			into[p] = f.String()
		}
	}
}

func leaves(v any) map[string]string {
	m := map[string]string{}
	stringLeaves(reflect.ValueOf(v), "", m)
	return m
}

// A setting added to SettingNames and RawSettings is read, renamed and
// keyed like the others, or this fails naming it.
func TestSettingFields(t *testing.T) {
	keys := leaves(ConfigKeys())
	paths := slices.Sorted(maps.Keys(keys))
	if got := slices.Sorted(maps.Keys(leaves(RawSettings{}))); !slices.Equal(got, paths) {
		t.Fatalf("RawSettings has the fields %v, SettingNames %v: keep the two alike", got, paths)
	}
	seen := map[string]string{}
	for _, p := range paths {
		if keys[p] == "" {
			t.Errorf("ConfigKeys has no key for %s", p)
		}
		if other, dup := seen[keys[p]]; dup {
			t.Errorf("ConfigKeys names %s and %s alike: %q", other, p, keys[p])
		}
		seen[keys[p]] = p
	}

	// Each text is read under its own name...
	raw := leaves(ConfigKeys().Raw(func(name string) string { return "text of " + name }))
	// ...and each name is renamed.
	renamed := leaves(ConfigKeys().Renamed(func(name string) string { return "--" + strings.ToLower(name) }))
	for _, p := range paths {
		if want := "text of " + keys[p]; raw[p] != want {
			t.Errorf("Raw sets %s to %q, want %q (settingFields misses it?)", p, raw[p], want)
		}
		if want := "--" + strings.ToLower(keys[p]); renamed[p] != want {
			t.Errorf("Renamed sets %s to %q, want %q (settingFields misses it?)", p, renamed[p], want)
		}
	}
}

// What the program and the local runner both do: read the keys, parse
// once; an error names the setting as renamed.
func TestRawParsesUnderConfigKeys(t *testing.T) {
	config := map[string]string{"adminEmail": "admin@mysfits.example", "stage": "2", "faultDelay": "1500ms"}
	s, err := ParseSettings(ConfigKeys().Raw(func(k string) string { return config[k] }), ConfigKeys())
	if err != nil {
		t.Fatal(err)
	}
	if s.Tracing.Stage != StageSDK || s.Tracing.Faults.Delay.String() != "1.5s" || s.Tracing.Faults.Percent != DefaultFaultPercent {
		t.Errorf("parsed %+v", s.Tracing)
	}
	config["stage"] = "7"
	flags := ConfigKeys().Renamed(func(k string) string {
		if k == "stage" {
			return "--stage"
		}
		return k
	})
	_, err = ParseSettings(ConfigKeys().Raw(func(k string) string { return config[k] }), flags)
	if err == nil || err.Error() != "--stage: 7 is not allowed (must be 1, 2 or 3)" {
		t.Errorf("error %v, want the stage rule naming --stage", err)
	}
}
