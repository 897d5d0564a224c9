package change_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// richChange returns a closed emergency change with every field set.
func richChange(t testing.TB) *change.Change {
	r := testRules()
	r.Questionnaire = &change.Questionnaire{
		Questions:  []change.Question{{ID: "outage", Answers: []change.Answer{{ID: "yes", Weight: 3}, {ID: "no"}}}},
		Thresholds: []change.Threshold{{Min: 0, Level: change.RiskLow}, {Min: 3, Level: change.RiskHigh}},
	}
	must := func(_ []lifecycle.Notification, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, _, err := r.New("CHG-7", alice, t0, change.Create{
		Type: change.Emergency, Title: "Hotfix", Description: "null pointer", Group: "web", Assignee: "bob",
		Service: "shop", ConfigItems: []string{"web-1", "db-1"}, Plans: fullPlans,
		PlannedStart: t0.Add(time.Hour), PlannedEnd: t0.Add(3 * time.Hour),
		Answers: map[string]string{"outage": "yes"}, Problems: []string{"PRB-1"},
		Requester: "zoe", Impact: 1, Urgency: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := []change.Conflict{{Kind: change.ConflictChange, ConfigItem: "db-1", Change: "CHG-3", Start: t0, End: t0.Add(2 * time.Hour), Reason: "busy"}}
	must(r.Apply(c, alice, t0, change.RequestApproval{Conflicts: cs}))
	must(r.Apply(c, carol, t0.Add(time.Minute), change.Approve{Comment: "go"}))
	must(r.Apply(c, carol, t0.Add(2*time.Minute), change.Schedule{Conflicts: cs, Override: true, Reason: "outage ongoing"}))
	must(r.Apply(c, bob, t0.Add(time.Hour), change.Implement{}))
	must(r.Apply(c, bob, t0.Add(2*time.Hour), change.Review{Outcome: change.OutcomeSuccessfulWithIssues}))
	must(r.Apply(c, bob, t0.Add(2*time.Hour), change.Link{Incidents: []string{"INC-4"}}))
	must(r.Apply(c, alice, t0.Add(3*time.Hour), change.Close{Notes: "PIR: fix held; one slow query"}))
	return c
}

func TestJSONRoundTrip(t *testing.T) {
	c := richChange(t)
	require.Equal(t, change.StateClosed, c.State)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	for _, key := range []string{`"type":"emergency"`, `"state":"closed"`, `"risk":"high"`, `"outcome":"successful_with_issues"`,
		`"decision":"approved"`, `"policy":"any"`, `"kind":"config_item_booked"`, `"planned_start":"2026-06-01T10:00:00Z"`,
		`"config_items":["db-1","web-1"]`, `"override":{"reason":"outage ongoing"`,
		`"requester":"zoe"`, `"opened_by":"alice"`, `"impact":1`, `"urgency":2`, `"priority":2`, `"excluded":["alice","zoe"]`} {
		assert.Contains(t, string(b), key)
	}
	lifecycletest.CheckRoundTrip(t, c, nil)

	// A new change omits what it does not have yet.
	n := newChange(t, change.Normal)
	b, err = json.Marshal(n)
	require.NoError(t, err)
	for _, absent := range []string{"risk", "outcome", "actual_start", "authority", "approvals", "conflicts_checked_at"} {
		assert.NotContains(t, string(b), `"`+absent+`"`)
	}
	lifecycletest.CheckRoundTrip(t, n, nil)
}

func TestJSONRejectsUnknownEnums(t *testing.T) {
	valid, err := json.Marshal(newChange(t, change.Normal))
	require.NoError(t, err)
	cases := map[string][2]string{
		"type":        {`"type":"normal"`, `"type":"urgent"`},
		"state":       {`"state":"new"`, `"state":"pending"`},
		"risk":        {`"type":"normal"`, `"type":"normal","risk":"extreme"`},
		"outcome":     {`"type":"normal"`, `"type":"normal","outcome":"meh"`},
		"decision":    {`"type":"normal"`, `"type":"normal","approvals":[{"approver":"x","decision":"maybe"}]`},
		"policy":      {`"type":"normal"`, `"type":"normal","authority":{"name":"A","types":["normal"],"policy":"most"}`},
		"conflict":    {`"type":"normal"`, `"type":"normal","conflicts":[{"kind":"gremlins"}]`},
		"no type":     {`"type":"normal",`, ``},
		"no state":    {`"state":"new",`, ``},
		"no decision": {`"type":"normal"`, `"type":"normal","approvals":[{"approver":"x"}]`},
		"no policy":   {`"type":"normal"`, `"type":"normal","authority":{"name":"A"}`},
		"no kind":     {`"type":"normal"`, `"type":"normal","conflicts":[{"reason":"x"}]`},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			lifecycletest.CheckJSONRefused[change.Change](t, lifecycletest.Edit(t, valid, edit[0], edit[1]), "", "nothing is decoded on error")
		})
	}
	// Writing an unknown value fails too.
	c := newChange(t, change.Normal)
	c.Risk = "extreme"
	_, err = json.Marshal(c)
	require.ErrorIs(t, err, lifecycle.ErrValidation)

	lifecycletest.CheckEnumText(t, change.States())
	lifecycletest.CheckEnumRefuses(t, change.Event("explode"))
	var ev change.Event
	require.NoError(t, ev.UnmarshalText([]byte("request_approval")))
}

// FuzzChangeJSON decodes arbitrary bytes as a change: whatever decodes
// must encode again, and the encoding must be stable.
func FuzzChangeJSON(f *testing.F) {
	rich, err := json.Marshal(richChange(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rich)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"type":"standard","state":"new","planned_start":"2026-01-01T00:00:00+01:00"}`))
	f.Add([]byte(`{"type":"normal","state":"assess","risk":"","answers":{"q":"a"},"history":[{"seq":1}]}`))
	f.Add([]byte(`{"type":"weird","state":"new"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, ok := lifecycletest.CheckJSONFixedPoint[change.Change](t, in)
		if !ok {
			return
		}
		_ = c.Clone()
		_ = c.Snapshot()
	})
}

func TestCloneIsDeep(t *testing.T) {
	c := richChange(t)
	c.Authority.Risks = []change.Risk{change.RiskHigh}
	orig := c.Clone()
	d := c.Clone()
	require.Equal(t, orig, d)
	d.ConfigItems[0] = "x"
	d.Answers["outage"] = "x"
	d.Assessment.Matched[0] = "x"
	d.Authority.Types[0] = "x"
	d.Authority.Risks[0] = "x"
	d.Authority.Excluded[0] = "x"
	d.Approvals[0].Comment = "x"
	d.Conflicts[0].Reason = "x"
	d.Override.Reason = "x"
	d.Problems[0] = "x"
	d.Incidents[0] = "x"
	d.History[0].Changes[0].New = "x"
	assert.Equal(t, orig, c, "a clone shares no memory with its original")
	assert.Nil(t, (*change.Change)(nil).Clone())
}
