package sla

import (
	"cmp"
	"slices"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// ReorderWindow is how many record versions back a change may arrive late
// and still be counted where it belongs: a timer whose newest observed
// version is n rebuilds itself for a missing version above n-ReorderWindow,
// and ignores an older one (as it ignores a redelivered version). It bounds
// what a timer keeps: at most this many observations, and only while a
// version is missing.
const ReorderWindow = 32

// Journal is what a timer keeps of the record versions it observed, so
// that a version delivered late is counted where it belongs. While versions
// arrive in order (every version one more than the last) it is empty but
// for Orphans: the timer's RecordVersion says how far it got. When a
// version is missing, it holds the version before the gap (Through), the
// state as of that version (Base) and every observation since (Pending),
// until the gap is filled or falls out of the [ReorderWindow].
type Journal struct {
	// Through is, while Pending is not empty, the record version up to
	// which every version has been observed (or, out of the window, given
	// up as lost): a version at or below it is never observed again. It is
	// zero when Pending is empty: every version up to the timer's
	// RecordVersion has then been observed.
	Through int64 `json:"through,omitempty"`
	// Base is the timer's state as of Through while Pending is not empty:
	// where a rebuild starts. It is nil when Pending is empty, and when
	// the timer had not started by Through.
	Base *Checkpoint `json:"base,omitempty"`
	// Pending are the observed versions above Through, ascending; a gap
	// below one of them is a version not delivered yet.
	Pending []Observation `json:"pending,omitempty"`
	// Orphans are deadlines that fired in cycles a rebuild no longer has
	// (a late change renumbered the cycles): if such a cycle comes back,
	// its deadline counts as fired, so that no event ID is notified twice.
	Orphans []FiredDeadline `json:"orphans,omitempty"`
}

// Observation is one record version a timer observed, kept in its
// [Journal] while an older version is missing.
type Observation struct {
	// Version is the record's version.
	Version int64 `json:"version"`
	// Time is when the change happened.
	Time time.Time `json:"time"`
	// Snapshot is the record as it stood after the change.
	Snapshot lifecycle.Snapshot `json:"snapshot"`
}

// Checkpoint is a timer's state as of a record version: where a rebuild
// starts.
type Checkpoint struct {
	// Cycle is the timer's current cycle then.
	Cycle Cycle `json:"current"`
	// Cycles are the timer's earlier cycles then.
	Cycles []Cycle `json:"cycles,omitempty"`
	// Snapshot is the record as the timer had last observed it then.
	Snapshot lifecycle.Snapshot `json:"snapshot"`
	// UpdatedAt is the instant of the timer's last observation then.
	UpdatedAt time.Time `json:"updated_at"`
	// Prior is the timer's Prior then (see [Timer.Prior]).
	Prior *Cycle `json:"prior,omitempty"`
}

// FiredDeadline names a deadline of a cycle by its threshold.
type FiredDeadline struct {
	// Cycle is the cycle's Number.
	Cycle int `json:"cycle"`
	// Percent is the deadline's Percent.
	Percent float64 `json:"percent"`
	// Breach marks the breach deadline.
	Breach bool `json:"breach,omitempty"`
}

// ObserveVersion observes version v of the record (s as it stood after
// the change, made at instant at) as [Timer.Observe] does, but takes the
// changes as an at-least-once, unordered relay delivers them:
//
//   - a version already observed changes nothing (false);
//   - a version newer than all observed is observed at once, like Observe;
//   - an older version not yet observed is inserted where it belongs: the
//     timer is rebuilt from its [Journal] by observing the versions in
//     order, and becomes exactly the timer that in-order delivery gives
//     (the property tests check every permutation and duplication), but
//     for what it already notified. Deadlines that fired stay fired, so
//     nothing is notified twice; whether they are reached, and the cycle
//     breached, is what the rebuilt history says. A breach fired before a
//     late pause moved the target is thus withdrawn (Breached false, the
//     breach deadline Fired but not Reached) until the target is really
//     used up, when the cycle breaches again without a second event. This
//     is ServiceNow's SLA repair: it recomputes "has breached" from the
//     history and takes its repair path so as not to notify again;
//   - a version ReorderWindow or more below the newest observed, when it
//     was not observed, is too late: it is ignored (false).
//
// Versions start at 1 and grow by one per change, as lifecycle records'
// do; the journal stays empty as long as they arrive in order. Version 0
// means unknown: the change is observed as the newest, like Observe, and
// versions missing until then are given up. ObserveVersion reports whether
// the timer changed.
//
// Errors are *lifecycle.ValidationError, and the timer is unchanged: those
// of Observe, and a negative version.
func (t *Timer) ObserveVersion(a *Agreement, v int64, s lifecycle.Snapshot, at time.Time) (bool, error) {
	if err := t.check(a, at); err != nil {
		return false, err
	}
	if v < 0 {
		return false, lifecycle.Invalid("version", "%d is negative", v)
	}
	return t.observeVersion(a, v, s, at), nil
}

// observeVersion is ObserveVersion once its arguments are checked: the
// [Engine] calls it directly, having validated its agreements in [New]
// and each event's version and instant.
func (t *Timer) observeVersion(a *Agreement, v int64, s lifecycle.Snapshot, at time.Time) bool {
	j := &t.Journal
	through := j.Through
	if len(j.Pending) == 0 {
		through = t.RecordVersion
	}
	i, seen := j.find(v)
	if v != 0 && (v <= through || seen) {
		return false
	}
	switch {
	case v == 0:
		j.close()
		t.apply(a, s, at)
	case len(j.Pending) == 0 && v == through+1: // in order
		t.apply(a, s, at)
		t.RecordVersion = v
	case v > t.RecordVersion: // newest, after a gap
		if len(j.Pending) == 0 {
			j.Through, j.Base = through, t.checkpoint()
		}
		t.apply(a, s, at)
		j.Pending = append(j.Pending, Observation{Version: v, Time: at, Snapshot: s.Clone()})
		t.RecordVersion = v
		t.compact(a)
	default: // late
		j.Pending = slices.Insert(j.Pending, i, Observation{Version: v, Time: at, Snapshot: s.Clone()})
		t.rebuild(a)
		t.compact(a)
	}
	t.Next = t.nextDeadline()
	return true
}

// find returns where version v is, or belongs, among the pending
// observations, and whether it is there.
func (j *Journal) find(v int64) (int, bool) {
	return slices.BinarySearchFunc(j.Pending, v, func(o Observation, v int64) int { return cmp.Compare(o.Version, v) })
}

// close gives up the missing versions: the timer's state becomes the base
// of what follows, as of its RecordVersion.
func (j *Journal) close() {
	j.Through, j.Base, j.Pending = 0, nil, nil
}

// rebuild recomputes the timer from the journal's base and pending
// observations, keeping what already fired.
func (t *Timer) rebuild(a *Agreement) {
	fired := t.firedDeadlines()
	t.Journal.Orphans = nil
	t.restore(t.Journal.Base)
	for _, o := range t.Journal.Pending {
		t.apply(a, o.Snapshot, o.Time)
	}
	t.markFired(fired)
}

// compact folds into the base the pending observations that no missing
// version can precede any more: those right above Through, and those out
// of the reorder window (the versions missing below them are given up).
func (t *Timer) compact(a *Agreement) {
	j := &t.Journal
	limit := t.RecordVersion - ReorderWindow
	through, k := j.Through, 0
	for {
		if k < len(j.Pending) && (j.Pending[k].Version == through+1 || j.Pending[k].Version <= limit) {
			through = j.Pending[k].Version
			k++
			continue
		}
		if through < limit {
			through = limit
			continue
		}
		break
	}
	switch {
	case k == len(j.Pending): // the timer itself is the state as of through
		j.close()
		return
	case k > 0:
		b := &Timer{}
		b.restore(j.Base)
		for _, o := range j.Pending[:k] {
			b.apply(a, o.Snapshot, o.Time)
		}
		j.Base = b.checkpoint()
		j.Pending = slices.Clone(j.Pending[k:])
	}
	j.Through = through
}

// checkpoint returns a copy of the timer's state, nil if it has not
// started.
func (t *Timer) checkpoint() *Checkpoint {
	if !t.Started() && t.Prior == nil {
		return nil
	}
	return &Checkpoint{
		Cycle:     t.Cycle.clone(),
		Cycles:    cloneCycles(t.Cycles),
		Snapshot:  t.Snapshot.Clone(),
		UpdatedAt: t.UpdatedAt,
		Prior:     clonePrior(t.Prior),
	}
}

// restore sets the timer's state to a copy of cp (nil: not started).
func (t *Timer) restore(cp *Checkpoint) {
	if cp == nil {
		t.Cycle, t.Cycles, t.Snapshot, t.UpdatedAt, t.Prior = Cycle{}, nil, lifecycle.Snapshot{}, time.Time{}, nil
		return
	}
	t.Cycle = cp.Cycle.clone()
	t.Cycles = cloneCycles(cp.Cycles)
	t.Snapshot = cp.Snapshot.Clone()
	t.UpdatedAt = cp.UpdatedAt
	t.Prior = clonePrior(cp.Prior)
}

// firedDeadlines lists the deadlines that fired, orphans included.
func (t *Timer) firedDeadlines() []FiredDeadline {
	out := slices.Clone(t.Journal.Orphans)
	add := func(c *Cycle) {
		for _, d := range c.Deadlines {
			if d.Fired {
				out = append(out, FiredDeadline{Cycle: c.Number, Percent: d.Percent, Breach: d.Breach})
			}
		}
	}
	for i := range t.Cycles {
		add(&t.Cycles[i])
	}
	add(&t.Cycle)
	return out
}

// markFired marks fired the deadlines named in fired, matched by cycle
// number and threshold (the breach by itself: its percent is 100 whatever
// the agreement); those of cycles t does not have become orphans. It
// changes nothing else: whether a deadline is reached stays what t's
// history says.
func (t *Timer) markFired(fired []FiredDeadline) {
	for _, f := range fired {
		c := t.cycle(f.Cycle)
		if c == nil {
			t.Journal.Orphans = append(t.Journal.Orphans, f)
			continue
		}
		c.markFired(f)
	}
}

func (c *Cycle) markFired(f FiredDeadline) {
	for i := range c.Deadlines {
		d := &c.Deadlines[i]
		if d.Breach == f.Breach && (d.Breach || d.Percent == f.Percent) {
			d.Fired = true
			return
		}
	}
}

// cycle returns the cycle numbered n, nil if t has none.
func (t *Timer) cycle(n int) *Cycle {
	if n <= 0 {
		return nil
	}
	if n == t.Number {
		return &t.Cycle
	}
	for i := range t.Cycles {
		if t.Cycles[i].Number == n {
			return &t.Cycles[i]
		}
	}
	return nil
}

// claimOrphans marks fired the deadlines of the new cycle c that fired in
// an earlier cycle of the same number, and forgets those orphans.
func (j *Journal) claimOrphans(c *Cycle) {
	if len(j.Orphans) == 0 {
		return
	}
	j.Orphans = slices.DeleteFunc(j.Orphans, func(f FiredDeadline) bool {
		if f.Cycle != c.Number {
			return false
		}
		c.markFired(f)
		return true
	})
	if len(j.Orphans) == 0 {
		j.Orphans = nil
	}
}

func (j Journal) clone() Journal {
	if j.Base != nil {
		b := *j.Base
		b.Cycle = b.Cycle.clone()
		b.Cycles = cloneCycles(b.Cycles)
		b.Snapshot = b.Snapshot.Clone()
		b.Prior = clonePrior(b.Prior)
		j.Base = &b
	}
	if j.Pending != nil {
		p := make([]Observation, len(j.Pending))
		for i, o := range j.Pending {
			o.Snapshot = o.Snapshot.Clone()
			p[i] = o
		}
		j.Pending = p
	}
	j.Orphans = slices.Clone(j.Orphans)
	return j
}
