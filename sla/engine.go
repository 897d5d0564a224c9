package sla

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Config configures an [Engine]. Zero values of the optional fields mean
// the documented defaults.
type Config struct {
	// Store keeps the timers. Required.
	Store Store
	// Notifier receives warnings and breaches after the timers that fired
	// them are stored; nil discards them.
	Notifier lifecycle.Notifier
	// Clock tells the time when an observed change makes a deadline due at
	// once; nil is the system clock.
	Clock lifecycle.Clock
	// Agreements are the agreements the engine applies. At least one is
	// required; each must be valid and have its own ID.
	Agreements []*Agreement
	// Owner names this replica in claims when Store is a [Claimer];
	// empty means a random name.
	Owner string
	// Lease is how long a claim keeps other replicas off a due timer;
	// zero means one minute.
	Lease time.Duration
	// Batch is how many due timers EvaluateDue loads at a time; zero means
	// 100.
	Batch int
}

// Engine runs agreements' timers for every record whose events it sees. It
// is a [lifecycle.Notifier]: put it in the Notifier of the incident,
// problem or change service (lifecycle.Fanout with the host's own notifier)
// and it follows their records, attaching timers when start conditions hold
// and observing every later change.
//
// Engine holds no state between calls: it loads timers, changes copies and
// stores them with the version it read, then notifies (store, then
// notify). It is safe for concurrent use, and several replicas may share a
// Store.
type Engine struct {
	store      Store
	notifier   lifecycle.Notifier
	clock      lifecycle.Clock
	agreements []*Agreement
	byID       map[string]*Agreement
	owner      string
	lease      time.Duration
	batch      int
}

var _ lifecycle.Notifier = (*Engine)(nil)

// conflictRetries is how many times Observe reloads after a concurrent
// change to the same record's timers.
const conflictRetries = 5

// New checks cfg and returns an Engine. A missing Store, no agreements, an
// invalid agreement or two agreements with one ID is a
// *lifecycle.ValidationError.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, lifecycle.Invalid("store", "a timer store is required")
	}
	if len(cfg.Agreements) == 0 {
		return nil, lifecycle.Invalid("agreements", "at least one agreement is required")
	}
	if cfg.Lease < 0 {
		return nil, lifecycle.Invalid("lease", "%v is negative", cfg.Lease)
	}
	if cfg.Batch < 0 {
		return nil, lifecycle.Invalid("batch", "%d is negative", cfg.Batch)
	}
	e := &Engine{
		store:    cfg.Store,
		notifier: lifecycle.NotifierOrDiscard(cfg.Notifier),
		clock:    lifecycle.ClockOrSystem(cfg.Clock),
		byID:     make(map[string]*Agreement, len(cfg.Agreements)),
		owner:    cfg.Owner,
		lease:    cfg.Lease,
		batch:    cfg.Batch,
	}
	for _, a := range cfg.Agreements {
		if err := a.Validate(); err != nil {
			return nil, err
		}
		if e.byID[a.ID] != nil {
			return nil, lifecycle.Invalid("agreements", "agreement ID %q is used twice", a.ID)
		}
		e.byID[a.ID] = a
		e.agreements = append(e.agreements, a)
	}
	if e.owner == "" {
		e.owner = lifecycle.RandomIDs("sla-")()
	}
	if e.lease == 0 {
		e.lease = time.Minute
	}
	if e.batch == 0 {
		e.batch = 100
	}
	return e, nil
}

// Agreement returns the agreement with id.
func (e *Engine) Agreement(id string) (*Agreement, bool) {
	a, ok := e.byID[id]
	return a, ok
}

// Timers returns the timers of recordID, ordered by ID.
func (e *Engine) Timers(ctx context.Context, recordID string) ([]*Timer, error) {
	return e.store.ListByRecord(ctx, recordID)
}

// Notify observes each event in turn (see [Engine.Observe]) and returns
// their errors joined. It makes the Engine a lifecycle.Notifier.
func (e *Engine) Notify(ctx context.Context, events ...lifecycle.Event) error {
	var errs []error
	for _, ev := range events {
		if err := e.Observe(ctx, ev); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Observe follows one stored change of a record: ev.Subject is the record's
// ID, ev.Snapshot its state after the change, ev.Time when it happened (zero
// means the clock's now) and ev.Version its version. For every agreement of
// ev.Process (or of every process) it attaches a timer when there is none
// and the start rule holds,
// or feeds the existing timer the snapshot ([Timer.Observe]: completion,
// pause, resume, reset, cancel, priority change); then it fires whatever
// deadlines are already due (a priority raised past the target breaches at
// once), stores each timer and notifies.
//
// Events of the "sla" process are ignored, and so is an event whose
// non-zero Version a timer has already observed, so redelivered or
// reordered events are harmless. On a concurrent change to the same timers
// Observe reloads and tries again. A notifier failure is returned as a
// *lifecycle.NotifyError after the timer is stored, even when a conflict on
// another of the record's timers made Observe try again.
func (e *Engine) Observe(ctx context.Context, ev lifecycle.Event) error {
	if ev.Process == Process || ev.Subject == "" {
		return nil
	}
	var as []*Agreement
	for _, a := range e.agreements {
		if a.Process == "" || a.Process == ev.Process {
			as = append(as, a)
		}
	}
	if len(as) == 0 {
		return nil
	}
	if ev.Time.IsZero() {
		ev.Time = e.clock.Now()
	}
	// An attempt that meets a conflict may have stored other timers first;
	// those changes stand and the retry does not redo them, so their
	// errors (a notifier failure, an ambiguous write) are kept.
	var errs []error
	var conflict error
	for range conflictRetries {
		var err error
		err, conflict = e.observe(ctx, ev, as)
		if err != nil {
			errs = append(errs, err)
		}
		if conflict == nil {
			return errors.Join(errs...)
		}
	}
	return errors.Join(append(errs, conflict)...)
}

// observe feeds ev to the timers of agreements as. It stops at the first
// conflict, returned apart from the errors of the timers before it.
func (e *Engine) observe(ctx context.Context, ev lifecycle.Event, as []*Agreement) (err, conflict error) {
	timers, err := e.store.ListByRecord(ctx, ev.Subject)
	if err != nil {
		return err, nil
	}
	byAgreement := make(map[string]*Timer, len(timers))
	for _, t := range timers {
		byAgreement[t.AgreementID] = t
	}
	now := e.clock.Now()
	if now.Before(ev.Time) {
		now = ev.Time
	}
	var errs []error
	for _, a := range as {
		t := byAgreement[a.ID]
		var err error
		if t == nil {
			var ok bool
			if t, ok = Attach(a, ev.Subject, ev.Snapshot, ev.Time); !ok {
				continue
			}
			t.RecordVersion = ev.Version
			t.Version = 1
			err = lifecycle.CommitCreate(ctx, e.store, e.notifier, t, t.Evaluate(now))
		} else {
			if ev.Version != 0 && ev.Version <= t.RecordVersion {
				continue
			}
			expected := t.Version
			t.Observe(a, ev.Snapshot, ev.Time)
			t.RecordVersion = max(t.RecordVersion, ev.Version)
			t.Version = expected + 1
			err = lifecycle.CommitUpdate(ctx, e.store, e.notifier, t, expected, t.Evaluate(now))
		}
		if errors.Is(err, lifecycle.ErrConflict) {
			return errors.Join(errs...), err
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...), nil
}

// EvaluateDue fires every warning and breach due at now: it loads the due
// timers (claiming them first when the Store is a [Claimer]), evaluates
// each ([Timer.Evaluate]), stores it over the version it read and then
// notifies its events. It returns how many events it stored. A timer
// another replica changed meanwhile is skipped (that replica fires its
// events), so each event is notified once across replicas. Errors are
// joined; a notifier failure does not stop the others.
//
// A host runs it from a scheduler: after each run, [Engine.NextDeadline]
// says when to run next.
func (e *Engine) EvaluateDue(ctx context.Context, now time.Time) (int, error) {
	seen := map[string]bool{}
	fired := 0
	var errs []error
	for {
		batch, err := e.due(ctx, now)
		if err != nil {
			errs = append(errs, err)
			break
		}
		progress := false
		for _, t := range batch {
			if seen[t.ID] {
				continue
			}
			seen[t.ID], progress = true, true
			expected := t.Version
			t.Version++
			events := t.Evaluate(now)
			if len(events) == 0 {
				continue
			}
			err := lifecycle.CommitUpdate(ctx, e.store, e.notifier, t, expected, events)
			var ne *lifecycle.NotifyError
			switch {
			case err == nil:
				fired += len(events)
			case errors.Is(err, lifecycle.ErrConflict):
			case errors.As(err, &ne):
				fired += len(events)
				errs = append(errs, err)
			default:
				errs = append(errs, err)
			}
		}
		if !progress || len(batch) < e.batch || ctx.Err() != nil {
			break
		}
	}
	return fired, errors.Join(errs...)
}

func (e *Engine) due(ctx context.Context, now time.Time) ([]*Timer, error) {
	if c, ok := e.store.(Claimer); ok {
		return c.Claim(ctx, e.owner, now, e.batch, e.lease)
	}
	return e.store.Due(ctx, now, e.batch)
}

// farFuture is later than any deadline, and still within the range of
// Unix nanoseconds (2262), which stores may use to index Next.
var farFuture = time.Unix(0, math.MaxInt64).UTC()

// NextDeadline returns the earliest deadline pending among all stored
// timers, and false when none is: when a scheduler should next call
// EvaluateDue. The instant may be in the past (work is waiting).
func (e *Engine) NextDeadline(ctx context.Context) (time.Time, bool, error) {
	ts, err := e.store.Due(ctx, farFuture, 1)
	if err != nil || len(ts) == 0 {
		return time.Time{}, false, err
	}
	return ts[0].Next, true, nil
}

// Repair recomputes the timers of a record from its audit history, as
// [Replay] does for each agreement of process (or of every process), and
// stores the results over the stored timers; use it after an agreement's
// calendar or durations changed, or to repair timers that missed events.
// Deadlines that already fired stay fired (matched by cycle number and
// threshold), so nothing is notified twice; deadlines the new computation
// finds due at the clock's now fire. Stored timers whose agreement no
// longer attaches are left as they are. It returns the record's timers.
func (e *Engine) Repair(ctx context.Context, process, recordID string, first lifecycle.Snapshot, history []lifecycle.Record) ([]*Timer, error) {
	// As in Observe, the errors of an attempt that met a conflict are kept:
	// the timers it stored stand.
	var errs []error
	var conflict error
	for range conflictRetries {
		var err error
		err, conflict = e.repair(ctx, process, recordID, first, history)
		if err != nil {
			errs = append(errs, err)
		}
		if conflict != nil {
			continue
		}
		if err := errors.Join(errs...); err != nil {
			var ne *lifecycle.NotifyError
			if !errors.As(err, &ne) {
				return nil, err
			}
			ts, lerr := e.store.ListByRecord(ctx, recordID)
			return ts, errors.Join(err, lerr)
		}
		return e.store.ListByRecord(ctx, recordID)
	}
	return nil, errors.Join(append(errs, conflict)...)
}

// repair stores the replayed timers of recordID. It stops at the first
// conflict, returned apart from the errors of the timers before it.
func (e *Engine) repair(ctx context.Context, process, recordID string, first lifecycle.Snapshot, history []lifecycle.Record) (err, conflict error) {
	timers, err := e.store.ListByRecord(ctx, recordID)
	if err != nil {
		return err, nil
	}
	old := make(map[string]*Timer, len(timers))
	for _, t := range timers {
		old[t.AgreementID] = t
	}
	now := e.clock.Now()
	var errs []error
	for _, a := range e.agreements {
		if a.Process != "" && a.Process != process {
			continue
		}
		t, ok := Replay(a, recordID, first, history)
		if !ok {
			continue
		}
		prev := old[a.ID]
		if prev == nil {
			t.Version = 1
			err = lifecycle.CommitCreate(ctx, e.store, e.notifier, t, t.Evaluate(now))
		} else {
			keepFired(t, prev)
			t.Version = prev.Version + 1
			err = lifecycle.CommitUpdate(ctx, e.store, e.notifier, t, prev.Version, t.Evaluate(now))
		}
		if errors.Is(err, lifecycle.ErrConflict) {
			return errors.Join(errs...), err
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...), nil
}

// keepFired marks fired in t every deadline that fired in prev, and, as
// Evaluate does when it fires one, reached (the cycle breached, for the
// breach): a deadline that fired stays reached and a cycle whose breach
// fired stays breached.
func keepFired(t, prev *Timer) {
	fired := map[[2]float64]bool{} // (cycle, percent; breach as -1)
	key := func(n int, d Deadline) [2]float64 {
		p := d.Percent
		if d.Breach {
			p = -1
		}
		return [2]float64{float64(n), p}
	}
	mark := func(c *Cycle, set bool) {
		for i := range c.Deadlines {
			d := &c.Deadlines[i]
			if set && d.Fired {
				fired[key(c.Number, *d)] = true
			} else if !set && fired[key(c.Number, *d)] {
				d.Reached, d.Fired = true, true
				if d.Breach {
					c.Breached = true
				}
			}
		}
	}
	for i := range prev.Cycles {
		mark(&prev.Cycles[i], true)
	}
	mark(&prev.Cycle, true)
	for i := range t.Cycles {
		mark(&t.Cycles[i], false)
	}
	mark(&t.Cycle, false)
	t.Next = t.nextDeadline()
}
