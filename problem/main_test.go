package problem_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine they started (the
// concurrency, fault-injection and reactor tests start many) is still
// running when they end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
