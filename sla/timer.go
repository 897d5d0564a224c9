package sla

import (
	"fmt"
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
	// Threshold is the business elapsed time at which the deadline is
	// reached: Percent of the cycle's Goal rounded up to the nanosecond,
	// computed exactly (no floating-point rounding, however long the
	// goal); the breach's is Goal itself. It is recomputed when Goal
	// changes.
	Threshold time.Duration `json:"threshold"`
	// Reached reports that the business elapsed time reached the
	// threshold. It stays set even if a later priority change lengthens
	// the target: a threshold reached under the target then in force
	// stays reached. Evaluate also sets it for a running cycle whose
	// projected instant has come; that is provisional until the next
	// observation, which clears it again if the record turns out to have
	// paused or stopped before that instant (a change delivered late).
	Reached bool `json:"reached,omitempty"`
	// Fired reports that Evaluate has returned this deadline's event. It
	// fires once per cycle, never again, even if a late change moves the
	// threshold's instant (Reached then tells the truth, Fired what was
	// notified).
	Fired bool `json:"fired,omitempty"`
	// At is when the threshold was reached, or, for a running cycle, when
	// it will be reached if nothing changes. It is zero for a threshold not
	// reached while the cycle is paused or stopped.
	At time.Time `json:"at,omitzero"`
}

// Cycle is one run of a timer, from its start to its completion or
// cancellation. A timer's current cycle is embedded in the [Timer]; earlier
// cycles are kept in [Timer.Cycles].
//
// Durations are exact to the nanosecond. Elapsed and the other counters are
// as of the timer's UpdatedAt; [Timer.Status] gives them at any instant.
type Cycle struct {
	// Number counts cycles from 1; it is 0 for a timer that has not
	// started (see [Timer.Started]).
	Number int `json:"cycle"`
	// Stage is where the cycle stands; empty for a timer that has not
	// started.
	Stage Stage `json:"stage,omitempty"`
	// Breached is set once the business elapsed time reaches Goal, and
	// stays set for the cycle, unless a change delivered late shows that
	// the breach, fired on a projection, did not happen (then it is set
	// again when the target is really used up): it is the breach
	// deadline's Reached.
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
	// PausedSince is when the current pause began; zero unless the stage
	// is paused.
	PausedSince time.Time `json:"paused_since,omitzero"`
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
	// Resumed lists, oldest first, when the cycle went back in progress
	// after a pause and its business elapsed time then. With StartedAt
	// (elapsed time zero) they say when the elapsed time reached any
	// amount: a threshold that a shorter target puts behind the elapsed
	// time (a priority raise) is dated when the elapsed time crossed it,
	// not when the target changed.
	Resumed []Resumption `json:"resumed,omitempty"`
}

// Resumption is a cycle going back in progress after a pause: at At, with
// Elapsed business time counted until then.
type Resumption struct {
	// At is when the cycle resumed.
	At time.Time `json:"at"`
	// Elapsed is the cycle's business elapsed time at At.
	Elapsed time.Duration `json:"business_elapsed"`
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
// earlier cycles, what it last saw of the record, and the [Journal] that
// lets it take changes delivered late or twice.
//
// Timers are values the host stores (see [Store]); they carry no reference
// to their agreement, so the operations that count business time
// ([Timer.Observe], [Timer.ObserveVersion], [Timer.Status]) take the
// agreement or its calendar. [Timer.Evaluate] and [Timer.NextDeadline]
// need neither: deadlines are stored as instants, which is what makes
// evaluating many timers cheap.
//
// A timer that has not started ([NewTimer]; Number 0, empty Stage) waits
// for its agreement's start rule to hold. [Engine] stores such timers for
// every record it follows, so that a change delivered out of order is never
// lost, even before the timer starts; [Engine.Timers] leaves them out.
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
	// RecordVersion is the newest record version observed
	// ([Timer.ObserveVersion], [Replay] and [Engine] set it); 0 when only
	// observations without a version were made.
	RecordVersion int64 `json:"record_version,omitempty"`
	// AgreementID is the agreement's ID.
	AgreementID string `json:"agreement_id"`
	// Type is the agreement's type, copied for notifications.
	Type AgreementType `json:"type"`
	// Target is the agreement's target, copied for notifications.
	Target Target `json:"target"`
	// Cycle is the current cycle (Number 0 before the timer starts).
	Cycle
	// Cycles are the earlier cycles, oldest first.
	Cycles []Cycle `json:"cycles,omitempty"`
	// Next is the earliest instant at which Evaluate has something to do:
	// a deadline not yet fired is reached, or one that fired before a late
	// change moved it is reached again (see [Timer.NextDeadline]); zero
	// when nothing is pending. Stores index it to answer [Store.Due].
	Next time.Time `json:"next_deadline,omitzero"`
	// Snapshot is the record as last observed (in version order).
	Snapshot lifecycle.Snapshot `json:"snapshot"`
	// UpdatedAt is the instant of the last observation: the counters are
	// exact up to it.
	UpdatedAt time.Time `json:"updated_at"`
	// Prior is, for an agreement with KeepHistory, the record's time
	// before the timer started, counted as the agreement counts a cycle
	// (see [Agreement.KeepHistory]): StartedAt is where counting began,
	// Stage how the record stood at the last observation (in progress,
	// paused, or completed while Stop held). The first cycle takes it over
	// when it starts; it is nil otherwise.
	Prior *Cycle `json:"prior,omitempty"`
	// Journal is what the timer keeps of the record versions it observed,
	// to rebuild itself when an older version arrives late (see
	// [Timer.ObserveVersion]). It is empty (but for orphans) while
	// versions arrive in order.
	Journal Journal `json:"journal,omitzero"`
}

// TimerID returns the ID of the timer of agreementID on recordID:
// "INC0000042/p1-resolution". There is one timer per record and agreement;
// several cycles live in it.
func TimerID(recordID, agreementID string) string { return recordID + "/" + agreementID }

// Clone returns a deep copy of t.
func (t *Timer) Clone() *Timer {
	c := new(Timer)
	t.CopyTo(c)
	return c
}

// CopyTo sets *dst to a deep copy of t, as [Timer.Clone] returns, and
// reuses the memory of dst's current-cycle Deadlines when it is large
// enough. A store uses it to copy a timer over the copy it keeps, or into
// memory it allocated for a batch. dst must not share memory with anything
// still in use: its Deadlines are overwritten.
func (t *Timer) CopyTo(dst *Timer) {
	dl := dst.Deadlines[:0]
	*dst = *t
	if t.Deadlines != nil {
		if dl == nil { // an empty list stays a list, not nil
			dl = make([]Deadline, 0, len(t.Deadlines))
		}
		dst.Deadlines = append(dl, t.Deadlines...)
	}
	dst.Resumed = slices.Clone(t.Resumed)
	dst.Prior = clonePrior(t.Prior)
	dst.Cycles = cloneCycles(t.Cycles)
	dst.Snapshot = t.Snapshot.Clone()
	dst.Journal = t.Journal.clone()
}

func (c Cycle) clone() Cycle {
	c.Deadlines = slices.Clone(c.Deadlines)
	c.Resumed = slices.Clone(c.Resumed)
	return c
}

func clonePrior(p *Cycle) *Cycle {
	if p == nil {
		return nil
	}
	c := p.clone()
	return &c
}

func cloneCycles(cs []Cycle) []Cycle {
	if cs == nil {
		return nil
	}
	out := make([]Cycle, len(cs))
	for i, c := range cs {
		out[i] = c.clone()
	}
	return out
}

// Started reports whether the timer has started: its agreement's start
// rule held at one of its observations. A timer that has not started has
// Number 0, an empty Stage and no deadlines.
func (t *Timer) Started() bool { return t.Number > 0 }

// NewTimer returns the timer of a on record recordID before anything was
// observed: it has not started, and starts at the first observation
// ([Timer.Observe], [Timer.ObserveVersion]) where a's start rule holds.
// Errors are *lifecycle.ValidationError: an invalid agreement (see
// [Agreement.Validate]) or an empty record ID.
func NewTimer(a *Agreement, recordID string) (*Timer, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if recordID == "" {
		return nil, lifecycle.Invalid("record", "a record ID is required")
	}
	return newTimer(a, recordID), nil
}

func newTimer(a *Agreement, recordID string) *Timer {
	return &Timer{
		ID:          TimerID(recordID, a.ID),
		RecordID:    recordID,
		AgreementID: a.ID,
		Type:        a.Type,
		Target:      a.Target,
	}
}

// Attach starts a timer of a on record recordID, observed as s at instant
// at, when a's start rule holds (Start holds, Stop and the cancel rule do
// not, and s's priority has a target duration). It reports false, and
// returns nil, otherwise. With a StartAt, the first cycle starts
// retroactively and the time since counts as elapsed; if Pause holds the
// timer starts paused.
//
// Errors are *lifecycle.ValidationError, and no timer is returned: an
// invalid agreement (see [Agreement.Validate]), an empty record ID, a zero
// instant.
func Attach(a *Agreement, recordID string, s lifecycle.Snapshot, at time.Time) (*Timer, bool, error) {
	t, err := NewTimer(a, recordID)
	if err != nil {
		return nil, false, err
	}
	if at.IsZero() {
		return nil, false, errNoInstant
	}
	if !a.startable(s) {
		return nil, false, nil
	}
	t.apply(a, s, at)
	t.Next = t.nextDeadline()
	return t, true, nil
}

var errNoInstant = lifecycle.Invalid("at", "the instant of the observation is required")

// check validates the arguments of an observation of t.
func (t *Timer) check(a *Agreement, at time.Time) error {
	if t == nil {
		return lifecycle.Invalid("timer", "is nil")
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if a.ID != t.AgreementID {
		return lifecycle.Invalid("agreement", "timer %q follows agreement %q, not %q", t.ID, t.AgreementID, a.ID)
	}
	if at.IsZero() {
		return errNoInstant
	}
	return nil
}

// newCycle returns cycle n, started at start for s's priority. Deadlines
// that fired in an earlier cycle n that a rebuild took away stay fired.
func (t *Timer) newCycle(a *Agreement, s lifecycle.Snapshot, start time.Time, n int) Cycle {
	goal, _ := a.Goal(s.Priority)
	c := Cycle{
		Number:    n,
		Stage:     StageInProgress,
		Priority:  s.Priority,
		StartedAt: start,
		Deadlines: a.deadlines(),
	}
	c.setGoal(goal)
	t.Journal.claimOrphans(&c)
	return c
}

// Observe feeds the timer the record's new snapshot s, seen at instant at,
// and applies a's conditions in ServiceNow's order: complete (Stop), pause,
// resume, reset, cancel; a completed or cancelled timer starts a new cycle
// when the start rule holds again (unless a.SingleCycle) or Reset holds. A
// timer that has not started starts, as [Attach] would, when the start rule
// holds.
//
// Time between the previous observation and at is counted first, in the
// stage the timer was in: business time on a's calendar and wall-clock
// time, as elapsed while in progress and as paused time while paused. A
// change of priority then replaces the target duration, keeping elapsed and
// paused time. An instant before the previous observation counts as the
// previous observation (time never runs backwards).
//
// Observe does not know the record's version: it takes s as the newest
// state, and a later [Timer.ObserveVersion] will not place older versions
// before it. Use ObserveVersion when the changes carry versions.
//
// Errors are *lifecycle.ValidationError, and the timer is unchanged: an
// invalid agreement, an agreement other than the timer's (a.ID must be its
// AgreementID), a zero instant.
func (t *Timer) Observe(a *Agreement, s lifecycle.Snapshot, at time.Time) error {
	if err := t.check(a, at); err != nil {
		return err
	}
	t.Journal.close()
	t.apply(a, s, at)
	t.Next = t.nextDeadline()
	return nil
}

// apply observes s at at: it starts a timer that has not started when the
// start rule holds, and otherwise runs the conditions. It leaves Next to
// the caller.
func (t *Timer) apply(a *Agreement, s lifecycle.Snapshot, at time.Time) {
	if !t.Started() {
		if a.KeepHistory {
			t.keepPrior(a, s, at)
		}
		t.Snapshot = s.Clone()
		t.UpdatedAt = at
		if a.startable(s) {
			t.start(a, s, at)
		}
		return
	}
	t.observe(a, s, at)
}

// keepPrior counts, for a timer that has not started, the time from its
// previous observation to at in the stage Prior was in, then sets Prior's
// stage from s. The first observation begins Prior at a's StartAt (or at),
// counting the time before at as elapsed, as a retroactive start does.
func (t *Timer) keepPrior(a *Agreement, s lifecycle.Snapshot, at time.Time) {
	cal := a.Calendar
	p := t.Prior
	if p == nil {
		start := at
		if a.StartAt != nil {
			if st := a.StartAt(s); !st.IsZero() && st.Before(at) {
				start = st
			}
		}
		p = &Cycle{Stage: StageInProgress, StartedAt: start}
		t.Prior = p
		t.UpdatedAt = start
	}
	from := t.UpdatedAt
	if at.After(from) {
		switch p.Stage {
		case StageInProgress:
			p.Elapsed += cal.Between(from, at)
			p.ActualElapsed += at.Sub(from)
		case StagePaused:
			p.Paused += cal.Between(from, at)
			p.ActualPaused += at.Sub(from)
		}
	}
	switch {
	case a.Stop(s):
		p.Stage, p.PausedSince = StageCompleted, time.Time{}
	case a.pauses(s):
		if p.Stage != StagePaused {
			p.Stage, p.PausedSince = StagePaused, at
		}
	default:
		if p.Stage != StageInProgress {
			p.Resumed = append(p.Resumed, Resumption{At: at, Elapsed: p.Elapsed})
		}
		p.Stage, p.PausedSince = StageInProgress, time.Time{}
	}
}

// start starts the first cycle, observed as s at at (retroactively with a
// StartAt). With a Prior, the cycle takes over its counters, counted up to
// at: it starts where Prior began.
func (t *Timer) start(a *Agreement, s lifecycle.Snapshot, at time.Time) {
	if p := t.Prior; p != nil {
		t.Prior = nil
		t.Cycle = t.newCycle(a, s, p.StartedAt, 1)
		t.Elapsed, t.ActualElapsed = p.Elapsed, p.ActualElapsed
		t.Paused, t.ActualPaused = p.Paused, p.ActualPaused
		t.Resumed = p.Resumed
		t.UpdatedAt = at
		if a.pauses(s) {
			t.Stage, t.PausedSince = StagePaused, at
			if p.Stage == StagePaused {
				t.PausedSince = p.PausedSince
			}
		}
		t.Cycle.plan(a.Calendar, at)
		return
	}
	start := at
	if a.StartAt != nil {
		if st := a.StartAt(s); !st.IsZero() && st.Before(at) {
			start = st
		}
	}
	t.UpdatedAt = start
	t.Cycle = t.newCycle(a, s, start, 1)
	t.account(a.Calendar, at)
	if a.pauses(s) {
		t.Stage, t.PausedSince = StagePaused, at
	}
	t.Cycle.plan(a.Calendar, at)
}

// observe runs a's conditions on a started timer.
func (t *Timer) observe(a *Agreement, s lifecycle.Snapshot, at time.Time) {
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
				t.Priority = s.Priority
				t.Cycle.setGoal(g)
			}
		}
		if a.Stop(s) {
			t.stop(cal, StageCompleted, at)
		} else {
			if t.Stage == StageInProgress && a.pauses(s) {
				t.Stage, t.PausedSince = StagePaused, at
			} else if t.Stage == StagePaused && a.resumes(s) {
				t.Stage, t.PausedSince = StageInProgress, time.Time{}
				t.Resumed = append(t.Resumed, Resumption{At: at, Elapsed: t.Elapsed})
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
}

// Replay rebuilds the timer of a on a record from the record's audit
// history: starting from first (the record as created, or a snapshot
// holding only its OpenedAt and Attributes), each record of history is
// applied with [lifecycle.Snapshot.Apply] and observed at its Time (the
// first one where the start rule holds starts the timer). It reports
// false, and returns nil, when the timer never started.
//
// Replay gives exactly the timer that observing the same changes one by one
// gives ([Attach], then [Timer.Observe]; or [NewTimer], then
// [Timer.ObserveVersion] of each version, in any order), with
// RecordVersion set to the last record's Seq, an empty Journal and no
// deadline fired: this is how a timer is repaired or recomputed after an
// agreement's calendar or durations changed. Only the standard fields of
// Snapshot.Apply change along the way, so conditions that read Attributes
// see them as they are in first.
//
// Errors are *lifecycle.ValidationError, and no timer is returned: an
// invalid agreement, an empty record ID, a history whose Seq numbers are
// not positive and increasing, a record without a Time.
func Replay(a *Agreement, recordID string, first lifecycle.Snapshot, history []lifecycle.Record) (*Timer, bool, error) {
	t, err := NewTimer(a, recordID)
	if err != nil {
		return nil, false, err
	}
	if err := checkHistory(history); err != nil {
		return nil, false, err
	}
	if !t.replay(a, first, history) {
		return nil, false, nil
	}
	return t, true, nil
}

// replay is Replay on checked arguments, for a timer that has observed
// nothing; it reports whether the timer started.
func (t *Timer) replay(a *Agreement, first lifecycle.Snapshot, history []lifecycle.Record) bool {
	s := first.Clone()
	for _, r := range history {
		s = s.Apply(r)
		t.apply(a, s, r.Time)
	}
	if !t.Started() {
		return false
	}
	t.RecordVersion = int64(history[len(history)-1].Seq)
	t.Next = t.nextDeadline()
	return true
}

// checkHistory reports the first record of history whose Seq does not
// follow the previous one's (they start at 1 or more and increase) or that
// has no Time.
func checkHistory(history []lifecycle.Record) error {
	last := 0
	for i, r := range history {
		if r.Seq <= last {
			return lifecycle.Invalid(fmt.Sprintf("history[%d].seq", i), "%d does not follow %d", r.Seq, last)
		}
		if r.Time.IsZero() {
			return lifecycle.Invalid(fmt.Sprintf("history[%d].time", i), "the instant of the change is required")
		}
		last = r.Seq
	}
	return nil
}

// stop ends the current cycle.
func (t *Timer) stop(cal *Calendar, stage Stage, at time.Time) {
	t.Stage = stage
	t.StoppedAt = at
	t.PausedSince = time.Time{}
	t.Cycle.plan(cal, at)
}

// restart archives the current cycle and starts the next one at at.
func (t *Timer) restart(a *Agreement, s lifecycle.Snapshot, at time.Time) {
	t.Cycles = append(t.Cycles, t.Cycle)
	t.Cycle = t.newCycle(a, s, at, t.Number+1)
	if a.pauses(s) {
		t.Stage, t.PausedSince = StagePaused, at
	}
}

// account counts the time from the previous observation to at in the
// current stage. While in progress, it marks the deadlines whose threshold
// the elapsed time crossed, at the instant it did; and it withdraws the
// reach of a deadline Evaluate took as reached on a projection (its At is
// after the previous observation) that the elapsed time did not cross: a
// change delivered late showed the cycle paused or stopped before.
func (t *Timer) account(cal *Calendar, at time.Time) {
	from := t.UpdatedAt
	if at.Before(from) {
		at = from
	}
	c := &t.Cycle
	switch c.Stage {
	case StageInProgress:
		e0 := c.Elapsed
		if at.After(from) {
			c.Elapsed += cal.Between(from, at)
			c.ActualElapsed += at.Sub(from)
		}
		for i := range c.Deadlines {
			d := &c.Deadlines[i]
			if d.Reached && !d.At.After(from) {
				continue // reached as observed
			}
			thr := d.threshold(c.Goal)
			if thr > c.Elapsed {
				if d.Reached { // a projection that did not come true
					d.Reached = false
					if d.Breach {
						c.Breached = false
					}
				}
				continue
			}
			d.Reached = true
			if thr > e0 {
				d.At = cal.Add(from, thr-e0)
			} else {
				d.At = c.crossing(cal, thr, from)
			}
			if d.At.After(at) {
				d.At = at
			}
			if d.Breach {
				c.Breached = true
			}
		}
	case StagePaused:
		if at.After(from) {
			c.Paused += cal.Between(from, at)
			c.ActualPaused += at.Sub(from)
		}
	}
	t.UpdatedAt = at
}

// plan recomputes the deadlines' instants at instant at: thresholds the
// elapsed time has passed (after a shorter target) are reached, dated when
// the elapsed time crossed them (see [Cycle.Resumed]); the others are
// projected while in progress and cleared otherwise.
func (c *Cycle) plan(cal *Calendar, at time.Time) {
	running := c.Stage == StageInProgress
	for i := range c.Deadlines {
		d := &c.Deadlines[i]
		if d.Reached {
			continue
		}
		thr := d.threshold(c.Goal)
		switch {
		case thr <= c.Elapsed: // a shorter target put it behind
			d.Reached = true
			d.At = c.crossing(cal, thr, at)
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

// crossing returns the instant at which the cycle's business elapsed time
// reached thr, which it has reached by at: in the running stretch that
// began at the last resumption (or the start) with less elapsed time than
// thr. It is at most at.
func (c *Cycle) crossing(cal *Calendar, thr time.Duration, at time.Time) time.Time {
	from, e := c.StartedAt, time.Duration(0)
	for _, r := range c.Resumed {
		if r.Elapsed >= thr {
			break
		}
		from, e = r.At, r.Elapsed
	}
	when := cal.Add(from, thr-e)
	if when.After(at) {
		when = at
	}
	return when
}

// pending reports whether Evaluate has something to do for d once d.At has
// come: fire it, or, if it fired before a late change moved it, mark it
// reached again.
func (d *Deadline) pending() bool { return !d.At.IsZero() && !(d.Fired && d.Reached) }

func (t *Timer) nextDeadline() time.Time {
	var next time.Time
	scan := func(c *Cycle) {
		for i := range c.Deadlines {
			d := &c.Deadlines[i]
			if d.pending() && (next.IsZero() || d.At.Before(next)) {
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
// may be in the past: a deadline reached but not yet evaluated. It is also
// the instant at which a deadline that fired before a late change moved it
// is reached again (Evaluate then marks it reached without an event).
func (t *Timer) NextDeadline() (time.Time, bool) { return t.Next, !t.Next.IsZero() }

// Evaluate returns the warning and breach events of every deadline reached
// at or before at that has not fired yet, marks them fired and reached, and
// updates Next. Each deadline of each cycle fires exactly once, however
// often and however late Evaluate is called; a deadline reached before the
// cycle stopped still fires after it stopped. A deadline of a running cycle
// whose projected instant has come counts as reached, provisionally: the
// next observation withdraws it if the record had paused or stopped
// before (a change delivered late), and then the event, already out, is not
// fired again when the threshold is really reached. Events come oldest
// cycle first, in threshold order, with:
//
//   - Process "sla", Subject the timer's ID, Type [EventWarning] or
//     [EventBreached], Actor "system";
//   - Time the instant the threshold was reached (not at), and ID
//     lifecycle.NotificationID("sla", timer ID, cycle number, deadline index), so
//     the same deadline always yields the same event, which lets hosts
//     deduplicate;
//   - Version t.Version (the Engine increments it before evaluating, so it
//     is the version stored with the fired flags);
//   - From and To the cycle's stage, Snapshot the record as last observed,
//     and Payload a *[Details], as described at [EventWarning].
//
// When nothing is due it returns nil at the cost of one comparison.
func (t *Timer) Evaluate(at time.Time) []lifecycle.Notification {
	events, _ := t.evaluate(at)
	return events
}

// evaluate is Evaluate, reporting also whether it changed t: it does
// whenever something was due, even without an event (a deadline that had
// fired, reached again).
func (t *Timer) evaluate(at time.Time) ([]lifecycle.Notification, bool) {
	if t.Next.IsZero() || at.Before(t.Next) {
		return nil, false
	}
	// The events, their IDs and their details are allocated once each,
	// sized first.
	n := 0
	for i := range t.Cycles {
		n = t.Cycles[i].count(at, n)
	}
	n = t.Cycle.count(at, n)
	var out []lifecycle.Notification
	var f firing
	if n > 0 {
		out = make([]lifecycle.Notification, 0, n)
		f.details = make([]Details, n)
		f.ids.grow(t, at)
	}
	for i := range t.Cycles {
		out = t.fire(&t.Cycles[i], at, out, &f)
	}
	out = t.fire(&t.Cycle, at, out, &f)
	t.Next = t.nextDeadline()
	return out, true
}

// firing is the memory of the events one evaluation fires: the buffer of
// their IDs, and their details, one each.
type firing struct {
	ids     eventIDs
	details []Details
}

// count adds to n the deadlines of c that fire at at.
func (c *Cycle) count(at time.Time, n int) int {
	for i := range c.Deadlines {
		if c.Deadlines[i].fires(at) {
			n++
		}
	}
	return n
}

// fires reports whether d fires at at: it has not fired and its instant
// has come.
func (d *Deadline) fires(at time.Time) bool {
	return !d.Fired && !d.At.IsZero() && !d.At.After(at)
}

// fire marks reached the deadlines of c pending at at, and fires those
// not fired yet, in the memory of f.
func (t *Timer) fire(c *Cycle, at time.Time, out []lifecycle.Notification, f *firing) []lifecycle.Notification {
	for i := range c.Deadlines {
		d := &c.Deadlines[i]
		if !d.pending() || d.At.After(at) {
			continue
		}
		fires := !d.Fired
		d.Reached = true
		if d.Breach {
			c.Breached = true
		}
		if !fires {
			continue // notified before a late change moved it
		}
		d.Fired = true
		out = append(out, t.event(c, d, f.ids.id(t, c, i), &f.details[len(out)]))
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
	// PausedSince is when the current pause began; zero unless paused.
	PausedSince time.Time
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
// calendar. It does not modify t. A timer that has not started has the
// zero Status.
func (t *Timer) Status(cal *Calendar, at time.Time) Status {
	if !t.Started() {
		return Status{}
	}
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
		PausedSince:   c.PausedSince,
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
