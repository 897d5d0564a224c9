package sqlstore

import (
	"testing"

	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

func TestProblemStore(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(testing.TB) *DB) {
		problemtest.TestStore(t, func(t *testing.T) problem.Store { return open(t).Problems() })
	})
}
