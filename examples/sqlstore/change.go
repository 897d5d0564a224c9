package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
)

// ChangeStore keeps changes in the changes table, with state, type,
// requester, assignee, booked, the planned window, tenant and group as
// indexed columns,
// and the configuration items in change_config_items (for Filter.ConfigItem
// and Scheduled), and their history in the history table, one row per
// record. It implements change.Store (a
// lifecycle.Committer[*change.Change]) and lifecycle.Outbox.
type ChangeStore struct {
	records[*change.Change]
}

var (
	_ change.Store                        = (*ChangeStore)(nil)
	_ lifecycle.Outbox                    = (*ChangeStore)(nil)
	_ lifecycle.Committer[*change.Change] = (*ChangeStore)(nil)
)

// Changes returns the change store of db.
func (db *DB) Changes() *ChangeStore {
	return &ChangeStore{recordsOf(newTable(db, table[*change.Change]{
		process: change.Process,
		name:    "changes",
		cols:    []string{"state", "type", "requester", "assignee", "booked", "planned_start", "planned_end", "updated_at", "tenant", "grp"},
		fields: []string{"state", "type", "requester", "assignee", "state", "planned_start", "planned_end", "updated_at",
			"tenant", "group"},
		id:      func(c *change.Change) string { return c.ID },
		version: func(c *change.Change) int64 { return c.Version },
		values: func(c *change.Change) []any {
			return []any{string(c.State), string(c.Type), c.Requester, c.Assignee, c.State.Booked(),
				clampNanos(c.PlannedStart), clampNanos(c.PlannedEnd), clampNanos(c.UpdatedAt),
				c.Tenant, c.Group}
		},
		zero: func() *change.Change { return new(change.Change) },
		check: func(c *change.Change) error {
			return checkTexts("config_items", c.ConfigItems)
		},
		sync: func(ctx context.Context, tx *sql.Tx, c *change.Change) error {
			return db.syncLinks(ctx, tx, "change_config_items", c.ID, c.ConfigItems)
		},
	}))}
}

// History implements lifecycle.HistoryReader: a page of the change's
// history, from the history table.
func (s *ChangeStore) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	return s.t.history(ctx, id, after, limit)
}

// changeParties are the columns of a change's parties: its snapshot's
// assignee, group and caller, the requester (a change has no owner).
var changeParties = parties{assignee: "assignee", group: "grp", caller: "requester"}

// List implements change.Store.
func (s *ChangeStore) List(ctx context.Context, f change.Filter) (change.Page, error) {
	cs, next, err := page(ctx, s.t, s.where(f), f.After, f.PageLimit())
	return change.Page{Changes: cs, Next: next}, err
}

// where is the condition of f but its cursor, scope included.
func (s *ChangeStore) where(f change.Filter) where {
	w := s.t.db.where()
	in(&w, "state", f.States)
	in(&w, "type", f.Types)
	w.eq("requester", f.Requester)
	w.eq("assignee", f.Assignee)
	if f.ConfigItem != "" {
		w.text("id IN (SELECT owner_id FROM change_config_items WHERE linked_id = ?)", f.ConfigItem)
	}
	w.scope(f.Scope, changeParties)
	return w
}

// Scheduled implements change.Store: booked changes on any of cis whose
// planned window overlaps [from, to), answered from the booked and window
// columns and the configuration-item links.
func (s *ChangeStore) Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(cis) == 0 {
		return nil, nil
	}
	w := s.t.db.where()
	w.add("booked = ?", true)
	w.add("planned_start < ?", clampNanos(to))
	w.add("planned_end > ?", clampNanos(from))
	items := s.t.db.where()
	in(&items, "linked_id", cis)
	if items.none {
		return nil, nil // no item that can be stored, so none booked
	}
	w.add("id IN (SELECT owner_id FROM change_config_items"+items.sql()+")", items.args...)
	return s.t.list(ctx, s.t.db.q("SELECT doc FROM changes"+w.sql()+" ORDER BY id"), w.args...)
}
