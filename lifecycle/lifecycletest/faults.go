package lifecycletest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// ErrInjected is matched (errors.Is) by every error a [Faults] injects, so
// that a test can tell an injected failure from a real one.
var ErrInjected = errors.New("lifecycletest: injected fault")

// Fault is one kind of failure a [Faults] injects into a call.
type Fault int

const (
	// FaultNone lets the call through untouched.
	FaultNone Fault = iota
	// FaultError fails the call before it reaches the wrapped value, with
	// an error matching only ErrInjected. Nothing happens.
	FaultError
	// FaultTimeout fails the call before it reaches the wrapped value,
	// after blocking as a call that hangs would: until the caller's
	// context is done or [Faults.TimeoutDelay] has passed, whichever
	// comes first. The error matches ErrInjected and
	// context.DeadlineExceeded (or context.Canceled when the caller's
	// context was canceled while it waited). Nothing happens.
	FaultTimeout
	// FaultConflict fails a write before it reaches the wrapped value,
	// with an error matching ErrInjected and lifecycle.ErrConflict, as a
	// store does when another writer got there first. Nothing is written.
	// Reads never draw it.
	FaultConflict
	// FaultAfterWrite is the ambiguous commit: the write reaches the
	// wrapped value and takes effect (the record is stored, the event is
	// delivered), but the caller receives an error matching ErrInjected
	// and context.DeadlineExceeded, as when a connection drops or a
	// deadline passes after the database committed but before it
	// answered. Reads never draw it. If the wrapped call fails on its own,
	// its error is returned unchanged and no fault is recorded.
	FaultAfterWrite
)

// String returns "none", "error", "timeout", "conflict" or "after_write".
func (k Fault) String() string {
	switch k {
	case FaultNone:
		return "none"
	case FaultError:
		return "error"
	case FaultTimeout:
		return "timeout"
	case FaultConflict:
		return "conflict"
	case FaultAfterWrite:
		return "after_write"
	}
	return fmt.Sprintf("Fault(%d)", int(k))
}

// Rates are the probabilities, each in [0, 1] and summing to at most 1,
// that a call draws each [Fault]. Reads draw only Error and Timeout (their
// other rates count as FaultNone). The zero Rates inject nothing.
type Rates struct {
	// Error is the probability of a [FaultError].
	Error float64
	// Timeout is the probability of a [FaultTimeout].
	Timeout float64
	// Conflict is the probability of a [FaultConflict] (writes only).
	Conflict float64
	// AfterWrite is the probability of a [FaultAfterWrite], the
	// ambiguous commit (writes only).
	AfterWrite float64
}

func (r Rates) check() {
	sum := 0.0
	for _, p := range []float64{r.Error, r.Timeout, r.Conflict, r.AfterWrite} {
		if !(p >= 0 && p <= 1) { // also refuses NaN
			panic(fmt.Sprintf("lifecycletest: fault rate %v is not in [0, 1]", p))
		}
		sum += p
	}
	if sum > 1+1e-9 {
		panic(fmt.Sprintf("lifecycletest: fault rates %+v sum to %v, more than 1", r, sum))
	}
}

// InjectedError is the error of an injected fault. It matches
// [ErrInjected] with errors.Is and unwraps to context.DeadlineExceeded
// (FaultTimeout, FaultAfterWrite), the caller's context error (a
// FaultTimeout whose wait the context ended by cancellation) or
// lifecycle.ErrConflict (FaultConflict).
type InjectedError struct {
	// Op is the wrapped call, e.g. "problem.Update" or "notify".
	Op string
	// Fault is the kind of fault injected.
	Fault Fault
	// Seq is the injection's position in [Faults.Injected], from 1.
	Seq int
	// ContextErr is, for a FaultTimeout, the caller's context error when
	// the context ended the wait (context.Canceled or
	// context.DeadlineExceeded); nil when the delay bound did.
	ContextErr error
}

// Error renders, e.g., "lifecycletest: injected timeout in problem.Update (#3)".
func (e *InjectedError) Error() string {
	s := fmt.Sprintf("lifecycletest: injected %s in %s (#%d)", e.Fault, e.Op, e.Seq)
	if e.Fault == FaultAfterWrite {
		s += ": the call took effect, but its answer was lost"
	}
	return s
}

// Is reports whether target is ErrInjected.
func (e *InjectedError) Is(target error) bool { return target == ErrInjected }

// Unwrap returns context.DeadlineExceeded, lifecycle.ErrConflict or nil,
// by Fault.
func (e *InjectedError) Unwrap() error {
	switch e.Fault {
	case FaultTimeout:
		if e.ContextErr != nil {
			return e.ContextErr
		}
		return context.DeadlineExceeded
	case FaultAfterWrite:
		return context.DeadlineExceeded
	case FaultConflict:
		return lifecycle.ErrConflict
	}
	return nil
}

// Applied reports whether the failed call nonetheless took effect (a
// FaultAfterWrite).
func (e *InjectedError) Applied() bool { return e.Fault == FaultAfterWrite }

// Injection is one fault a [Faults] injected.
type Injection struct {
	// Seq numbers the injections 1, 2, 3... in injection order.
	Seq int
	// Op is the wrapped call.
	Op string
	// Fault is the kind of fault injected.
	Fault Fault
}

// Faults is a seeded source of failures for the faulty wrappers
// ([FaultyNotifier], [FaultyPortfolioStore], [FaultyImprovementStore],
// problemtest.FaultyStore, ...). Each wrapped call draws one [Fault] at the
// configured [Rates]; the same seed and the same sequence of calls give
// the same faults, so a failing run can be replayed. Every injected fault
// is logged ([Faults.Injected]) so that a test knows, for instance, that
// an operation's write took effect even though it failed.
//
// Faults is safe for concurrent use (concurrent callers share one random
// stream, so only sequential runs replay exactly). Use [NewFaults] or
// [NewFaultsRand]; the zero value is not ready.
//
// Modelling the ambiguous commit ([FaultAfterWrite]) is deliberate: a real
// database can commit and then fail to say so. A service then reports a
// failure (with no record) for a change that is stored, and, without a
// transactional outbox ([lifecycle.Outbox]), its events are never
// delivered. Retrying the command pinned to the version read before the
// first attempt is safe (the stored version moved on, so the retry fails
// with lifecycle.ErrConflict and the caller re-reads); retrying with
// Version 0 applies the command a second time. Creations have no version
// to pin: a retried create after an ambiguous one makes a second record.
type Faults struct {
	mu       sync.Mutex
	rng      *rand.Rand
	rates    Rates
	delay    time.Duration
	injected []Injection
}

// DefaultTimeoutDelay is how long a [FaultTimeout] blocks at most when its
// caller's context has no earlier deadline: long enough to be a real wait
// (a timer, a select on ctx.Done), short enough that a property test
// drawing hundreds of timeouts stays fast. Change it with
// [Faults.SetTimeoutDelay].
const DefaultTimeoutDelay = time.Millisecond

// NewFaults returns a Faults drawing from a PCG generator seeded with seed.
// It panics if a rate is outside [0, 1] or the rates sum to more than 1.
func NewFaults(seed uint64, r Rates) *Faults {
	return NewFaultsRand(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), r)
}

// NewFaultsRand returns a Faults drawing from rng, which it then owns (it
// serialises access to it). It panics on bad rates, as [NewFaults] does.
func NewFaultsRand(rng *rand.Rand, r Rates) *Faults {
	r.check()
	return &Faults{rng: rng, rates: r, delay: DefaultTimeoutDelay}
}

// SetTimeoutDelay sets how long a [FaultTimeout] blocks at most (it
// returns earlier when the caller's context is done). Zero or less makes
// timeouts fail at once, as before the wait was modelled. The delay never
// affects which faults are drawn: a seed replays the same faults whatever
// the delay.
func (f *Faults) SetTimeoutDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// TimeoutDelay returns the current bound of a [FaultTimeout]'s wait.
func (f *Faults) TimeoutDelay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.delay
}

// hang blocks as a call that never answers: until ctx is done or the
// delay has passed. It returns ctx's error if ctx ended it, nil otherwise.
func (f *Faults) hang(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := f.TimeoutDelay()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fail records the injection of k in op and returns its error, after
// blocking first if k is a timeout.
func (f *Faults) fail(ctx context.Context, op string, k Fault) error {
	err := f.inject(op, k)
	if k == FaultTimeout {
		err.ContextErr = f.hang(ctx)
	}
	return err
}

// SetRates changes the rates for the calls that follow; [Rates]{} turns
// injection off (see [Faults.Off]). It panics on bad rates.
func (f *Faults) SetRates(r Rates) {
	r.check()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rates = r
}

// Rates returns the current rates.
func (f *Faults) Rates() Rates {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rates
}

// Off stops injecting faults and returns the rates it replaced, so that a
// test can retry an operation cleanly and then restore them:
//
//	defer f.SetRates(f.Off())
func (f *Faults) Off() Rates {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rates
	f.rates = Rates{}
	return r
}

// draw picks the fault for one call. A random number is drawn even when
// injection is off, so that turning it off and on again does not shift
// the stream of later calls relative to a run that made the same calls.
func (f *Faults) draw(write bool) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.rng.Float64()
	r := f.rates
	kinds := [...]struct {
		k Fault
		p float64
	}{{FaultError, r.Error}, {FaultTimeout, r.Timeout}, {FaultConflict, r.Conflict}, {FaultAfterWrite, r.AfterWrite}}
	n := 2 // reads draw only errors and timeouts
	if write {
		n = len(kinds)
	}
	for _, c := range kinds[:n] {
		if u < c.p {
			return c.k
		}
		u -= c.p
	}
	return FaultNone
}

func (f *Faults) inject(op string, k Fault) *InjectedError {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := Injection{Seq: len(f.injected) + 1, Op: op, Fault: k}
	f.injected = append(f.injected, in)
	return &InjectedError{Op: op, Fault: k, Seq: in.Seq}
}

// ReadContext draws a fault for a read named op (a Get, a List, a
// Dependents query) made under ctx: it returns an *InjectedError
// (FaultError, or FaultTimeout after blocking until ctx is done or
// [Faults.TimeoutDelay] has passed) that the wrapper must return without
// calling the wrapped value, or nil to let the call through.
func (f *Faults) ReadContext(ctx context.Context, op string) error {
	if k := f.draw(false); k != FaultNone {
		return f.fail(ctx, op, k)
	}
	return nil
}

// Read is [Faults.ReadContext] for a wrapper that has no context at hand:
// a FaultTimeout then blocks for the whole [Faults.TimeoutDelay]. Prefer
// ReadContext, so that the caller's deadline and cancellation are
// honoured.
func (f *Faults) Read(op string) error { return f.ReadContext(context.Background(), op) }

// Write runs call, a write named op (a Create, an Update, a Notify),
// under a drawn fault: FaultNone calls it and returns its result;
// FaultError and FaultConflict return an *InjectedError without calling
// it, and so does FaultTimeout after blocking until ctx is done or
// [Faults.TimeoutDelay] has passed; FaultAfterWrite calls it and, if it
// succeeded, returns an *InjectedError all the same (if it failed, its own
// error).
func (f *Faults) Write(ctx context.Context, op string, call func(context.Context) error) error {
	switch k := f.draw(true); k {
	case FaultNone:
		return call(ctx)
	case FaultAfterWrite:
		if err := call(ctx); err != nil {
			return err
		}
		return f.inject(op, k)
	default:
		return f.fail(ctx, op, k)
	}
}

// Injected returns every fault injected so far, in order. A test that
// takes len(f.Injected()) before an operation can slice the faults of that
// operation off the end afterwards.
func (f *Faults) Injected() []Injection {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.injected)
}

// Count returns how many faults of kind k were injected so far.
func (f *Faults) Count(k Fault) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, in := range f.injected {
		if in.Fault == k {
			n++
		}
	}
	return n
}

// AppliedWrites returns the ops of the FaultAfterWrite injections among
// injected: the failed calls whose effect nonetheless stands.
func AppliedWrites(injected []Injection) []string {
	var ops []string
	for _, in := range injected {
		if in.Fault == FaultAfterWrite {
			ops = append(ops, in.Op)
		}
	}
	return ops
}

// PinVersion returns a copy of cmd with its Version field set to version.
// cmd must be a command struct (or an interface holding one) with an int64
// field named Version, as every command of every process has; PinVersion
// panics otherwise. Fault-injection tests use it for the safe retry: after
// a failure, re-send the command pinned to the version read before the
// first attempt, so that a change that was stored after all (an ambiguous
// commit) makes the retry fail with lifecycle.ErrConflict instead of
// applying the command twice.
func PinVersion[C any](cmd C, version int64) C {
	v := reflect.ValueOf(cmd)
	if v.Kind() != reflect.Struct {
		panic(fmt.Sprintf("lifecycletest: PinVersion of %T, not a command struct", cmd))
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	f := c.FieldByName("Version")
	if !f.IsValid() || f.Kind() != reflect.Int64 || !f.CanSet() {
		panic(fmt.Sprintf("lifecycletest: PinVersion: %T has no int64 field Version", cmd))
	}
	f.SetInt(version)
	return c.Interface().(C)
}

// FaultyNotifier returns a lifecycle.Notifier that hands events to inner
// (nil means lifecycle.Discard) under the faults of f, as a write named
// "notify": FaultError, FaultTimeout and FaultConflict fail without
// delivering; FaultAfterWrite delivers and fails. A notifier answering
// lifecycle.ErrConflict is legal and instructive: services wrap it in a
// *lifecycle.NotifyError, so a caller must look for that (or for a
// non-nil record) before reading errors.Is(err, lifecycle.ErrConflict) as
// "nothing was stored".
func FaultyNotifier(inner lifecycle.Notifier, f *Faults) lifecycle.Notifier {
	inner = lifecycle.NotifierOrDiscard(inner)
	return lifecycle.NotifierFunc(func(ctx context.Context, events ...lifecycle.Notification) error {
		return f.Write(ctx, "notify", func(ctx context.Context) error { return inner.Notify(ctx, events...) })
	})
}

// Classify names the sentinel err matches: "not_found", "conflict",
// "invalid_transition", "validation", "forbidden" (the lifecycle errors),
// "injected" (an injected fault that is not a timeout or conflict),
// "deadline" or "canceled" (context errors), in that order of precedence
// after the lifecycle errors; "" for nil or an error matching none of
// them. Fault-injection tests use it to check that every failure is a
// typed one.
func Classify(err error) string {
	for _, c := range []struct {
		target error
		name   string
	}{
		{lifecycle.ErrNotFound, "not_found"},
		{lifecycle.ErrConflict, "conflict"},
		{lifecycle.ErrInvalidTransition, "invalid_transition"},
		{lifecycle.ErrValidation, "validation"},
		{lifecycle.ErrForbidden, "forbidden"},
		{context.DeadlineExceeded, "deadline"},
		{context.Canceled, "canceled"},
		{ErrInjected, "injected"},
	} {
		if err != nil && errors.Is(err, c.target) {
			return c.name
		}
	}
	return ""
}

// Ledger remembers every version of every record that a store accepted,
// with the record's process-neutral snapshot at that version, so that a
// test can check afterwards that each delivered event belongs to a change
// that was stored. Feed it from a recording wrapper placed between the
// faulty store and the real one: call Add after each Create or Update the
// real store accepted. It is safe for concurrent use; the zero value is
// ready.
type Ledger struct {
	mu   sync.Mutex
	seen map[ledgerKey]lifecycle.Snapshot
}

type ledgerKey struct {
	process, subject string
	version          int64
}

// Add records that the record subject of process was stored at version,
// standing as snap.
func (l *Ledger) Add(process, subject string, version int64, snap lifecycle.Snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[ledgerKey]lifecycle.Snapshot{}
	}
	l.seen[ledgerKey{process, subject, version}] = snap.Clone()
}

// Snapshot returns the snapshot recorded for subject at version, and
// whether that version was ever stored.
func (l *Ledger) Snapshot(process, subject string, version int64) (lifecycle.Snapshot, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.seen[ledgerKey{process, subject, version}]
	return s.Clone(), ok
}

// Versions returns the stored versions of subject, ascending.
func (l *Ledger) Versions(process, subject string) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var vs []int64
	for k := range l.seen {
		if k.process == process && k.subject == subject {
			vs = append(vs, k.version)
		}
	}
	slices.Sort(vs)
	return vs
}

// Subjects returns the IDs of the records of process stored at least once,
// sorted.
func (l *Ledger) Subjects(process string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	set := map[string]bool{}
	for k := range l.seen {
		if k.process == process {
			set[k.subject] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// processes returns the processes of the records stored at least once,
// sorted.
func (l *Ledger) processes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	set := map[string]bool{}
	for k := range l.seen {
		set[k.process] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// CheckEvents returns an error for every event (at most ten are listed)
// that does not belong to a stored change: its (Process, Subject, Version)
// was never added, its ID is not of the form NotificationID(Process, Subject,
// Version, n), or its Snapshot differs from the one recorded for that
// version. Nil means every event is accounted for.
func (l *Ledger) CheckEvents(events []lifecycle.Notification) error {
	var errs []error
	for _, e := range events {
		if len(errs) == 10 {
			errs = append(errs, errors.New("..."))
			break
		}
		snap, ok := l.Snapshot(e.Process, e.Subject, e.Version)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("event %s (%s): %s %s version %d was never stored", e.ID, e.Type, e.Process, e.Subject, e.Version))
		case !strings.HasPrefix(e.ID, strings.TrimSuffix(lifecycle.NotificationID(e.Process, e.Subject, e.Version, 0), "0")):
			errs = append(errs, fmt.Errorf("event %s (%s): ID is not NotificationID(%q, %q, %d, n)", e.ID, e.Type, e.Process, e.Subject, e.Version))
		default:
			if d := SnapshotDiff(snap, e.Snapshot); d != "" {
				errs = append(errs, fmt.Errorf("event %s (%s): snapshot differs from the stored version's: %s", e.ID, e.Type, d))
			}
		}
	}
	return errors.Join(errs...)
}

// SnapshotDiff describes how b differs from a ("" when they are equal),
// comparing times with time.Time.Equal so that snapshots read back from a
// database (another location, no monotonic reading) still compare equal.
func SnapshotDiff(a, b lifecycle.Snapshot) string {
	var d []string
	add := func(field string, x, y any) { d = append(d, fmt.Sprintf("%s %v != %v", field, x, y)) }
	if a.State != b.State {
		add("state", a.State, b.State)
	}
	if a.Priority != b.Priority {
		add("priority", a.Priority, b.Priority)
	}
	if a.Group != b.Group {
		add("group", a.Group, b.Group)
	}
	if a.Assignee != b.Assignee {
		add("assignee", a.Assignee, b.Assignee)
	}
	if a.HoldReason != b.HoldReason {
		add("hold_reason", a.HoldReason, b.HoldReason)
	}
	if a.Major != b.Major {
		add("major", a.Major, b.Major)
	}
	if a.Service != b.Service {
		add("service", a.Service, b.Service)
	}
	if a.ConfigItem != b.ConfigItem {
		add("config_item", a.ConfigItem, b.ConfigItem)
	}
	if !a.OpenedAt.Equal(b.OpenedAt) {
		add("opened_at", a.OpenedAt, b.OpenedAt)
	}
	if !maps.Equal(a.Attributes, b.Attributes) {
		add("attributes", a.Attributes, b.Attributes)
	}
	return strings.Join(d, "; ")
}

// CheckHistory returns an error when a stored record's history does not
// account for its current state: the record is half-applied. current is
// the record's Snapshot(), version its Version. It checks that there is
// one history entry per stored version (len(history) == version), that Seq
// runs 1, 2, 3... without gaps, that each entry starts where the previous
// one ended (the first from ""), that the last one ends in current.State,
// and that replaying the history through lifecycle.Snapshot.Apply from the
// zero Snapshot rebuilds current's standard fields (state, priority,
// group, assignee, hold reason, major).
func CheckHistory(current lifecycle.Snapshot, version int64, history []lifecycle.Record) error {
	if int64(len(history)) != version {
		return fmt.Errorf("version %d with %d history records", version, len(history))
	}
	if len(history) == 0 {
		return errors.New("no history")
	}
	var replay lifecycle.Snapshot
	prev := ""
	for i, r := range history {
		if r.Seq != i+1 {
			return fmt.Errorf("record %d has Seq %d", i+1, r.Seq)
		}
		if r.From != prev {
			return fmt.Errorf("record %d starts from %q, the previous one ended in %q", i+1, r.From, prev)
		}
		prev = r.To
		replay = replay.Apply(r)
	}
	if prev != current.State {
		return fmt.Errorf("history ends in %q, the record is %q", prev, current.State)
	}
	want := lifecycle.Snapshot{
		State: current.State, Priority: current.Priority, Group: current.Group,
		Assignee: current.Assignee, HoldReason: current.HoldReason, Major: current.Major,
	}
	if d := SnapshotDiff(want, replay); d != "" {
		return fmt.Errorf("replaying the history gives a different snapshot: %s", d)
	}
	return nil
}
