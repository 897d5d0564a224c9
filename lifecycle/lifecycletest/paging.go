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

// CheckScan fails t unless each of matchers (a filter's Matches, the same
// filter without its cursor and limit, ...) agrees with spec, the
// filter's documented meaning, on every record; it returns the IDs (id)
// of the records spec matches that come after cursor after, ascending:
// what a listing of the filter from that cursor must give ([CheckPaging]).
func CheckScan[R any](t testing.TB, records []R, id func(R) string, after string, spec func(R) bool, matchers ...func(R) bool) []string {
	t.Helper()
	var want []string
	for _, r := range records {
		s := spec(r)
		for i, m := range matchers {
			if got := m(r); got != s {
				t.Fatalf("matcher %d says %v of %s, the documented criteria say %v", i, got, id(r), s)
			}
		}
		if s && id(r) > after {
			want = append(want, id(r))
		}
	}
	slices.Sort(want)
	return want
}

// Pick returns the values whose bit is set in mask (bit i for values[i],
// values past the 64th never), for a fuzz test to draw a subset of a
// process's states, types or priorities from one number.
func Pick[T any](mask uint64, values []T) []T {
	var out []T
	for i, v := range values {
		if i < 64 && mask&(1<<i) != 0 {
			out = append(out, v)
		}
	}
	return out
}
