package change_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestCommandsTagged: every field of every registered command, and of the
// creation input, has a JSON name.
func TestCommandsTagged(t *testing.T) {
	var all []any
	for _, c := range change.Commands() {
		all = append(all, c)
	}
	assert.Empty(t, lifecycletest.UntaggedFields(append(all, change.Create{})...))
}
