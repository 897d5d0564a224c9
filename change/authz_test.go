package change_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
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
					lifecycletest.CheckForbidden(t, err, actor.ID, "")
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

// TestOpenerAndRequesterNeverApprove is the table of the two people who
// may never decide on a change: its requester and whoever opened it, even
// when they hold the authority's role. Opening a change in someone else's
// name does not let its opener approve it. A refusal is ErrForbidden and
// changes nothing.
func TestOpenerAndRequesterNeverApprove(t *testing.T) {
	cab := func(id string) lifecycle.Actor {
		return lifecycle.Actor{ID: id, Roles: []string{change.RoleChangeManager, change.RoleECAB}}
	}
	cases := []struct {
		name      string
		opener    lifecycle.Actor
		requester string // "" means the opener
		decider   lifecycle.Actor
		allowed   bool
		reason    string
	}{
		{"opener is requester", cab("alice"), "", cab("alice"), false, "requester"},
		{"opener names another requester and approves", cab("carol"), "bob", cab("carol"), false, "opened"},
		{"requester approves a change opened for him", cab("olga"), "dave", cab("dave"), false, "requester"},
		{"opener approves a change opened for a requester who holds the role", cab("olga"), "dave", cab("olga"), false, "opened"},
		{"third party approves", cab("olga"), "bob", cab("carol"), true, ""},
		{"third party approves a self-requested change", cab("bob"), "", cab("carol"), true, ""},
	}
	for _, typ := range []change.Type{change.Normal, change.Emergency} {
		for _, tc := range cases {
			for _, cmd := range []change.Command{change.Approve{Comment: "ok"}, change.Reject{Comment: "no"}} {
				t.Run(string(typ)+"/"+tc.name+"/"+commandName(cmd), func(t *testing.T) {
					c, _, err := testRules().New("CHG-1", tc.opener, t0, change.Create{
						Type: typ, Title: "Upgrade web", Requester: tc.requester, ConfigItems: []string{"web-1"}, Plans: fullPlans,
						PlannedStart: t0.Add(48 * time.Hour), PlannedEnd: t0.Add(50 * time.Hour),
					})
					require.NoError(t, err)
					assert.Equal(t, tc.opener.ID, c.OpenedBy, "the opener is the creating actor")
					if tc.requester != "" {
						assert.Equal(t, tc.requester, c.Requester)
					}
					if typ == change.Normal {
						apply(t, c, tc.opener, change.Assess{})
					}
					apply(t, c, tc.opener, change.RequestApproval{})
					before := c.Clone()
					_, err = testRules().Apply(c, tc.decider, t0, cmd)
					if tc.allowed {
						require.NoError(t, err)
						return
					}
					lifecycletest.CheckForbidden(t, err, tc.decider.ID, tc.reason)
					assert.Equal(t, before, c, "a refused decision changes nothing")
				})
			}
		}
	}
}

// TestEligibleApprovers: the requester and the opener are excluded from
// the authority recorded on the change; the policy counts the eligible
// approvers only, and a request for approval that they cannot meet is
// refused with a validation error naming the authority, changing nothing.
func TestEligibleApprovers(t *testing.T) {
	olga := lifecycle.Actor{ID: "olga"} // opens changes in alice's name
	erin := lifecycle.Actor{ID: "erin"}
	cases := []struct {
		name     string
		auth     change.Authority
		eligible []string
		needed   int
		approve  []lifecycle.Actor // approvals in order; the last authorizes
	}{
		{"all, requester named", change.Authority{Approvers: []string{"alice", "carol", "dave"}, Policy: lifecycle.ConsentAll},
			[]string{"carol", "dave"}, 2, []lifecycle.Actor{carol, dave}},
		{"all, opener and requester named", change.Authority{Approvers: []string{"olga", "carol", "alice"}, Policy: lifecycle.ConsentAll},
			[]string{"carol"}, 1, []lifecycle.Actor{carol}},
		{"all, only requester named", change.Authority{Approvers: []string{"alice"}, Policy: lifecycle.ConsentAll}, nil, 0, nil},
		{"all, only opener and requester named", change.Authority{Approvers: []string{"alice", "olga"}, Policy: lifecycle.ConsentAll}, nil, 0, nil},
		{"any, requester named", change.Authority{Approvers: []string{"alice", "dave"}, Policy: lifecycle.ConsentAny},
			[]string{"dave"}, 1, []lifecycle.Actor{dave}},
		{"any, only requester named", change.Authority{Approvers: []string{"alice"}, Policy: lifecycle.ConsentAny}, nil, 0, nil},
		{"any, only requester named, or a role", change.Authority{Approvers: []string{"alice"}, Role: change.RoleChangeManager, Policy: lifecycle.ConsentAny},
			[]string{}, 1, []lifecycle.Actor{carol}},
		{"quorum equal to the eligible", change.Authority{Approvers: []string{"alice", "carol", "dave"}, Policy: lifecycle.ConsentQuorum, Quorum: 2},
			[]string{"carol", "dave"}, 2, []lifecycle.Actor{carol, dave}},
		{"quorum equal to the named", change.Authority{Approvers: []string{"alice", "carol", "dave"}, Policy: lifecycle.ConsentQuorum, Quorum: 3}, nil, 0, nil},
		{"quorum, opener named", change.Authority{Approvers: []string{"olga", "carol"}, Policy: lifecycle.ConsentQuorum, Quorum: 2}, nil, 0, nil},
		{"quorum with a role", change.Authority{Approvers: []string{"alice"}, Role: change.RoleChangeManager, Policy: lifecycle.ConsentQuorum, Quorum: 2},
			[]string{}, 2, []lifecycle.Actor{carol, dave}},
		{"quorum below the eligible", change.Authority{Approvers: []string{"alice", "carol", "dave", "erin"}, Policy: lifecycle.ConsentQuorum, Quorum: 2},
			[]string{"carol", "dave", "erin"}, 2, []lifecycle.Actor{erin, carol}},
	}
	for _, tc := range cases {
		for _, typ := range []change.Type{change.Normal, change.Emergency} {
			t.Run(string(typ)+"/"+tc.name, func(t *testing.T) {
				r := testRules()
				auth := tc.auth
				auth.Name, auth.Types = "Board", []change.Type{change.Normal, change.Emergency}
				r.Authorities = []change.Authority{auth}
				require.NoError(t, r.Validate(), "the authority itself is valid")
				c, _, err := r.New("CHG-1", olga, t0, change.Create{
					Type: typ, Title: "Upgrade web", Requester: "alice", ConfigItems: []string{"web-1"}, Plans: fullPlans,
					PlannedStart: t0.Add(48 * time.Hour), PlannedEnd: t0.Add(50 * time.Hour),
				})
				require.NoError(t, err)
				if typ == change.Normal {
					_, err := r.Apply(c, olga, t0, change.Assess{})
					require.NoError(t, err)
				}
				if tc.eligible == nil {
					err := refused(t, r, c, olga, change.RequestApproval{}, lifecycle.ErrValidation)
					assert.Contains(t, lifecycletest.CheckInvalid(t, err, "authority").Reason, "Board")
					return
				}
				evs, err := r.Apply(c, olga, t0, change.RequestApproval{})
				require.NoError(t, err)
				require.NotNil(t, c.Authority)
				assert.Equal(t, []string{"alice", "olga"}, c.Authority.Excluded)
				assert.Equal(t, tc.eligible, c.Authority.Panel().Eligible())
				assert.Equal(t, tc.needed, c.Authority.Panel().Needed())
				assert.Equal(t, strings.Join(tc.eligible, ","), evs[0].Data["approvers"])
				assert.Equal(t, strconv.Itoa(tc.needed), evs[0].Data["needed"])
				for i, a := range tc.approve {
					require.False(t, c.Authorized(), "authorized after %d of %d approvals", i, len(tc.approve))
					_, err := r.Apply(c, a, t0, change.Approve{})
					require.NoError(t, err)
				}
				assert.True(t, c.Authorized(), "the eligible approvers meet the policy")
			})
		}
	}
}

// TestStatusIgnoresExcluded: decisions by excluded actors (as a store
// written before the rule might hold) neither approve nor reject.
func TestStatusIgnoresExcluded(t *testing.T) {
	a := change.Authority{Name: "CAB", Types: []change.Type{change.Normal}, Approvers: []string{"alice", "carol"}, Policy: lifecycle.ConsentAll, Excluded: []string{"alice"}}
	p := a.Panel()
	assert.Equal(t, []string{"carol"}, p.Eligible())
	assert.Equal(t, 1, p.Needed())
	decided := func(votes ...lifecycle.Vote) bool { done, _ := p.Decided(votes); return done }
	assert.False(t, decided(lifecycle.Vote{Approver: "alice", Decision: lifecycle.Approved}))
	assert.False(t, decided(lifecycle.Vote{Approver: "alice", Decision: lifecycle.Rejected}))
	done, approved := p.Decided([]lifecycle.Vote{{Approver: "alice", Decision: lifecycle.Rejected}, {Approver: "carol", Decision: lifecycle.Approved}})
	assert.True(t, done && approved)
	require.ErrorIs(t, p.Admit(alice, "approve", nil), lifecycle.ErrForbidden)
	require.NoError(t, p.Admit(lifecycle.Actor{ID: "carol"}, "approve", nil))
	require.ErrorIs(t, a.Validate(), lifecycle.ErrValidation, "Excluded is per change, not configured")
	a.Excluded = []string{"alice", "carol"}
	err := a.Attainable()
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.Contains(t, err.Error(), "CAB")
}
