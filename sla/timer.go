package sla

import (
	"math"
	"slices"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Stage is where a timer's cycle stands. Whether the target was missed is
// the separate Breached flag: a cycle can be completed and breached.
type Stage string

// The stages.
const (
	// StageInProgress counts time.
	StageInProgress Stage = "in_progress"
	// StagePaused counts paused time instead of elapsed time.
	StagePaused Stage = "paused"
	// StageCompleted means the stop condition held: the target was met
	// (or missed, if Breached).
	StageCompleted Stage = "completed"
	// StageCancelled means the cycle no longer applies: its cancel rule
	// held, or a reset replaced it.
	StageCancelled Stage = "cancelled"
)

var stages = []Stage{StageInProgress, StagePaused, StageCompleted, StageCancelled}

// Stages returns every stage.
func Stages() []Stage { return slices.Clone(stages) }

// String returns the stage's spelling, e.g. "in_progress".
func (s Stage) String() string { return string(s) }

// Active reports whether the stage is in progress or paused.
func (s Stage) Active() bool { return s == StageInProgress || s == StagePaused }

// MarshalText returns the stage's spelling, or a *lifecycle.ValidationError
// for an unknown stage.
func (s Stage) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("stage", stages, s) }

// UnmarshalText parses a stage, rejecting unknown spellings with a
// *lifecycle.ValidationError.
func (s *Stage) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("stage", stages, string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Deadline is one threshold of a cycle: a warning at Percent of the target
// duration, or the breach (Breach set, Percent 100).
type Deadline struct {
	// Percent of the target duration, in (0, 100].
	Percent float64 `json:"percent"`
	// Breach marks the breach deadline, always the last of a cycle.
	Breach bool `json:"breach,omitempty"`
	// Reached reports that the business elapsed time reached the
	// threshold. It stays set even if a later priority change lengthens
	// the target: a threshold reached under the target then in force
	// stays reached.
	Reached bool `json:"reached,omitempty"`
	// Fired reports that Evaluate has returned this deadline's event. It
	// fires once per cycle, never again.
	Fired bool `json:"fired,omitempty"`
	// At is when the threshold was reached, or, for a running cycle, when
	// it will be reached if nothing changes. It is zero for a threshold not
	// reached while the cycle is paused or stopped.
	At time.Time `json:"at,omitzero"`
}

// threshold returns the business elapsed time at which d is reached under
// goal: exactly goal for the breach, goal×Percent/100 rounded up otherwise.
func (d Deadline) threshold(goal time.Duration) time.Duration {
	if d.Breach || d.Percent >= 100 {
		return goal
	}
	return time.Duration(math.Ceil(float64(goal) / 100 * d.Percent))
}

// Cycle is one run of a timer, from its start to its completion or
// cancellation. A timer's current cycle is embedded in the [Timer]; earlier
// cycles are kept in [Timer.Cycles].
//
// Durations are exact to the nanosecond. Elapsed and the other counters are
// as of the timer's UpdatedAt; [Timer.Status] gives them at any instant.
type Cycle struct {
	// Number counts cycles from 1.
	Number int `json:"cycle"`
	// Stage is where the cycle stands.
	Stage Stage `json:"stage"`
	// Breached is set once the business elapsed time reaches Goal, and
	// stays set for the cycle.
	Breached bool `json:"breached"`
	// Priority is the record's priority that Goal comes from.
	Priority int `json:"priority"`
	// Goal is the target duration, in business time. A priority change
	// replaces it and keeps Elapsed and Paused.
	Goal time.Duration `json:"goal"`
	// StartedAt is when the cycle started (retroactively, for a first
	// cycle with a StartAt).
	StartedAt time.Time `json:"started_at"`
	// StoppedAt is when the cycle completed or was cancelled; zero while
	// it runs.
	StoppedAt time.Time `json:"stopped_at,omitzero"`
	// Elapsed is the business time counted while in progress.
	Elapsed time.Duration `json:"business_elapsed"`
	// ActualElapsed is the wall-clock time counted while in progress.
	ActualElapsed time.Duration `json:"actual_elapsed"`
	// Paused is the business time spent paused (never part of Elapsed).
	Paused time.Duration `json:"business_paused"`
	// ActualPaused is the wall-clock time spent paused.
	ActualPaused time.Duration `json:"actual_paused"`
	// Due is when the target is used up: projected while in progress, the
	// breach instant once breached, zero while paused (it depends on when
	// the cycle resumes; see [Timer.Status]), and the last projection once
	// the cycle stopped without a breach.
	Due time.Time `json:"due,omitzero"`
	// OriginalDue is the first Due the cycle projected (ServiceNow's
	// "original breach time").
	OriginalDue time.Time `json:"original_due,omitzero"`
	// Deadlines are the warning thresholds in ascending order, then the
	// breach.
	Deadlines []Deadline `json:"deadlines"`
}

// Left returns the business time left before the target is used up as of
// the cycle's counters: negative once it is exceeded.
func (c *Cycle) Left() time.Duration { return c.Goal - c.Elapsed }

// Percent returns the business elapsed time as a percentage of the goal, as
// of the cycle's counters. It is exact up to float64 rounding: only Breached
// says whether the target was missed (99.951 % is not a breach).
func (c *Cycle) Percent() float64 {
	if c.Goal <= 0 {
		return 0
	}
	return float64(c.Elapsed) / float64(c.Goal) * 100
}

// Timer tracks one [Agreement] on one record: the current cycle (embedded),
// earlier cycles, and what it last saw of the record.
//
// Timers are values the host stores (see [Store]); they carry no reference
// to their agreement, so the operations that count business time
// ([Timer.Observe], [Timer.Status]) take the agreement or its calendar.
// [Timer.Evaluate] and [Timer.NextDeadline] need neither: deadlines are
// stored as instants, which is what makes evaluating many timers cheap.
//
// A Timer is not safe for concurrent mutation; [Engine] works on copies.
type Timer struct {
	// ID is [TimerID] of the record and the agreement.
	ID string `json:"id"`
	// Version is the stored version: 0 before creation, 1 when created,
	// +1 per stored change (set by the Engine, checked by the Store).
	Version int64 `json:"version"`
	// RecordID is the record the timer measures.
	RecordID string `json:"record_id"`
	// RecordVersion is the record's version last observed ([Replay] and
	// [Engine] set it; events at or below it are not observed again).
	RecordVersion int64 `json:"record_version,omitempty"`
	// AgreementID is the agreement's ID.
	AgreementID string `json:"agreement_id"`
	// Type is the agreement's type, copied for notifications.
	Type AgreementType `json:"type"`
	// Target is the agreement's target, copied for notifications.
	Target Target `json:"target"`
	// Cycle is the current cycle.
	Cycle
	// Cycles are the earlier cycles, oldest first.
	Cycles []Cycle `json:"cycles,omitempty"`
	// Next is the earliest instant at which a deadline not yet fired is
	// reached (see [Timer.NextDeadline]); zero when none is pending. Stores
	// index it to answer [Store.Due].
	Next time.Time `json:"next_deadline,omitzero"`
	// Snapshot is the record as last observed.
	Snapshot lifecycle.Snapshot `json:"snapshot"`
	// UpdatedAt is the instant of the last observation: the counters are
	// exact up to it.
	UpdatedAt time.Time `json:"updated_at"`
}

// TimerID returns the ID of the timer of agreementID on recordID:
// "INC0000042/p1-resolution". There is one timer per record and agreement;
// several cycles live in it.
func TimerID(recordID, agreementID string) string { return recordID + "/" + agreementID }

// Clone returns a deep copy of t.
func (t *Timer) Clone() *Timer {
	c := *t
	c.Deadlines = slices.Clone(t.Deadlines)
	if t.Cycles != nil {
		c.Cycles = make([]Cycle, len(t.Cycles))
		for i, cy := range t.Cycles {
			cy.Deadlines = slices.Clone(cy.Deadlines)
			c.Cycles[i] = cy
		}
	}
	c.Snapshot = t.Snapshot.Clone()
	return &c
}

// Attach starts a timer of a on record recordID, observed as s at instant
// at, when a's start rule holds (Start holds, Stop and the cancel rule do
// not, and s's priority has a target duration). It reports false, and
// returns nil, otherwise. With a StartAt, the first cycle starts
// retroactively and the time since counts as elapsed; if Pause holds the
// timer starts paused. a must be valid (see [Agreement.Validate]).
func Attach(a *Agreement, recordID string, s lifecycle.Snapshot, at time.Time) (*Timer, bool) {
	if !a.startable(s) {
		return nil, false
	}
	start := at
	if a.StartAt != nil {
		if st := a.StartAt(s); !st.IsZero() && st.Before(at) {
			start = st
		}
	}
	t := &Timer{
		ID:          TimerID(recordID, a.ID),
		RecordID:    recordID,
		AgreementID: a.ID,
		Type:        a.Type,
		Target:      a.Target,
		Snapshot:    s.Clone(),
		UpdatedAt:   start,
	}
	t.Cycle = newCycle(a, s, start, 1)
	t.account(a.Calendar, at)
	if a.pauses(s) {
		t.Stage = StagePaused
	}
	t.Cycle.plan(a.Calendar, at)
	t.Next = t.nextDeadline()
	return t, true
}

func newCycle(a *Agreement, s lifecycle.Snapshot, start time.Time, n int) Cycle {
	goal, _ := a.Goal(s.Priority)
	return Cycle{
		Number:    n,
		Stage:     StageInProgress,
		Priority:  s.Priority,
		Goal:      goal,
		StartedAt: start,
		Deadlines: a.deadlines(),
	}
}

// Observe feeds the timer the record's new snapshot s, seen at instant at,
// and applies a's conditions in ServiceNow's order: complete (Stop), pause,
// resume, reset, cancel; a completed or cancelled timer starts a new cycle
// when the start rule holds again (unless a.SingleCycle) or Reset holds.
//
// Time between the previous observation and at is counted first, in the
// stage the timer was in: business time on a's calendar and wall-clock
// time, as elapsed while in progress and as paused time while paused. A
// change of priority then replaces the target duration, keeping elapsed and
// paused time. An instant before the previous observation counts as the
// previous observation (time never runs backwards). a must be the timer's
// agreement and be valid.
func (t *Timer) Observe(a *Agreement, s lifecycle.Snapshot, at time.Time) {
	if at.Before(t.UpdatedAt) {
		at = t.UpdatedAt
	}
	cal := a.Calendar
	t.account(cal, at)
	prev := t.Snapshot
	t.Snapshot = s.Clone()
	if t.Stage.Active() {
		if s.Priority != t.Priority {
			if g, ok := a.Goal(s.Priority); ok {
				t.Priority, t.Goal = s.Priority, g
			}
		}
		if a.Stop(s) {
			t.stop(cal, StageCompleted, at)
		} else {
			if t.Stage == StageInProgress && a.pauses(s) {
				t.Stage = StagePaused
			} else if t.Stage == StagePaused && a.resumes(s) {
				t.Stage = StageInProgress
			}
			if a.resets(prev, s) {
				t.stop(cal, StageCancelled, at)
				if a.startable(s) {
					t.restart(a, s, at)
				}
			} else if a.cancels(s) {
				t.stop(cal, StageCancelled, at)
			}
		}
	} else if (!a.SingleCycle || a.resets(prev, s)) && a.startable(s) {
		t.restart(a, s, at)
	}
	t.Cycle.plan(cal, at)
	t.Next = t.nextDeadline()
}

// Replay rebuilds the timer of a on a record from the record's audit
// history: starting from first (the record as created, or a snapshot
// holding only its OpenedAt and Attributes), each record of history is
// applied with [lifecycle.Snapshot.Apply] and observed at its Time (the
// first one where the start rule holds attaches the timer). It reports
// false when the timer never attached.
//
// Replay gives exactly the timer that observing the same changes one by one
// gives ([Attach], then [Timer.Observe]), with RecordVersion set to the last
// record's Seq and no deadline fired: this is how a timer is repaired or
// recomputed after an agreement's calendar or durations changed. Only the
// standard fields of Snapshot.Apply change along the way, so conditions
// that read Attributes see them as they are in first.
func Replay(a *Agreement, recordID string, first lifecycle.Snapshot, history []lifecycle.Record) (*Timer, bool) {
	var t *Timer
	s := first.Clone()
	for _, r := range history {
		s = s.Apply(r)
		if t == nil {
			if t, _ = Attach(a, recordID, s, r.Time); t == nil {
				continue
			}
		} else {
			t.Observe(a, s, r.Time)
		}
		t.RecordVersion = int64(r.Seq)
	}
	return t, t != nil
}

// stop ends the current cycle.
func (t *Timer) stop(cal *Calendar, stage Stage, at time.Time) {
	t.Stage = stage
	t.StoppedAt = at
	t.Cycle.plan(cal, at)
}

// restart archives the current cycle and starts the next one at at.
func (t *Timer) restart(a *Agreement, s lifecycle.Snapshot, at time.Time) {
	t.Cycles = append(t.Cycles, t.Cycle)
	t.Cycle = newCycle(a, s, at, t.Number+1)
	if a.pauses(s) {
		t.Stage = StagePaused
	}
}

// account counts the time from the previous observation to at in the
// current stage.
func (t *Timer) account(cal *Calendar, at time.Time) {
	from := t.UpdatedAt
	if !at.After(from) {
		return
	}
	c := &t.Cycle
	switch c.Stage {
	case StageInProgress:
		e0 := c.Elapsed
		c.Elapsed += cal.Between(from, at)
		c.ActualElapsed += at.Sub(from)
		for i := range c.Deadlines {
			d := &c.Deadlines[i]
			if d.Reached {
				continue
			}
			thr := d.threshold(c.Goal)
			if thr > c.Elapsed {
				continue
			}
			d.Reached = true
			d.At = from
			if thr > e0 {
				d.At = cal.Add(from, thr-e0)
			}
			if d.At.After(at) {
				d.At = at
			}
			if d.Breach {
				c.Breached = true
			}
		}
	case StagePaused:
		c.Paused += cal.Between(from, at)
		c.ActualPaused += at.Sub(from)
	}
	t.UpdatedAt = at
}

// plan recomputes the deadlines' instants at instant at: thresholds the
// elapsed time has reached (after a shorter target) are reached at at;
// the others are projected while in progress and cleared otherwise.
func (c *Cycle) plan(cal *Calendar, at time.Time) {
	running := c.Stage == StageInProgress
	for i := range c.Deadlines {
		d := &c.Deadlines[i]
		if d.Reached {
			continue
		}
		thr := d.threshold(c.Goal)
		switch {
		case thr <= c.Elapsed:
			d.Reached = true
			d.At = at
		case running:
			d.At = cal.Add(at, thr-c.Elapsed)
		default:
			d.At = time.Time{}
		}
		if d.Reached && d.Breach {
			c.Breached = true
		}
	}
	if n := len(c.Deadlines); n > 0 {
		b := c.Deadlines[n-1]
		switch {
		case b.Reached || running:
			c.Due = b.At
		case c.Stage == StagePaused:
			c.Due = time.Time{}
		}
	}
	if running && c.OriginalDue.IsZero() {
		c.OriginalDue = c.Due
	}
}

func (t *Timer) nextDeadline() time.Time {
	var next time.Time
	scan := func(c *Cycle) {
		for _, d := range c.Deadlines {
			if !d.Fired && !d.At.IsZero() && (next.IsZero() || d.At.Before(next)) {
				next = d.At
			}
		}
	}
	for i := range t.Cycles {
		scan(&t.Cycles[i])
	}
	scan(&t.Cycle)
	return next
}

// NextDeadline returns when the next warning or breach that has not fired
// is reached, and false when none is pending: the timer is paused,
// stopped, or has fired everything it reached. A host scheduler sleeps until
// then and calls [Timer.Evaluate] (or [Engine.EvaluateDue]). The instant
// may be in the past: a deadline reached but not yet evaluated.
func (t *Timer) NextDeadline() (time.Time, bool) { return t.Next, !t.Next.IsZero() }

// Evaluate returns the warning and breach events of every deadline reached
// at or before at that has not fired yet, marks them fired, and updates
// Next. Each deadline of each cycle fires exactly once, however often and
// however late Evaluate is called; a deadline reached before the cycle
// stopped still fires after it stopped. Events come oldest cycle first, in
// threshold order, with:
//
//   - Process "sla", Subject the timer's ID, Type [EventWarning] or
//     [EventBreached], Actor "system";
//   - Time the instant the threshold was reached (not at), and ID
//     lifecycle.EventID("sla", timer ID, cycle number, deadline index), so
//     the same deadline always yields the same event, which lets hosts
//     deduplicate;
//   - Version t.Version (the Engine increments it before evaluating, so it
//     is the version stored with the fired flags);
//   - From and To the cycle's stage, Snapshot the record as last observed,
//     and Data as described at [EventWarning].
//
// When nothing is due it returns nil at the cost of one comparison.
func (t *Timer) Evaluate(at time.Time) []lifecycle.Event {
	if t.Next.IsZero() || at.Before(t.Next) {
		return nil
	}
	n := 0
	for i := range t.Cycles {
		n += t.Cycles[i].due(at)
	}
	n += t.Cycle.due(at)
	out := make([]lifecycle.Event, 0, n)
	for i := range t.Cycles {
		out = t.fire(&t.Cycles[i], at, out)
	}
	out = t.fire(&t.Cycle, at, out)
	t.Next = t.nextDeadline()
	return out
}

// due counts the deadlines of c that fire at at.
func (c *Cycle) due(at time.Time) int {
	n := 0
	for _, d := range c.Deadlines {
		if !d.Fired && !d.At.IsZero() && !d.At.After(at) {
			n++
		}
	}
	return n
}

func (t *Timer) fire(c *Cycle, at time.Time, out []lifecycle.Event) []lifecycle.Event {
	for i := range c.Deadlines {
		d := &c.Deadlines[i]
		if d.Fired || d.At.IsZero() || d.At.After(at) {
			continue
		}
		d.Reached, d.Fired = true, true
		if d.Breach {
			c.Breached = true
		}
		out = append(out, t.event(c, i, d))
	}
	return out
}

// Status is a timer's current cycle seen at an instant: the counters of
// [Cycle] brought up to that instant.
type Status struct {
	// Stage is the cycle's stage.
	Stage Stage
	// Breached reports that the business elapsed time reached the goal
	// (now or earlier in the cycle).
	Breached bool
	// Elapsed is the business elapsed time.
	Elapsed time.Duration
	// ActualElapsed is the wall-clock elapsed time.
	ActualElapsed time.Duration
	// Paused is the business time spent paused.
	Paused time.Duration
	// ActualPaused is the wall-clock time spent paused.
	ActualPaused time.Duration
	// Goal is the target duration.
	Goal time.Duration
	// Percent is Elapsed as a percentage of Goal (exact up to float64
	// rounding; Breached decides, not Percent).
	Percent float64
	// Left is the business time left, negative once exceeded.
	Left time.Duration
	// Due is when the target is (or was) used up. For a paused cycle that
	// has not breached it is the due time if the cycle resumed at the
	// instant asked.
	Due time.Time
}

// Status returns the current cycle's counters at instant at (at most the
// last observation's instant is assumed for an earlier at), counting the
// time since the last observation on cal, which must be the agreement's
// calendar. It does not modify t.
func (t *Timer) Status(cal *Calendar, at time.Time) Status {
	c := t.Cycle
	if at.After(t.UpdatedAt) {
		switch c.Stage {
		case StageInProgress:
			c.Elapsed += cal.Between(t.UpdatedAt, at)
			c.ActualElapsed += at.Sub(t.UpdatedAt)
		case StagePaused:
			c.Paused += cal.Between(t.UpdatedAt, at)
			c.ActualPaused += at.Sub(t.UpdatedAt)
		}
	} else {
		at = t.UpdatedAt
	}
	st := Status{
		Stage:         c.Stage,
		Breached:      c.Breached || c.Elapsed >= c.Goal,
		Elapsed:       c.Elapsed,
		ActualElapsed: c.ActualElapsed,
		Paused:        c.Paused,
		ActualPaused:  c.ActualPaused,
		Goal:          c.Goal,
		Percent:       c.Percent(),
		Left:          c.Left(),
		Due:           c.Due,
	}
	if c.Stage == StagePaused && !st.Breached {
		st.Due = cal.Add(at, st.Left)
	}
	return st
}
