package langhost

import (
	"flag"
	"testing"
)

// The engine passes glog's flags to every language host it starts when
// logging flows to plugins (plugin.buildPluginArguments); Main relies on the
// Pulumi SDK having registered them, or flag.Parse would reject them.
func TestEngineLoggingFlagsAreRegistered(t *testing.T) {
	for _, name := range []string{"v", "logtostderr"} {
		if flag.CommandLine.Lookup(name) == nil {
			t.Errorf("flag -%s is not registered; the engine passes it to language hosts", name)
		}
	}
}
