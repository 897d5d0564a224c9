package slatest_test

import (
	"testing"

	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

func TestMemoryStore(t *testing.T) {
	slatest.TestStore(t, func(*testing.T) sla.Store { return slatest.NewStore() })
}
