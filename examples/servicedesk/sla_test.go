package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/sla"
)

// slaTimers returns the SLA timers of a record by agreement, once every
// timer has observed version (timers follow the record through the
// outbox relay, a moment behind it).
func (e *env) slaTimers(path string, version int64, n int) map[string]timerView {
	e.t.Helper()
	var v slaView
	eventually(e.t, "SLA timers of "+path, func() bool {
		v = *into[slaView](e.anonymous().get(path+"/sla"), http.StatusOK)
		if len(v.Timers) != n {
			return false
		}
		for _, t := range v.Timers {
			if t.ObservedVersion < version {
				return false
			}
		}
		return true
	})
	out := map[string]timerView{}
	for _, t := range v.Timers {
		out[t.Agreement] = t
	}
	return out
}

func TestSLAStatusAfterHold(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		x := e.openIncident(map[string]any{"title": "Payroll batch failed", "impact": 1, "urgency": 2}) // P2
		path := "/incidents/" + x.ID
		timers := e.slaTimers(path, 1, 2)
		res, resp := timers[agreementResolution], timers[agreementResponse]
		assert.Equal(t, sla.StageInProgress, res.Stage)
		assert.Equal(t, "8h0m0s", res.Goal, "P2 resolution")
		assert.Equal(t, "30m0s", resp.Goal, "P2 response")
		assert.Equal(t, t0, res.StartedAt.UTC())

		e.clock.Advance(10 * time.Minute)
		e.as("alice").post(path+"/assign", map[string]any{"group": "apps", "assignee": "bob"}).expect(http.StatusOK)
		e.clock.Advance(20 * time.Minute)
		e.as("bob").post(path+"/hold", map[string]any{"reason": "awaiting_vendor"}).expect(http.StatusOK)
		e.clock.Advance(time.Hour)

		timers = e.slaTimers(path, 3, 2)
		res, resp = timers[agreementResolution], timers[agreementResponse]
		assert.Equal(t, sla.StageCompleted, resp.Stage, "responded when assigned")
		assert.Equal(t, "10m0s", resp.Elapsed)
		assert.False(t, resp.Breached)
		assert.Equal(t, sla.StagePaused, res.Stage, "on hold pauses resolution")
		assert.Equal(t, "30m0s", res.Elapsed, "the hour on hold does not count")
		assert.Equal(t, "1h0m0s", res.Paused)
		assert.Equal(t, "7h30m0s", res.Left)
		assert.True(t, res.NextDeadline.IsZero(), "a paused timer has no deadline pending")

		e.as("bob").post(path+"/resume", nil).expect(http.StatusOK)
		e.clock.Advance(15 * time.Minute)
		res = e.slaTimers(path, 4, 2)[agreementResolution]
		assert.Equal(t, sla.StageInProgress, res.Stage)
		assert.Equal(t, "45m0s", res.Elapsed)
		assert.Equal(t, t0.Add(8*time.Hour+time.Hour), res.Due.UTC(), "due moves by the time on hold")

		// GET /sla/{id} serves any record.
		all := into[slaView](e.anonymous().get("/sla/"+x.ID), http.StatusOK)
		assert.Len(t, all.Timers, 2)
	})
}

func TestSLABreachFires(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		x := e.openIncident(map[string]any{"title": "Core switch down", "impact": 1, "urgency": 1}) // P1: respond in 15m
		path := "/incidents/" + x.ID
		e.slaTimers(path, 1, 2)

		// Nobody picks it up. The background loop evaluates the timers at
		// their deadlines: warnings at 50, 75 and 90 %, then the breach,
		// each stored in the outbox and delivered once.
		e.clock.Advance(16 * time.Minute)
		timerID := sla.TimerID(x.ID, agreementResponse)
		breach := e.delivered(timerID, sla.EventBreached)
		assert.Equal(t, "100", breach.Value(sla.DataPercent))
		assert.Equal(t, t0.Add(15*time.Minute), breach.Time.UTC())
		assert.Equal(t, []string{sla.EventWarning, sla.EventWarning, sla.EventWarning, sla.EventBreached}, e.eventTypes(timerID))

		resp := e.slaTimers(path, 1, 2)[agreementResponse]
		assert.True(t, resp.Breached)
		assert.Equal(t, "-1m0s", resp.Left)

		// Evaluating again fires nothing twice.
		_, err := e.desk.engine.EvaluateDue(t.Context(), e.clock.Now())
		require.NoError(t, err)
		_, err = e.desk.relay.RunOnce(t.Context())
		require.NoError(t, err)
		assert.Len(t, e.eventTypes(timerID), 4)
	})
}

// TestProblemTimeToRootCause: a problem's root-cause timer runs from its
// logging, by its priority, and completes when the root cause is known.
func TestProblemTimeToRootCause(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice := e.as("alice")
		p := into[problem.Problem](alice.post("/problems", map[string]any{
			"title": "Mail relay drops messages", "impact": 1, "urgency": 1,
		}), http.StatusCreated)
		path := "/problems/" + p.ID
		tm := e.slaTimers(path, 1, 1)[agreementRootCause]
		assert.Equal(t, sla.StageInProgress, tm.Stage)
		assert.Equal(t, "48h0m0s", tm.Goal, "P1: root cause in two days")
		assert.Equal(t, sla.TypeOLA, tm.Type)
		assert.Equal(t, t0, tm.StartedAt.UTC())

		e.clock.Advance(2 * time.Hour)
		alice.post(path+"/assess", map[string]any{"group": "messaging"}).expect(http.StatusOK)
		p = into[problem.Problem](alice.post(path+"/confirm", map[string]any{"assignee": "bob"}), http.StatusOK)
		e.clock.Advance(3 * time.Hour)
		assert.Equal(t, sla.StageInProgress, e.slaTimers(path, p.Version, 1)[agreementRootCause].Stage, "still analysing")
		p = into[problem.Problem](e.as("bob").post(path+"/known-error", map[string]any{
			"root_cause": "Spool disk full", "workaround": "Purge the deferred queue",
		}), http.StatusOK)
		tm = e.slaTimers(path, p.Version, 1)[agreementRootCause]
		assert.Equal(t, sla.StageCompleted, tm.Stage, "the root cause is known")
		assert.Equal(t, "5h0m0s", tm.Elapsed)
		assert.False(t, tm.Breached)

		// Served by GET /sla/{id} as well.
		all := into[slaView](e.anonymous().get("/sla/"+p.ID), http.StatusOK)
		require.Len(t, all.Timers, 1)
		assert.Equal(t, agreementRootCause, all.Timers[0].Agreement)

		// A canceled problem's timer is cancelled, not met.
		q := into[problem.Problem](alice.post("/problems", map[string]any{"title": "Printer offline"}), http.StatusCreated)
		e.slaTimers("/problems/"+q.ID, 1, 1)
		q = into[problem.Problem](alice.post("/problems/"+q.ID+"/cancel", map[string]any{"notes": "not a problem"}), http.StatusOK)
		tq := e.slaTimers("/problems/"+q.ID, q.Version, 1)[agreementRootCause]
		assert.Equal(t, sla.StageCancelled, tq.Stage)
		a, _ := e.desk.engine.Agreement(agreementRootCause)
		goal, _ := a.Goal(int(q.Priority))
		assert.Equal(t, goal.String(), tq.Goal, "by the problem's priority, %d", q.Priority)
	})
}

// TestChangeTimeToApprove: a normal change's approval timer runs while it
// waits in authorize and stops at the authority's decision; a rejection
// and a new request start a new cycle; emergencies have none.
func TestChangeTimeToApprove(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice, carol := e.as("alice"), e.as("carol", change.RoleChangeManager)
		window := t0.Add(5 * 24 * time.Hour)
		body := normalChange("Upgrade VPN firmware", window)
		body["impact"], body["urgency"] = 2, 2
		c := into[change.Change](alice.post("/changes", body), http.StatusCreated)
		path := "/changes/" + c.ID
		alice.post(path+"/assess", nil).expect(http.StatusOK)
		assert.Empty(t, into[slaView](e.anonymous().get(path+"/sla"), http.StatusOK).Timers, "not awaiting approval yet")
		c = into[change.Change](alice.post(path+"/request-approval", nil), http.StatusOK)
		tm := e.slaTimers(path, c.Version, 1)[agreementApproval]
		assert.Equal(t, sla.StageInProgress, tm.Stage)
		assert.Equal(t, sla.TargetResponse, tm.Target)
		require.NotZero(t, c.Priority)
		assert.Equal(t, int(c.Priority), tm.Priority, "by the change's priority")

		// The CAB rejects it after three hours: the cycle is complete.
		e.clock.Advance(3 * time.Hour)
		c = into[change.Change](carol.post(path+"/reject", map[string]any{"comment": "test plan too thin"}), http.StatusOK)
		tm = e.slaTimers(path, c.Version, 1)[agreementApproval]
		assert.Equal(t, sla.StageCompleted, tm.Stage)
		assert.Equal(t, "3h0m0s", tm.Elapsed)

		// Asked again, approved (and so scheduled) an hour later: a second
		// cycle.
		alice.post(path+"/assess", nil).expect(http.StatusOK)
		c = into[change.Change](alice.post(path+"/request-approval", nil), http.StatusOK)
		e.slaTimers(path, c.Version, 1)
		e.clock.Advance(time.Hour)
		c = into[change.Change](carol.post(path+"/approve", nil), http.StatusOK)
		require.Equal(t, change.StateScheduled, c.State)
		tm = e.slaTimers(path, c.Version, 1)[agreementApproval]
		assert.Equal(t, sla.StageCompleted, tm.Stage)
		assert.Equal(t, 2, tm.Cycle)
		assert.Equal(t, 1, tm.EarlierCycles)
		assert.Equal(t, "1h0m0s", tm.Elapsed)

		// An emergency change goes to its ECAB without this timer.
		em := normalChange("Reboot gateway", window.Add(2*time.Hour))
		em["type"] = "emergency"
		ec := into[change.Change](alice.post("/changes", em), http.StatusCreated)
		alice.post("/changes/"+ec.ID+"/request-approval", nil).expect(http.StatusOK)
		e.delivered(ec.ID, change.TypeApprovalRequested)
		assert.Empty(t, into[slaView](e.anonymous().get("/changes/"+ec.ID+"/sla"), http.StatusOK).Timers)
	})
}

// TestSLAOfUnknownRecord: GET /sla/{id} looks the record up in every
// process: an ID that none has is 404.
func TestSLAOfUnknownRecord(t *testing.T) {
	e := newEnv(t, backend{Name: "sqlite", DSN: func(testing.TB) string { return ":memory:" }})
	r := e.anonymous().get("/sla/NOPE").expect(http.StatusNotFound)
	assert.Equal(t, "not_found", r.apiError().Code)
	x := e.openIncident(map[string]any{"title": "Mail is slow"})
	v := into[slaView](e.anonymous().get("/sla/"+x.ID), http.StatusOK)
	assert.Equal(t, x.ID, v.Record)
}
