package lifecycletest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
)

// The scaffolding every fault-injection test is built on: the rates a run
// draws, the store that tells the ledger what the real store accepted,
// the [Rig] that runs one operation and judges its [Attempt], the checks
// of the stored records, and the runner of concurrent operations.

// RateChoices are the rates a fault-injection run draws for each [Fault]:
// none, a few percent, or often.
var RateChoices = []float64{0, 0.05, 0.15}

// StormRates are the rates of a conflict storm: nearly every write meets
// a conflict, so that every bounded retry loop runs out of attempts.
var StormRates = Rates{Conflict: 0.9}

// DrawRates draws the rates of one run: each rate one of [RateChoices],
// and, when storms is set, one run in eight a conflict storm
// ([StormRates]). draw returns a choice in [0, n) named label; with
// pgregory.net/rapid:
//
//	func(label string, n int) int { return rapid.IntRange(0, n-1).Draw(t, label) }
func DrawRates(draw func(label string, n int) int, storms bool) Rates {
	if storms && draw("conflict storm", 8) == 0 {
		return StormRates
	}
	rate := func(label string) float64 { return RateChoices[draw(label, len(RateChoices))] }
	return Rates{
		Error:      rate("error rate"),
		Timeout:    rate("timeout rate"),
		Conflict:   rate("conflict rate"),
		AfterWrite: rate("after-write rate"),
	}
}

// Tap is the write path of a store placed between a faulty store and the
// real one: once the real store accepts a write, Tap tells Record about
// the record, and, with Relay set, hands the write's events to Relay, as
// a transactional outbox whose relay delivers them (the two steps are not
// atomic, so an outbox Tap is for sequential runs). A process's test
// embeds its Store in a type whose Commit calls [Tap.Commit] and whose
// StoresEvents answers [Tap.StoresEvents].
type Tap[T any] struct {
	// Record is told every record the real store accepted.
	Record func(T)
	// Relay, when set, receives each accepted write's events, and the
	// store is a lifecycle.Outbox.
	Relay lifecycle.Notifier
}

// Commit stores w through commit, the real store's Commit; once it is
// stored, it records w.Record and relays w.Events.
func (p Tap[T]) Commit(ctx context.Context, w lifecycle.Write[T], commit func(context.Context, lifecycle.Write[T]) error) error {
	if err := commit(ctx, w); err != nil {
		return err
	}
	if p.Record != nil {
		p.Record(w.Record)
	}
	if p.Relay == nil {
		return nil
	}
	return p.Relay.Notify(ctx, w.Events...)
}

// StoresEvents reports whether the store keeps the events with the change
// (see lifecycle.Outbox): whether Relay is set.
func (p Tap[T]) StoresEvents() bool { return p.Relay != nil }

// Stored is a fault test's view of one stored record.
type Stored struct {
	// Process and ID name the record.
	Process, ID string
	// Version is the record's version.
	Version int64
	// Snapshot is the record's process-neutral snapshot.
	Snapshot lifecycle.Snapshot
	// History is the record's history, checked by [CheckHistory].
	History []lifecycle.Record
}

// Coverage counts, over all the runs of a test, the cases the runs
// exercised, by name, so that a test can fail rather than pass without
// having exercised them ([Explore]). It is safe for concurrent use; the
// zero value is ready.
type Coverage struct {
	mu     sync.Mutex
	counts map[string]int
}

// Add adds n to the count of name; the empty name counts nothing (an
// [Attempt.Outcome] that names no case).
func (c *Coverage) Add(name string, n int) {
	if name == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[name] += n
}

// Count returns the count of name.
func (c *Coverage) Count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[name]
}

// Missing returns the names, sorted, whose count is zero.
func (c *Coverage) Missing(names ...string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range names {
		if c.counts[n] == 0 {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// String lists every count, by name.
func (c *Coverage) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for i, n := range slices.Sorted(maps.Keys(c.counts)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", n, c.counts[n])
	}
	return b.String()
}

// FaultCase is the [Coverage] name under which [Rig.Try] counts the
// injections of k, e.g. "timeout faults".
func FaultCase(k Fault) string { return k.String() + " faults" }

// FaultCases are the [Coverage] names of the four kinds of fault, for a
// test that insists on having injected each.
func FaultCases() []string {
	return []string{FaultCase(FaultError), FaultCase(FaultTimeout), FaultCase(FaultConflict), FaultCase(FaultAfterWrite)}
}

// Coverage names of the outcomes [Attempt.Outcome] tells apart.
const (
	// CaseStored is a success that stored a change.
	CaseStored = "stored"
	// CaseRefused is a failure that stored nothing.
	CaseRefused = "refused"
	// CaseAmbiguous is a failure whose store write took effect.
	CaseAmbiguous = "ambiguous"
	// CaseNotifyError is a change stored whose notification failed.
	CaseNotifyError = "notify errors"
	// CaseFollowUp is a change stored whose follow-up failed.
	CaseFollowUp = "follow-up errors"
)

// StoredAnyway reports whether err comes with a stored change: it holds
// a *lifecycle.NotifyError (the notifier failed) or a
// *lifecycle.FollowUpError (a follow-up failed).
func StoredAnyway(err error) bool {
	var ne *lifecycle.NotifyError
	var fe *lifecycle.FollowUpError
	return errors.As(err, &ne) || errors.As(err, &fe)
}

// CaseRun is the [Coverage] name a property adds once per run, so that
// [Explore] can tell a round that pgregory.net/rapid cut short.
const CaseRun = "runs"

// PropertyRuns returns how many runs pgregory.net/rapid makes of a
// property: its -rapid.checks flag (100 unless set), a fifth of it under
// -short.
func PropertyRuns() int {
	n := 100
	if f := flag.Lookup("rapid.checks"); f != nil {
		if v, err := strconv.Atoi(f.Value.String()); err == nil {
			n = v
		}
	}
	if testing.Short() {
		n /= 5
	}
	return n
}

// Explore calls check (typically rapid.Check of the test's property)
// until cov has counted every one of cases, at most rounds times, so that
// the test cannot pass vacuously; it fails the test with the cases still
// missing after the last round, and logs the coverage. A property that
// counts its runs ([CaseRun]) lets Explore tell a round that rapid cut
// short (it stops early when the test's deadline nears, as under a large
// -count): fewer runs than [PropertyRuns] prove nothing about coverage,
// so Explore then logs the coverage and judges none.
func Explore(t testing.TB, rounds int, cov *Coverage, cases []string, check func()) {
	t.Helper()
	for round := 1; ; round++ {
		runs := cov.Count(CaseRun)
		check()
		if t.Failed() {
			return
		}
		if n := cov.Count(CaseRun) - runs; n > 0 && n < PropertyRuns() {
			t.Logf("round %d stopped after %d of %d runs, near the test's deadline: coverage not judged (%v)", round, n, PropertyRuns(), cov)
			return
		}
		missing := cov.Missing(cases...)
		if len(missing) == 0 {
			break
		}
		if round >= rounds {
			t.Fatalf("never exercised in %d rounds: %v (coverage: %v)", round, missing, cov)
			return
		}
		t.Logf("round %d: not yet exercised: %v", round, missing)
	}
	t.Logf("coverage: %v", cov)
}

// TestingT is the part of *testing.T and *rapid.T that [Rig.Try],
// [Rig.All] and [Rig.Keys] use.
type TestingT interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Rig runs the operations of a fault-injection test and keeps what the
// checks need: the [Faults] the faulty wrappers share, the events the
// faulty notifier (and an outbox's relay) delivered, the [Ledger] of the
// versions the real store accepted, and a way to read everything the
// real store holds. R is the type of a stored record (a pointer, or any
// for a test over several kinds of record).
type Rig[R comparable] struct {
	// Faults is shared by the faulty store and notifier.
	Faults *Faults
	// Events receives the delivered events.
	Events *Recorder
	// Ledger is told every version the real store accepts ([Rig.Record]).
	Ledger *Ledger
	// Outbox says whether the store keeps events with its changes.
	Outbox bool
	// StoreWrites are the ops of the faulty store's record writes, e.g.
	// "problem.Commit": their ambiguous commits store a change.
	StoreWrites []string
	// State reads every record the real store holds, by key; the keys
	// are what [Attempt.Changed] lists.
	State func() (map[string]R, error)
	// View gives a record's name, version, snapshot and history.
	View func(R) Stored
	// Coverage, when set, counts the faults each [Rig.Try] injected.
	Coverage *Coverage
}

// NewRig returns a Rig whose Faults draw from seed at rates, with a new
// Recorder and Ledger; the caller sets State and View, and StoreWrites,
// Outbox and Coverage as the test needs.
func NewRig[R comparable](seed uint64, rates Rates) *Rig[R] {
	return &Rig[R]{Faults: NewFaults(seed, rates), Events: &Recorder{}, Ledger: &Ledger{}}
}

// Tap returns the Tap of the rig's store: it tells the Ledger about each
// record the real store accepts ([Rig.Record]) and, when the rig has an
// Outbox, relays the events to Events.
func (r *Rig[R]) Tap() Tap[R] {
	p := Tap[R]{Record: r.Record}
	if r.Outbox {
		p.Relay = r.Events
	}
	return p
}

// Record adds x, as the real store accepted it, to the Ledger: the
// [Tap.Record] of the rig's store.
func (r *Rig[R]) Record(x R) {
	s := r.View(x)
	r.Ledger.Add(s.Process, s.ID, s.Version, s.Snapshot)
}

// All returns everything the real store holds (its State); it fails t
// if the store cannot be read.
func (r *Rig[R]) All(t TestingT) map[string]R {
	t.Helper()
	all, err := r.State()
	if err != nil {
		t.Fatalf("reading the real store: %v", err)
	}
	return all
}

// Keys returns the keys of everything the real store holds, sorted.
func (r *Rig[R]) Keys(t TestingT) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(r.All(t)))
}

// ReadAll reads every record of a store whole, by key, for a Rig's State:
// page lists the records after a cursor ("" for the first page) and
// returns the next cursor ("" after the last page); key names a listed
// record; whole reads it whole, its history included.
func ReadAll[R any](page func(after string) ([]R, string, error), key func(R) string, whole func(key string) (R, error)) (map[string]R, error) {
	out := map[string]R{}
	for after := ""; ; {
		records, next, err := page(after)
		if err != nil {
			return nil, err
		}
		for _, x := range records {
			k := key(x)
			if out[k], err = whole(k); err != nil {
				return nil, err
			}
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// Attempt is what one call of an operation did, as [Rig.Try] observed it.
type Attempt[R comparable] struct {
	// Got is the record the call returned (the zero R for none).
	Got R
	// Err is the call's error.
	Err error
	// Injected are the faults injected during the call.
	Injected []Injection
	// Events are the events delivered during the call.
	Events []lifecycle.Notification
	// Before and After are what the real store held before and after.
	Before, After map[string]R

	view        func(R) Stored
	storeWrites []string
}

// Try runs call and returns what it did; it counts the injected faults in
// the Coverage. It fails t if the real store cannot be read.
func (r *Rig[R]) Try(t TestingT, call func() (R, error)) Attempt[R] {
	t.Helper()
	a := Attempt[R]{Before: r.All(t), view: r.View, storeWrites: r.StoreWrites}
	nIn, nEv := len(r.Faults.Injected()), len(r.Events.Events())
	a.Got, a.Err = call()
	a.Injected = r.Faults.Injected()[nIn:]
	a.Events = r.Events.Events()[nEv:]
	a.After = r.All(t)
	if r.Coverage != nil {
		for _, in := range a.Injected {
			r.Coverage.Add(FaultCase(in.Fault), 1)
		}
	}
	return a
}

// Returned reports whether the call returned a record.
func (a Attempt[R]) Returned() bool {
	var zero R
	return a.Got != zero
}

// AppliedStoreWrites returns the store writes of a that failed but took
// effect (ambiguous commits).
func (a Attempt[R]) AppliedStoreWrites() []string {
	var ops []string
	for _, op := range AppliedWrites(a.Injected) {
		if slices.Contains(a.storeWrites, op) {
			ops = append(ops, op)
		}
	}
	return ops
}

// Ambiguous reports whether one of a's store writes was an ambiguous
// commit.
func (a Attempt[R]) Ambiguous() bool { return len(a.AppliedStoreWrites()) > 0 }

// InjectedCount returns how many faults of kind k the call met.
func (a Attempt[R]) InjectedCount(k Fault) int {
	n := 0
	for _, in := range a.Injected {
		if in.Fault == k {
			n++
		}
	}
	return n
}

// version is the version of the record at key in state, 0 if absent.
func (a Attempt[R]) version(state map[string]R, key string) int64 {
	x, ok := state[key]
	if !ok {
		return 0
	}
	return a.view(x).Version
}

// Changed lists, sorted, the keys of the records a stored or created.
func (a Attempt[R]) Changed() []string {
	var keys []string
	for k := range a.After {
		if a.version(a.Before, k) != a.version(a.After, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Outcome names a's outcome for a [Coverage]: [CaseFollowUp] for a
// *lifecycle.FollowUpError, [CaseNotifyError] for another
// *lifecycle.NotifyError, [CaseStored] for a success that stored a
// change ("" for one that stored nothing), [CaseAmbiguous] for another
// failure whose store write took effect, [CaseRefused] otherwise.
func (a Attempt[R]) Outcome() string {
	var fe *lifecycle.FollowUpError
	var ne *lifecycle.NotifyError
	switch {
	case errors.As(a.Err, &fe):
		return CaseFollowUp
	case errors.As(a.Err, &ne):
		return CaseNotifyError
	case a.Err == nil && len(a.Changed()) > 0:
		return CaseStored
	case a.Err == nil:
		return ""
	case a.Ambiguous():
		return CaseAmbiguous
	}
	return CaseRefused
}

// Notified reports whether events hold an event of version v of record
// id of process.
func Notified(events []lifecycle.Notification, process, id string, v int64) bool {
	return slices.ContainsFunc(events, func(e lifecycle.Notification) bool {
		return e.Process == process && e.Subject == id && e.Version == v
	})
}

// CheckNotified returns an error unless every version a stored, of every
// record it changed, was notified during the call: a lost notification
// is never silent. It is the clause of a success.
func (a Attempt[R]) CheckNotified(label string) error {
	for _, k := range a.Changed() {
		s := a.view(a.After[k])
		for v := a.version(a.Before, k) + 1; v <= s.Version; v++ {
			if !Notified(a.Events, s.Process, s.ID, v) {
				return fmt.Errorf("%s succeeded but version %d of %s was not notified", label, v, s.ID)
			}
		}
	}
	return nil
}

// CheckNotifyError returns an error if a's error holds a
// *lifecycle.NotifyError that no notifier fault explains, or whose
// notifier error is untyped.
func (a Attempt[R]) CheckNotifyError(label string) error {
	var ne *lifecycle.NotifyError
	if !errors.As(a.Err, &ne) {
		return nil
	}
	if !slices.ContainsFunc(a.Injected, func(in Injection) bool { return in.Op == "notify" }) {
		return fmt.Errorf("%s: a NotifyError without a notifier fault: %v", label, a.Err)
	}
	if Classify(ne.Err) == "" {
		return fmt.Errorf("%s: untyped notifier error %v", label, ne.Err)
	}
	return nil
}

// CheckFailure returns an error unless a, a failure that does not come
// with a stored change, kept the contract of a failure: no record
// returned, a typed error, no event delivered and nothing stored, except
// for the one change of an ambiguous commit (the failed write took
// effect: one more version of one record), which looks like a timeout
// and whose events are lost without an outbox and kept with one.
func (r *Rig[R]) CheckFailure(label string, a Attempt[R]) error {
	if a.Returned() {
		return fmt.Errorf("%s failed (%v) but returned a record", label, a.Err)
	}
	if Classify(a.Err) == "" {
		return fmt.Errorf("%s failed with an untyped error: %v", label, a.Err)
	}
	applied := a.AppliedStoreWrites()
	if len(applied) == 0 {
		if len(a.Events) > 0 {
			return fmt.Errorf("%s failed (%v) but delivered %d events", label, a.Err, len(a.Events))
		}
		if !reflect.DeepEqual(a.Before, a.After) {
			return fmt.Errorf("%s failed (%v) and changed the store: %v", label, a.Err, a.Changed())
		}
		return nil
	}
	if len(applied) > 1 {
		return fmt.Errorf("%s: one primary write at most, %v took effect", label, applied)
	}
	changed := a.Changed()
	if len(changed) != 1 {
		return fmt.Errorf("%s: an ambiguous commit stores exactly one change, got %v", label, changed)
	}
	k := changed[0]
	s := a.view(a.After[k])
	if from := a.version(a.Before, k); s.Version != from+1 {
		return fmt.Errorf("%s: an ambiguous commit took %s from version %d to %d", label, k, from, s.Version)
	}
	if !errors.Is(a.Err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: an ambiguous commit looks like a timeout, not %v", label, a.Err)
	}
	if !r.Outbox {
		if len(a.Events) > 0 {
			return fmt.Errorf("%s failed (%v): its events are lost without an outbox, yet %d were delivered", label, a.Err, len(a.Events))
		}
		return nil
	}
	if len(a.Events) == 0 {
		return fmt.Errorf("%s: an ambiguous commit keeps its events in the outbox", label)
	}
	for _, e := range a.Events {
		if e.Process != s.Process || e.Subject != s.ID || e.Version != s.Version {
			return fmt.Errorf("%s: the outbox of an ambiguous commit of %s version %d delivered event %s of %s version %d",
				label, s.ID, s.Version, e.ID, e.Subject, e.Version)
		}
	}
	return nil
}

// Invariants returns an error for the first way state, everything the
// real store holds, breaks the invariants every fault test checks: a
// record is half-applied ([CheckHistory]); a record did not go through
// the store exactly once per version (the Ledger holds versions 1..n of
// it and its last snapshot); the Ledger knows a record the store does
// not; a delivered event belongs to no stored version ([Ledger.CheckEvents])
// or was delivered twice; with an outbox, a stored version lacks its
// events.
func (r *Rig[R]) Invariants(state map[string]R) error {
	records := map[string]int{}
	for _, k := range slices.Sorted(maps.Keys(state)) {
		s := r.View(state[k])
		records[s.Process]++
		if err := CheckHistory(s.Snapshot, s.Version, s.History); err != nil {
			return fmt.Errorf("%s %s is half-applied: %w", s.Process, s.ID, err)
		}
		vs := r.Ledger.Versions(s.Process, s.ID)
		if int64(len(vs)) != s.Version {
			return fmt.Errorf("%s %s: stored versions %v at version %d", s.Process, s.ID, vs, s.Version)
		}
		for i, v := range vs {
			if v != int64(i+1) {
				return fmt.Errorf("%s %s: stored versions %v at version %d", s.Process, s.ID, vs, s.Version)
			}
		}
		snap, _ := r.Ledger.Snapshot(s.Process, s.ID, s.Version)
		if d := SnapshotDiff(s.Snapshot, snap); d != "" {
			return fmt.Errorf("%s %s: the ledger disagrees with the store: %s", s.Process, s.ID, d)
		}
	}
	events := r.Events.Events()
	for _, process := range r.Ledger.processes() {
		subjects := r.Ledger.Subjects(process)
		if len(subjects) != records[process] {
			return fmt.Errorf("the ledger knows %d records of %s, the store %d", len(subjects), process, records[process])
		}
		if !r.Outbox {
			continue
		}
		for _, id := range subjects {
			for _, v := range r.Ledger.Versions(process, id) {
				if !Notified(events, process, id, v) {
					return fmt.Errorf("version %d of %s %s is stored without its events", v, process, id)
				}
			}
		}
	}
	if err := r.Ledger.CheckEvents(events); err != nil {
		return fmt.Errorf("events for changes that were not stored:\n%w", err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e.ID] {
			return fmt.Errorf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
	}
	return nil
}

// CheckGet returns an error unless a Get under faults that answered got
// and err agrees with the real store: the record it holds, or no record
// and an injected fault or lifecycle.ErrNotFound.
func CheckGet[R comparable](label string, got R, err error, want R) error {
	var zero R
	switch {
	case err != nil && got != zero:
		return fmt.Errorf("%s failed (%v) but returned a record", label, err)
	case err != nil && !errors.Is(err, ErrInjected) && !errors.Is(err, lifecycle.ErrNotFound):
		return fmt.Errorf("%s: %v", label, err)
	case err == nil && !reflect.DeepEqual(want, got):
		return fmt.Errorf("%s answered %v, the store holds %v", label, got, want)
	}
	return nil
}

// CheckList returns an error unless a List under faults that answered n
// records and err agrees with the real store, which holds want: an
// injected fault, or all of them.
func CheckList(label string, n int, err error, want int) error {
	switch {
	case err != nil && !errors.Is(err, ErrInjected):
		return fmt.Errorf("%s: %v", label, err)
	case err == nil && n != want:
		return fmt.Errorf("%s listed %d records, the store holds %d", label, n, want)
	}
	return nil
}

// Outcome is what one operation of a concurrent fault test reported: the
// record it returned as stored, and whether it reported plain success
// (its change must then have been notified).
type Outcome struct {
	// Label names the operation.
	Label string
	// Stored is the record the operation returned.
	Stored
	// Notified says the operation reported plain success.
	Notified bool
}

// Judge returns the [Outcome] of the operation label that returned got
// and err; stored says whether err comes with a stored change (nil, a
// *lifecycle.NotifyError, a process's follow-up error). The error
// reports a broken contract: a stored result without a record, a
// failure that returned a record, or an untyped failure. An operation
// that stored nothing has the zero Outcome.
func (r *Rig[R]) Judge(label string, got R, err error, stored bool) (Outcome, error) {
	var zero R
	switch {
	case stored && got == zero:
		return Outcome{}, fmt.Errorf("%s: stored result (%v) without a record", label, err)
	case stored:
		return Outcome{Label: label, Stored: r.View(got), Notified: err == nil}, nil
	case got != zero:
		return Outcome{}, fmt.Errorf("%s failed (%v) but returned a record", label, err)
	case Classify(err) == "":
		return Outcome{}, fmt.Errorf("%s failed with an untyped error: %v", label, err)
	}
	return Outcome{}, nil
}

// RunConcurrent runs op ops times in each of goroutines goroutines at
// once, goroutine g drawing from its own rand.New(rand.NewPCG(seed, g))
// (goroutines must not share a property test's generator). It returns
// the outcomes of the operations that reported a stored record, and an
// error listing the operations whose error was not nil.
func RunConcurrent(seed uint64, goroutines, ops int, op func(r *rand.Rand) (Outcome, error)) ([]Outcome, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		outcomes []Outcome
		problems []string
	)
	for g := range goroutines {
		r := rand.New(rand.NewPCG(seed, uint64(g)))
		wg.Go(func() {
			for range ops {
				o, err := op(r)
				mu.Lock()
				if err != nil {
					problems = append(problems, err.Error())
				}
				if o.ID != "" {
					outcomes = append(outcomes, o)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(problems) > 0 {
		return outcomes, fmt.Errorf("%d operations misbehaved:\n%s", len(problems), strings.Join(problems, "\n"))
	}
	return outcomes, nil
}

// CheckOutcomes returns an error unless every outcome returned its record
// exactly as l says it was stored at its version, and every outcome of a
// plain success has an event of that version among events.
func CheckOutcomes(l *Ledger, events []lifecycle.Notification, outcomes ...Outcome) error {
	for _, o := range outcomes {
		snap, ok := l.Snapshot(o.Process, o.ID, o.Version)
		if !ok {
			return fmt.Errorf("%s returned %s version %d, which was never stored", o.Label, o.ID, o.Version)
		}
		if d := SnapshotDiff(snap, o.Snapshot); d != "" {
			return fmt.Errorf("%s returned something else than it stored: %s", o.Label, d)
		}
		if o.Notified && !Notified(events, o.Process, o.ID, o.Version) {
			return fmt.Errorf("%s succeeded but %s version %d was not notified", o.Label, o.ID, o.Version)
		}
	}
	return nil
}
