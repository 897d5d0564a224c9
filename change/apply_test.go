package change_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// refused applies cmd, expects an error matching target and checks that
// the change is unchanged.
func refused(t *testing.T, r change.Rules, c *change.Change, actor lifecycle.Actor, cmd change.Command, target error) error {
	t.Helper()
	return refusedAt(t, r, c, actor, t0, cmd, target)
}

// refusedAt is refused with the command applied at now.
func refusedAt(t *testing.T, r change.Rules, c *change.Change, actor lifecycle.Actor, now time.Time, cmd change.Command, target error) error {
	t.Helper()
	before := c.Clone()
	evs, err := r.Apply(c, actor, now, cmd)
	require.ErrorIs(t, err, target)
	assert.Nil(t, evs)
	assert.Equal(t, before, c, "a refused command must leave the change unchanged")
	return err
}

func TestNewValidation(t *testing.T) {
	r := testRules()
	ok := change.Create{Type: change.Normal, Title: "t", Plans: fullPlans}
	cases := map[string]struct {
		edit  func(*change.Create)
		field string
	}{
		"unknown type":                  {func(c *change.Create) { c.Type = "urgent" }, "type"},
		"missing type":                  {func(c *change.Create) { c.Type = "" }, "type"},
		"missing title":                 {func(c *change.Create) { c.Title = "  " }, "title"},
		"window ends early":             {func(c *change.Create) { c.PlannedStart, c.PlannedEnd = t0.Add(time.Hour), t0 }, "planned_end"},
		"window of no length":           {func(c *change.Create) { c.PlannedStart, c.PlannedEnd = t0, t0 }, "planned_end"},
		"half a window":                 {func(c *change.Create) { c.PlannedStart = t0 }, "planned_end"},
		"window too long":               {func(c *change.Create) { c.PlannedStart, c.PlannedEnd = t0, t0.AddDate(2, 0, 0) }, "planned_end"},
		"blank config item":             {func(c *change.Create) { c.ConfigItems = []string{"a", " "} }, "config_items"},
		"standard no template":          {func(c *change.Create) { c.Type = change.Standard }, "template"},
		"unknown template":              {func(c *change.Create) { c.Type, c.Template = change.Standard, "nope" }, "template"},
		"template on normal":            {func(c *change.Create) { c.Template = "os-patch" }, "template"},
		"answers without questionnaire": {func(c *change.Create) { c.Answers = map[string]string{"q": "a"} }, "answers"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := ok
			tc.edit(&req)
			c, evs, err := r.New("CHG-1", alice, t0, req)
			require.ErrorIs(t, err, lifecycle.ErrValidation)
			lifecycletest.CheckInvalid(t, err, tc.field)
			assert.Nil(t, c)
			assert.Nil(t, evs)
		})
	}
	_, _, err := r.New("CHG-1", lifecycle.Actor{}, t0, ok)
	require.ErrorIs(t, err, lifecycle.ErrValidation, "an actor without ID")
	_, _, err = r.New("", alice, t0, ok)
	require.ErrorIs(t, err, lifecycle.ErrValidation, "no ID")
}

func TestNewRecordsAndEvents(t *testing.T) {
	c, evs, err := testRules().New("CHG-1", alice, t0, change.Create{
		Type: change.Normal, Title: " Upgrade ", ConfigItems: []string{"b", "a", "b"}, Requester: "zoe",
	})
	require.NoError(t, err)
	assert.Equal(t, int64(1), c.Version)
	assert.Equal(t, change.StateNew, c.State)
	assert.Equal(t, "Upgrade", c.Title)
	assert.Equal(t, []string{"a", "b"}, c.ConfigItems, "items are sorted and deduplicated")
	assert.Equal(t, "zoe", c.Requester)
	require.Len(t, c.History, 1)
	assert.Equal(t, "create", c.History[0].Event)
	assert.Equal(t, "alice", c.History[0].Actor)
	require.Len(t, evs, 1)
	assert.Equal(t, change.TypeOpened, evs[0].Type)
	assert.Equal(t, "change/CHG-1/1/0", evs[0].ID)
	assert.Equal(t, "zoe", evs[0].Data["requester"])
	assert.Equal(t, "normal", evs[0].Snapshot.Attributes["type"])
	assert.Equal(t, "a", evs[0].Snapshot.ConfigItem)
}

func TestStandardFromTemplate(t *testing.T) {
	c, _, err := testRules().New("CHG-1", alice, t0, change.Create{Type: change.Standard, Template: "os-patch"})
	require.NoError(t, err)
	assert.Equal(t, "Monthly OS patch", c.Title, "the template fills the title")
	assert.Equal(t, fullPlans, c.Plans)
	assert.Equal(t, []string{"web-1"}, c.ConfigItems)
	assert.Equal(t, change.RiskLow, c.Risk)
	require.NotNil(t, c.Assessment)
	assert.Equal(t, "os-patch", c.Assessment.Template)

	// No planned window: cannot schedule.
	err = refused(t, testRules(), c, alice, change.Schedule{}, lifecycle.ErrInvalidTransition)
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	// Plans are the template's.
	refused(t, testRules(), c, alice, change.Update{Plans: &change.Plans{}}, lifecycle.ErrValidation)

	apply(t, c, alice, change.Update{PlannedStart: t0.Add(time.Hour), PlannedEnd: t0.Add(2 * time.Hour)})
	evs := apply(t, c, alice, change.Schedule{})
	assert.Equal(t, change.StateScheduled, c.State)
	assert.Nil(t, c.Authority, "standard changes are pre-authorized")
	assert.True(t, c.Authorized())
	assert.Equal(t, change.TypeScheduled, evs[0].Type)
	assert.Equal(t, "alice", evs[0].Data["notify"])
}

func TestPlansRequired(t *testing.T) {
	r := testRules()
	for _, missing := range []string{"implementation", "backout", "test"} {
		plans := fullPlans
		switch missing {
		case "implementation":
			plans.Implementation = ""
		case "backout":
			plans.Backout = " "
		case "test":
			plans.Test = ""
		}
		t.Run("normal/"+missing, func(t *testing.T) {
			c := newChange(t, change.Normal)
			apply(t, c, alice, change.Update{Plans: &plans})
			err := refused(t, r, c, alice, change.Assess{}, lifecycle.ErrInvalidTransition)
			lifecycletest.CheckInvalid(t, err, "plans."+missing)
		})
		t.Run("emergency/"+missing, func(t *testing.T) {
			c := newChange(t, change.Emergency)
			apply(t, c, alice, change.Update{Plans: &plans})
			err := refused(t, r, c, alice, change.RequestApproval{}, lifecycle.ErrValidation)
			assert.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
		})
	}
	// The window is needed to ask for approval.
	c, _, err := r.New("CHG-2", alice, t0, change.Create{Type: change.Normal, Title: "t", Plans: fullPlans})
	require.NoError(t, err)
	apply(t, c, alice, change.Assess{})
	err = refused(t, r, c, alice, change.RequestApproval{}, lifecycle.ErrValidation)
	lifecycletest.CheckInvalid(t, err, "planned_start")
}

func TestUpdate(t *testing.T) {
	c := newChange(t, change.Normal)
	r := testRules()
	refused(t, r, c, alice, change.Update{}, lifecycle.ErrValidation)
	refused(t, r, c, alice, change.Update{Title: ptr("Upgrade web")}, lifecycle.ErrValidation) // nothing changes
	refused(t, r, c, alice, change.Update{Title: ptr("")}, lifecycle.ErrValidation)
	refused(t, r, c, alice, change.Update{PlannedEnd: t0}, lifecycle.ErrValidation) // ends before it starts
	refused(t, r, c, alice, change.Update{ConfigItems: []string{""}}, lifecycle.ErrValidation)
	refused(t, r, c, alice, change.Update{Title: ptr("x"), Version: 7}, lifecycle.ErrConflict)
	refused(t, r, c, alice, change.Update{ID: "CHG-other", Title: ptr("x")}, lifecycle.ErrValidation)

	evs := apply(t, c, alice, change.Update{Version: 1, Title: ptr("Upgrade web tier"), ConfigItems: []string{}})
	assert.Nil(t, c.ConfigItems)
	assert.Equal(t, change.TypeUpdated, evs[0].Type)
	rec := c.History[len(c.History)-1]
	title, ok := rec.Changed(change.FieldTitle)
	require.True(t, ok)
	assert.Equal(t, lifecycle.FieldChange{Field: "title", Old: "Upgrade web", New: "Upgrade web tier"}, title)
	_, ok = rec.Changed(change.FieldConfigItems)
	assert.True(t, ok)
}

func TestSetType(t *testing.T) {
	r := testRules()
	c := newChange(t, change.Normal)
	refused(t, r, c, alice, change.SetType{Type: "urgent"}, lifecycle.ErrValidation)
	refused(t, r, c, alice, change.SetType{Type: change.Normal}, lifecycle.ErrValidation)
	refused(t, r, c, alice, change.SetType{Type: change.Standard}, lifecycle.ErrValidation) // no template
	refused(t, r, c, alice, change.SetType{Type: change.Emergency, Template: "os-patch"}, lifecycle.ErrValidation)

	evs := apply(t, c, alice, change.SetType{Type: change.Standard, Template: "os-patch"})
	assert.Equal(t, change.Standard, c.Type)
	assert.Equal(t, "os-patch", c.Template)
	assert.Equal(t, change.RiskLow, c.Risk)
	assert.Equal(t, "normal", evs[0].Data["old_type"])
	apply(t, c, alice, change.SetType{Type: change.Emergency})
	assert.Empty(t, c.Template)

	// Only in new.
	c = newChange(t, change.Normal)
	advance(t, c, change.StateAssess)
	refused(t, r, c, alice, change.SetType{Type: change.Emergency}, lifecycle.ErrInvalidTransition)

	// A change with approvals cannot change type: the guard sees them.
	// (Approvals exist only in authorize, so build one by hand.)
	c = newChange(t, change.Normal)
	c.Approvals = []lifecycle.Vote{{Approver: "carol", Decision: lifecycle.Approved, At: t0}}
	err := refused(t, r, c, alice, change.SetType{Type: change.Emergency}, lifecycle.ErrInvalidTransition)
	assert.Contains(t, err.Error(), "no approvals")
}

func TestApprovalsDefaultAuthority(t *testing.T) {
	r := testRules()
	c := newChange(t, change.Normal)
	advance(t, c, change.StateAuthorize)
	require.NotNil(t, c.Authority)
	assert.Equal(t, "CAB", c.Authority.Name)
	assert.Equal(t, change.RiskLow, c.Risk)

	// The requester cannot approve, even holding the role.
	boss := lifecycle.Actor{ID: "alice", Roles: []string{change.RoleChangeManager}}
	lifecycletest.CheckForbidden(t, refused(t, r, c, boss, change.Approve{}, lifecycle.ErrForbidden), "alice", "requester")
	// Nor can a non-approver.
	lifecycletest.CheckForbidden(t, refused(t, r, c, bob, change.Approve{}, lifecycle.ErrForbidden), bob.ID, "not an approver")
	refused(t, r, c, bob, change.Reject{Comment: "no"}, lifecycle.ErrForbidden)
	refused(t, r, c, carol, change.Reject{}, lifecycle.ErrValidation) // a rejection needs a comment
	// Not authorized yet: cannot schedule.
	refused(t, r, c, carol, change.Schedule{}, lifecycle.ErrInvalidTransition)

	evs := apply(t, c, carol, change.Approve{Comment: "LGTM"})
	require.Len(t, evs, 2)
	assert.Equal(t, change.TypeApproved, evs[0].Type)
	assert.Equal(t, change.TypeAuthorized, evs[1].Type)
	assert.Equal(t, "change/CHG-1/4/1", evs[1].ID)
	assert.True(t, c.Authorized())
	require.Len(t, c.Approvals, 1)
	assert.Equal(t, lifecycle.Vote{Approver: "carol", Decision: lifecycle.Approved, Comment: "LGTM", At: t0}, c.Approvals[0])
	last := c.History[len(c.History)-1]
	assert.Equal(t, "LGTM", last.Note)
	d, ok := last.Changed(change.FieldDecision)
	require.True(t, ok)
	assert.Equal(t, "carol approved", d.New)

	// Once authorized, no more decisions.
	refused(t, r, c, dave, change.Approve{}, lifecycle.ErrInvalidTransition)
	refused(t, r, c, dave, change.Reject{Comment: "late"}, lifecycle.ErrInvalidTransition)
}

func quorumRules() change.Rules {
	r := testRules()
	r.Authorities = []change.Authority{
		{Name: "CAB", Types: []change.Type{change.Normal}, Approvers: []string{"carol", "dave", "erin"}, Policy: lifecycle.ConsentQuorum, Quorum: 2},
		{Name: "ECAB", Types: []change.Type{change.Emergency}, Approvers: []string{"carol", "dave"}, Policy: lifecycle.ConsentAll},
	}
	return r
}

func TestApprovalPolicies(t *testing.T) {
	r := quorumRules()
	erin := lifecycle.Actor{ID: "erin"}
	t.Run("quorum", func(t *testing.T) {
		c := newChange(t, change.Normal)
		_, err := r.Apply(c, alice, t0, change.Assess{})
		require.NoError(t, err)
		_, err = r.Apply(c, alice, t0, change.RequestApproval{})
		require.NoError(t, err)
		assert.Equal(t, 2, c.Authority.Panel().Needed())
		refused(t, r, c, bob, change.Approve{}, lifecycle.ErrForbidden)
		evs, err := r.Apply(c, carol, t0, change.Approve{})
		require.NoError(t, err)
		assert.Len(t, evs, 1, "one of two approvals: not yet authorized")
		assert.False(t, c.Authorized())
		refused(t, r, c, carol, change.Approve{}, lifecycle.ErrValidation) // decides once
		_, err = r.Apply(c, erin, t0, change.Approve{})
		require.NoError(t, err)
		assert.True(t, c.Authorized())
	})
	t.Run("all", func(t *testing.T) {
		c := newChange(t, change.Emergency)
		_, err := r.Apply(c, alice, t0, change.RequestApproval{})
		require.NoError(t, err)
		assert.Equal(t, "ECAB", c.Authority.Name)
		_, err = r.Apply(c, dave, t0, change.Approve{})
		require.NoError(t, err)
		assert.False(t, c.Authorized())
		_, err = r.Apply(c, carol, t0, change.Approve{})
		require.NoError(t, err)
		assert.True(t, c.Authorized())
	})
	t.Run("a rejection returns to new and clears approvals", func(t *testing.T) {
		c := newChange(t, change.Normal)
		_, _ = r.Apply(c, alice, t0, change.Assess{})
		_, _ = r.Apply(c, alice, t0, change.RequestApproval{})
		_, err := r.Apply(c, carol, t0, change.Approve{})
		require.NoError(t, err)
		evs, err := r.Apply(c, dave, t0, change.Reject{Comment: "backout plan is thin"})
		require.NoError(t, err)
		assert.Equal(t, change.StateNew, c.State)
		assert.Empty(t, c.Approvals)
		assert.Nil(t, c.Authority)
		assert.Equal(t, change.TypeRejected, evs[0].Type)
		assert.Equal(t, "alice", evs[0].Data["notify"])
		last := c.History[len(c.History)-1]
		assert.Equal(t, "backout plan is thin", last.Note)
		d, _ := last.Changed(change.FieldDecision)
		assert.Equal(t, "dave rejected", d.New)
		a, _ := last.Changed(change.FieldApprovals)
		assert.Equal(t, "carol:approved", a.Old, "the cleared approvals stay in the history")
		// Back in new, the type may change again.
		_, err = r.Apply(c, alice, t0, change.SetType{Type: change.Emergency})
		require.NoError(t, err)
	})
}

func TestAuthorityValidation(t *testing.T) {
	bad := map[string]change.Authority{
		"no name":        {Types: []change.Type{change.Normal}, Role: "x", Policy: lifecycle.ConsentAny},
		"no types":       {Name: "A", Role: "x", Policy: lifecycle.ConsentAny},
		"standard":       {Name: "A", Types: []change.Type{change.Standard}, Role: "x", Policy: lifecycle.ConsentAny},
		"unknown type":   {Name: "A", Types: []change.Type{"urgent"}, Role: "x", Policy: lifecycle.ConsentAny},
		"unknown risk":   {Name: "A", Types: []change.Type{change.Normal}, Risks: []change.Risk{"huge"}, Role: "x", Policy: lifecycle.ConsentAny},
		"no members":     {Name: "A", Types: []change.Type{change.Normal}, Policy: lifecycle.ConsentAny},
		"blank member":   {Name: "A", Types: []change.Type{change.Normal}, Approvers: []string{""}, Policy: lifecycle.ConsentAny},
		"all with role":  {Name: "A", Types: []change.Type{change.Normal}, Role: "x", Policy: lifecycle.ConsentAll},
		"quorum 0":       {Name: "A", Types: []change.Type{change.Normal}, Role: "x", Policy: lifecycle.ConsentQuorum},
		"quorum too big": {Name: "A", Types: []change.Type{change.Normal}, Approvers: []string{"a"}, Policy: lifecycle.ConsentQuorum, Quorum: 2},
		"stray quorum":   {Name: "A", Types: []change.Type{change.Normal}, Role: "x", Policy: lifecycle.ConsentAny, Quorum: 2},
		"no policy":      {Name: "A", Types: []change.Type{change.Normal}, Role: "x"},
	}
	for name, a := range bad {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, a.Validate(), lifecycle.ErrValidation)
			_, err := change.New(change.Config{Store: nopStore{}, Rules: change.Rules{Authorities: []change.Authority{a}}})
			require.ErrorIs(t, err, lifecycle.ErrValidation)
		})
	}
	// Coverage: every risk of normal and emergency needs an authority.
	partial := change.Rules{Authorities: []change.Authority{
		{Name: "CAB", Types: []change.Type{change.Normal, change.Emergency}, Risks: []change.Risk{change.RiskLow}, Role: "x", Policy: lifecycle.ConsentAny},
	}}
	err := partial.Validate()
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.Contains(t, err.Error(), "moderate")
}

func TestRiskRulesAndQuestionnaire(t *testing.T) {
	q := &change.Questionnaire{
		Questions: []change.Question{
			{ID: "outage", Text: "Does it need an outage?", Answers: []change.Answer{{ID: "no", Weight: 0}, {ID: "yes", Weight: 5}}},
			{ID: "tested", Text: "Was it tested?", Answers: []change.Answer{{ID: "yes", Weight: 0}, {ID: "no", Weight: 4}}},
		},
		Thresholds: []change.Threshold{{Min: 0, Level: change.RiskLow}, {Min: 4, Level: change.RiskModerate}, {Min: 9, Level: change.RiskVeryHigh}},
	}
	r := testRules()
	r.Questionnaire = q
	r.RiskRules = []change.RiskRule{{Name: "db", Level: change.RiskHigh, Reason: "touches a database",
		When: func(c *change.Change) bool { return len(c.ConfigItems) > 0 && c.ConfigItems[0] == "db-1" }}}
	require.NoError(t, r.Validate())

	c := newChange(t, change.Normal)
	a := r.Assess(c, t0)
	assert.Equal(t, change.RiskLow, a.Level)
	assert.Empty(t, a.Questionnaire, "no answers: the questionnaire was not taken")

	_, err := r.Apply(c, alice, t0, change.Update{Answers: map[string]string{"outage": "maybe"}})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = r.Apply(c, alice, t0, change.Update{Answers: map[string]string{"colour": "red"}})
	require.ErrorIs(t, err, lifecycle.ErrValidation)

	_, err = r.Apply(c, alice, t0, change.Update{Answers: map[string]string{"outage": "yes"}})
	require.NoError(t, err)
	a = r.Assess(c, t0)
	assert.Equal(t, 5, a.Score)
	assert.Equal(t, change.RiskModerate, a.Level, "the questionnaire beats the rules")

	_, err = r.Apply(c, alice, t0, change.Update{ConfigItems: []string{"db-1"}})
	require.NoError(t, err)
	a = r.Assess(c, t0)
	assert.Equal(t, change.RiskHigh, a.Level, "the rules beat the questionnaire")
	assert.Equal(t, []string{"db: touches a database"}, a.Matched)

	_, err = r.Apply(c, alice, t0, change.Update{Answers: map[string]string{"outage": "yes", "tested": "no"}})
	require.NoError(t, err)
	_, err = r.Apply(c, alice, t0, change.Assess{})
	require.NoError(t, err)
	assert.Equal(t, change.RiskVeryHigh, c.Risk, "the higher wins and is recorded")
	require.NotNil(t, c.Assessment)
	assert.Equal(t, change.RiskHigh, c.Assessment.Rules)
	assert.Equal(t, change.RiskVeryHigh, c.Assessment.Questionnaire)
	rec := c.History[len(c.History)-1]
	risk, ok := rec.Changed(change.FieldRisk)
	require.True(t, ok)
	assert.Equal(t, "very_high", risk.New)

	bad := &change.Questionnaire{Questions: []change.Question{{ID: "a", Answers: []change.Answer{{ID: "x", Weight: -1}}}}, Thresholds: q.Thresholds}
	require.ErrorIs(t, bad.Validate(), lifecycle.ErrValidation)
	require.ErrorIs(t, (&change.Questionnaire{}).Validate(), lifecycle.ErrValidation)
}

func TestDefaultRiskRules(t *testing.T) {
	r := change.Rules{}
	c := &change.Change{Type: change.Normal, Plans: fullPlans}
	assert.Equal(t, change.RiskLow, r.Assess(c, t0).Level)
	c.ConfigItems = make([]string, 12)
	assert.Equal(t, change.RiskModerate, r.Assess(c, t0).Level)
	c.Conflicts = []change.Conflict{{Kind: change.ConflictMaintenance}}
	assert.Equal(t, change.RiskHigh, r.Assess(c, t0).Level)
	c = &change.Change{Type: change.Emergency, Plans: fullPlans}
	assert.Equal(t, change.RiskModerate, r.Assess(c, t0).Level)
	c.PlannedStart, c.PlannedEnd = t0, t0.Add(48*time.Hour)
	assert.Contains(t, r.Assess(c, t0).Matched, "long-window: a planned window longer than 24 hours")
	c.Plans.Test = ""
	assert.Equal(t, change.RiskHigh, r.Assess(c, t0).Level)
}

func TestRiskSelectsAuthority(t *testing.T) {
	r := testRules()
	r.Authorities = []change.Authority{
		{Name: "Change manager", Types: []change.Type{change.Normal}, Risks: []change.Risk{change.RiskLow, change.RiskModerate}, Role: change.RoleChangeManager, Policy: lifecycle.ConsentAny},
		{Name: "CAB", Types: []change.Type{change.Normal}, Approvers: []string{"carol", "dave"}, Policy: lifecycle.ConsentAll},
		{Name: "ECAB", Types: []change.Type{change.Emergency}, Role: change.RoleECAB, Policy: lifecycle.ConsentAny},
	}
	r.RiskRules = []change.RiskRule{{Name: "big", Level: change.RiskHigh, When: func(c *change.Change) bool { return len(c.ConfigItems) > 1 }}}
	require.NoError(t, r.Validate())
	c := newChange(t, change.Normal)
	_, err := r.Apply(c, alice, t0, change.Update{ConfigItems: []string{"a", "b"}})
	require.NoError(t, err)
	_, _ = r.Apply(c, alice, t0, change.Assess{})
	evs, err := r.Apply(c, alice, t0, change.RequestApproval{})
	require.NoError(t, err)
	assert.Equal(t, change.RiskHigh, c.Risk)
	assert.Equal(t, "CAB", c.Authority.Name)
	assert.Equal(t, "carol,dave", evs[0].Data["approvers"])
	_, err = r.Apply(c, carol, t0, change.Approve{})
	require.NoError(t, err)
	refused(t, r, c, carol, change.Schedule{}, lifecycle.ErrInvalidTransition) // dave has not approved yet
}

func TestScheduleConflictsAndOverride(t *testing.T) {
	r := testRules()
	c := newChange(t, change.Normal)
	advance(t, c, change.StateAuthorize)
	apply(t, c, carol, change.Approve{})
	cs := []change.Conflict{{Kind: change.ConflictBlackout, Window: "freeze", Start: t0, End: t0.Add(time.Hour), Reason: "blackout window freeze"}}

	err := refused(t, r, c, carol, change.Schedule{Conflicts: cs}, change.ErrScheduleConflict)
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	var sce *change.ScheduleConflictError
	require.ErrorAs(t, err, &sce)
	assert.Equal(t, cs, sce.Conflicts)
	assert.Contains(t, err.Error(), "blackout window freeze")

	refused(t, r, c, carol, change.Schedule{Conflicts: cs, Override: true}, lifecycle.ErrValidation) // no reason
	refused(t, r, c, bob, change.Schedule{Conflicts: cs, Override: true, Reason: "security fix"}, lifecycle.ErrForbidden)

	evs := apply(t, c, carol, change.Schedule{Conflicts: cs, Override: true, Reason: "security fix"})
	assert.Equal(t, change.StateScheduled, c.State)
	assert.Equal(t, &change.Override{Reason: "security fix", By: "carol", At: t0}, c.Override)
	assert.Equal(t, cs, c.Conflicts)
	last := c.History[len(c.History)-1]
	assert.Equal(t, "security fix", last.Note)
	o, ok := last.Changed(change.FieldOverride)
	require.True(t, ok)
	assert.Equal(t, "carol: security fix", o.New)
	assert.Equal(t, "1", evs[0].Data["conflicts"])
	assert.Equal(t, "security fix", evs[0].Data["override"])

	// Revert clears the override and the approvals.
	apply(t, c, alice, change.Revert{Reason: "move it"})
	assert.Nil(t, c.Override)
	assert.Nil(t, c.Authority)
	assert.Empty(t, c.Approvals)
}

func TestImplementReviewClose(t *testing.T) {
	r := testRules()
	c := newChange(t, change.Emergency)
	advance(t, c, change.StateScheduled)
	now := t0.Add(50 * time.Hour)
	evs, err := r.Apply(c, alice, now, change.Implement{Start: t0.Add(49 * time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, t0.Add(49*time.Hour), c.ActualStart)
	assert.Equal(t, change.TypeImplementing, evs[0].Type)
	assert.Equal(t, "alice", evs[0].Data["notify"])

	refusedAt(t, r, c, alice, now, change.Review{}, lifecycle.ErrValidation)
	refusedAt(t, r, c, alice, now, change.Review{Outcome: "meh"}, lifecycle.ErrValidation)
	refusedAt(t, r, c, alice, now, change.Review{Outcome: change.OutcomeFailed, End: t0.Add(48 * time.Hour)}, lifecycle.ErrValidation)
	evs, err = r.Apply(c, alice, now, change.Review{Outcome: change.OutcomeBackedOut, End: t0.Add(50 * time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, change.TypeImplemented, evs[0].Type)
	assert.Equal(t, "backed_out", evs[0].Data["outcome"])
	assert.Equal(t, "alice", evs[0].Data["notify"])

	// An emergency change needs its post-implementation review.
	err = refused(t, r, c, alice, change.Close{}, lifecycle.ErrInvalidTransition)
	lifecycletest.CheckInvalid(t, err, "review_notes")
	apply(t, c, alice, change.Close{Notes: "root cause: missing index; backout worked"})
	assert.Equal(t, change.StateClosed, c.State)
	assert.Equal(t, "root cause: missing index; backout worked", c.ReviewNotes)

	// A normal change closes without notes.
	n := newChange(t, change.Normal)
	advance(t, n, change.StateImplement)
	apply(t, n, alice, change.Review{Outcome: change.OutcomeSuccessful})
	apply(t, n, alice, change.Close{})
	assert.Equal(t, change.StateClosed, n.State)
}

// TestActualTimes: the actual start may not be after now; the actual end
// may be neither before the start nor after now, and a review without an
// explicit end ends now, which must not be before the start. Each refusal
// is a validation error naming the field and changes nothing.
func TestActualTimes(t *testing.T) {
	r := testRules()
	now := t0.Add(49 * time.Hour)
	scheduled := func(t *testing.T) *change.Change {
		c := newChange(t, change.Normal)
		advance(t, c, change.StateScheduled)
		return c
	}
	implementing := func(t *testing.T, start time.Time) *change.Change {
		c := scheduled(t)
		_, err := r.Apply(c, alice, start, change.Implement{})
		require.NoError(t, err)
		require.Equal(t, start, c.ActualStart)
		return c
	}
	for name, tc := range map[string]struct {
		c     func(t *testing.T) *change.Change
		now   time.Time
		cmd   change.Command
		field string // "" when accepted
		check func(t *testing.T, c *change.Change)
	}{
		"start in the future": {c: scheduled, now: now, cmd: change.Implement{Start: now.Add(time.Second)}, field: "actual_start"},
		"start now": {c: scheduled, now: now, cmd: change.Implement{Start: now},
			check: func(t *testing.T, c *change.Change) { assert.Equal(t, now, c.ActualStart) }},
		"start in the past": {c: scheduled, now: now, cmd: change.Implement{Start: now.Add(-time.Hour)},
			check: func(t *testing.T, c *change.Change) { assert.Equal(t, now.Add(-time.Hour), c.ActualStart) }},
		"no start means now": {c: scheduled, now: now, cmd: change.Implement{},
			check: func(t *testing.T, c *change.Change) { assert.Equal(t, now, c.ActualStart) }},
		"end in the future": {c: func(t *testing.T) *change.Change { return implementing(t, now) }, now: now.Add(time.Hour),
			cmd: change.Review{Outcome: change.OutcomeSuccessful, End: now.Add(2 * time.Hour)}, field: "actual_end"},
		"end before the start": {c: func(t *testing.T) *change.Change { return implementing(t, now) }, now: now.Add(time.Hour),
			cmd: change.Review{Outcome: change.OutcomeSuccessful, End: now.Add(-time.Second)}, field: "actual_end"},
		"no end, now before the start": {c: func(t *testing.T) *change.Change { return implementing(t, now) }, now: now.Add(-time.Minute),
			cmd: change.Review{Outcome: change.OutcomeSuccessful}, field: "actual_end"},
		"no end means now": {c: func(t *testing.T) *change.Change { return implementing(t, now) }, now: now.Add(time.Hour),
			cmd:   change.Review{Outcome: change.OutcomeSuccessful},
			check: func(t *testing.T, c *change.Change) { assert.Equal(t, now.Add(time.Hour), c.ActualEnd) }},
		"end at the start": {c: func(t *testing.T) *change.Change { return implementing(t, now) }, now: now.Add(time.Hour),
			cmd:   change.Review{Outcome: change.OutcomeFailed, End: now},
			check: func(t *testing.T, c *change.Change) { assert.Equal(t, now, c.ActualEnd) }},
	} {
		t.Run(name, func(t *testing.T) {
			c := tc.c(t)
			if tc.field == "" {
				_, err := r.Apply(c, alice, tc.now, tc.cmd)
				require.NoError(t, err)
				tc.check(t, c)
				return
			}
			err := refusedAt(t, r, c, alice, tc.now, tc.cmd, lifecycle.ErrValidation)
			lifecycletest.CheckInvalid(t, err, tc.field)
		})
	}
}

func TestLinkAssignCancel(t *testing.T) {
	r := testRules()
	c := newChange(t, change.Normal)
	apply(t, c, alice, change.Link{Problems: []string{"PRB-2", "PRB-1"}, Incidents: []string{"INC-1"}})
	assert.Equal(t, []string{"PRB-1", "PRB-2"}, c.Problems)
	refused(t, r, c, alice, change.Link{Problems: []string{"PRB-1"}}, lifecycle.ErrValidation) // nothing new
	refused(t, r, c, alice, change.Link{Incidents: []string{""}}, lifecycle.ErrValidation)

	evs := apply(t, c, alice, change.Assign{Group: "web", Assignee: "bob"})
	assert.Equal(t, "bob", evs[0].Snapshot.Assignee)
	refused(t, r, c, alice, change.Assign{Group: "web", Assignee: "bob"}, lifecycle.ErrValidation)
	g, ok := c.History[len(c.History)-1].Changed(lifecycle.FieldGroup)
	require.True(t, ok)
	assert.Equal(t, "web", g.New)

	refused(t, r, c, alice, change.Cancel{}, lifecycle.ErrValidation)
	evs = apply(t, c, alice, change.Cancel{Reason: "superseded"})
	assert.Equal(t, change.StateCanceled, c.State)
	assert.Equal(t, "superseded", c.CancelReason)
	assert.Equal(t, change.TypeCanceled, evs[0].Type)
	assert.Equal(t, "alice", evs[0].Data["notify"])
	refused(t, r, c, alice, change.Link{Incidents: []string{"INC-2"}}, lifecycle.ErrInvalidTransition)
}

func TestApplyRejectsBadInputs(t *testing.T) {
	c := newChange(t, change.Normal)
	r := testRules()
	refused(t, r, c, lifecycle.Actor{}, change.Assess{}, lifecycle.ErrValidation)
	refused(t, r, c, alice, nil, lifecycle.ErrValidation)
	_, err := r.Apply(nil, alice, t0, change.Assess{})
	require.ErrorIs(t, err, lifecycle.ErrValidation)

	// A change of an unknown type (e.g. a corrupt store row) is refused
	// with a typed error.
	c.Type = "urgent"
	err = refused(t, r, c, alice, change.Assess{}, lifecycle.ErrValidation)
	lifecycletest.CheckInvalid(t, err, "type")
}

func TestHistoryAndVersionsAlongThePath(t *testing.T) {
	c := newChange(t, change.Normal)
	advance(t, c, change.StateClosed)
	assert.Equal(t, int64(len(c.History)), c.Version)
	var path []string
	for i, h := range c.History {
		assert.Equal(t, i+1, h.Seq)
		path = append(path, h.Event)
	}
	assert.Equal(t, []string{"create", "assess", "request_approval", "approve", "schedule", "implement", "review", "close"}, path)
	// The snapshot replays from the history.
	snap := lifecycle.Snapshot{}
	for _, h := range c.History {
		snap = snap.Apply(h)
	}
	assert.Equal(t, "closed", snap.State)
}

func TestDefaultApplyUsesDefaultRules(t *testing.T) {
	c, _, err := change.Rules{}.New("CHG-9", alice, t0, change.Create{Type: change.Emergency, Title: "fix", Plans: fullPlans,
		PlannedStart: t0, PlannedEnd: t0.Add(time.Hour)})
	require.NoError(t, err)
	_, err = c.Apply(alice, t0, change.RequestApproval{})
	require.NoError(t, err)
	assert.Equal(t, "ECAB", c.Authority.Name)
	_, err = c.Apply(dave, t0, change.Approve{})
	require.True(t, errors.Is(err, lifecycle.ErrForbidden), "dave has no ecab role")
	_, err = c.Apply(carol, t0, change.Approve{})
	require.NoError(t, err)
}

func TestUpdateClearsStaleConflictStatus(t *testing.T) {
	c := newChange(t, change.Normal)
	cs := []change.Conflict{{Kind: change.ConflictBlackout, Window: "w", Start: t0, End: t0.Add(time.Hour), Reason: "r"}}
	apply(t, c, alice, change.Assess{Conflicts: cs})
	require.Equal(t, cs, c.Conflicts)
	apply(t, c, alice, change.Update{Description: ptr("more detail")})
	assert.Equal(t, cs, c.Conflicts, "other edits keep the status")
	apply(t, c, alice, change.Update{PlannedEnd: c.PlannedEnd.Add(time.Hour)})
	assert.Nil(t, c.Conflicts)
	assert.True(t, c.ConflictsCheckedAt.IsZero())
}
