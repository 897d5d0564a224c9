package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// normalChange is the body of a normal change on vpn-gw-1 from start,
// lasting an hour.
func normalChange(title string, start time.Time) map[string]any {
	return map[string]any{
		"type": "normal", "title": title, "service": "remote-access", "config_items": []string{"vpn-gw-1"},
		"plans": map[string]string{
			"implementation": "Flash firmware 7.2", "backout": "Flash 7.1 back", "test": "Connect from a test client",
		},
		"planned_start": start, "planned_end": start.Add(time.Hour),
	}
}

func TestChangeThroughApproval(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice := e.as("alice")                                 // the requester
		carol := e.as("carol", change.RoleChangeManager)       // the CAB
		window := time.Date(2026, 3, 7, 22, 0, 0, 0, time.UTC) // Saturday night

		c := into[change.Change](alice.post("/changes", normalChange("Upgrade VPN firmware", window)), http.StatusCreated)
		path := "/changes/" + c.ID
		assert.Equal(t, change.StateNew, c.State)
		assert.Equal(t, "alice", c.Requester)

		c = into[change.Change](alice.post(path+"/assess", nil), http.StatusOK)
		assert.Equal(t, change.StateAssess, c.State)
		assert.NotEmpty(t, c.Risk)
		c = into[change.Change](alice.post(path+"/request-approval", nil), http.StatusOK)
		assert.Equal(t, change.StateAuthorize, c.State)
		require.NotNil(t, c.Authority)

		// The requester never approves their own change; nor does anyone
		// outside the authority.
		r := alice.with("X-Roles", change.RoleChangeManager).post(path+"/approve", map[string]any{"comment": "fine by me"}).expect(http.StatusForbidden)
		assert.Equal(t, "forbidden", r.apiError().Code)
		e.as("dave").post(path+"/approve", nil).expect(http.StatusForbidden)

		// A rejection returns it to new, approvals cleared.
		c = into[change.Change](carol.post(path+"/reject", map[string]any{"comment": "test plan too thin"}), http.StatusOK)
		assert.Equal(t, change.StateNew, c.State)
		assert.Empty(t, c.Approvals)
		c = into[change.Change](alice.patch(path, map[string]any{"plans": map[string]string{
			"implementation": "Flash firmware 7.2", "backout": "Flash 7.1 back", "test": "Connect from three sites",
		}}), http.StatusOK)
		alice.post(path+"/assess", nil).expect(http.StatusOK)
		alice.post(path+"/request-approval", nil).expect(http.StatusOK)

		// The CAB approves: its policy (any) is met, the window is free, so
		// the change is authorized and scheduled at once.
		c = into[change.Change](carol.post(path+"/approve", map[string]any{"comment": "go"}), http.StatusOK)
		assert.Equal(t, change.StateScheduled, c.State)
		require.Len(t, c.Approvals, 1)
		assert.Equal(t, "carol", c.Approvals[0].Approver)
		assert.Equal(t, lifecycle.Approved, c.Approvals[0].Decision)

		// A second change on the same item in an overlapping window is
		// authorized but waits: its window conflicts.
		c2 := into[change.Change](alice.post("/changes", normalChange("Reboot VPN gateway", window.Add(30*time.Minute))), http.StatusCreated)
		path2 := "/changes/" + c2.ID
		alice.post(path2+"/assess", nil).expect(http.StatusOK)
		alice.post(path2+"/request-approval", nil).expect(http.StatusOK)
		c2 = into[change.Change](carol.post(path2+"/approve", nil), http.StatusOK)
		assert.Equal(t, change.StateAuthorize, c2.State)
		assert.True(t, c2.Authorized())

		conflicts := into[page[change.Conflict]](alice.get(path2+"/conflicts"), http.StatusOK)
		require.Len(t, conflicts.Items, 1)
		assert.Equal(t, change.ConflictChange, conflicts.Items[0].Kind)
		assert.Equal(t, c.ID, conflicts.Items[0].Change)

		// Scheduling it needs an override: 422 with the conflicts, then a
		// change manager's override with a reason.
		r = carol.post(path2+"/schedule", nil).expect(http.StatusUnprocessableEntity)
		apiErr := r.apiError()
		assert.Equal(t, "schedule_conflict", apiErr.Code)
		require.Len(t, apiErr.Conflicts, 1)
		assert.Equal(t, "vpn-gw-1", apiErr.Conflicts[0].ConfigItem)
		// The conflicts are the server's to find; a client cannot send them.
		r = carol.post(path2+"/schedule", map[string]any{"conflicts": []any{}}).expect(http.StatusBadRequest)
		assert.Equal(t, "conflicts", r.apiError().Field)
		c2 = into[change.Change](carol.post(path2+"/schedule", map[string]any{"override": true, "reason": "Same outage, same night"}), http.StatusOK)
		assert.Equal(t, change.StateScheduled, c2.State)
		require.NotNil(t, c2.Override)
		assert.Equal(t, "carol", c2.Override.By)

		// The forward schedule of change.
		sched := into[page[*change.Change]](alice.get("/changes?state=scheduled,implement&config_item=vpn-gw-1"), http.StatusOK)
		assert.Len(t, sched.Items, 2)

		// Implement, review, close.
		e.clock.Set(window)
		c = into[change.Change](alice.post(path+"/implement", nil), http.StatusOK)
		assert.Equal(t, change.StateImplement, c.State)
		e.clock.Advance(40 * time.Minute)
		c = into[change.Change](alice.post(path+"/review", map[string]any{"outcome": "successful", "notes": "No user impact"}), http.StatusOK)
		assert.Equal(t, change.StateReview, c.State)
		r = alice.post(path+"/review", map[string]any{"outcome": "great"}).expect(http.StatusBadRequest)
		assert.Equal(t, "outcome", r.apiError().Field)
		c = into[change.Change](alice.post(path+"/close", nil), http.StatusOK)
		assert.Equal(t, change.StateClosed, c.State)
		assert.Equal(t, change.OutcomeSuccessful, c.Outcome)

		e.delivered(c.ID, change.TypeClosed)
		assert.Contains(t, e.eventTypes(c.ID), change.TypeAuthorized)
	})
}

// TestProblemAndChangeLogPages: the problem and change history endpoints,
// and the problem's journal, page through the logs the stores keep apart
// from the records, with ?after and ?limit.
func TestProblemAndChangeLogPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice := e.as("alice")
		p := into[problem.Problem](alice.post("/problems", map[string]any{"title": "Mail relay drops messages"}), http.StatusCreated)
		path := "/problems/" + p.ID
		checkLogPages(t, alice, path, "after=2")
		got := into[problem.Problem](alice.get(path), http.StatusOK)
		assert.Empty(t, got.History, "a problem is served without its history")
		assert.Empty(t, got.WorkNotes, "and without its work notes")

		window := time.Date(2026, 3, 7, 22, 0, 0, 0, time.UTC)
		c := into[change.Change](alice.post("/changes", normalChange("Upgrade VPN firmware", window)), http.StatusCreated)
		cpath := "/changes/" + c.ID
		alice.post(cpath+"/assess", nil).expect(http.StatusOK)
		got2 := into[change.Change](alice.get(cpath), http.StatusOK)
		assert.Empty(t, got2.History, "a change is served without its history")
		ch := into[historyView](alice.get(cpath+"/history"), http.StatusOK)
		require.Len(t, ch.History, 2)
		assert.Equal(t, "assess", ch.History[1].Event)
		ch = into[historyView](alice.get(cpath+"/history?after=1"), http.StatusOK)
		require.Len(t, ch.History, 1)
		assert.Equal(t, 2, ch.History[0].Seq)
		alice.get(cpath + "/history?bogus=1").expect(http.StatusBadRequest)
		alice.get("/changes/CHG-NONE/history").expect(http.StatusNotFound)
		alice.get("/problems/PRB-NONE/journal").expect(http.StatusNotFound)
	})
}
