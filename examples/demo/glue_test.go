package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// glue is a small desk on one Bus, with the SLA engine following all three
// processes through agreements of its own (24×7, so that every expected
// instant below is plain clock arithmetic).
type glue struct {
	clock     *lifecycletest.Clock
	events    *lifecycletest.Recorder
	engine    *sla.Engine
	incidents *incident.Service
	problems  *problem.Service
	changes   *change.Service
}

func newGlue(t *testing.T, start time.Time) *glue {
	t.Helper()
	g := &glue{clock: lifecycletest.NewClock(start), events: &lifecycletest.Recorder{}}
	bus := &lifecycle.Bus{}
	var err error
	g.incidents, err = incident.New(incident.Config{Store: incidenttest.NewStore(), Notifier: bus, Clock: g.clock, IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	g.problems, err = problem.New(problem.Config{Store: problemtest.NewStore(), Notifier: bus, Clock: g.clock, IDs: lifecycle.Sequence("PRB", 3), Incidents: g.incidents})
	require.NoError(t, err)
	g.changes, err = change.New(change.Config{Store: changetest.NewStore(), Notifier: bus, Clock: g.clock, IDs: lifecycle.Sequence("CHG", 3)})
	require.NoError(t, err)
	in := func(states ...string) sla.Condition {
		return func(s lifecycle.Snapshot) bool {
			for _, st := range states {
				if s.State == st {
					return true
				}
			}
			return false
		}
	}
	g.engine, err = sla.New(sla.Config{Store: slatest.NewStore(), Notifier: bus, Clock: g.clock, Agreements: []*sla.Agreement{
		{
			// Resolution per priority: a priority change mid-way keeps
			// elapsed and paused time and recomputes the target.
			ID: "inc-resolution", Type: sla.TypeSLA, Target: sla.TargetResolution, Process: incident.Process,
			Durations: map[int]time.Duration{1: 4 * time.Hour, 2: 8 * time.Hour, 3: 16 * time.Hour, 4: 40 * time.Hour, 5: 80 * time.Hour},
			Warnings:  []float64{50},
			Start:     in("new", "in_progress", "on_hold"), Stop: in("resolved", "closed"), Pause: in("on_hold"),
			Cancel: in("canceled"),
		},
		{
			// Problem management's own target: root cause found within 4
			// hours of assessment.
			ID: "prb-root-cause", Type: sla.TypeOLA, Target: sla.TargetResolution, Process: problem.Process,
			Durations: map[int]time.Duration{0: 4 * time.Hour},
			Warnings:  []float64{50},
			Start:     in("assess", "root_cause_analysis"), Stop: in("fix_in_progress", "resolved", "closed"),
			Cancel: in("canceled"),
		},
		{
			// Time to approve a normal change (Jira SM's default): it runs
			// while the change awaits authorization; a rejection ends the
			// cycle and a new request starts the next one.
			ID: "chg-approval", Type: sla.TypeOLA, Target: sla.TargetResponse, Process: change.Process,
			Durations: map[int]time.Duration{0: 8 * time.Hour, 2: 2 * time.Hour},
			Warnings:  []float64{75},
			Start: func(s lifecycle.Snapshot) bool {
				return s.State == string(change.StateAuthorize) && s.Attributes["type"] == string(change.Normal)
			},
			Stop: in("scheduled", "implement", "review", "closed"),
		},
	}})
	require.NoError(t, err)
	bus.Subscribe(g.engine)
	bus.Subscribe(g.events)
	return g
}

// runUntil plays the host's scheduler on the fake clock: evaluate at every
// deadline up to t, then set the clock to t.
func (g *glue) runUntil(t *testing.T, at time.Time) {
	t.Helper()
	ctx := context.Background()
	for {
		next, ok, err := g.engine.NextDeadline(ctx)
		require.NoError(t, err)
		if !ok || next.After(at) {
			break
		}
		if next.After(g.clock.Now()) {
			g.clock.Set(next)
		}
		n, err := g.engine.EvaluateDue(ctx, g.clock.Now())
		require.NoError(t, err)
		require.Positive(t, n, "a due deadline fired nothing")
	}
	g.clock.Set(at)
}

// fired returns the SLA events delivered so far, as "time type agreement
// record".
func (g *glue) fired() []string {
	var out []string
	for _, ev := range g.events.Events() {
		if ev.Process == sla.Process {
			out = append(out, ev.Time.Format("15:04")+" "+ev.Type+" "+ev.Value("agreement")+" "+ev.Value("record"))
		}
	}
	return out
}

// timer returns the record's one timer, as stored.
func (g *glue) timer(t *testing.T, record string) *sla.Timer {
	t.Helper()
	ts, err := g.engine.Timers(context.Background(), record)
	require.NoError(t, err)
	require.Len(t, ts, 1, "the record's timers")
	return ts[0]
}

// TestSLAFollowsEveryProcess runs real incident, problem and change
// services on a Bus with the SLA engine subscribed, and checks each timer
// against hand-computed figures: an incident paused on hold whose priority
// rises mid-way, a problem's root-cause target that breaches before the
// fix starts, and a normal change's approval target over a rejection and a
// second request.
func TestSLAFollowsEveryProcess(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC) // a Monday
	at := func(hhmm string) time.Time {
		d, err := time.Parse("15:04", hhmm)
		require.NoError(t, err)
		return day.Add(time.Duration(d.Hour())*time.Hour + time.Duration(d.Minute())*time.Minute)
	}
	g := newGlue(t, at("09:00"))
	agent := lifecycle.Actor{ID: "ann"}
	pm := lifecycle.Actor{ID: "dave"}
	requester := lifecycle.Actor{ID: "omar"}
	cab := lifecycle.Actor{ID: "kim", Roles: []string{change.RoleChangeManager}}

	// 09:00 an incident at P3 (16h), worked, on hold 10:00-12:00.
	inc, err := g.incidents.Open(ctx, agent, incident.Open{Title: "Invoices print blank", Impact: 2, Urgency: 2})
	require.NoError(t, err)
	require.Equal(t, lifecycle.Priority(3), inc.Priority)
	_, err = g.incidents.Assign(ctx, agent, incident.Assign{ID: inc.ID, Group: "desk", Assignee: "ann"})
	require.NoError(t, err)
	// 09:00 a problem; assessed at 09:30: its 4h root-cause clock starts.
	prb, err := g.problems.Open(ctx, pm, problem.Open{Title: "Blank invoices", Impact: 2, Urgency: 2, Group: "problems", Incidents: []string{inc.ID}})
	require.NoError(t, err)
	g.runUntil(t, at("09:30"))
	_, err = g.problems.Do(ctx, pm, problem.Assess{ID: prb.ID, Notes: "recurring"})
	require.NoError(t, err)

	g.runUntil(t, at("10:00"))
	_, err = g.incidents.Hold(ctx, agent, incident.Hold{ID: inc.ID, Reason: incident.HoldAwaitingVendor})
	require.NoError(t, err)
	// 10:00 a normal change at P2 (2h to approve), requested right away.
	chg, err := g.changes.Create(ctx, requester, change.Create{
		Type: change.Normal, Title: "Patch the invoice template", Impact: 2, Urgency: 1,
		ConfigItems:  []string{"erp-1"},
		Plans:        change.Plans{Implementation: "apply the patch", Backout: "restore the template", Test: "print an invoice"},
		PlannedStart: day.AddDate(0, 0, 2).Add(20 * time.Hour), PlannedEnd: day.AddDate(0, 0, 2).Add(21 * time.Hour),
	})
	require.NoError(t, err)
	require.Equal(t, lifecycle.Priority(2), chg.Priority)
	_, err = g.changes.Assess(ctx, requester, change.Assess{ID: chg.ID})
	require.NoError(t, err)
	_, err = g.changes.RequestApproval(ctx, requester, change.RequestApproval{ID: chg.ID})
	require.NoError(t, err)
	g.runUntil(t, at("10:30"))
	_, err = g.problems.Do(ctx, pm, problem.Confirm{ID: prb.ID, Assignee: "dave", Notes: "RCA"})
	require.NoError(t, err)

	// 11:00 the CAB rejects the change (back to new): its first approval
	// cycle ends after 1h, cancelled.
	g.runUntil(t, at("11:00"))
	_, err = g.changes.Reject(ctx, cab, change.Reject{ID: chg.ID, Comment: "no test evidence"})
	require.NoError(t, err)
	c := g.timer(t, chg.ID)
	assert.Equal(t, sla.StageCancelled, c.Stage)
	assert.Equal(t, time.Hour, c.Elapsed)

	// 12:00 the incident resumes; 13:00 its urgency rises: P2, 8h. Elapsed
	// so far 09:00-10:00 and 12:00-13:00, 2h; paused 2h.
	g.runUntil(t, at("12:00"))
	_, err = g.incidents.Resume(ctx, agent, incident.Resume{ID: inc.ID})
	require.NoError(t, err)
	g.runUntil(t, at("13:00"))
	_, err = g.incidents.Update(ctx, agent, incident.Update{ID: inc.ID, Urgency: 1})
	require.NoError(t, err)
	it := g.timer(t, inc.ID)
	assert.Equal(t, 2, it.Priority)
	assert.Equal(t, 8*time.Hour, it.Goal)
	assert.Equal(t, 2*time.Hour, it.Elapsed, "elapsed time is kept across the priority change")
	assert.Equal(t, 2*time.Hour, it.Paused, "paused time is kept across the priority change")
	assert.Equal(t, at("19:00"), it.Due, "13:00 + the 6h left of 8h")
	assert.Equal(t, 1, it.Number)

	// 13:00 the change is assessed and requested again: a second cycle,
	// approved at 13:30 (30 minutes).
	_, err = g.changes.Assess(ctx, requester, change.Assess{ID: chg.ID})
	require.NoError(t, err)
	_, err = g.changes.RequestApproval(ctx, requester, change.RequestApproval{ID: chg.ID})
	require.NoError(t, err)
	g.runUntil(t, at("13:30"))
	_, err = g.changes.Approve(ctx, cab, change.Approve{ID: chg.ID, Comment: "ok now"})
	require.NoError(t, err)
	c = g.timer(t, chg.ID)
	assert.Equal(t, 2, c.Number, "a new request starts a new cycle")
	assert.Equal(t, sla.StageCompleted, c.Stage)
	assert.Equal(t, 30*time.Minute, c.Elapsed)
	assert.False(t, c.Breached)
	require.Len(t, c.Cycles, 1)
	assert.Equal(t, sla.StageCancelled, c.Cycles[0].Stage)

	// 14:00 the fix starts: the problem's root-cause target (09:30 + 4h)
	// breached at 13:30; the timer completes, breached.
	g.runUntil(t, at("14:00"))
	_, err = g.problems.Do(ctx, pm, problem.RecordKnownError{ID: prb.ID, RootCause: "a template field was renamed", Workaround: "print from the old template"})
	require.NoError(t, err)
	_, err = g.problems.Do(ctx, pm, problem.StartFix{ID: prb.ID, Changes: []string{chg.ID}})
	require.NoError(t, err)
	p := g.timer(t, prb.ID)
	assert.Equal(t, sla.StageCompleted, p.Stage)
	assert.True(t, p.Breached)
	assert.Equal(t, 4*time.Hour+30*time.Minute, p.Elapsed)

	// 17:00: the incident passed 50 % of 8h (4h elapsed) at 15:00.
	g.runUntil(t, at("17:00"))
	_, err = g.incidents.Resolve(ctx, agent, incident.Resolve{ID: inc.ID, Code: incident.CodeSolutionProvided, Notes: "template fixed"})
	require.NoError(t, err)
	it = g.timer(t, inc.ID)
	assert.Equal(t, sla.StageCompleted, it.Stage)
	assert.False(t, it.Breached)
	assert.Equal(t, 6*time.Hour, it.Elapsed)

	assert.Equal(t, []string{
		"11:30 sla.warning prb-root-cause " + prb.ID,
		"13:30 sla.breached prb-root-cause " + prb.ID,
		"15:00 sla.warning inc-resolution " + inc.ID,
	}, g.fired(), "every warning and breach, once, on its minute")
}

// TestSLACancelledWithTheRecord: a canceled change and a canceled problem
// cancel their running timers; nothing fires afterwards.
func TestSLACancelledWithTheRecord(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	g := newGlue(t, start)
	pm := lifecycle.Actor{ID: "dave"}
	requester := lifecycle.Actor{ID: "omar"}
	prb, err := g.problems.Open(ctx, pm, problem.Open{Title: "Slow ERP", Impact: 3, Urgency: 3, Group: "problems"})
	require.NoError(t, err)
	_, err = g.problems.Do(ctx, pm, problem.Assess{ID: prb.ID, Notes: "looking"})
	require.NoError(t, err)
	chg, err := g.changes.Create(ctx, requester, change.Create{
		Type: change.Normal, Title: "Add an index", ConfigItems: []string{"erp-db"},
		Plans:        change.Plans{Implementation: "create index", Backout: "drop index", Test: "run the report"},
		PlannedStart: start.Add(72 * time.Hour), PlannedEnd: start.Add(73 * time.Hour),
	})
	require.NoError(t, err)
	_, err = g.changes.Assess(ctx, requester, change.Assess{ID: chg.ID})
	require.NoError(t, err)
	_, err = g.changes.RequestApproval(ctx, requester, change.RequestApproval{ID: chg.ID})
	require.NoError(t, err)

	g.runUntil(t, start.Add(90*time.Minute))
	_, err = g.problems.Do(ctx, pm, problem.Cancel{ID: prb.ID, Notes: "not a problem"})
	require.NoError(t, err)
	_, err = g.changes.Cancel(ctx, requester, change.Cancel{ID: chg.ID, Reason: "withdrawn"})
	require.NoError(t, err)
	for _, id := range []string{prb.ID, chg.ID} {
		tm := g.timer(t, id)
		assert.Equal(t, sla.StageCancelled, tm.Stage, id)
		assert.Equal(t, 90*time.Minute, tm.Elapsed, id)
	}
	g.runUntil(t, start.Add(48*time.Hour))
	assert.Empty(t, g.fired(), "a cancelled timer fires nothing")
}
