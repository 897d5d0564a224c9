package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// ProblemStore keeps problems in the problems table (state, group,
// assignee, service, configuration item, priority, known-error status and
// tenant as indexed columns), their linked incidents
// in problem_incidents (for Filter.Incident), their fixing changes in
// problem_changes (for Filter.Change) and a lower-cased copy of the
// searchable known-error text in a column (for SearchKnownErrors), and
// their history and work notes in the history and journal tables, one row
// per entry. It implements problem.Store (a
// lifecycle.Committer[*problem.Problem]) and lifecycle.Outbox.
type ProblemStore struct {
	logged[*problem.Problem]
}

var (
	_ problem.Store                         = (*ProblemStore)(nil)
	_ lifecycle.Outbox                      = (*ProblemStore)(nil)
	_ lifecycle.Committer[*problem.Problem] = (*ProblemStore)(nil)
)

// Problems returns the problem store of db.
func (db *DB) Problems() *ProblemStore {
	return &ProblemStore{loggedOf(newTable(db, table[*problem.Problem]{
		process: problem.Process,
		name:    "problems",
		cols:    []string{"state", "grp", "assignee", "service", "config_item", "priority", "known_error", "search_text", "updated_at", "tenant"},
		// search_text is checked by check, field by field.
		fields:  []string{"state", "group", "assignee", "service", "config_item", "priority", "known_error", "", "updated_at", "tenant"},
		id:      func(p *problem.Problem) string { return p.ID },
		version: func(p *problem.Problem) int64 { return p.Version },
		values: func(p *problem.Problem) []any {
			return []any{string(p.State), p.Group, p.Assignee, p.Service, p.ConfigItem, int(p.Priority),
				p.IsKnownError(), problemSearchText(p), nanos(p.UpdatedAt), p.Tenant}
		},
		zero: func() *problem.Problem { return new(problem.Problem) },
		check: func(p *problem.Problem) error {
			for _, f := range [...]struct{ name, v string }{
				{"title", p.Title}, {"known_error.symptom", p.KnownError.Symptom},
				{"known_error.root_cause", p.KnownError.RootCause}, {"known_error.workaround", p.KnownError.Workaround},
			} {
				if err := checkText(f.name, f.v); err != nil {
					return err
				}
			}
			if err := checkTexts("incidents", p.Incidents); err != nil {
				return err
			}
			return checkTexts("changes", p.Changes)
		},
		sync: func(ctx context.Context, tx *sql.Tx, p *problem.Problem) error {
			if err := db.syncLinks(ctx, tx, "problem_incidents", p.ID, p.Incidents); err != nil {
				return err
			}
			return db.syncLinks(ctx, tx, "problem_changes", p.ID, p.Changes)
		},
	}))}
}

// problemSearchText is what SearchKnownErrors looks in: the four searched
// fields lower-cased as strings.ToLower does, joined by a newline (a term,
// being split at white space, never spans two fields).
func problemSearchText(p *problem.Problem) string {
	return strings.ToLower(strings.Join([]string{
		p.Title, p.KnownError.Symptom, p.KnownError.RootCause, p.KnownError.Workaround,
	}, "\n"))
}

// problemParties are the columns of a problem's parties: its snapshot's
// assignee and group (a problem has no caller and no owner).
var problemParties = parties{assignee: "assignee", group: "grp"}

// List implements problem.Store.
func (s *ProblemStore) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	ps, next, err := page(ctx, s.t, s.where(f), f.After, pageLimit(f.Limit, problem.DefaultLimit))
	return problem.Page{Problems: ps, Next: next}, err
}

// where is the condition of f but its cursor, scope included.
func (s *ProblemStore) where(f problem.Filter) where {
	w := s.t.db.where()
	in(&w, "state", f.States)
	w.eq("grp", f.Group)
	w.eq("assignee", f.Assignee)
	w.eq("service", f.Service)
	w.eq("config_item", f.ConfigItem)
	if f.Priority != 0 {
		w.add("priority = ?", int(f.Priority))
	}
	if f.Incident != "" {
		w.text("id IN (SELECT owner_id FROM problem_incidents WHERE linked_id = ?)", f.Incident)
	}
	if f.Change != "" {
		w.text("id IN (SELECT owner_id FROM problem_changes WHERE linked_id = ?)", f.Change)
	}
	if f.KnownError {
		w.add("known_error = ?", true)
	}
	w.scope(f.Scope, problemParties)
	return w
}

// SearchKnownErrors implements problem.Store. Each term is a substring test
// (instr on SQLite, strpos on PostgreSQL) on the search_text column; the
// query's Scope is part of the WHERE clause as in List.
func (s *ProblemStore) SearchKnownErrors(ctx context.Context, q problem.KnownErrorQuery) ([]*problem.Problem, error) {
	w := s.t.db.where()
	w.add("known_error = ?", true)
	w.eq("service", q.Service)
	w.eq("config_item", q.ConfigItem)
	contains := "instr(search_text, ?) > 0"
	if s.t.db.dialect == Postgres {
		contains = "strpos(search_text, ?) > 0"
	}
	for _, term := range strings.Fields(strings.ToLower(q.Text)) {
		w.text(contains, term)
	}
	w.scope(q.Scope, problemParties)
	ps, _, err := page(ctx, s.t, w, "", pageLimit(q.Limit, problem.DefaultLimit))
	return ps, err
}

// page runs "SELECT doc ... WHERE w AND id > after ORDER BY id LIMIT
// limit+1" and returns at most limit records, with the cursor of the next
// page when the extra row shows that more follow.
//
// A cursor that the store did not issue still pages as a byte-wise
// comparison would (see afterBound); a filter that cannot match (w.none)
// answers an empty page without a query.
func page[T any](ctx context.Context, t *table[T], w where, after string, limit int) ([]T, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	query, args, ok := pageQuery(t, w, after, limit)
	if !ok {
		return nil, "", nil
	}
	xs, err := t.list(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(xs) > limit {
		xs = xs[:limit]
		next = t.id(xs[limit-1])
	}
	return xs, next, nil
}

// pageQuery is the query of page and its arguments; !ok when the page is
// empty without a query.
func pageQuery[T any](t *table[T], w where, after string, limit int) (query string, args []any, ok bool) {
	if after != "" {
		op, bound, ok := afterBound(after)
		if !ok {
			return "", nil, false
		}
		w.add("id "+op+" ?", bound)
	}
	if w.none {
		return "", nil, false
	}
	args = append(w.args, t.db.fetchLimit(limit))
	return t.db.qv("SELECT doc FROM " + t.name + w.sql() + " ORDER BY id LIMIT ?"), args, true
}

// syncLinks makes the link table hold exactly owner's linked IDs.
func (db *DB) syncLinks(ctx context.Context, tx *sql.Tx, linkTable, owner string, linked []string) error {
	if _, err := tx.ExecContext(ctx, db.q("DELETE FROM "+linkTable+" WHERE owner_id = ?"), owner); err != nil {
		return err
	}
	if len(linked) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, db.q("INSERT INTO "+linkTable+" (owner_id, linked_id) VALUES (?, ?) ON CONFLICT DO NOTHING"))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, l := range linked {
		if _, err := stmt.ExecContext(ctx, owner, l); err != nil {
			return err
		}
	}
	return nil
}
