package components

import (
	"fmt"
	"os"
	"testing"

	pm "github.com/mysfits/mysfits-questions/internal/pulumimock"
)

// testBuilder builds each function for real, once per test binary.
var testBuilder Builder

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mysfits-components-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBuilder = pm.Memoize[Bundle](GoBuilder{TempDir: dir})
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
