package change_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestAuthorizationTable is the who-may-do-what table of change approval:
// every actor against approve and reject of a normal and an emergency change
// in authorize. The default authorities are the CAB (role change-manager)
// for normal changes and the ECAB (role ecab) for emergency ones; the
// requester may never decide on their own change, whatever their roles. A
// refusal is ErrForbidden and changes nothing.
func TestAuthorizationTable(t *testing.T) {
	requesterCAB := lifecycle.Actor{ID: "alice", Roles: []string{change.RoleChangeManager, change.RoleECAB}}
	ecabOnly := lifecycle.Actor{ID: "erin", Roles: []string{change.RoleECAB}}
	wrongCase := lifecycle.Actor{ID: "wendy", Roles: []string{"Change-Manager"}}
	actors := []lifecycle.Actor{alice, requesterCAB, bob, carol, dave, ecabOnly, wrongCase, lifecycle.System}

	allowed := map[change.Type]map[string]bool{
		change.Normal:    {"carol": true, "dave": true, "system": true},
		change.Emergency: {"carol": true, "erin": true, "system": true},
	}
	for _, typ := range []change.Type{change.Normal, change.Emergency} {
		for _, actor := range actors {
			for _, cmd := range []change.Command{change.Approve{Comment: "ok"}, change.Reject{Comment: "no"}} {
				name := string(typ) + "/" + actor.ID + "/" + commandName(cmd)
				t.Run(name, func(t *testing.T) {
					c := newChange(t, typ)
					advance(t, c, change.StateAuthorize)
					before := c.Clone()
					_, err := testRules().Apply(c, actor, t0, cmd)
					if allowed[typ][actor.ID] {
						require.NoError(t, err)
						assert.Greater(t, c.Version, before.Version)
						return
					}
					require.Error(t, err)
					assert.True(t, errors.Is(err, lifecycle.ErrForbidden), "%v", err)
					var fe *lifecycle.ForbiddenError
					assert.True(t, errors.As(err, &fe))
					assert.Equal(t, before, c, "a refused decision changes nothing")
				})
			}
		}
	}
}

func commandName(c change.Command) string {
	switch c.(type) {
	case change.Approve:
		return "approve"
	case change.Reject:
		return "reject"
	}
	return "other"
}
