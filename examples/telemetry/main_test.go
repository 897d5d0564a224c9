package telemetry_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that shutting an Export down leaves no goroutine of its
// exporters behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
