package sla

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
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

// Timers returns the timers of recordID that have started, ordered by ID.
// (The Store also holds, for every record the engine follows, the timers
// of agreements that have not started on it, so that changes delivered out
// of order are not lost; see [Timer.Started].) An empty recordID is a
// *lifecycle.ValidationError.
func (e *Engine) Timers(ctx context.Context, recordID string) ([]*Timer, error) {
	if recordID == "" {
		return nil, lifecycle.Invalid("record", "a record ID is required")
	}
	ts, err := e.store.ListByRecord(ctx, recordID)
	if err != nil {
		return nil, err
	}
	return started(ts), nil
}

// started returns the timers of ts that have started, in place.
func started(ts []*Timer) []*Timer {
	return slices.DeleteFunc(ts, func(t *Timer) bool { return !t.Started() })
}

// Notify observes each event in turn (see [Engine.Observe]) and returns
// their errors joined. It makes the Engine a lifecycle.Notifier.
func (e *Engine) Notify(ctx context.Context, events ...lifecycle.Notification) error {
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
// ev.Process (or of every process) it feeds the record's timer the change
// ([Timer.ObserveVersion]: start, completion, pause, resume, reset, cancel,
// priority change), creating the timer at the record's first event (one
// that has not started if the start rule does not hold yet); then it fires
// whatever deadlines are already due (a priority raised past the target
// breaches at once), stores each timer and notifies.
//
// Relays may deliver events more than once and out of order: a version a
// timer has already observed changes nothing and notifies nothing, and an
// older version that arrives after newer ones is counted where it belongs
// (the timer is rebuilt as if the versions had come in order: a pause
// delivered late is never lost). Deadlines that already fired are never
// notified again; a breach that the late change shows did not happen is
// withdrawn from the cycle (see [Timer.ObserveVersion]). An event without a
// Version (0) is taken as the newest, and one more than [ReorderWindow]
// versions late is ignored.
//
// Events of the "sla" process are ignored, and so are events without a
// subject; a negative Version is a *lifecycle.ValidationError. On a
// concurrent change to the same timers Observe reloads and tries again. A
// notifier failure is returned as a *lifecycle.NotifyError after the timer
// is stored, even when a conflict on another of the record's timers made
// Observe try again.
func (e *Engine) Observe(ctx context.Context, ev lifecycle.Notification) error {
	if ev.Process == Process || ev.Subject == "" {
		return nil
	}
	if ev.Version < 0 {
		return lifecycle.Invalid("version", "event %s: version %d is negative", ev.ID, ev.Version)
	}
	var as []*Agreement
	for _, a := range e.agreements {
		if a.covers(ev.Process, ev.Snapshot.Tenant) {
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
	for range lifecycle.Attempts {
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
func (e *Engine) observe(ctx context.Context, ev lifecycle.Notification, as []*Agreement) (err, conflict error) {
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
		created := t == nil
		if created {
			if ev.Version == 0 && !a.startable(ev.Snapshot) {
				continue // without versions there is no order to keep
			}
			t = newTimer(a, ev.Subject)
		}
		if !t.observeVersion(a, ev.Version, ev.Snapshot, ev.Time) {
			continue
		}
		var err error
		if created {
			t.Version = 1
			err = e.commit(ctx, t, 0, t.Evaluate(now))
		} else {
			expected := t.Version
			t.Version = expected + 1
			err = e.commit(ctx, t, expected, t.Evaluate(now))
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
// notifies its events; a batch claimed from a [ClaimCommitter] is stored
// in one CommitClaimed, each timer only while its lease is still this
// engine's. It returns how many events it stored. A timer
// another replica changed meanwhile is skipped (that replica fires its
// events), so each event is notified once across replicas. Errors are
// joined; a notifier failure does not stop the others. A zero now is a
// *lifecycle.ValidationError.
//
// A host runs it from a scheduler: after each run, [Engine.NextDeadline]
// says when to run next.
func (e *Engine) EvaluateDue(ctx context.Context, now time.Time) (int, error) {
	if now.IsZero() {
		return 0, lifecycle.Invalid("now", "the instant to evaluate at is required")
	}
	// A timer stored here has its Next after now, so the store does not
	// return it again; one that was not stored (a conflict, an error, or a
	// store returning a timer with nothing due) may come back, and is
	// skipped then, so the loop ends.
	var skip map[string]bool
	fired := 0
	var errs []error
	for {
		batch, err := e.due(ctx, now)
		if err != nil {
			errs = append(errs, err)
			break
		}
		progress := false
		var writes []timerWrite
		for _, t := range batch {
			if skip[t.ID] {
				continue
			}
			progress = true
			expected := t.Version
			t.Version++
			events, changed := t.evaluate(now)
			if !changed {
				skip = skipped(skip, t.ID)
				continue
			}
			writes = append(writes, timerWrite{Record: t, Expected: expected, Events: events})
		}
		stored, err := e.commitDue(ctx, writes)
		if err != nil {
			errs = append(errs, err)
			for _, w := range writes {
				skip = skipped(skip, w.Record.ID)
			}
		}
		for i, err := range stored {
			w := writes[i]
			switch {
			case err == nil:
				fired += len(w.Events)
				continue
			case errors.Is(err, lifecycle.ErrConflict):
			case isNotifyError(err):
				fired += len(w.Events)
				errs = append(errs, err)
				continue
			default:
				errs = append(errs, err)
			}
			skip = skipped(skip, w.Record.ID)
		}
		if !progress || len(batch) < e.batch || ctx.Err() != nil {
			break
		}
	}
	return fired, errors.Join(errs...)
}

// timerWrite is a stored change of a timer.
type timerWrite = lifecycle.Write[*Timer]

// skipped adds id to skip, made when nil, and returns it.
func skipped(skip map[string]bool, id string) map[string]bool {
	if skip == nil {
		skip = map[string]bool{}
	}
	skip[id] = true
	return skip
}

// commitDue stores the evaluated timers of one claim and notifies their
// events: in one CommitClaimed when the Store is a [Claimer] and a
// [ClaimCommitter], otherwise one commit each. stored[i] is the outcome of
// writes[i], as commit returns it; err, when set, is the failure of the
// whole batch (nothing is stored), and stored is then nil.
func (e *Engine) commitDue(ctx context.Context, writes []timerWrite) (stored []error, err error) {
	stored = make([]error, len(writes))
	cc, ok := e.store.(ClaimCommitter)
	if _, claims := e.store.(Claimer); !ok || !claims || len(writes) == 0 {
		for i, w := range writes {
			stored[i] = e.commit(ctx, w.Record, w.Expected, w.Events)
		}
		return stored, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	outcomes, err := cc.CommitClaimed(ctx, e.owner, writes)
	if err == nil && len(outcomes) != len(writes) {
		err = fmt.Errorf("sla: CommitClaimed returned %d outcomes for %d writes", len(outcomes), len(writes))
	}
	if err != nil {
		return nil, err
	}
	outbox := lifecycle.StoresEvents(e.store)
	for i, w := range writes {
		stored[i] = outcomes[i]
		if stored[i] == nil && !outbox && len(w.Events) > 0 {
			if nerr := e.notifier.Notify(context.WithoutCancel(ctx), w.Events...); nerr != nil {
				stored[i] = &lifecycle.NotifyError{Err: nerr}
			}
		}
	}
	return stored, nil
}

// isNotifyError reports whether err holds a *lifecycle.NotifyError: the
// write is stored and only its notification failed.
func isNotifyError(err error) bool {
	var ne *lifecycle.NotifyError
	return errors.As(err, &ne)
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
// threshold), so nothing is notified twice; whether they are reached, and
// the cycles breached, is what the history says at the clock's now (as
// ServiceNow's SLA repair recomputes "has breached" without notifying
// again); deadlines the new computation finds due at now and that never
// fired, fire. Stored timers whose agreement no longer attaches are left as
// they are. It returns the record's started timers.
//
// An empty recordID, and a history [Replay] refuses, are a
// *lifecycle.ValidationError, and nothing is stored.
func (e *Engine) Repair(ctx context.Context, process, recordID string, first lifecycle.Snapshot, history []lifecycle.Record) ([]*Timer, error) {
	if recordID == "" {
		return nil, lifecycle.Invalid("record", "a record ID is required")
	}
	if err := checkHistory(history); err != nil {
		return nil, err
	}
	// As in Observe, the errors of an attempt that met a conflict are kept:
	// the timers it stored stand.
	var errs []error
	var conflict error
	for range lifecycle.Attempts {
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
			return started(ts), errors.Join(err, lerr)
		}
		ts, err := e.store.ListByRecord(ctx, recordID)
		if err != nil {
			return nil, err
		}
		return started(ts), nil
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
		if !a.covers(process, first.Tenant) {
			continue
		}
		t := newTimer(a, recordID) // Repair checked recordID and history, New the agreement
		if !t.replay(a, first, history) {
			continue
		}
		prev := old[a.ID]
		var err error
		if prev == nil {
			t.Version = 1
			err = e.commit(ctx, t, 0, t.Evaluate(now))
		} else {
			keepFired(t, prev)
			t.Version = prev.Version + 1
			err = e.commit(ctx, t, prev.Version, t.Evaluate(now))
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

// commit stores t over version expected (0: a new timer) and then
// notifies events, through the outbox when the Store is one.
func (e *Engine) commit(ctx context.Context, t *Timer, expected int64, events []lifecycle.Notification) error {
	return lifecycle.Commit(ctx, e.store, e.notifier, lifecycle.Write[*Timer]{Record: t, Expected: expected, Events: events})
}

// keepFired marks fired in t every deadline that fired in prev (matched by
// cycle number and threshold). Whether they are reached stays what t's
// history says: evaluating t then marks reached, without an event, those
// whose instant has come.
func keepFired(t, prev *Timer) {
	t.markFired(prev.firedDeadlines())
	t.Next = t.nextDeadline()
}
