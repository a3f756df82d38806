package submit_test

import (
	"testing"

	"github.com/mysfits/mysfits-questions/functions/internal/handlertest"
)

// TestMain configures the X-Ray SDK, process-global, once for the binary.
func TestMain(m *testing.M) { handlertest.Main(m) }
