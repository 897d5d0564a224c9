package changetest_test

import (
	"testing"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
)

func TestMemoryStore(t *testing.T) {
	changetest.TestStore(t, func(*testing.T) change.Store { return changetest.NewStore() })
}
