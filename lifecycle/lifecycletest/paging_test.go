package lifecycletest_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// pgIDs are the records of the paging tests.
var pgIDs = []string{"A1", "A2", "A3", "A4", "A5"}

// pgLister pages through ids, size a page, as a store does.
func pgLister(ids []string, size int) lifecycletest.Lister {
	return func(after string) ([]string, string, error) {
		i, _ := slices.BinarySearch(ids, after)
		if i < len(ids) && ids[i] == after {
			i++
		}
		page := ids[i:min(i+size, len(ids))]
		next := ""
		if i+size < len(ids) {
			next = page[len(page)-1]
		}
		return slices.Clone(page), next, nil
	}
}

func TestCheckPaging(t *testing.T) {
	for _, after := range []string{"", "A2", "A5", "B"} {
		i, _ := slices.BinarySearch(pgIDs, after+"\x00")
		passes(t, "a good listing after "+after, func(f *tbFailures) { lifecycletest.CheckPaging(f, pgLister(pgIDs, 2), after, 2, 6, pgIDs[i:]) })
	}
	broken := map[string]lifecycletest.Lister{
		"a page over size": pgLister(pgIDs, 3),
		"never ends": func(string) ([]string, string, error) {
			return []string{"A1"}, "A1", nil
		},
		"a Next that is not the last ID": func(after string) ([]string, string, error) {
			if after == "" {
				return []string{"A1", "A2"}, "A1", nil
			}
			return pgLister(pgIDs, 2)(after)
		},
		"an error": func(string) ([]string, string, error) { return nil, "", errors.New("down") },
		"one record skipped": func(after string) ([]string, string, error) {
			ids, next, err := pgLister(pgIDs, 2)(after)
			return slices.DeleteFunc(ids, func(id string) bool { return id == "A3" }), next, err
		},
		"descending": func(after string) ([]string, string, error) {
			ids, next, err := pgLister(pgIDs, 2)(after)
			if after == "" {
				return []string{"A2", "A1"}, next, err
			}
			return ids, next, err
		},
		"one record twice": func(after string) ([]string, string, error) {
			if after == "A2" {
				return []string{"A2", "A3"}, "A3", nil
			}
			return pgLister(pgIDs, 2)(after)
		},
	}
	for name, list := range broken {
		fails(t, "a listing with "+name, func(f *tbFailures) { lifecycletest.CheckPaging(f, list, "", 2, 6, pgIDs) })
	}
}

func TestCheckScan(t *testing.T) {
	id := func(s string) string { return s }
	odd := func(s string) bool { return s[1]%2 == 1 }
	passes(t, "a scan", func(f *tbFailures) {
		got := lifecycletest.CheckScan(f, []string{"A5", "A1", "A2", "A3"}, id, "A1", odd, odd, func(s string) bool { return odd(s) })
		if !slices.Equal(got, []string{"A3", "A5"}) {
			f.Errorf("CheckScan = %v, want A3 and A5: the matches after A1, sorted", got)
		}
	})
	fails(t, "a matcher that disagrees with the spec", func(f *tbFailures) {
		lifecycletest.CheckScan(f, pgIDs, id, "", odd, odd, func(s string) bool { return s != "A3" && odd(s) })
	})
}

func TestPick(t *testing.T) {
	vs := []string{"a", "b", "c", "d"}
	for mask, want := range map[uint64][]string{0: nil, 0b1: {"a"}, 0b1010: {"b", "d"}, 0xff: vs} {
		if got := lifecycletest.Pick(mask, vs); !slices.Equal(got, want) {
			t.Errorf("Pick(%b) = %v, want %v", mask, got, want)
		}
	}
}
