package incident_test

import (
	"testing"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestCommandsListEveryCommand reads the package's source for the command
// types (the exported types with a target method, which the sealed
// Command interface requires) and fails unless incident.Commands lists
// each of them once, and nothing else.
func TestCommandsListEveryCommand(t *testing.T) {
	lifecycletest.CheckRegistry(t, ".", "target", incident.Commands())
}
