package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		any := into[slaView](e.anonymous().get("/sla/"+x.ID), http.StatusOK)
		assert.Len(t, any.Timers, 2)
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
		assert.Equal(t, "100", breach.Data[sla.DataPercent])
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
