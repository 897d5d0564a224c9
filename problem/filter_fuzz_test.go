package problem_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// filterProblems is the fixture of FuzzProblemFilter: problems in every
// state, with varied groups, assignees, services, configuration items,
// priorities, incidents and known errors, built by the pure layer.
func filterProblems(t testing.TB) []*problem.Problem {
	var out []*problem.Problem
	for i, state := range problem.States() {
		for j := range 3 {
			incidents := []string{fmt.Sprintf("INC%d", i%4)}
			if j == 1 {
				incidents = append(incidents, "INC9")
			}
			p, _, err := problem.NewProblem(fmt.Sprintf("PRB-%02d-%d", i, j), lifecycle.DefaultMatrix, alice, t0, problem.Open{
				Title:      "Mail relay drops messages",
				Impact:     lifecycle.Impact(1 + (i+j)%3),
				Urgency:    lifecycle.Urgency(1 + j),
				Service:    fmt.Sprintf("svc-%d", i%3),
				ConfigItem: fmt.Sprintf("ci-%d", j%2),
				Incidents:  incidents,
			})
			if err != nil {
				t.Fatal(err)
			}
			now := t0
			apply := func(c problem.Command) {
				now = now.Add(time.Hour)
				if _, err := p.Apply(manager, now, withID(c, p.ID)); err != nil {
					t.Fatalf("%s: %T: %v", p.ID, c, err)
				}
			}
			if j == 2 && slices.Contains(problem.Allowed(p.State), problem.EventRecordKnownError) {
				apply(problem.RecordKnownError{RootCause: "Spool disk full", Workaround: "Purge the queue"})
			}
			for _, c := range pathTo[state] {
				apply(c)
			}
			if j == 1 && slices.Contains(problem.Allowed(p.State), problem.EventAssign) {
				apply(problem.Assign{Group: "network", Assignee: "nick"})
			}
			out = append(out, p)
		}
	}
	return out
}

// FuzzProblemFilter checks Filter.Match and Store.List paging against the
// filter's documented meaning: Match is the conjunction of the set
// criteria (state among States, group, assignee, service, configuration
// item, priority, linked incident, known error), ignores After and Limit,
// and paging through the in-memory store with any Limit from any After
// visits exactly the matching problems after the cursor, in ID order, once
// each. (An unknown state is not an error: it matches nothing.)
func FuzzProblemFilter(f *testing.F) {
	f.Add("new", "", uint8(1), "", "", "", "", int8(0), "", false, "", int8(0))
	f.Add("resolved", "closed", uint8(2), "network", "nick", "svc-1", "ci-0", int8(2), "INC9", true, "PRB-03", int8(2))
	f.Add("", "", uint8(0), "messaging", "ann", "", "", int8(3), "INC1", false, "", int8(1))
	f.Add("Closed", "open", uint8(2), "", "", "", "", int8(-1), "", true, "ZZZ", int8(-5))
	problems := filterProblems(f)
	store := problemtest.NewStore()
	for _, p := range problems {
		if err := storeCreate(ctx, store, p); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, st1, st2 string, nStates uint8, group, assignee, service, ci string, prio int8,
		incident string, knownError bool, after string, limit int8) {
		filter := problem.Filter{
			States:     []problem.State{problem.State(st1), problem.State(st2)}[:nStates%3],
			Group:      group,
			Assignee:   assignee,
			Service:    service,
			ConfigItem: ci,
			Priority:   lifecycle.Priority(prio),
			Incident:   incident,
			KnownError: knownError,
			After:      after,
			Limit:      int(limit),
		}
		unpaged := filter
		unpaged.After, unpaged.Limit = "", 0
		want := lifecycletest.CheckScan(t, problems, func(p *problem.Problem) string { return p.ID }, after, func(p *problem.Problem) bool {
			return (len(filter.States) == 0 || slices.Contains(filter.States, p.State)) &&
				(group == "" || p.Group == group) &&
				(assignee == "" || p.Assignee == assignee) &&
				(service == "" || p.Service == service) &&
				(ci == "" || p.ConfigItem == ci) &&
				(prio == 0 || int(p.Priority) == int(prio)) &&
				(incident == "" || slices.Contains(p.Incidents, incident)) &&
				(!knownError || (p.KnownError.RootCause != "" && p.KnownError.Workaround != ""))
		}, filter.Match, unpaged.Match)
		pageSize := int(limit)
		if pageSize <= 0 {
			pageSize = problem.DefaultLimit
		}
		lifecycletest.CheckPaging(t, func(after string) ([]string, string, error) {
			filter.After = after
			page, err := store.List(ctx, filter)
			var ids []string
			for _, p := range page.Problems {
				ids = append(ids, p.ID)
			}
			return ids, page.Next, err
		}, after, pageSize, len(problems)+1, want)
	})
}

// FuzzKnownErrorQuery builds a known error from fuzzed text and searches
// for it with a fuzzed query. It checks KnownErrorQuery.Match against its
// documentation: only known errors match; every word of the title,
// symptom, root cause or workaround finds the problem, whatever its case;
// a query matches exactly when each of its terms does (and an empty query
// matches every known error); service and configuration item must be
// equal when set; and Store.SearchKnownErrors returns exactly the matches.
func FuzzKnownErrorQuery(f *testing.F) {
	f.Add("Mail relay drops messages", "SMTP 452", "Spool disk full", "Purge the queue", "spool PURGE", "email", "")
	f.Add("VPN flaps", "", "MTU mismatch", "Lower MTU", "", "", "vpn-gw")
	f.Add("Straße", "İstanbul", "ǅ digraph", "ſ long s", "STRASSE i̇stanbul ǆ S", "", "")
	f.Add("a", "b", "c", "d", "a b c d e", "x", "y")
	f.Fuzz(func(t *testing.T, title, symptom, rootCause, workaround, query, service, ci string) {
		p, _, err := problem.NewProblem("PRB-KE", lifecycle.DefaultMatrix, alice, t0, problem.Open{
			Title: title, Symptom: symptom, Service: "email", ConfigItem: "mx1",
		})
		if err != nil {
			return // a blank title
		}
		if _, err := p.Apply(alice, t0.Add(time.Minute), problem.RecordKnownError{ID: p.ID, RootCause: rootCause, Workaround: workaround}); err != nil {
			return // nothing to record
		}
		plain, _, err := problem.NewProblem("PRB-PLAIN", lifecycle.DefaultMatrix, alice, t0, problem.Open{
			Title: title, Symptom: symptom, Service: "email", ConfigItem: "mx1",
		})
		if err != nil {
			t.Fatal(err)
		}
		if plain.IsKnownError() {
			t.Fatalf("a new problem is a known error")
		}
		q := problem.KnownErrorQuery{Text: query, Service: service, ConfigItem: ci}
		if plain.KnownError.RootCause == "" && q.Match(plain) {
			t.Fatalf("a problem that is not a known error matches %+v", q)
		}
		if !p.IsKnownError() {
			if q.Match(p) {
				t.Fatalf("a problem that is not a known error matches %+v", q)
			}
			return
		}
		scope := (service == "" || service == p.Service) && (ci == "" || ci == p.ConfigItem)

		// Every word of the searchable fields finds the problem, in any case.
		for _, field := range []string{p.Title, p.KnownError.Symptom, p.KnownError.RootCause, p.KnownError.Workaround} {
			for _, w := range strings.Fields(field) {
				spellings := []string{w, strings.ToLower(w)}
				// Upper-casing is not always undone by ToLower (ſ, K, İ...):
				// the upper-cased word must find it when it lower-cases
				// back to the same text.
				if up := strings.ToUpper(w); strings.ToLower(up) == strings.ToLower(w) {
					spellings = append(spellings, up)
				}
				for _, text := range spellings {
					if got := (problem.KnownErrorQuery{Text: text, Service: service, ConfigItem: ci}).Match(p); got != scope {
						t.Fatalf("searching %q (a word of %q) gives %v, want %v", text, field, got, scope)
					}
				}
			}
		}

		// A query matches exactly when each of its terms does.
		all := scope
		for _, term := range strings.Fields(query) {
			all = all && problem.KnownErrorQuery{Text: term, Service: service, ConfigItem: ci}.Match(p)
		}
		if got := q.Match(p); got != all {
			t.Fatalf("query %q matches %v, its terms say %v", query, got, all)
		}
		if got := (problem.KnownErrorQuery{Service: service, ConfigItem: ci}).Match(p); got != scope {
			t.Fatalf("an empty query matches %v, want %v", got, scope)
		}

		// The store agrees.
		store := problemtest.NewStore()
		for _, x := range []*problem.Problem{p, plain} {
			if err := storeCreate(ctx, store, x); err != nil {
				t.Fatal(err)
			}
		}
		found, err := store.SearchKnownErrors(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if (len(found) == 1 && found[0].ID == p.ID) != all || len(found) > 1 {
			t.Fatalf("SearchKnownErrors(%+v) found %d, Match says %v", q, len(found), all)
		}
	})
}
