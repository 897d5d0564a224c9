package change_test

import (
	"testing"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// FuzzChangeFilter decodes a filter from the fuzzer's bytes and checks the
// in-memory store's List against a brute-force scan with Filter.Matches:
// the same changes, in ascending ID order, each page within its limit, no
// repeats across pages.
func FuzzChangeFilter(f *testing.F) {
	store := changetest.NewStore()
	var all []*change.Change
	types := change.Types()
	for i := range 18 {
		c, _, err := testRules().New("CHG-"+string(rune('A'+i)), lifecycle.Actor{ID: []string{"alice", "bob", "carol"}[i%3]}, t0, change.Create{
			Type: types[i%len(types)], Title: "t", Plans: fullPlans,
			Template:    map[bool]string{true: "os-patch"}[types[i%len(types)] == change.Standard],
			Assignee:    []string{"", "dave", "erin"}[i/3%3],
			ConfigItems: [][]string{{"web-1"}, {"db-1", "web-1"}, nil}[i%3],
		})
		if err != nil {
			f.Fatal(err)
		}
		if i%4 == 1 && c.Type != change.Standard {
			if _, err := testRules().Apply(c, lifecycle.Actor{ID: "alice"}, t0, change.Cancel{Reason: "not needed"}); err != nil {
				f.Fatal(err)
			}
		}
		if err := store.Commit(ctx, lifecycle.Write[*change.Change]{Record: c}); err != nil {
			f.Fatal(err)
		}
		all = append(all, c)
	}
	f.Add(uint8(0), uint8(0), "", "", "", 0, "")
	f.Add(uint8(0b1), uint8(0b010), "alice", "dave", "web-1", 2, "")
	f.Add(uint8(0xff), uint8(0xff), "", "", "db-1", 1, "CHG-C")
	f.Fuzz(func(t *testing.T, states, typs uint8, requester, assignee, ci string, limit int, after string) {
		flt := change.Filter{
			States: lifecycletest.Pick(uint64(states), change.States()), Types: lifecycletest.Pick(uint64(typs), types),
			Requester: requester, Assignee: assignee, ConfigItem: ci, Limit: limit % 25, After: after,
		}
		want := lifecycletest.CheckScan(t, all, func(c *change.Change) string { return c.ID }, after, flt.Matches)
		lifecycletest.CheckPaging(t, func(after string) ([]string, string, error) {
			flt.After = after
			page, err := store.List(ctx, flt)
			var ids []string
			for _, c := range page.Changes {
				if !flt.Matches(c) {
					t.Fatalf("%s does not match %+v", c.ID, flt)
				}
				ids = append(ids, c.ID)
			}
			return ids, page.Next, err
		}, after, flt.PageLimit(), len(all)+1, want)
	})
}
