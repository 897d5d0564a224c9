package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// The records' tenants, people and groups ("" being none), and what the
// scopes of the tests pick from: the same, values no record has, and text
// no column can hold.
var (
	scTenants      = []string{"acme", "globex", ""}
	scPeople       = []string{"ann", "bob", "cy"}
	scGroups       = []string{"desk", "network"}
	scScopeTenants = []string{"acme", "globex", "", "initech", "ac\x00me", "\xff"}
	scActors       = []string{"ann", "bob", "cy", "", "zed", "ann\x00"}
	scScopeGroups  = []string{"desk", "network", "", "nobody", "d\x00esk"}
	scRelations    = []lifecycle.Relation{lifecycle.RelationAssignee, lifecycle.RelationCaller,
		lifecycle.RelationOwner, lifecycle.RelationGroupMember, "bogus"}
)

// loadScopeData builds the scope tests' data set once per process (the
// in-memory stores are safe for concurrent reads).
var loadScopeData = sync.OnceValues(buildScopeData)

// buildScopeData makes records in several tenants, with several callers,
// requesters, groups and assignees, in in-memory stores.
func buildScopeData() (memStores, error) {
	ctx := context.Background()
	d := newMemStores()
	clock := lifecycletest.NewClock(t0)
	inc, err := incident.New(incident.Config{Store: d.incidents, Clock: clock, IDs: lifecycle.Sequence("INC", 4)})
	if err != nil {
		return d, err
	}
	for i := range 36 {
		clock.Advance(time.Minute)
		open := incident.Open{Title: fmt.Sprintf("incident %d", i), Tenant: scTenants[i%3]}
		if i%5 != 0 {
			open.Caller = scPeople[i/3%3]
		}
		x, err := inc.Open(ctx, agent, open)
		if err != nil {
			return d, fmt.Errorf("incident %d: %w", i, err)
		}
		if i%4 == 0 {
			continue // no group, no assignee
		}
		assign := incident.Assign{ID: x.ID, Group: scGroups[i/4%2]}
		if i%4 != 1 {
			assign.Assignee = scPeople[(i+1)%3]
		}
		if _, err := inc.Assign(ctx, agent, assign); err != nil {
			return d, fmt.Errorf("incident %d: %w", i, err)
		}
	}

	prb, err := problem.New(problem.Config{Store: d.problems, Clock: clock, IDs: lifecycle.Sequence("PRB", 4)})
	if err != nil {
		return d, err
	}
	for i := range 24 {
		clock.Advance(time.Minute)
		open := problem.Open{Title: fmt.Sprintf("problem %d", i), Tenant: scTenants[i%3]}
		if i%4 != 0 {
			open.Group = scGroups[i/4%2]
		}
		if i%4 > 1 {
			open.Assignee = scPeople[i%3]
		}
		x, err := prb.Open(ctx, agent, open)
		if err != nil {
			return d, fmt.Errorf("problem %d: %w", i, err)
		}
		if i%4 != 1 {
			if _, err := prb.RecordKnownError(ctx, agent, problem.RecordKnownError{ID: x.ID,
				RootCause: "Disk of the spool", Workaround: fmt.Sprintf("Purge queue %d", i%5)}); err != nil {
				return d, fmt.Errorf("problem %d: %w", i, err)
			}
		}
	}

	chg, err := change.New(change.Config{Store: d.changes, Clock: clock, IDs: lifecycle.Sequence("CHG", 4)})
	if err != nil {
		return d, err
	}
	for i := range 24 {
		clock.Advance(time.Minute)
		create := change.Create{Type: change.Normal, Title: fmt.Sprintf("change %d", i), Tenant: scTenants[i/2%3],
			Requester: scPeople[i%3], ConfigItems: []string{"mx1"},
			Plans: change.Plans{Implementation: "do", Backout: "undo", Test: "check"}}
		if i%4 != 0 {
			create.Group = scGroups[i/4%2]
		}
		c, err := chg.Create(ctx, agent, create)
		if err != nil {
			return d, fmt.Errorf("change %d: %w", i, err)
		}
		if i%3 == 1 {
			if _, err := chg.Assign(ctx, agent, change.Assign{ID: c.ID, Group: c.Group, Assignee: scPeople[i/3%3]}); err != nil {
				return d, fmt.Errorf("change %d: %w", i, err)
			}
		}
	}
	return d, nil
}

// scope picks a scope of every kind: None, no tenant, some tenants, a
// party with any actor, groups and relations, or any mix of them.
func (p *picker) scope() lifecycle.Scope {
	var s lifecycle.Scope
	s.None = p.byte()%8 == 0
	switch p.byte() % 4 {
	case 1:
		s.Tenants = []string{}
	case 2, 3:
		s.Tenants = append([]string{scScopeTenants[int(p.byte())%len(scScopeTenants)]}, some(p, scScopeTenants)...)
	}
	if p.byte()%3 != 0 {
		s.Party = &lifecycle.Party{Actor: one(p, scActors), Groups: some(p, scScopeGroups), Relations: some(p, scRelations)}
	}
	return s
}

// checkScoped lists a process's records (or searches the known errors)
// under the scope and filter that choices pick, page by page, from db and
// from d's in-memory stores, and fails where the two differ.
func checkScoped(t *testing.T, d memStores, db *DB, choices []byte) {
	t.Helper()
	p := &picker{b: choices}
	s := p.scope()
	switch p.byte() % 4 {
	case 0:
		f := incident.Filter{Scope: s, Group: one(p, scScopeGroups), Limit: p.limit()}
		compareIncidents(t, fmt.Sprintf("incidents %+v %s", f, scopeString(s)), f, d.incidents, db)
	case 1:
		f := problem.Filter{Scope: s, Assignee: one(p, scActors), Limit: p.limit()}
		compareProblems(t, fmt.Sprintf("problems %+v %s", f, scopeString(s)), f, d.problems, db)
	case 2:
		f := change.Filter{Scope: s, Requester: one(p, scActors), Limit: p.limit()}
		compareChanges(t, fmt.Sprintf("changes %+v %s", f, scopeString(s)), f, d.changes, db)
	default:
		q := problem.KnownErrorQuery{Scope: s, Text: one(p, []string{"disk", "purge 3", "queue 4 spool"}), Limit: p.limit()}
		ctx := context.Background()
		want, err := d.problems.SearchKnownErrors(ctx, q)
		require.NoError(t, err)
		got, err := db.Problems().SearchKnownErrors(ctx, q)
		require.NoError(t, err)
		key := func(x *problem.Problem) string { return idAtVersion(x.ID, x.Version) }
		require.Equal(t, keys(want, key), keys(got, key), "SearchKnownErrors(%+v) %s: SQL as in memory", q, scopeString(s))
	}
}

// scopeString shows s with its party, which %+v shows as a pointer.
func scopeString(s lifecycle.Scope) string {
	if s.Party == nil {
		return fmt.Sprintf("scope{none %v tenants %q}", s.None, s.Tenants)
	}
	return fmt.Sprintf("scope{none %v tenants %q party %+v}", s.None, s.Tenants, *s.Party)
}

// TestListScopes checks that a scoped List, and a scoped known-error
// search, answers on each database what the core's in-memory stores
// answer on the same records: for a
// scope of each kind, each holding some records and not others or none
// at all, then for random scopes, page by page with the same cursors.
func TestListScopes(t *testing.T) {
	t.Parallel()
	d, err := loadScopeData()
	require.NoError(t, err)
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		require.NoError(t, d.copyTo(ctx, db))

		party := func(actor string, groups []string, relations ...lifecycle.Relation) *lifecycle.Party {
			return &lifecycle.Party{Actor: actor, Groups: groups, Relations: relations}
		}
		const some, empty = true, false
		for _, c := range []struct {
			name  string
			scope lifecycle.Scope
			holds bool   // whether the scope holds records of each process
			procs string // the processes it is checked on; "" for all
		}{
			{"everything", lifecycle.Scope{}, some, ""},
			{"none", lifecycle.Scope{None: true}, empty, ""},
			{"none over a tenant", lifecycle.Scope{None: true, Tenants: []string{"acme"}}, empty, ""},
			{"no tenant listed", lifecycle.Scope{Tenants: []string{}}, empty, ""},
			{"one tenant", lifecycle.Scope{Tenants: []string{"acme"}}, some, ""},
			{"the records with no tenant", lifecycle.Scope{Tenants: []string{""}}, some, ""},
			{"two tenants", lifecycle.Scope{Tenants: []string{"globex", "", "globex"}}, some, ""},
			{"a tenant nobody has", lifecycle.Scope{Tenants: []string{"initech"}}, empty, ""},
			{"tenants no column holds", lifecycle.Scope{Tenants: []string{"ac\x00me", "\xff"}}, empty, ""},
			{"assignee", lifecycle.Scope{Party: party("bob", nil, lifecycle.RelationAssignee)}, some, ""},
			{"caller", lifecycle.Scope{Party: party("ann", nil, lifecycle.RelationCaller)}, some, "incident change"},
			{"a problem has no caller", lifecycle.Scope{Party: party("ann", nil, lifecycle.RelationCaller)}, empty, "problem known error"},
			{"nothing has an owner", lifecycle.Scope{Party: party("ann", nil, lifecycle.RelationOwner)}, empty, ""},
			{"group member", lifecycle.Scope{Party: party("zed", []string{"desk"}, lifecycle.RelationGroupMember)}, some, ""},
			{"the group none", lifecycle.Scope{Party: party("zed", []string{""}, lifecycle.RelationGroupMember)}, empty, ""},
			{"groups but not a member", lifecycle.Scope{Party: party("bob", []string{"desk"}, lifecycle.RelationAssignee)}, some, ""},
			{"every relation", lifecycle.Scope{Party: party("cy", []string{"network", "nobody"}, scRelations...)}, some, ""},
			{"no relation", lifecycle.Scope{Party: party("ann", []string{"desk"})}, empty, ""},
			{"an unknown relation", lifecycle.Scope{Party: party("ann", []string{"desk"}, "bogus")}, empty, ""},
			{"the actor none", lifecycle.Scope{Party: party("", nil, lifecycle.RelationAssignee, lifecycle.RelationCaller, lifecycle.RelationOwner)}, empty, ""},
			{"an actor no column holds", lifecycle.Scope{Party: party("ann\x00", nil, lifecycle.RelationAssignee, lifecycle.RelationCaller)}, empty, ""},
			{"tenant and party", lifecycle.Scope{Tenants: []string{"acme", ""}, Party: party("bob", []string{"desk"}, lifecycle.RelationAssignee, lifecycle.RelationGroupMember)}, some, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				for _, proc := range []string{"incident", "problem", "known error", "change"} {
					if c.procs != "" && !strings.Contains(c.procs, proc) {
						continue
					}
					mem, got, all := scopedIDs(t, d, db, proc, c.scope)
					assert.Equal(t, mem, got, "%s %s: SQL as in memory", proc, scopeString(c.scope))
					if c.holds {
						assert.NotEmpty(t, mem, "%s: the scope holds records", proc)
						if !c.scope.Everything() {
							assert.Less(t, len(mem), all, "%s: the scope leaves records out", proc)
						}
					} else {
						assert.Empty(t, mem, "%s: the scope holds nothing", proc)
					}
				}
			})
		}

		r := rand.New(rand.NewPCG(12, 2026))
		choices := make([]byte, 24)
		for range 400 {
			for i := range choices {
				choices[i] = byte(r.Uint32())
			}
			checkScoped(t, d, db, choices)
		}
	})
}

// scopedIDs lists proc's records under scope, from d's in-memory store
// and from db, as ID@version, with the number of all proc's records.
func scopedIDs(t *testing.T, d memStores, db *DB, proc string, scope lifecycle.Scope) (mem, got []string, all int) {
	t.Helper()
	ctx := context.Background()
	switch proc {
	case "incident":
		list := func(s incident.Store, scope lifecycle.Scope) []string {
			pg, err := s.List(ctx, incident.Filter{Scope: scope, Limit: incident.MaxLimit})
			require.NoError(t, err)
			require.Empty(t, pg.Next)
			return keys(pg.Incidents, func(x *incident.Incident) string { return idAtVersion(x.ID, x.Version) })
		}
		return list(d.incidents, scope), list(db.Incidents(), scope), len(list(d.incidents, lifecycle.Scope{}))
	case "problem":
		list := func(s problem.Store, scope lifecycle.Scope) []string {
			pg, err := s.List(ctx, problem.Filter{Scope: scope, Limit: 1000})
			require.NoError(t, err)
			require.Empty(t, pg.Next)
			return keys(pg.Problems, func(x *problem.Problem) string { return idAtVersion(x.ID, x.Version) })
		}
		return list(d.problems, scope), list(db.Problems(), scope), len(list(d.problems, lifecycle.Scope{}))
	case "known error":
		list := func(s problem.Store, scope lifecycle.Scope) []string {
			xs, err := s.SearchKnownErrors(ctx, problem.KnownErrorQuery{Scope: scope, Limit: 1000})
			require.NoError(t, err)
			return keys(xs, func(x *problem.Problem) string { return idAtVersion(x.ID, x.Version) })
		}
		return list(d.problems, scope), list(db.Problems(), scope), len(list(d.problems, lifecycle.Scope{}))
	default:
		list := func(s change.Store, scope lifecycle.Scope) []string {
			pg, err := s.List(ctx, change.Filter{Scope: scope, Limit: change.MaxLimit})
			require.NoError(t, err)
			require.Empty(t, pg.Next)
			return keys(pg.Changes, func(x *change.Change) string { return idAtVersion(x.ID, x.Version) })
		}
		return list(d.changes, scope), list(db.Changes(), scope), len(list(d.changes, lifecycle.Scope{}))
	}
}

// FuzzListScopes is TestListScopes' random part on SQLite, with the
// fuzzer choosing the scopes, filters and page sizes.
func FuzzListScopes(f *testing.F) {
	for _, seed := range [][]byte{
		{0},
		{1, 1, 0},
		{1, 2, 5, 0, 1, 0, 0, 0, 3},
		{1, 3, 2, 1, 2, 1, 2, 3, 0, 1, 1, 2, 3, 1},
		{1, 0, 1, 3, 1, 3, 0, 1, 2, 2, 1, 0, 2},
	} {
		f.Add(seed)
	}
	d, err := loadScopeData()
	if err != nil {
		f.Fatal(err)
	}
	db, err := Open(context.Background(), ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	if err := d.copyTo(context.Background(), db); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, choices []byte) { checkScoped(t, d, db, choices) })
}

// TestScopedPagesAreQueried checks that a scope is part of the query: in
// a table where few records are in the scope, a page of n holds n of them
// whatever lies between, with the cursor of the last, and the paging
// ends with the last of them; and the database finds them through the
// tenant index.
func TestScopedPagesAreQueried(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mem := incidenttest.NewStore()
		svc, err := incident.New(incident.Config{Store: mem, Clock: lifecycletest.NewClock(t0)})
		require.NoError(t, err)
		model, err := svc.Open(ctx, agent, incident.Open{Title: "VPN down", Caller: "ann"})
		require.NoError(t, err)

		// 2000 incidents, one in 100 in tenant small, in one transaction.
		store := db.Incidents()
		var small []string
		require.NoError(t, db.inTx(ctx, func(tx *sql.Tx) error {
			for i := range 2000 {
				x := model.Clone()
				x.ID, x.Tenant = fmt.Sprintf("INC%05d", i), "big"
				if i%100 == 7 {
					x.Tenant = "small"
					small = append(small, x.ID)
				}
				doc, err := store.t.encode(x, nil)
				if err != nil {
					return err
				}
				if err := store.t.createTx(ctx, tx, x, doc); err != nil {
					return err
				}
			}
			return nil
		}))
		require.Len(t, small, 20)

		f := incident.Filter{Scope: lifecycle.Scope{Tenants: []string{"small"}}, Limit: 3}
		var got []string
		for page := 0; ; page++ {
			pg, err := store.List(ctx, f)
			require.NoError(t, err)
			if pg.Next != "" {
				require.Len(t, pg.Incidents, 3, "page %d: full", page)
				assert.Equal(t, pg.Incidents[2].ID, pg.Next, "page %d: the cursor is the last ID", page)
			}
			for _, x := range pg.Incidents {
				assert.Equal(t, "small", x.Tenant, x.ID)
				got = append(got, x.ID)
			}
			if pg.Next == "" {
				break
			}
			require.Less(t, page, 10, "the paging ends")
			f.After = pg.Next
		}
		assert.Equal(t, small, got, "every page holds only the tenant's records, and all of them")

		// The database's plan of the first page reads the tenant index.
		query, args, ok := pageQuery(store.t, store.where(incident.Filter{Scope: f.Scope}), "", 3)
		require.True(t, ok)
		explain := "EXPLAIN QUERY PLAN "
		if db.Dialect() == Postgres {
			explain = "EXPLAIN "
			_, err = db.w.ExecContext(ctx, "ANALYZE incidents")
		} else {
			_, err = db.w.ExecContext(ctx, "ANALYZE")
		}
		require.NoError(t, err)
		rows, err := db.r.QueryContext(ctx, explain+query, args...)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			cells := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range cells {
				ptrs[i] = &cells[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			plan = append(plan, fmt.Sprint(cells...))
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		assert.Contains(t, strings.Join(plan, "\n"), "incidents_tenant", "%s\n%s", query, strings.Join(plan, "\n"))
	})
}

// TestMigrateScopeColumns writes records in several tenants, with several
// callers and groups, as the schema before migration 0012 kept them, with
// neither tenant nor caller columns nor a change's group, then migrates:
// the columns filled from the documents, scoped Lists answer what the
// in-memory stores answer for the same records.
func TestMigrateScopeColumns(t *testing.T) {
	t.Parallel()
	d, err := loadScopeData()
	require.NoError(t, err)
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db, all := migratedTo(t, b, 11)
		require.NoError(t, d.commitTo(ctx,
			&IncidentStore{loggedOf(asOfSchema(t, db.Incidents().t))},
			&ProblemStore{loggedOf(asOfSchema(t, db.Problems().t))},
			&ChangeStore{recordsOf(asOfSchema(t, db.Changes().t))}))

		require.NoError(t, db.migrateOnce(ctx, all))
		for _, proc := range []string{"incident", "problem", "known error", "change"} {
			for _, s := range []lifecycle.Scope{
				{Tenants: []string{"acme"}},
				{Tenants: []string{""}},
				{Party: &lifecycle.Party{Actor: "ann", Relations: []lifecycle.Relation{lifecycle.RelationCaller}}},
				{Party: &lifecycle.Party{Actor: "bob", Relations: []lifecycle.Relation{lifecycle.RelationAssignee}}},
				{Party: &lifecycle.Party{Groups: []string{"desk"}, Relations: []lifecycle.Relation{lifecycle.RelationGroupMember}}},
			} {
				mem, got, _ := scopedIDs(t, d, db, proc, s)
				assert.Equal(t, mem, got, "%s %s", proc, scopeString(s))
			}
		}
		r := rand.New(rand.NewPCG(12, 11))
		choices := make([]byte, 24)
		for range 100 {
			for i := range choices {
				choices[i] = byte(r.Uint32())
			}
			checkScoped(t, d, db, choices)
		}
	})
}
