package incident_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// busyIncident returns an incident with every field set, through the
// service.
func busyIncident(t *testing.T) *incident.Incident {
	_, x := busyEnv(t)
	return x
}

// busyEnv is busyIncident with the env it was made in.
func busyEnv(t *testing.T) (*env, *incident.Incident) {
	e := newEnv(t)
	p := e.open(t, incident.Open{Title: "parent"})
	x := e.open(t, incident.Open{Title: "Mail down", Description: "all of Lyon", Caller: "carol", Category: "email",
		Service: "mail", ConfigItem: "mx1", Impact: 1, Urgency: 2, Group: "desk", Parent: p.ID,
		Attributes: map[string]string{"site": "lyon"}})
	e.do(t, ann, incident.Assign{ID: x.ID, Assignee: "ann"})
	e.do(t, ann, incident.EscalateHierarchical{ID: x.ID, Reason: "VIP"})
	e.do(t, ann, incident.ProposeMajor{ID: x.ID, Reason: "site down"})
	e.do(t, manager, incident.AcceptMajor{ID: x.ID})
	e.do(t, ann, incident.LinkChange{ID: x.ID, Change: "CHG1"})
	e.do(t, ann, incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB1", Comment: "waiting for the fix"})
	e.do(t, ann, incident.WorkNote{ID: x.ID, Text: "mx1 queue full"})
	e.do(t, ann, incident.Resolve{ID: x.ID, Code: incident.CodeWorkaroundProvided, Notes: "flushed the queue"})
	e.do(t, carol, incident.Reopen{ID: x.ID, Reason: "back"})
	e.do(t, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "new disk"})
	e.do(t, carol, incident.Close{ID: x.ID})
	return e, e.get(t, x.ID)
}

func TestJSONRoundTrip(t *testing.T) {
	x := busyIncident(t)
	lifecycletest.CheckRoundTrip(t, x, nil)
	b, err := json.Marshal(x)
	require.NoError(t, err)

	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"id", "version", "state", "title", "config_item", "opened_by", "impact", "urgency", "priority",
		"escalation_level", "major", "parent", "problems", "changes", "comments", "work_notes", "resolution_code",
		"resolution_notes", "resolved_by", "resolved_at", "closed_by", "closed_at", "reopen_count", "attributes",
		"history", "created_at", "updated_at"} {
		assert.Contains(t, m, k)
	}
	assert.Equal(t, "closed", m["state"])
	assert.Equal(t, "accepted", m["major"])

	// Empty optional fields are left out.
	b, err = json.Marshal(&incident.Incident{ID: "INC-1", State: incident.StateNew, Title: "t"})
	require.NoError(t, err)
	for _, k := range []string{"hold_reason", "major", "resolution_code", "resolved_at", "closed_at", "parent", "problems"} {
		assert.NotContains(t, string(b), `"`+k+`"`)
	}
}

func TestJSONRejectsUnknownEnums(t *testing.T) {
	good := `{"id":"INC-1","state":"on_hold","hold_reason":"awaiting_vendor","major":"proposed","resolution_code":"","title":"t","impact":2,"urgency":2,"priority":3}`
	var x incident.Incident
	require.NoError(t, json.Unmarshal([]byte(good), &x))
	assert.Equal(t, incident.HoldAwaitingVendor, x.HoldReason)

	for field, bad := range map[string]string{
		"state":           `"open"`,
		"hold_reason":     `"awaiting_godot"`,
		"resolution_code": `"fixed_it"`,
		"major":           `"maybe"`,
	} {
		doc := lifecycletest.Edit(t, []byte(good), `"`+field+`":`, `"`+field+`":`+bad+`,"x":`)
		lifecycletest.CheckJSONRefused[incident.Incident](t, doc, field, field)
		var x incident.Incident
		assert.ErrorContains(t, json.Unmarshal(doc, &x), "valid:", "the error lists the valid values")
	}
	err := json.Unmarshal([]byte(`{"id":"INC-1","title":"t","impact":1,"urgency":1,"priority":1}`), &x)
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "a missing state is rejected")

	before := x
	require.NoError(t, json.Unmarshal([]byte(`null`), &x))
	assert.Equal(t, before, x, "null leaves the incident alone")
}

func TestEnumsText(t *testing.T) {
	lifecycletest.CheckEnumText(t, incident.States())
	lifecycletest.CheckEnumText(t, incident.Events())
	lifecycletest.CheckEnumText(t, append(incident.HoldReasons(), ""))
	lifecycletest.CheckEnumText(t, append(incident.ResolutionCodes(), ""))
	lifecycletest.CheckEnumText(t, append(incident.MajorStatuses(), ""))

	// Invalid values are never written.
	_, err := json.Marshal(&incident.Incident{ID: "INC-1", State: "bogus"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = json.Marshal(&incident.Incident{ID: "INC-1", State: incident.StateNew, HoldReason: "x"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	lifecycletest.CheckEnumRefuses(t, incident.Event("explode"))
	var st incident.State
	assert.ErrorIs(t, st.UnmarshalText(nil), lifecycle.ErrValidation, "the empty state is not a state")
	assert.False(t, incident.State("").Valid())
	assert.False(t, incident.HoldReason("x").Valid())
	assert.False(t, incident.ResolutionCode("x").Valid())
	assert.False(t, incident.MajorStatus("x").Valid())
	for _, s := range incident.States() {
		assert.Equal(t, s.IsOpen(), s == incident.StateNew || s == incident.StateInProgress || s == incident.StateOnHold)
	}
}

func TestJSONRejectsImpossibleIncidents(t *testing.T) {
	const opening = `{"seq":1,"time":"2026-03-02T09:00:00Z","actor":"ann","event":"open","to":"new"}`
	const assign = `{"seq":2,"time":"2026-03-02T09:05:00Z","actor":"ann","event":"assign","from":"new","to":"in_progress"}`
	// doc is an incident in state at version with the given history.
	doc := func(state string, version int, history string) string {
		return `{"id":"INC-1","version":` + strconv.Itoa(version) + `,"state":"` + state +
			`","title":"t","impact":2,"urgency":1,"priority":2,"history":[` + history + `]}`
	}
	var x incident.Incident
	require.NoError(t, json.Unmarshal([]byte(doc("in_progress", 2, opening+","+assign)), &x))
	assert.Len(t, x.History, 2)
	require.NoError(t, json.Unmarshal([]byte(doc("closed", 4, "")), &x),
		"an incident without history is a row of a store that keeps its audit trail apart")

	for name, c := range map[string]struct{ doc, field string }{
		"impact 0":              {strings.Replace(doc("new", 1, opening), `"impact":2`, `"impact":0`, 1), "impact"},
		"urgency -3":            {strings.Replace(doc("new", 1, opening), `"urgency":1`, `"urgency":-3`, 1), "urgency"},
		"priority 0":            {strings.Replace(doc("new", 1, opening), `"priority":2`, `"priority":0`, 1), "priority"},
		"unknown event":         {doc("in_progress", 2, opening+","+strings.Replace(assign, `"assign"`, `"explode"`, 1)), "history[1].event"},
		"unknown from":          {doc("in_progress", 2, opening+","+strings.Replace(assign, `"from":"new"`, `"from":"bogus"`, 1)), "history[1].from"},
		"unknown to":            {doc("in_progress", 2, opening+","+strings.Replace(assign, `"to":"in_progress"`, `"to":"nowhere"`, 1)), "history[1].to"},
		"gap in the numbering":  {doc("in_progress", 2, opening+","+strings.Replace(assign, `"seq":2`, `"seq":3`, 1)), "history[1].seq"},
		"no opening record":     {doc("in_progress", 1, strings.Replace(assign, `"seq":2`, `"seq":1`, 1)), "history[0].event"},
		"ends in another state": {doc("closed", 2, opening+","+assign), "history[1].to"},
		"version behind":        {doc("in_progress", 1, opening+","+assign), "version"},
	} {
		lifecycletest.CheckJSONRefused[incident.Incident](t, []byte(c.doc), c.field, name)
	}
}
