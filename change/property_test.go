package change_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var (
	erin  = lifecycle.Actor{ID: "erin", Roles: []string{change.RoleECAB}}
	frank = lifecycle.Actor{ID: "frank"}
)

// propertyRules vary the authority with the risk, so that random
// sequences meet every policy.
func propertyRules() change.Rules {
	r := testRules()
	r.Authorities = []change.Authority{
		{Name: "Change manager", Types: []change.Type{change.Normal}, Risks: []change.Risk{change.RiskLow}, Role: change.RoleChangeManager, Policy: lifecycle.ConsentAny},
		{Name: "CAB", Types: []change.Type{change.Normal}, Risks: []change.Risk{change.RiskModerate}, Approvers: []string{"carol", "dave", "frank"}, Policy: lifecycle.ConsentQuorum, Quorum: 2},
		{Name: "Senior CAB", Types: []change.Type{change.Normal}, Approvers: []string{"carol", "dave"}, Policy: lifecycle.ConsentAll},
		{Name: "ECAB", Types: []change.Type{change.Emergency}, Role: change.RoleECAB, Policy: lifecycle.ConsentAny},
	}
	r.RiskRules = append(change.DefaultRiskRules(),
		change.RiskRule{Name: "two-items", Level: change.RiskModerate, When: func(c *change.Change) bool { return len(c.ConfigItems) >= 2 }},
		change.RiskRule{Name: "core", Level: change.RiskHigh, When: func(c *change.Change) bool { return slices.Contains(c.ConfigItems, "core") }},
	)
	return r
}

var propertyWindows = change.WindowList{
	{Name: "core-saturday", Kind: change.Blackout, ConfigItems: []string{"core"}, Weekly: &change.Weekly{Days: []time.Weekday{time.Saturday}, Start: 0, End: change.Clock(24, 0)}},
	{Name: "db-nights", Kind: change.Maintenance, ConfigItems: []string{"db"}, Zone: "Europe/Berlin",
		Weekly: &change.Weekly{Days: []time.Weekday{1, 2, 3, 4, 5}, Start: change.Clock(20, 0), End: change.Clock(6, 0)}},
}

func genWindow(t *rapid.T) (time.Time, time.Time) {
	start := t0.Add(time.Duration(rapid.IntRange(0, 14*24).Draw(t, "start_h")) * time.Hour)
	return start, start.Add(time.Duration(rapid.IntRange(-1, 10).Draw(t, "dur_h")) * time.Hour)
}

func genPlans(t *rapid.T) change.Plans {
	p := fullPlans
	switch rapid.IntRange(0, 7).Draw(t, "plans") {
	case 0:
		p.Backout = ""
	case 1:
		p.Test = ""
	}
	return p
}

var allCIs = []string{"web", "db", "core", "dns"}

// genCommand returns a random command for c: mostly for an event c's
// machine allows (so that sequences get far), sometimes for any event;
// inputs are sometimes invalid and versions sometimes stale.
func genCommand(t *rapid.T, c *change.Change) change.Command {
	id := c.ID
	v := int64(0)
	if rapid.IntRange(0, 9).Draw(t, "stale") == 0 {
		v = int64(rapid.IntRange(1, 30).Draw(t, "version"))
	}
	reason := rapid.SampledFrom([]string{"", "because", "because"}).Draw(t, "reason")
	e := rapid.SampledFrom(change.Events()).Draw(t, "any_event")
	if allowed := change.Allowed(c.Type, c.State); len(allowed) > 0 && rapid.IntRange(0, 4).Draw(t, "follow") > 0 {
		e = rapid.SampledFrom(allowed).Draw(t, "event")
		forward := slices.DeleteFunc(slices.Clone(allowed), func(e change.Event) bool {
			return !slices.Contains([]change.Event{change.EventAssess, change.EventRequestApproval, change.EventApprove,
				change.EventSchedule, change.EventImplement, change.EventReview, change.EventClose}, e)
		})
		if len(forward) > 0 && rapid.Bool().Draw(t, "forward") {
			e = rapid.SampledFrom(forward).Draw(t, "forward_event")
		}
	}
	switch e {
	case change.EventUpdate:
		u := change.Update{ID: id, Version: v}
		if rapid.Bool().Draw(t, "set_cis") {
			u.ConfigItems = rapid.SliceOfDistinct(rapid.SampledFrom(allCIs), rapid.ID[string]).Draw(t, "cis")
		}
		if rapid.Bool().Draw(t, "set_plans") {
			p := genPlans(t)
			u.Plans = &p
		}
		if rapid.Bool().Draw(t, "set_window") {
			u.PlannedStart, u.PlannedEnd = genWindow(t)
		}
		if rapid.Bool().Draw(t, "set_title") {
			u.Title = ptr(rapid.SampledFrom([]string{"", "Renamed", "Other"}).Draw(t, "title"))
		}
		return u
	case change.EventSetType:
		return change.SetType{ID: id, Version: v,
			Type:     rapid.SampledFrom([]change.Type{change.Standard, change.Normal, change.Emergency, "urgent"}).Draw(t, "type"),
			Template: rapid.SampledFrom([]string{"", "os-patch", "nope"}).Draw(t, "template")}
	case change.EventAssign:
		return change.Assign{ID: id, Version: v, Group: rapid.SampledFrom([]string{"", "web", "dba"}).Draw(t, "group")}
	case change.EventLink:
		return change.Link{ID: id, Version: v, Problems: []string{rapid.SampledFrom([]string{"PRB-1", "PRB-2"}).Draw(t, "problem")}}
	case change.EventAssess:
		return change.Assess{ID: id, Version: v}
	case change.EventRequestApproval:
		return change.RequestApproval{ID: id, Version: v}
	case change.EventApprove:
		return change.Approve{ID: id, Version: v, Comment: reason}
	case change.EventReject:
		return change.Reject{ID: id, Version: v, Comment: reason}
	case change.EventSchedule:
		return change.Schedule{ID: id, Version: v, Override: rapid.Bool().Draw(t, "override"), Reason: reason,
			Conflicts: []change.Conflict{}} // the Service must ignore this
	case change.EventRevert:
		return change.Revert{ID: id, Version: v, Reason: reason}
	case change.EventImplement:
		return change.Implement{ID: id, Version: v}
	case change.EventReview:
		return change.Review{ID: id, Version: v, Notes: reason,
			Outcome: rapid.SampledFrom([]change.Outcome{"", "meh", change.OutcomeSuccessful, change.OutcomeFailed, change.OutcomeSuccessful}).Draw(t, "outcome")}
	case change.EventClose:
		return change.Close{ID: id, Version: v, Notes: reason}
	default:
		return change.Cancel{ID: id, Version: v, Reason: reason}
	}
}

// TestPropertyRandomCommands runs random command sequences by random
// actors through the Service and checks the invariants after every step.
// The key one: a change never reaches scheduled or implement without the
// approvals its type and risk require.
func TestPropertyRandomCommands(t *testing.T) {
	rules := propertyRules()
	require.NoError(t, rules.Validate())
	actors := []lifecycle.Actor{alice, bob, carol, dave, erin, frank}
	rapid.Check(t, func(rt *rapid.T) {
		clk := lifecycletest.NewClock(t0)
		s, err := change.New(change.Config{Store: changetest.NewStore(), Clock: clk, IDs: lifecycle.Sequence("CHG", 3),
			Rules: rules, Windows: propertyWindows})
		require.NoError(rt, err)
		var ids []string
		for range rapid.IntRange(1, 80).Draw(rt, "steps") {
			if len(ids) == 0 || (len(ids) < 5 && rapid.IntRange(0, 9).Draw(rt, "create") == 0) {
				start, end := genWindow(rt)
				req := change.Create{
					Type:        rapid.SampledFrom([]change.Type{change.Standard, change.Normal, change.Emergency}).Draw(rt, "new_type"),
					Title:       "Change",
					ConfigItems: rapid.SliceOfDistinct(rapid.SampledFrom(allCIs), rapid.ID[string]).Draw(rt, "new_cis"),
					Plans:       genPlans(rt), PlannedStart: start, PlannedEnd: end,
				}
				if req.Type == change.Standard {
					req.Template, req.Plans = "os-patch", change.Plans{}
				}
				if rapid.IntRange(0, 4).Draw(rt, "unplanned") == 0 {
					req.PlannedStart, req.PlannedEnd = time.Time{}, time.Time{}
				}
				requester := alice
				if rapid.IntRange(0, 3).Draw(rt, "other_requester") == 0 {
					requester = rapid.SampledFrom(actors).Draw(rt, "requester")
				}
				c, err := s.Create(ctx, requester, req)
				if err != nil {
					require.ErrorIs(rt, err, lifecycle.ErrValidation)
					continue
				}
				ids = append(ids, c.ID)
				continue
			}
			id := rapid.SampledFrom(ids).Draw(rt, "id")
			actor := rapid.SampledFrom(actors).Draw(rt, "actor")
			before, err := s.Get(ctx, id)
			require.NoError(rt, err)
			cmd := genCommand(rt, before)
			switch cmd.(type) {
			case change.Approve, change.Reject, change.Schedule:
				if rapid.IntRange(0, 3).Draw(rt, "approver") > 0 {
					actor = rapid.SampledFrom([]lifecycle.Actor{carol, dave, erin, frank}).Draw(rt, "member")
				}
			}
			got, err := s.Do(ctx, actor, cmd)
			after, gerr := s.Get(ctx, id)
			require.NoError(rt, gerr)
			if err != nil {
				require.True(rt, errors.Is(err, lifecycle.ErrValidation) || errors.Is(err, lifecycle.ErrInvalidTransition) ||
					errors.Is(err, lifecycle.ErrForbidden) || errors.Is(err, lifecycle.ErrConflict), "untyped error: %v", err)
				require.Nil(rt, got)
				require.Equal(rt, before, after, "a refused command changes nothing (%T: %v)", cmd, err)
			} else {
				require.Equal(rt, after, got, "the result is what is stored")
				require.Greater(rt, after.Version, before.Version)
			}
			clk.Advance(time.Duration(rapid.IntRange(0, 600).Draw(rt, "minutes")) * time.Minute)
			for _, id := range ids {
				c, err := s.Export(ctx, id)
				require.NoError(rt, err)
				checkInvariants(rt, rules, c)
			}
		}
	})
}

func checkInvariants(t *rapid.T, rules change.Rules, c *change.Change) {
	require.Equal(t, int64(len(c.History)), c.Version, "one history record per version")
	for i, h := range c.History {
		require.Equal(t, i+1, h.Seq)
	}
	require.Contains(t, change.TypeStates(c.Type), c.State, "the state belongs to the type's path")
	if c.Planned() {
		require.True(t, c.PlannedEnd.After(c.PlannedStart), "a planned window ends after it starts")
	}
	for _, a := range c.Approvals {
		require.NotEqual(t, c.Requester, a.Approver, "the requester never approves")
		require.NotEqual(t, c.OpenedBy, a.Approver, "who opened the change never approves")
		require.NotNil(t, c.Authority)
		require.True(t, c.Authority.Panel().Member(lifecycle.Actor{ID: a.Approver, Roles: rolesOf(a.Approver)}), "only members decide")
	}
	switch {
	case c.State == change.StateNew:
		require.Empty(t, c.Approvals, "new has no approvals")
		require.Nil(t, c.Authority)
	case c.Type == change.Standard:
		require.Nil(t, c.Authority)
	}
	if c.Type == change.Standard {
		require.Equal(t, "os-patch", c.Template)
		require.Equal(t, fullPlans, c.Plans, "a standard change has its template's plans")
	}
	booked := c.State == change.StateScheduled || c.State == change.StateImplement ||
		c.State == change.StateReview || c.State == change.StateClosed
	if booked && c.Type != change.Standard {
		want, err := rules.AuthorityFor(c.Type, c.Risk)
		require.NoError(t, err)
		want.Excluded = slices.Compact(slices.Sorted(slices.Values([]string{c.Requester, c.OpenedBy})))
		require.NotNil(t, c.Authority, "scheduled or later without an authority")
		require.Equal(t, want, *c.Authority, "the authority is the one the type and risk require")
		require.True(t, c.Authorized(), "scheduled or later without the required approvals")
	}
	if booked || c.State == change.StateAuthorize || (c.State == change.StateAssess) {
		require.NoError(t, c.Plans.Validate(), "plans are complete past new")
	}
	if c.State == change.StateScheduled || c.State == change.StateImplement {
		if len(c.Conflicts) > 0 {
			require.NotNil(t, c.Override, "booked with conflicts needs an override")
		}
	}
	if c.Override != nil {
		require.NotEmpty(t, c.Conflicts)
		require.NotEmpty(t, c.Override.Reason)
		require.Contains(t, []string{"carol", "dave", "system"}, c.Override.By, "only change managers override")
	}
	if c.State == change.StateClosed && c.Type == change.Emergency {
		require.NotEmpty(t, c.ReviewNotes, "an emergency change closes with a review")
	}
	if c.State == change.StateReview || c.State == change.StateClosed {
		require.NotEmpty(t, c.Outcome)
		require.False(t, c.ActualEnd.Before(c.ActualStart))
	}
}

func rolesOf(id string) []string {
	for _, a := range []lifecycle.Actor{alice, bob, carol, dave, erin, frank} {
		if a.ID == id {
			return a.Roles
		}
	}
	return nil
}
