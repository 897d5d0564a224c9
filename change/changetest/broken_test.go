package changetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
)

// Broken stores, each breaking one clause of the change.Store contract.
// TestSuiteCatchesBrokenStores shows that TestStore fails every one of
// them and quotes the clause it breaks.

// lastWriterWins ignores the expected version.
type lastWriterWins struct{ *Store }

func (s lastWriterWins) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	if cur, err := s.Store.Get(ctx, w.Record.ID); err == nil && w.Expected != 0 {
		w.Expected = cur.Version
	}
	return s.Store.Commit(ctx, w)
}

// notFoundAsConflict reports an update of a missing change as a conflict.
type notFoundAsConflict struct{ *Store }

func (s notFoundAsConflict) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	err := s.Store.Commit(ctx, w)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return lifecycle.Conflict(change.Process, w.Record.ID, w.Expected, 0)
	}
	return err
}

// sharing keeps the caller's pointer on Commit and hands it out on Get.
type sharing struct {
	*Store
	mu   sync.Mutex
	kept map[string]*change.Change
}

func (s *sharing) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	if err := s.Store.Commit(ctx, w); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kept[w.Record.ID] = w.Record
	return nil
}

func (s *sharing) Get(ctx context.Context, id string) (*change.Change, error) {
	s.mu.Lock()
	c, ok := s.kept[id]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	return s.Store.Get(ctx, id)
}

// lossy forgets who opened a change and whom its authority excludes, as a
// database schema older than those fields would.
type lossy struct{ *Store }

func (s lossy) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	c := w.Record.Clone()
	c.OpenedBy = ""
	if c.Authority != nil {
		c.Authority.Excluded = nil
	}
	w.Record = c
	return s.Store.Commit(ctx, w)
}

// uncapped honours any Limit, however large.
type uncapped struct{ *Store }

func (s uncapped) List(ctx context.Context, f change.Filter) (change.Page, error) {
	if f.Limit <= change.MaxLimit {
		return s.Store.List(ctx, f)
	}
	var out change.Page
	g := f
	g.Limit = change.MaxLimit
	for len(out.Changes) < f.Limit {
		p, err := s.Store.List(ctx, g)
		if err != nil {
			return change.Page{}, err
		}
		out.Changes = append(out.Changes, p.Changes...)
		if p.Next == "" {
			return out, nil
		}
		g.After = p.Next
	}
	out.Changes = out.Changes[:f.Limit]
	out.Next = out.Changes[f.Limit-1].ID
	return out, nil
}

// unsorted returns List pages in descending ID order.
type unsorted struct{ *Store }

func (s unsorted) List(ctx context.Context, f change.Filter) (change.Page, error) {
	p, err := s.Store.List(ctx, f)
	slices.Reverse(p.Changes)
	return p, err
}

// unbookedToo answers Scheduled with every overlapping change on the
// items, booked or not.
type unbookedToo struct{ *Store }

func (s unbookedToo) Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	var out []*change.Change
	for _, st := range change.States() {
		if st.Booked() {
			continue
		}
		p, err := s.Store.List(ctx, change.Filter{States: []change.State{st}, Limit: change.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, c := range p.Changes {
			c.State = change.StateScheduled // what Overlaps would say if it were booked
			if change.Overlaps(c, cis, from, to) {
				c, _ = s.Store.Get(ctx, c.ID)
				out = append(out, c)
			}
		}
	}
	booked, err := s.Store.Scheduled(ctx, cis, from, to)
	out = append(out, booked...)
	slices.SortFunc(out, func(a, b *change.Change) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// ignoresReads commits on the record's own version alone, whatever the
// write's rules read: the store that lets write skew through.
type ignoresReads struct{ *Store }

func (s ignoresReads) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	w.Reads = lifecycle.ReadSet{}
	return s.Store.Commit(ctx, w)
}

// ignoresContext drops the caller's ctx.
type ignoresContext struct{ *Store }

func (s ignoresContext) Get(_ context.Context, id string) (*change.Change, error) {
	return s.Store.Get(context.Background(), id)
}

func (s ignoresContext) Guard(_ context.Context, key string) (int64, error) {
	return s.Store.Guard(context.Background(), key)
}

func (s ignoresContext) Commit(_ context.Context, w lifecycle.Write[*change.Change]) error {
	return s.Store.Commit(context.Background(), w)
}

func (s ignoresContext) List(_ context.Context, f change.Filter) (change.Page, error) {
	return s.Store.List(context.Background(), f)
}

func (s ignoresContext) Scheduled(_ context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	return s.Store.Scheduled(context.Background(), cis, from, to)
}

// bareNotFound reports an unknown change with an untyped error.
type bareNotFound struct{ *Store }

func (s bareNotFound) Get(ctx context.Context, id string) (*change.Change, error) {
	c, err := s.Store.Get(ctx, id)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return nil, fmt.Errorf("no change %s", id)
	}
	return c, err
}

// dropsHistory keeps the history of creates only.
type dropsHistory struct{ *Store }

func (s dropsHistory) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	if w.Expected > 0 {
		w.History = nil
	}
	return s.Store.Commit(ctx, w)
}

// Clauses of lifecycletest.TestRecords and TestCommitter, which TestStore
// runs.
const (
	quoteStale    = "Commit: a stored version other than Expected is an error matching ErrConflict"
	quoteNotFound = "Commit with Expected > 0: an unknown ID is an error matching ErrNotFound"
	quoteGet      = "Get: an unknown ID is an error matching ErrNotFound"
	quoteCopy     = "values are copied in: mutating an argument after the call changes nothing stored"
	quotePageSize = "List: a page holds at most Limit records"
	quoteOrder    = "List: ordered by ID (byte-wise ascending)"
	quoteReads    = "Commit: a record of the read set whose version changed is a read conflict"
	quoteHistory  = "Commit appends w.History after the stored records"
)

var brokenStores = map[string]struct {
	make   func() change.Store
	clause string
}{
	"lastWriterWins":     {func() change.Store { return lastWriterWins{NewStore()} }, quoteStale},
	"notFoundAsConflict": {func() change.Store { return notFoundAsConflict{NewStore()} }, quoteNotFound},
	"bareNotFound":       {func() change.Store { return bareNotFound{NewStore()} }, quoteGet},
	"sharing": {func() change.Store {
		return &sharing{Store: NewStore(), kept: map[string]*change.Change{}}
	}, quoteCopy},
	"lossy":          {func() change.Store { return lossy{NewStore()} }, clauseRoundTrip},
	"uncapped":       {func() change.Store { return uncapped{NewStore()} }, quotePageSize},
	"unsorted":       {func() change.Store { return unsorted{NewStore()} }, quoteOrder},
	"unbookedToo":    {func() change.Store { return unbookedToo{NewStore()} }, clauseScheduled},
	"ignoresContext": {func() change.Store { return ignoresContext{NewStore()} }, clauseCanceled},
	"ignoresReads":   {func() change.Store { return ignoresReads{NewStore()} }, quoteReads},
	"dropsHistory":   {func() change.Store { return dropsHistory{NewStore()} }, quoteHistory},
}

// TestBrokenStoreHelper runs the suite on the broken store named by
// CHANGETEST_BROKEN. It is meant to fail, so it only runs in the child
// processes TestSuiteCatchesBrokenStores starts; otherwise it skips.
func TestBrokenStoreHelper(t *testing.T) {
	b, ok := brokenStores[os.Getenv("CHANGETEST_BROKEN")]
	if !ok {
		t.Skip("run by TestSuiteCatchesBrokenStores in a child process")
	}
	TestStore(t, func(*testing.T) change.Store { return b.make() })
}

// TestSuiteCatchesBrokenStores proves that TestStore can fail: it runs the
// suite on each broken store in a child process, which must fail and quote
// the broken clause.
func TestSuiteCatchesBrokenStores(t *testing.T) {
	for name, b := range brokenStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStoreHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "CHANGETEST_BROKEN="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the suite passed a store that breaks %q (err %v):\n%s", b.clause, err, out)
			}
			if !strings.Contains(string(out), "contract: "+b.clause) {
				t.Fatalf("the suite failed without quoting %q:\n%s", b.clause, out)
			}
		})
	}
}
