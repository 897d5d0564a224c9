package problemtest_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// opReader hands out the fuzzer's bytes one at a time (zero once they run
// out).
type opReader struct{ b []byte }

func (r *opReader) next() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *opReader) pick(choices ...string) string { return choices[int(r.next())%len(choices)] }

// Byte order differs from numeric order, and upper case sorts before lower.
var fuzzIDs = []string{"PRB-1", "PRB-10", "PRB-2", "PRB-9", "PRB-A", "PRB-a", "PRB-Z", "PRB-10a"}

// fuzzProblem builds a problem for id from the fuzzer's bytes: any state,
// known error or not, varied group, service, title and incidents.
func fuzzProblem(r *opReader, id string) *problem.Problem {
	p := problemtest.Fixture(id)
	states := problem.States()
	p.State = states[int(r.next())%len(states)]
	p.Group = r.pick("", "network", "messaging")
	p.Service = r.pick("email", "vpn", "")
	p.ConfigItem = r.pick("mx1", "fw1")
	p.Title = r.pick("Mail relay drops messages", "VPN flaps", "Disk full on MX1")
	p.Priority = lifecycle.Priority(1 + int(r.next())%3)
	if k := r.next(); k&1 == 1 {
		p.KnownError.Workaround = "" // not a known error
	} else if k&2 == 2 {
		p.KnownError.Workaround = "Purge the QUEUE"
	}
	p.Incidents = []string{r.pick("INC-1", "INC-2", "INC-3")}
	return p
}

// FuzzFaultyMemoryStore runs a sequence of operations, decoded from the
// fuzzer's bytes, on problemtest.FaultyStore over problemtest.NewStore with
// faults seeded from the input, and checks every answer against a plain
// map (the model) and a brute-force scan of it:
//
//   - a create and an update through Commit store exactly when the contract says (not found,
//     stale version, taken ID), and an injected fault stores nothing,
//     except the ambiguous commit (FaultAfterWrite), which stores;
//   - Get returns the model's problem, a copy the caller may scribble on;
//   - List with any filter, limit and cursor pages through exactly the
//     matching problems after the cursor, in byte-wise ID order, with
//     Next set exactly when more follow;
//   - SearchKnownErrors returns the model's matches in ID order, cut at
//     the limit;
//   - after every operation the wrapped store holds exactly the model:
//     no half-write, no write through a shared pointer.
func FuzzFaultyMemoryStore(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0}, uint64(1), uint8(0))
	f.Add([]byte{0, 1, 3, 1, 1, 1, 1, 1, 2, 0, 0, 2, 2, 2, 2, 2, 0, 1, 1, 0, 1, 1, 3, 1, 2, 5, 4, 1, 2, 3}, uint64(7), uint8(1))
	f.Add([]byte("\x00\x03\x05\x02\x01\x00\x01\x02\x00\x04\x06\x01\x01\x02\x03\x01\x03\x02\x00\x00\x04\x03\x03\x01\x02\x05\x05\x00"), uint64(42), uint8(2))
	f.Add([]byte("create update get list search scribble create create list list"), uint64(3), uint8(3))
	f.Fuzz(func(t *testing.T, ops []byte, seed uint64, level uint8) {
		if len(ops) > 512 {
			ops = ops[:512]
		}
		rate := []float64{0, 0.05, 0.1, 0.2}[level%4]
		faults := lifecycletest.NewFaults(seed, lifecycletest.Rates{Error: rate, Timeout: rate, Conflict: rate, AfterWrite: rate})
		mem := problemtest.NewStore()
		s := problemtest.FaultyStore(mem, faults)
		model := map[string]*problem.Problem{}
		ctx := context.Background()
		r := &opReader{b: ops}

		for step := 0; len(r.b) > 0; step++ {
			switch op := r.next() % 6; op {
			case 0: // Create
				id := r.pick(fuzzIDs...)
				p := fuzzProblem(r, id)
				want := p.Clone()
				_, exists := model[id]
				err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: p})
				p.Title, p.Incidents[0] = "scribbled after Create", "INC-SCRIBBLED"
				if applied := writeApplied(t, step, "Create", err, exists, lifecycle.ErrConflict); applied {
					model[id] = want
				}
			case 1: // Update
				id := r.pick(fuzzIDs...)
				cur, exists := model[id]
				var next *problem.Problem
				expected := int64(1)
				if exists {
					next = fuzzProblem(r, id)
					next.Version = cur.Version + 1
					expected = cur.Version + int64(r.next()%3) - 1 // stale, right or ahead
				} else {
					next = fuzzProblem(r, id)
					next.Version = 2
				}
				want := next.Clone()
				err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: next, Expected: expected})
				next.Title = "scribbled after Update"
				var refuse error
				switch {
				case !exists:
					refuse = lifecycle.ErrNotFound
				case expected != cur.Version:
					refuse = lifecycle.ErrConflict
				}
				if writeApplied(t, step, "Update", err, refuse != nil, refuse) {
					model[id] = want
				}
			case 2: // Get, then scribble on the copy
				id := r.pick(append(fuzzIDs, "PRB-NONE")...)
				got, err := s.Get(ctx, id)
				if injected(err) {
					break
				}
				want, ok := model[id]
				if !ok {
					if !errors.Is(err, lifecycle.ErrNotFound) {
						t.Fatalf("step %d: Get(%s) of a missing problem = %v, want ErrNotFound", step, id, err)
					}
					break
				}
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("step %d: Get(%s) = %+v, %v; want %+v", step, id, got, err, want)
				}
				got.Incidents[0], got.KnownError.Workaround = "scribbled", "scribbled"
				got.History[0].Changes[0].New = "scribbled"
			case 3: // List, every page
				checkList(t, step, s, model, r)
			case 4: // SearchKnownErrors
				q := problem.KnownErrorQuery{
					Text:       r.pick("", "mail", "MAIL relay", "disk", "purge queue", "zebra"),
					Service:    r.pick("", "email", "vpn"),
					ConfigItem: r.pick("", "mx1"),
					Limit:      int(r.next()%5) - 1,
				}
				got, err := s.SearchKnownErrors(ctx, q)
				if injected(err) {
					break
				}
				if err != nil {
					t.Fatalf("step %d: SearchKnownErrors: %v", step, err)
				}
				var want []*problem.Problem
				for _, id := range sortedIDs(model) {
					if q.Match(model[id]) {
						want = append(want, model[id])
					}
				}
				if limit := q.Limit; limit > 0 && len(want) > limit {
					want = want[:limit]
				}
				if !equalProblems(got, want) {
					t.Fatalf("step %d: SearchKnownErrors(%+v) = %v, want %v", step, q, idsOf(got), idsOf(want))
				}
			case 5: // switch faults off or on
				if r.next()%2 == 0 {
					faults.SetRates(lifecycletest.Rates{})
				} else {
					faults.SetRates(lifecycletest.Rates{Error: rate, Timeout: rate, Conflict: rate, AfterWrite: rate})
				}
			}
			// The wrapped store holds exactly the model.
			if mem.Len() != len(model) {
				t.Fatalf("step %d: the store holds %d problems, the model %d", step, mem.Len(), len(model))
			}
			for id, want := range model {
				got, err := mem.Get(ctx, id)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("step %d: stored %s = %+v, %v; want %+v", step, id, got, err, want)
				}
			}
		}
	})
}

// writeApplied judges a write's error and reports whether it took effect.
// refused says the contract refuses the write, with an error matching
// refusal; an injected fault stores nothing unless it is the ambiguous
// commit, which only a write the contract accepts can be.
func writeApplied(t *testing.T, step int, op string, err error, refused bool, refusal error) bool {
	t.Helper()
	var ie *lifecycletest.InjectedError
	switch {
	case errors.As(err, &ie):
		if ie.Applied() && refused {
			t.Fatalf("step %d: %s: an ambiguous commit of a write the store refuses: %v", step, op, err)
		}
		return ie.Applied()
	case refused:
		if !errors.Is(err, refusal) {
			t.Fatalf("step %d: %s = %v, want an error matching %v", step, op, err, refusal)
		}
		return false
	case err != nil:
		t.Fatalf("step %d: %s = %v, want success", step, op, err)
	}
	return true
}

// injected reports whether err is an injected fault (reads only draw
// errors and timeouts, which change nothing).
func injected(err error) bool { return errors.Is(err, lifecycletest.ErrInjected) }

// checkList pages through a filter drawn from r and compares the pages
// with a brute-force scan of the model. A page read that draws a fault is
// read again.
func checkList(t *testing.T, step int, s problem.Store, model map[string]*problem.Problem, r *opReader) {
	t.Helper()
	f := problem.Filter{
		Group:      r.pick("", "", "network", "messaging"),
		Service:    r.pick("", "", "email"),
		KnownError: r.next()%3 == 0,
		Incident:   r.pick("", "", "", "INC-2"),
		After:      r.pick(append([]string{"", "", "PRB-0", "PRB-5", "PRB-~"}, fuzzIDs...)...),
		Limit:      int(int8(r.next())) % 5,
	}
	if n := r.next() % 3; n > 0 {
		states := problem.States()
		for range n {
			f.States = append(f.States, states[int(r.next())%len(states)])
		}
	}
	var want []*problem.Problem
	for _, id := range sortedIDs(model) {
		if id > f.After && f.Match(model[id]) {
			want = append(want, model[id])
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = problem.DefaultLimit
	}
	var got []*problem.Problem
	start := f.After
	for pages, tries := 0, 0; ; {
		page, err := s.List(context.Background(), f)
		if injected(err) {
			if tries++; tries > 1000 {
				t.Fatalf("step %d: List keeps failing: %v", step, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d: List(%+v): %v", step, f, err)
		}
		if len(page.Problems) > limit {
			t.Fatalf("step %d: a page of %d with Limit %d", step, len(page.Problems), f.Limit)
		}
		got = append(got, page.Problems...)
		more := len(got) < len(want)
		if (page.Next != "") != more {
			t.Fatalf("step %d: after %d of %d problems Next = %q", step, len(got), len(want), page.Next)
		}
		if page.Next == "" {
			break
		}
		if page.Next != page.Problems[len(page.Problems)-1].ID {
			t.Fatalf("step %d: Next %q is not the page's last ID", step, page.Next)
		}
		if pages++; pages > len(model)+1 {
			t.Fatalf("step %d: paging does not end", step)
		}
		f.After = page.Next
	}
	if !equalProblems(got, want) {
		t.Fatalf("step %d: List from %q (filter %+v) paged %v, want %v", step, start, f, idsOf(got), idsOf(want))
	}
}

func sortedIDs(model map[string]*problem.Problem) []string {
	ids := make([]string, 0, len(model))
	for id := range model {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func equalProblems(a, b []*problem.Problem) bool {
	return len(a) == len(b) && slices.EqualFunc(a, b, func(x, y *problem.Problem) bool { return reflect.DeepEqual(x, y) })
}

func idsOf(ps []*problem.Problem) string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return strings.Join(ids, " ")
}
