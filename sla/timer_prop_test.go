package sla_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

// propCalendars are the calendars the property tests draw from; nil is
// 24×7. Files that build business calendars add to it in init.
var propCalendars = []*sla.Calendar{nil}

// propAgreement draws an agreement: random targets (priority 4 has none),
// warnings, calendar, and optional reset, retroactive start, cancel rule
// and single-cycle setting.
func propAgreement(t *rapid.T) *sla.Agreement {
	a := resolutionSLA()
	a.Durations = map[int]time.Duration{}
	for p := 1; p <= 3; p++ {
		a.Durations[p] = time.Duration(rapid.IntRange(1, 40*60).Draw(t, fmt.Sprintf("goal%d_min", p))) * time.Minute
	}
	switch rapid.IntRange(0, 2).Draw(t, "warnings") {
	case 0:
		a.Warnings = nil
	case 1:
		a.Warnings = []float64{}
	case 2:
		a.Warnings = []float64{12.5, 33.3, 100}
	}
	a.Calendar = rapid.SampledFrom(propCalendars).Draw(t, "calendar")
	if rapid.Bool().Draw(t, "reset") {
		a.Reset = func(prev, next lifecycle.Snapshot) bool { return prev.Group != next.Group }
	}
	if rapid.Bool().Draw(t, "retroactive") {
		a.StartAt = func(s lifecycle.Snapshot) time.Time { return s.OpenedAt }
	}
	if rapid.Bool().Draw(t, "never_cancel") {
		a.Cancel = sla.Never
	}
	a.SingleCycle = rapid.Bool().Draw(t, "single_cycle")
	require.NoError(t, a.Validate())
	return a
}

// propHistory draws a record's audit history: states, priorities, groups
// and hold reasons changing at random instants (several may share one).
func propHistory(t *rapid.T) []lifecycle.Record {
	n := rapid.IntRange(1, 25).Draw(t, "records")
	states := []string{stNew, stProgress, stHold, stResolved, stClosed, stCancelled}
	var out []lifecycle.Record
	// Start up to ten days before t0, so that some histories cross the
	// start of daylight saving in New York (2026-03-08).
	at := t0.Add(-time.Duration(rapid.IntRange(0, 240).Draw(t, "start_h")) * time.Hour)
	prev := lifecycle.Snapshot{}
	for i := range n {
		if i > 0 {
			at = at.Add(time.Duration(rapid.IntRange(0, 12*60).Draw(t, "dt_min"))*time.Minute +
				time.Duration(rapid.IntRange(0, 999).Draw(t, "dt_ns")))
		}
		next := prev
		next.State = rapid.SampledFrom(states).Draw(t, "state")
		if i == 0 || rapid.IntRange(0, 3).Draw(t, "reprioritise") == 0 {
			next.Priority = rapid.IntRange(1, 4).Draw(t, "priority")
		}
		if i == 0 || rapid.IntRange(0, 4).Draw(t, "regroup") == 0 {
			next.Group = rapid.SampledFrom([]string{"desk", "network"}).Draw(t, "group")
		}
		next.HoldReason = ""
		if next.State == stHold {
			next.HoldReason = "awaiting_caller"
		}
		var ch []lifecycle.FieldChange
		ch = lifecycle.Diff(ch, lifecycle.FieldPriority, itoa(prev.Priority), itoa(next.Priority))
		ch = lifecycle.Diff(ch, lifecycle.FieldGroup, prev.Group, next.Group)
		ch = lifecycle.Diff(ch, lifecycle.FieldHoldReason, prev.HoldReason, next.HoldReason)
		out = append(out, lifecycle.Record{Seq: i + 1, Time: at, Event: "change", From: prev.State, To: next.State, Changes: ch})
		prev = next
	}
	return out
}

func itoa(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}

var propFirst = lifecycle.Snapshot{OpenedAt: t0.Add(-3 * time.Hour)}

// step is one observation of the incremental run and what was seen there.
type step struct {
	at     time.Time
	number int       // cycle number after the observation (0: not attached)
	stage  sla.Stage // stage after the observation
}

// incremental observes history record by record, evaluating at random
// instants between records, and checks on the way that elapsed and paused
// time never decrease within a cycle. It observes either without versions
// ([sla.Attach], then [sla.Timer.Observe]; RecordVersion is then set as
// Replay sets it) or with them ([sla.NewTimer], then
// [sla.Timer.ObserveVersion] of each record's Seq), at random. It returns
// the timer (nil if it never started), the events fired and the steps.
func incremental(t *rapid.T, a *sla.Agreement, history []lifecycle.Record, end time.Time) (*sla.Timer, []lifecycle.Notification, []step) {
	var tm *sla.Timer
	versioned := rapid.Bool().Draw(t, "versioned")
	if versioned {
		var err error
		tm, err = sla.NewTimer(a, "INC1")
		require.NoError(t, err)
	}
	var events []lifecycle.Notification
	var steps []step
	var last sla.Status
	lastNumber := 0
	checkMonotone := func(at time.Time) {
		if tm == nil || !tm.Started() {
			return
		}
		st := tm.Status(a.Calendar, at)
		if tm.Number == lastNumber {
			if st.Elapsed < last.Elapsed || st.Paused < last.Paused || st.ActualElapsed < last.ActualElapsed {
				t.Fatalf("cycle %d at %v: elapsed %v / paused %v after %v / %v: time ran backwards",
					tm.Number, at, st.Elapsed, st.Paused, last.Elapsed, last.Paused)
			}
		}
		last, lastNumber = st, tm.Number
	}
	s := propFirst
	for i, r := range history {
		s = s.Apply(r)
		switch {
		case versioned:
			changed, err := tm.ObserveVersion(a, int64(r.Seq), s, r.Time)
			require.NoError(t, err)
			require.True(t, changed, "version %d is new", r.Seq)
		case tm == nil:
			var err error
			tm, _, err = sla.Attach(a, "INC1", s, r.Time)
			require.NoError(t, err)
		default:
			require.NoError(t, tm.Observe(a, s, r.Time))
		}
		if tm != nil && tm.Started() {
			if !versioned {
				tm.RecordVersion = int64(r.Seq)
			}
			steps = append(steps, step{r.Time, tm.Number, tm.Stage})
		} else {
			steps = append(steps, step{at: r.Time})
		}
		checkMonotone(r.Time)
		until := end
		if i+1 < len(history) {
			until = history[i+1].Time
		}
		k := rapid.IntRange(0, 3).Draw(t, "evaluations")
		var ats []time.Time
		for range k {
			span := until.Sub(r.Time)
			ats = append(ats, r.Time.Add(time.Duration(rapid.Int64Range(0, int64(span)).Draw(t, "eval_at"))))
		}
		slices.SortFunc(ats, time.Time.Compare)
		for _, at := range ats {
			checkMonotone(at)
			if tm != nil {
				events = append(events, tm.Evaluate(at)...)
			}
		}
	}
	if tm != nil && !tm.Started() {
		return nil, events, steps
	}
	return tm, events, steps
}

type firedEvent struct {
	id, typ, percent, cycle string
	at                      time.Time
}

func fired(evs []lifecycle.Notification) map[string]firedEvent {
	out := map[string]firedEvent{}
	for _, e := range evs {
		out[e.ID] = firedEvent{e.ID, e.Type, e.Value(sla.DataPercent), e.Value(sla.DataCycle), e.Time}
	}
	return out
}

// Replay equals incremental observation, whenever and however often the
// incremental run is evaluated; each deadline fires exactly once.
func TestPropReplayEqualsIncremental(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := propAgreement(t)
		history := propHistory(t)
		end := history[len(history)-1].Time.Add(30 * 24 * time.Hour)

		inc, incEvents, _ := incremental(t, a, history, end)
		rep, ok, err := sla.Replay(a, "INC1", propFirst, history)
		require.NoError(t, err)
		require.Equal(t, inc != nil, ok, "attached in one run only")
		if !ok {
			return
		}
		incEvents = append(incEvents, inc.Evaluate(end)...)
		repEvents := rep.Evaluate(end)
		require.Equal(t, rep, inc, "timers differ after evaluating both at the end")

		seen := map[string]bool{}
		for _, e := range incEvents {
			require.False(t, seen[e.ID], "event %s fired twice", e.ID)
			seen[e.ID] = true
		}
		require.Equal(t, fired(repEvents), fired(incEvents))
		_, pending := rep.NextDeadline()
		require.False(t, pending && rep.Stage != sla.StageInProgress, "a stopped or paused timer has nothing pending after the final evaluation")
	})
}

// Every instant of a cycle is counted once, as elapsed while in progress or
// as paused while paused; time outside the cycle is not counted; and the
// elapsed time is exactly the business time of the spans in progress.
func TestPropPausedTimeNeverCounted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := propAgreement(t)
		history := propHistory(t)
		tm, _, steps := incremental(t, a, history, history[len(history)-1].Time)
		if tm == nil {
			return
		}
		cal := a.Calendar
		cycles := append(slices.Clone(tm.Cycles), tm.Cycle)
		for _, c := range cycles {
			end := c.StoppedAt
			if !c.Stage.Active() {
				require.False(t, end.IsZero())
			} else {
				end = tm.UpdatedAt
			}
			require.Equal(t, end.Sub(c.StartedAt), c.ActualElapsed+c.ActualPaused, "cycle %d: wall time from start to end", c.Number)
			require.Equal(t, cal.Between(c.StartedAt, end), c.Elapsed+c.Paused, "cycle %d: business time from start to end", c.Number)
			if a.Pause == nil {
				require.Zero(t, c.Paused)
			}
		}

		// The oracle: sum the business time of the spans between
		// observations after which the final cycle was in progress (or
		// paused).
		var elapsed, paused time.Duration
		for i := 0; i+1 < len(steps); i++ {
			if steps[i].number != tm.Number {
				continue
			}
			d := cal.Between(steps[i].at, steps[i+1].at)
			switch steps[i].stage {
			case sla.StageInProgress:
				elapsed += d
			case sla.StagePaused:
				paused += d
			}
		}
		if tm.Number == 1 {
			first := slices.IndexFunc(steps, func(s step) bool { return s.number == 1 })
			elapsed += cal.Between(tm.StartedAt, steps[first].at) // retroactive start
		}
		require.Equal(t, elapsed, tm.Elapsed)
		require.Equal(t, paused, tm.Paused)
	})
}

// Observing the same snapshot again at any instant in between changes
// nothing: counting is additive, so a change's instant does not matter to
// the totals, only the stage each span was in.
func TestPropSplittingChangesNothing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := propAgreement(t)
		history := propHistory(t)
		var split []lifecycle.Record
		for i, r := range history {
			r.Seq = len(split) + 1
			split = append(split, r)
			if i+1 < len(history) && rapid.Bool().Draw(t, "split") {
				gap := history[i+1].Time.Sub(r.Time)
				at := r.Time.Add(time.Duration(rapid.Int64Range(0, int64(gap)).Draw(t, "split_at")))
				split = append(split, lifecycle.Record{Seq: len(split) + 1, Time: at, Event: "comment", From: r.To, To: r.To})
			}
		}
		want, ok, err := sla.Replay(a, "INC1", propFirst, history)
		require.NoError(t, err)
		got, ok2, err := sla.Replay(a, "INC1", propFirst, split)
		require.NoError(t, err)
		require.Equal(t, ok, ok2)
		if !ok {
			return
		}
		got.RecordVersion = want.RecordVersion
		require.Equal(t, want, got)
	})
}
