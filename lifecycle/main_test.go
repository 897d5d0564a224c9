package lifecycle_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind (the
// concurrency and fault-injection tests start many).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
