package lifecycletest_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// FuzzStorePaging pages through the in-memory PortfolioStore and
// ImprovementStore with any IDs (any bytes), cursor, page size and owner
// or service filter, and checks the listing against a brute-force scan:
// exactly the matching records after the cursor, in byte-wise ID order,
// each once, at most Limit (or DefaultListLimit) a page, Next empty only
// on the last page and otherwise the ID of the page's last record, and
// every listed record equal to the one stored.
func FuzzStorePaging(f *testing.F) {
	f.Add("SVC1,SVC2,SVC3", "", int8(2), uint8(0))
	f.Add("b,a,c,aa,ab,\xff,\x00", "a", int8(1), uint8(1))
	f.Add("x", "x", int8(0), uint8(2))
	f.Add(",,,", "", int8(-5), uint8(3))
	f.Add("Z,z,0,é,e\u0301", "e", int8(3), uint8(1))
	f.Fuzz(func(t *testing.T, idList, after string, limit int8, filterBy uint8) {
		ctx := context.Background()
		var ids []string
		for _, id := range strings.Split(idList, ",") {
			if id != "" && !slices.Contains(ids, id) && len(ids) < 64 {
				ids = append(ids, id)
			}
		}
		owners := []string{"alice", "bob", ""}
		svcs := lifecycletest.NewPortfolioStore()
		imps := lifecycletest.NewImprovementStore()
		stored := map[string]*lifecycle.ITService{}
		for i, id := range ids {
			s := &lifecycle.ITService{ID: id, Version: 1, Name: "n", Owner: owners[i%3], Criticality: lifecycle.CriticalityLow,
				Status: lifecycle.Statuses()[i%len(lifecycle.Statuses())]}
			if err := svcs.CommitService(ctx, lifecycle.Write[*lifecycle.ITService]{Record: s}); err != nil {
				t.Fatalf("create %q: %v", id, err)
			}
			stored[id] = s.Clone()
			x := &lifecycle.Improvement{ID: id, Version: 1, ServiceID: owners[i%3], Title: "t",
				Status: lifecycle.ImprovementStatuses()[i%len(lifecycle.ImprovementStatuses())]}
			if err := imps.CommitImprovement(ctx, lifecycle.Write[*lifecycle.Improvement]{Record: x}); err != nil {
				t.Fatalf("create improvement %q: %v", id, err)
			}
		}
		who := ""
		if filterBy%3 > 0 {
			who = owners[filterBy%3-1]
		}
		var want []string
		for i, id := range ids {
			if id > after && (who == "" || owners[i%3] == who) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		size := int(limit)
		if size <= 0 {
			size = lifecycle.DefaultListLimit
		}

		pageAll := func(list func(after string) ([]string, string, error)) []string {
			var got []string
			cursor := after
			for pages := 0; ; pages++ {
				if pages > len(ids)+1 {
					t.Fatalf("paging does not end")
				}
				page, next, err := list(cursor)
				if err != nil {
					t.Fatalf("list after %q: %v", cursor, err)
				}
				if len(page) > size {
					t.Fatalf("a page of %d with Limit %d", len(page), limit)
				}
				got = append(got, page...)
				if next == "" {
					break
				}
				if len(page) == 0 || next != page[len(page)-1] {
					t.Fatalf("Next %q is not the page's last ID %v", next, page)
				}
				cursor = next
			}
			return got
		}
		gotSvcs := pageAll(func(cursor string) ([]string, string, error) {
			p, err := svcs.ListServices(ctx, lifecycle.ServiceFilter{Owner: who, After: cursor, Limit: int(limit)})
			var out []string
			for _, s := range p.Services {
				if !reflect.DeepEqual(s, stored[s.ID]) {
					t.Fatalf("listed %+v, stored %+v", s, stored[s.ID])
				}
				out = append(out, s.ID)
			}
			return out, p.Next, err
		})
		if !slices.Equal(gotSvcs, want) {
			t.Fatalf("services: paging listed %q, want %q", gotSvcs, want)
		}
		gotImps := pageAll(func(cursor string) ([]string, string, error) {
			p, err := imps.ListImprovements(ctx, lifecycle.ImprovementFilter{ServiceID: who, After: cursor, Limit: int(limit)})
			var out []string
			for _, x := range p.Improvements {
				out = append(out, x.ID)
			}
			return out, p.Next, err
		})
		if !slices.Equal(gotImps, want) {
			t.Fatalf("improvements: paging listed %q, want %q", gotImps, want)
		}
	})
}
