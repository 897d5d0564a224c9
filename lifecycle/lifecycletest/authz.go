package lifecycletest

import (
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// CheckForbidden fails t unless err is a *lifecycle.ForbiddenError
// matching lifecycle.ErrForbidden that names actor and whose Reason
// contains reason (any Reason when reason is ""). It returns the error,
// for the checks a test adds.
func CheckForbidden(t require.TestingT, err error, actor, reason string) *lifecycle.ForbiddenError {
	helper(t)
	require.ErrorIs(t, err, lifecycle.ErrForbidden, "%q must be refused", actor)
	var fe *lifecycle.ForbiddenError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, actor, fe.Actor)
	assert.Contains(t, fe.Reason, reason)
	return fe
}

// CheckAuthorized fails t unless err is what an authorization decision
// says of actor: nil when allowed, otherwise a refusal as
// [CheckForbidden] checks it, whose Reason contains reason (typically the
// role the actor lacks).
func CheckAuthorized(t require.TestingT, allowed bool, actor lifecycle.Actor, reason string, err error) {
	helper(t)
	if allowed {
		require.NoError(t, err, "%q must be allowed", actor.ID)
		return
	}
	CheckForbidden(t, err, actor.ID, reason)
}
