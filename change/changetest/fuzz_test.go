package changetest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
)

// fuzzCIs are the configuration items the fuzzer's changes and queries use.
var fuzzCIs = []string{"db", "web", "lb"}

var fuzzBase = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// fuzzOp is one operation decoded from the fuzzer's bytes: store (create
// or update) change id with the given state, items and planned window, or
// query the store.
type fuzzOp struct {
	query bool
	id    string
	state change.State
	cis   []string
	start time.Time
	end   time.Time
	limit int
}

// decodeOps turns b into operations, 5 bytes each.
func decodeOps(b []byte) []fuzzOp {
	var ops []fuzzOp
	for ; len(b) >= 5; b = b[5:] {
		op := fuzzOp{
			query: b[0]&0x80 != 0,
			id:    fmt.Sprintf("CHG-%d", b[0]&0x07),
			state: change.States()[int(b[1])%len(change.States())],
			start: fuzzBase.Add(time.Duration(b[2]) * time.Hour),
			end:   fuzzBase.Add(time.Duration(int(b[2])+int(int8(b[3]))) * time.Hour),
			limit: int(b[1] >> 4),
		}
		for i, ci := range fuzzCIs {
			if b[4]&(1<<i) != 0 {
				op.cis = append(op.cis, ci)
			}
		}
		if b[4]&0x08 != 0 { // unplanned
			op.start, op.end = time.Time{}, time.Time{}
		}
		ops = append(ops, op)
	}
	return ops
}

// booked is the Scheduled condition written out independently of
// change.Overlaps.
func booked(c *change.Change, cis []string, from, to time.Time) bool {
	if c.State != change.StateScheduled && c.State != change.StateImplement {
		return false
	}
	if !(c.PlannedStart.Before(to) && from.Before(c.PlannedEnd)) {
		return false
	}
	for _, ci := range cis {
		for _, x := range c.ConfigItems {
			if x == ci {
				return true
			}
		}
	}
	return false
}

// FuzzMemoryStore runs the fuzzer's operations on the in-memory Store and
// on a plain map, and after each query compares the store's Scheduled,
// List (paged, filtered by state and item) and Get with a brute-force scan
// of the map: the same changes, equal, in ascending ID order, each page
// within its limit. It finds bugs in the Store's own bookkeeping (updates
// that do not replace, stale copies, wrong overlap or paging), which the
// change package's FuzzChangeFilter, a List over fixed data, cannot.
func FuzzMemoryStore(f *testing.F) {
	f.Add([]byte{0x00, 0x03, 10, 4, 0x01, 0x81, 0x13, 9, 3, 0x03})
	f.Add([]byte{0x01, 0x04, 10, 2, 0x03, 0x01, 0x03, 11, 2, 0x02, 0x01, 0x05, 11, 2, 0x02, 0x82, 0x23, 10, 8, 0x07})
	f.Add([]byte{0x02, 0x03, 0, 0xff, 0x01, 0x02, 0x03, 5, 1, 0x09, 0x87, 0x00, 0, 24, 0x07})
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx := context.Background()
		s := changetest.NewStore()
		model := map[string]*change.Change{}
		for i, op := range decodeOps(b) {
			if !op.query {
				c := &change.Change{ID: op.id, Type: change.Normal, State: op.state, Title: "t", ConfigItems: op.cis,
					PlannedStart: op.start, PlannedEnd: op.end, Requester: "alice"}
				old, ok := model[op.id]
				var err error
				if ok {
					c.Version = old.Version + 1
					err = s.Commit(ctx, lifecycle.Write[*change.Change]{Record: c, Expected: old.Version})
				} else {
					c.Version = 1
					err = s.Commit(ctx, lifecycle.Write[*change.Change]{Record: c})
				}
				if err != nil {
					t.Fatalf("op %d: storing %s: %v", i, op.id, err)
				}
				c.ConfigItems = append(c.ConfigItems, "not stored") // the store copied c in
				model[op.id] = c.Clone()
				model[op.id].ConfigItems = slices.Clone(op.cis)
				continue
			}
			var want []string
			for id, c := range model {
				if booked(c, op.cis, op.start, op.end) {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			got, err := s.Scheduled(ctx, op.cis, op.start, op.end)
			if err != nil {
				t.Fatalf("op %d: Scheduled: %v", i, err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.ID)
				if !changetest.Equal(c, model[c.ID]) {
					t.Fatalf("op %d: Scheduled gave a stale %s:\n got  %+v\n want %+v", i, c.ID, c, model[c.ID])
				}
				c.Title = "mutated" // the store copied it out
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("op %d: Scheduled(%v, %s, %s) = %v, a scan gives %v", i, op.cis, op.start, op.end, ids, want)
			}

			flt := change.Filter{States: []change.State{op.state}, Limit: op.limit}
			if len(op.cis) > 0 {
				flt.ConfigItem = op.cis[0]
			}
			want = want[:0]
			for id, c := range model {
				if c.State == op.state && (flt.ConfigItem == "" || slices.Contains(c.ConfigItems, flt.ConfigItem)) {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			ids = ids[:0]
			for pages := 0; ; pages++ {
				if pages > len(model)+1 {
					t.Fatalf("op %d: paging does not end", i)
				}
				p, err := s.List(ctx, flt)
				if err != nil {
					t.Fatalf("op %d: List: %v", i, err)
				}
				if len(p.Changes) > flt.PageLimit() {
					t.Fatalf("op %d: a page of %d over the limit %d", i, len(p.Changes), flt.PageLimit())
				}
				for _, c := range p.Changes {
					ids = append(ids, c.ID)
				}
				if p.Next == "" {
					break
				}
				flt.After = p.Next
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("op %d: List(%s, %q) = %v, a scan gives %v", i, op.state, flt.ConfigItem, ids, want)
			}
			for id, c := range model {
				got, err := s.Get(ctx, id)
				if err != nil || !changetest.Equal(got, c) {
					t.Fatalf("op %d: Get(%s) = %+v, %v; want %+v", i, id, got, err, c)
				}
			}
			if _, err := s.Get(ctx, "CHG-missing"); !errors.Is(err, lifecycle.ErrNotFound) {
				t.Fatalf("op %d: Get of a missing change: %v", i, err)
			}
		}
	})
}
