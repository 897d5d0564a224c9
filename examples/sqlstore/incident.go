package sqlstore

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// IncidentStore keeps incidents in the incidents table, with state,
// assignee, group, priority, major status, parent, updated_at, tenant and
// caller as indexed columns. It implements incident.Store (a
// lifecycle.Committer[*incident.Incident]) and lifecycle.Outbox.
type IncidentStore struct {
	logged[*incident.Incident]
}

var (
	_ incident.Store                          = (*IncidentStore)(nil)
	_ lifecycle.Outbox                        = (*IncidentStore)(nil)
	_ lifecycle.Committer[*incident.Incident] = (*IncidentStore)(nil)
)

// Incidents returns the incident store of db.
func (db *DB) Incidents() *IncidentStore {
	return &IncidentStore{loggedOf(newTable(db, table[*incident.Incident]{
		process: incident.Process,
		name:    "incidents",
		cols:    []string{"state", "assignee", "grp", "priority", "major", "parent_id", "updated_at", "tenant", "caller"},
		fields:  []string{"state", "assignee", "group", "priority", "major", "parent", "updated_at", "tenant", "caller"},
		id:      func(x *incident.Incident) string { return x.ID },
		version: func(x *incident.Incident) int64 { return x.Version },
		values: func(x *incident.Incident) []any {
			return []any{string(x.State), x.Assignee, x.Group, int(x.Priority), string(x.Major), x.Parent, clampNanos(x.UpdatedAt),
				x.Tenant, x.Caller}
		},
		zero: func() *incident.Incident { return new(incident.Incident) },
	}))}
}

// incidentParties are the columns of an incident's parties: its
// snapshot's assignee, group and caller (an incident has no owner).
var incidentParties = parties{assignee: "assignee", group: "grp", caller: "caller"}

// List implements incident.Store. The cursor is the last ID of the page.
func (s *IncidentStore) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	xs, next, err := page(ctx, s.t, s.where(f), f.After, f.PageSize())
	return incident.Page{Incidents: xs, Next: next}, err
}

// where is the condition of f but its cursor, scope included.
func (s *IncidentStore) where(f incident.Filter) where {
	w := s.t.db.where()
	in(&w, "state", f.States)
	w.eq("assignee", f.Assignee)
	w.eq("grp", f.Group)
	inInts(&w, "priority", f.Priorities)
	in(&w, "major", f.Major)
	w.eq("parent_id", f.Parent)
	w.scope(f.Scope, incidentParties)
	return w
}

// ResolvedBefore implements incident.Store.
func (s *IncidentStore) ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]*incident.Incident, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.t.list(ctx, s.t.db.q(`SELECT doc FROM incidents
WHERE state = ? AND updated_at < ? AND major <> ? ORDER BY updated_at, id LIMIT ?`),
		string(incident.StateResolved), clampNanos(t), string(incident.MajorAccepted), incident.PageSize(limit))
}
