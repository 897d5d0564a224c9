package lifecycletest

import (
	"slices"
	"testing"
)

// A Lister lists one page of a filtered listing, for [CheckPaging]: the
// IDs of the records on the page that starts after ID after ("" for the
// first page), in the listing's order, and the page's Next cursor ("" on
// the last page).
type Lister func(after string) (ids []string, next string, err error)

// CheckPaging fails t unless list, followed from cursor after through each
// page's Next, lists exactly want: the IDs after it that a scan of the
// records finds matching, ascending. Every page has at most size IDs, each
// Next is the last ID of its page, the IDs come ascending and once each,
// and the pages end within bound calls (a listing that never ends would
// loop forever).
func CheckPaging(t testing.TB, list Lister, after string, size, bound int, want []string) {
	t.Helper()
	var got []string
	for pages := 0; ; pages++ {
		if pages > bound {
			t.Fatalf("paging does not end: %v", got)
		}
		ids, next, err := list(after)
		if err != nil {
			t.Fatalf("listing after %q: %v", after, err)
		}
		if len(ids) > size {
			t.Fatalf("a page of %d over the page size %d", len(ids), size)
		}
		got = append(got, ids...)
		if next == "" {
			break
		}
		if len(ids) == 0 || next != ids[len(ids)-1] {
			t.Fatalf("Next %q is not the page's last ID: %v", next, ids)
		}
		after = next
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatalf("not ascending and unique: %v", got)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paging listed %v, a scan gives %v", got, want)
	}
}
