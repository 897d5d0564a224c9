package problemtest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine they started (the
// conformance suite's concurrent updates) is still running when they end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
