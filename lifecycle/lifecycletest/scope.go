package lifecycletest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
)

// clauseScope is the clause of the scope check, quoted in its failures.
const clauseScope = "List under a Scope returns exactly the records the scope holds (Scope.Holds of their Snapshot), paged like any List; a scope that holds nothing lists nothing; Get hands back what a scope reads (tenant, caller, assignee, group)"

// ScopeKit is the part of a [RecordKit] that the scope check needs.
type ScopeKit[T any] struct {
	// List returns one page of the records in scope: the process's List
	// with only Scope, the cursor (after) and the page size set.
	List func(ctx context.Context, s lifecycle.RecordStore[T], scope lifecycle.Scope, after string, limit int) (records []T, next string, err error)
	// Place returns r in tenant, with the caller, assignee and group
	// given, as far as the process's records have them: the fields a
	// Scope reads through the record's Snapshot.
	Place func(r T, tenant, caller, assignee, group string) T
}

// scopes are the scopes the check lists under: none, each limit alone,
// limits together, and the scopes that hold nothing.
func scopes() map[string]lifecycle.Scope {
	party := func(actor string, groups []string, rel ...lifecycle.Relation) *lifecycle.Party {
		return &lifecycle.Party{Actor: actor, Groups: groups, Relations: rel}
	}
	return map[string]lifecycle.Scope{
		"everything":             {},
		"none":                   {None: true},
		"no tenant at all":       {Tenants: []string{}},
		"one tenant":             {Tenants: []string{"acme"}},
		"untenanted and one":     {Tenants: []string{"", "globex"}},
		"caller":                 {Party: party("ann", nil, lifecycle.RelationCaller)},
		"assignee or caller":     {Party: party("bob", nil, lifecycle.RelationAssignee, lifecycle.RelationCaller)},
		"group member":           {Party: party("", []string{"network"}, lifecycle.RelationGroupMember)},
		"tenant and party":       {Tenants: []string{"acme", ""}, Party: party("ann", []string{"desk"}, lifecycle.RelationAssignee, lifecycle.RelationGroupMember)},
		"owner":                  {Party: party("ann", nil, lifecycle.RelationOwner)},
		"party without relation": {Party: party("ann", []string{"network"})},
		"party without actor":    {Party: party("", nil, lifecycle.RelationCaller, lifecycle.RelationAssignee)},
		"party without groups":   {Party: party("ann", nil, lifecycle.RelationGroupMember)},
	}
}

// testScope checks List and Get under scopes on records spread over
// tenants, callers, assignees and groups.
func testScope[T any](t *testing.T, k RecordKit[T]) {
	t.Run("Scope", func(t *testing.T) {
		ctx := context.Background()
		s := k.New(t)
		view := func(x T) lifecycle.Snapshot {
			v, ok := any(x).(interface{ Snapshot() lifecycle.Snapshot })
			if !ok {
				t.Fatalf("%T has no Snapshot method for the scope check", x)
			}
			return v.Snapshot()
		}
		values := [][]string{{"", "acme", "globex"}, {"", "ann", "bob"}, {"", "bob", "ann"}, {"", "network", "desk"}}
		placed := map[string]lifecycle.Snapshot{}
		var ids []string
		n := 0
		for _, tenant := range values[0] {
			for _, caller := range values[1] {
				for _, assignee := range values[2] {
					for _, group := range values[3] {
						n++
						id := fmt.Sprintf("SCOPE-%03d", n)
						r := k.Scope.Place(k.Record(id, 1), tenant, caller, assignee, group)
						MustCreate(t, s, r)
						placed[id] = view(r)
						ids = append(ids, id)
					}
				}
			}
		}
		for name, scope := range scopes() {
			var want []string
			for _, id := range ids {
				if scope.Holds(placed[id]) {
					want = append(want, id)
				}
			}
			var got []string
			after := ""
			for page := 0; ; page++ {
				if page > len(ids) {
					Breach(t, clauseScope, "scope %q (%+v): List pages on past %d records", name, scope, len(ids))
					break
				}
				recs, next, err := k.Scope.List(ctx, s, scope, after, 5)
				if err != nil {
					Breach(t, clauseScope, "scope %q: List: %v", name, err)
					break
				}
				if len(recs) > 5 {
					Breach(t, clauseScope, "scope %q: a page of limit 5 holds %d records", name, len(recs))
				}
				for _, r := range recs {
					id, _ := k.Key(r)
					got = append(got, id)
				}
				if next == "" {
					break
				}
				after = next
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				Breach(t, clauseScope, "scope %q (%+v): List gives %v, want %v", name, scope, got, want)
			}
		}
		for _, id := range ids {
			x, err := s.Get(ctx, id)
			if err != nil {
				Breach(t, clauseScope, "Get(%s): %v", id, err)
				continue
			}
			v, w := view(x), placed[id]
			if v.Tenant != w.Tenant || v.Caller != w.Caller || v.Assignee != w.Assignee || v.Group != w.Group {
				Breach(t, clauseScope, "Get(%s) gives tenant %q caller %q assignee %q group %q, stored %q %q %q %q", id, v.Tenant, v.Caller, v.Assignee, v.Group, w.Tenant, w.Caller, w.Assignee, w.Group)
			}
		}
	})
}
