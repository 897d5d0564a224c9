package slatest_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// fuzzModel is what the in-memory store should hold: per timer ID its
// record, Next and version, and the leases; every query is answered by a
// brute-force scan.
type fuzzModel struct {
	timers map[string]*fuzzTimer
	leases map[string]fuzzLease
}

type fuzzTimer struct {
	record  string
	next    time.Time
	version int64
}

type fuzzLease struct {
	owner string
	until time.Time
}

func (m *fuzzModel) due(at time.Time, limit int, keep func(id string) bool) []string {
	var ids []string
	for id, t := range m.timers {
		if !t.next.IsZero() && !t.next.After(at) && (keep == nil || keep(id)) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := m.timers[a].next.Compare(m.timers[b].next); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return ids
}

// FuzzStoreQueries runs a sequence of operations decoded from the input
// (4 bytes each: Create, Update with the right or a stale version, Due,
// ListByRecord, Claim) on the in-memory store and checks every answer
// against a brute-force scan of a model: the store's indexes (by record,
// and a heap by Next with stale entries) must never change an answer.
func FuzzStoreQueries(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 0, 2, 3, 1, 2, 0, 5, 0, 4, 1, 5, 2, 1, 1, 1, 0, 2, 0, 9, 1})
	f.Add([]byte{0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 2, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 9, 0, 4, 2, 9, 0, 4, 0, 9, 3})
	f.Add([]byte{0, 3, 4, 5, 1, 3, 0, 5, 3, 3, 0, 0, 2, 7, 7, 7, 4, 1, 2, 2, 4, 2, 2, 2, 4, 1, 9, 6})
	base := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	// Next values: zero, then few distinct instants so that ties (broken
	// by ID) are frequent.
	nextAt := func(b byte) time.Time {
		if b%8 == 0 {
			return time.Time{}
		}
		return base.Add(time.Duration(b%8) * 10 * time.Minute)
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		ctx := context.Background()
		s := slatest.NewStore()
		m := &fuzzModel{timers: map[string]*fuzzTimer{}, leases: map[string]fuzzLease{}}
		ids := func(ts []*sla.Timer) []string {
			out := make([]string, len(ts))
			for i, tm := range ts {
				out[i] = tm.ID
				w, ok := m.timers[tm.ID]
				if !ok || tm.Version != w.version || !tm.Next.Equal(w.next) || tm.RecordID != w.record {
					t.Fatalf("the store returned %s v%d next %v, the model has %+v", tm.ID, tm.Version, tm.Next, w)
				}
			}
			return out
		}
		for len(ops) >= 4 {
			op, a, b, c := ops[0]%5, ops[1], ops[2], ops[3]
			ops = ops[4:]
			record := fmt.Sprintf("INC%d", a%4)
			id := sla.TimerID(record, fmt.Sprintf("agreement-%d", c%3))
			switch op {
			case 0: // Create
				tm := slatest.Fixture(record, fmt.Sprintf("agreement-%d", c%3), nextAt(b))
				err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: tm})
				_, exists := m.timers[id]
				if exists != errors.Is(err, lifecycle.ErrConflict) || !exists && err != nil {
					t.Fatalf("Create(%s) = %v; exists %v", id, err, exists)
				}
				if !exists {
					m.timers[id] = &fuzzTimer{record: record, next: tm.Next, version: 1}
				}
			case 1: // Update, with a stale version when c has bit 2 set
				w, exists := m.timers[id]
				tm := slatest.Fixture(record, fmt.Sprintf("agreement-%d", c%3), nextAt(b))
				expected := int64(1) // an update: over a missing timer, not found
				if exists {
					expected = w.version
				}
				if c&4 != 0 {
					expected++
				}
				tm.Version = expected + 1
				err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: tm, Expected: expected})
				switch {
				case !exists:
					if !errors.Is(err, lifecycle.ErrNotFound) {
						t.Fatalf("Update(missing %s) = %v", id, err)
					}
				case expected != w.version:
					if !errors.Is(err, lifecycle.ErrConflict) {
						t.Fatalf("Update(%s, stale %d) = %v", id, expected, err)
					}
				case err != nil:
					t.Fatalf("Update(%s) = %v", id, err)
				default:
					w.next, w.version = tm.Next, tm.Version
				}
			case 2: // Due
				at, limit := nextAt(b|1), int(c%4)-1
				got, err := s.Due(ctx, at, limit)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := ids(got), m.due(at, limit, nil); !slices.Equal(g, w) {
					t.Fatalf("Due(%v, %d) = %v, want %v", at, limit, g, w)
				}
			case 3: // ListByRecord
				got, err := s.ListByRecord(ctx, record)
				if err != nil || got == nil {
					t.Fatalf("ListByRecord = %v, %v", got, err)
				}
				var want []string
				for id, w := range m.timers {
					if w.record == record {
						want = append(want, id)
					}
				}
				slices.Sort(want)
				if g := ids(got); !slices.Equal(g, want) {
					t.Fatalf("ListByRecord(%s) = %v, want %v", record, g, want)
				}
			case 4: // Claim
				owner := fmt.Sprintf("replica-%d", a%3)
				at, limit := nextAt(b|1), int(c%4)-1
				lease := time.Duration(c%5) * 10 * time.Minute
				got, err := s.Claim(ctx, owner, at, limit, lease)
				if err != nil {
					t.Fatal(err)
				}
				want := m.due(at, limit, func(id string) bool {
					l, ok := m.leases[id]
					return !ok || l.owner == owner || !l.until.After(at)
				})
				if g := ids(got); !slices.Equal(g, want) {
					t.Fatalf("Claim(%s, %v, %d) = %v, want %v", owner, at, limit, g, want)
				}
				for _, id := range want {
					m.leases[id] = fuzzLease{owner: owner, until: at.Add(lease)}
				}
			}
		}
	})
}
