package slatest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

// Broken stores: the in-memory store with one clause of the contract
// broken each. TestSuiteFailsBrokenStores proves that TestStore catches
// every one of them.

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

// blindUpdate does not check the expected version.
type blindUpdate struct{ *Store }

func (s blindUpdate) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	if cur, err := s.Store.Get(ctx, w.Record.ID); err == nil && w.Expected != 0 {
		w.Expected = cur.Version
	}
	return s.Store.Commit(ctx, w)
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

// bareNotFound reports an unknown timer with an untyped error.
type bareNotFound struct{ *Store }

func (s bareNotFound) Get(ctx context.Context, id string) (*sla.Timer, error) {
	tm, err := s.Store.Get(ctx, id)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return nil, fmt.Errorf("no timer %s", id)
	}
	return tm, err
}

// readBlind commits whatever the write's read set says.
type readBlind struct{ *Store }

func (s readBlind) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	w.Reads = lifecycle.ReadSet{}
	return s.Store.Commit(ctx, w)
}

// Clauses of lifecycletest.TestRecords and TestCommitter, which TestStore
// runs.
const (
	quoteRoundTrip = "Commit with Expected 0 then Get: the stored record is returned unchanged"
	quoteCopyOut   = "values are copied out: mutating a returned value changes nothing stored"
	quoteStale     = "Commit: a stored version other than Expected is an error matching ErrConflict"
	quoteGet       = "Get: an unknown ID is an error matching ErrNotFound"
	quoteReads     = "Commit: a record of the read set whose version changed is a read conflict"
)

var brokenStores = map[string]struct {
	store  func() sla.Store
	clause string // a clause the failure must quote
}{
	"seconds":        {func() sla.Store { return seconds{NewStore()} }, clausePrecision},
	"milliseconds":   {func() sla.Store { return milliseconds{NewStore()} }, clausePrecision},
	"whole-seconds":  {func() sla.Store { return wholeSeconds{NewStore()} }, quoteRoundTrip},
	"no-journal":     {func() sla.Store { return noJournal{NewStore()} }, quoteRoundTrip},
	"shared":         {func() sla.Store { return shared{NewStore()} }, quoteCopyOut},
	"blind-update":   {func() sla.Store { return blindUpdate{NewStore()} }, quoteStale},
	"bare-not-found": {func() sla.Store { return bareNotFound{NewStore()} }, quoteGet},
	"read-blind":     {func() sla.Store { return readBlind{NewStore()} }, quoteReads},
	"unordered":      {func() sla.Store { return unordered{NewStore()} }, clauseDue},
	"exclusive":      {func() sla.Store { return exclusive{NewStore()} }, clauseDue},
	"no-stopped":     {func() sla.Store { return nilList{NewStore()} }, clauseList},
	"greedy":         {func() sla.Store { return greedy{NewStore()} }, clauseClaim},
}

const brokenEnv = "SLATEST_BROKEN_STORE"

// TestBrokenStoreChild runs TestStore on the broken store named by
// SLATEST_BROKEN_STORE ("correct" for the in-memory store itself). It is
// the child process of TestSuiteFailsBrokenStores, which expects it to
// fail; run alone, it has nothing to check.
func TestBrokenStoreChild(t *testing.T) {
	name := os.Getenv(brokenEnv)
	if name == "" {
		t.Skip("the child process of TestSuiteFailsBrokenStores")
	}
	if name == "correct" {
		TestStore(t, func(*testing.T) sla.Store { return NewStore() })
		return
	}
	b, ok := brokenStores[name]
	if !ok {
		t.Fatalf("no broken store %q", name)
	}
	TestStore(t, func(*testing.T) sla.Store { return b.store() })
}

// TestSuiteFailsBrokenStores runs the conformance suite, in a child
// process, on stores that each break one clause of the contract: the suite
// must fail every one, quoting the clause, and pass the correct store.
func TestSuiteFailsBrokenStores(t *testing.T) {
	run := func(name string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStoreChild$", "-test.v")
		cmd.Env = append(os.Environ(), brokenEnv+"="+name)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("correct")
	if err != nil || !strings.Contains(out, "--- PASS: TestBrokenStoreChild") {
		t.Fatalf("the suite fails the correct store (%v):\n%s", err, out)
	}
	for name, b := range brokenStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := run(name)
			if _, ok := err.(*exec.ExitError); !ok || !strings.Contains(out, "--- FAIL: TestBrokenStoreChild") {
				t.Fatalf("the suite passes a store that breaks %s (%v):\n%s", b.clause, err, out)
			}
			if !strings.Contains(out, b.clause) {
				t.Errorf("the failure does not quote %s:\n%s", b.clause, out)
			}
		})
	}
}
