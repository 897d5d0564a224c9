package slatest

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
)

// Broken stores: the in-memory store with one clause of the contract
// broken each. TestSuiteFailsBrokenStores proves that TestStore catches
// every one of them.

// brokenStore is the in-memory store (memory) under the Get and Commit of
// a lifecycletest.Break.
type brokenStore struct {
	lifecycle.RecordStore[*sla.Timer]
	memory
}

type memory struct{ *Store }

// seconds stores instants truncated to the second, like a DATETIME column
// without fractions.
type seconds struct{ *Store }

func truncated(t *sla.Timer) *sla.Timer {
	c := t.Clone()
	eachInstant(c, func(at *time.Time) { *at = at.Truncate(time.Second) })
	return c
}

func (s seconds) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	w.Record = truncated(w.Record)
	return s.Store.Commit(ctx, w)
}

// milliseconds stores instants rounded to the millisecond.
type milliseconds struct{ *Store }

func (s milliseconds) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	c := w.Record.Clone()
	eachInstant(c, func(at *time.Time) { *at = at.Round(time.Millisecond) })
	w.Record = c
	return s.Store.Commit(ctx, w)
}

// wholeSeconds stores durations in whole seconds, like an INTERVAL column
// read back as seconds.
type wholeSeconds struct{ *Store }

func (s wholeSeconds) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	c := w.Record.Clone()
	c.Elapsed = c.Elapsed.Truncate(time.Second)
	w.Record = c
	return s.Store.Commit(ctx, w)
}

// noJournal forgets the journal, like a table without its column.
type noJournal struct{ *Store }

func (s noJournal) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	c := w.Record.Clone()
	c.Journal = sla.Journal{}
	w.Record = c
	return s.Store.Commit(ctx, w)
}

// shared hands out the stored timer itself.
type shared struct{ *Store }

func (s shared) Get(ctx context.Context, id string) (*sla.Timer, error) {
	if _, err := s.Store.Get(ctx, id); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.timers[id].t, nil
}

// unordered answers Due in ID order, not by Next.
type unordered struct{ *Store }

func (s unordered) Due(ctx context.Context, at time.Time, limit int) ([]*sla.Timer, error) {
	ts, err := s.Store.Due(ctx, at, 0)
	slices.SortFunc(ts, func(a, b *sla.Timer) int { return strings.Compare(a.ID, b.ID) })
	if limit > 0 && len(ts) > limit {
		ts = ts[:limit]
	}
	return ts, err
}

// exclusive answers Due with the timers strictly before at.
type exclusive struct{ *Store }

func (s exclusive) Due(ctx context.Context, at time.Time, limit int) ([]*sla.Timer, error) {
	return s.Store.Due(ctx, at.Add(-time.Nanosecond), limit)
}

// nilList answers ListByRecord with nil for no timers (allowed) but
// forgets stopped ones (not allowed).
type nilList struct{ *Store }

func (s nilList) ListByRecord(ctx context.Context, id string) ([]*sla.Timer, error) {
	ts, err := s.Store.ListByRecord(ctx, id)
	return slices.DeleteFunc(ts, func(t *sla.Timer) bool { return !t.Stage.Active() }), err
}

// greedy claims without looking at other owners' leases.
type greedy struct{ *Store }

func (s greedy) Claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*sla.Timer, error) {
	return s.Store.Due(ctx, at, limit)
}

// brokenStores are the stores that break the timers' own clauses.
var brokenStores = map[string]struct {
	store  func() sla.Store
	clause string // a clause the failure must quote
}{
	"seconds":       {func() sla.Store { return seconds{NewStore()} }, clausePrecision},
	"milliseconds":  {func() sla.Store { return milliseconds{NewStore()} }, clausePrecision},
	"whole-seconds": {func() sla.Store { return wholeSeconds{NewStore()} }, "Commit with Expected 0 then Get: the stored record is returned unchanged"},
	"no-journal":    {func() sla.Store { return noJournal{NewStore()} }, "Commit with Expected 0 then Get: the stored record is returned unchanged"},
	"shared":        {func() sla.Store { return shared{NewStore()} }, "values are copied out: mutating a returned value changes nothing stored"},
	"unordered":     {func() sla.Store { return unordered{NewStore()} }, clauseDue},
	"exclusive":     {func() sla.Store { return exclusive{NewStore()} }, clauseDue},
	"no-stopped":    {func() sla.Store { return nilList{NewStore()} }, clauseList},
	"greedy":        {func() sla.Store { return greedy{NewStore()} }, clauseClaim},
}

const brokenEnv = "SLATEST_BROKEN_STORE"

// TestBrokenStoreChild runs TestStore on the broken store named by
// SLATEST_BROKEN_STORE. It is the child process of
// TestSuiteFailsBrokenStores, which expects it to fail; run alone, it has
// nothing to check.
func TestBrokenStoreChild(t *testing.T) {
	name := os.Getenv(brokenEnv)
	if name == "" {
		t.Skip("the child process of TestSuiteFailsBrokenStores")
	}
	TestStore(t, func(*testing.T) sla.Store {
		if b, ok := brokenStores[name]; ok {
			return b.store()
		}
		b, _ := lifecycletest.BreakageNamed(name)
		s := NewStore()
		return brokenStore{memory: memory{s}, RecordStore: lifecycletest.Break(s, func(tm *sla.Timer) (string, int64) { return tm.ID, tm.Version }, b)}
	})
}

// TestSuiteFailsBrokenStores runs the conformance suite, in a child
// process, on stores that each break one clause of the contract: the suite
// must fail every one, quoting the clause (TestMemoryStore shows that it
// passes the correct store).
func TestSuiteFailsBrokenStores(t *testing.T) {
	clauses := map[string]string{}
	for name, b := range brokenStores {
		clauses[name] = b.clause
	}
	lifecycletest.CatchesBroken(t, "TestBrokenStoreChild", brokenEnv, NewStore(), clauses)
}
