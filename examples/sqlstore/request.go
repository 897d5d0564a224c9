package sqlstore

import (
	"context"
	"database/sql"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
)

// RequestStore keeps service requests in the requests table, each with
// its items and tasks in its document, and state, requester, for whom
// and tenant as indexed columns; the approvers its items await in
// request_approvers (for Filter.Approver) and the groups with an open
// task of an open stage in request_task_groups (for Filter.TaskGroup),
// both rewritten by every write; and its history in the history table. It
// implements request.Store and lifecycle.Outbox.
type RequestStore struct {
	records[*request.Request]
}

var (
	_ request.Store    = (*RequestStore)(nil)
	_ lifecycle.Outbox = (*RequestStore)(nil)
)

// Requests returns the request store of db.
func (db *DB) Requests() *RequestStore {
	return &RequestStore{recordsOf(newTable(db, table[*request.Request]{
		process: request.ProcessRequest,
		name:    "requests",
		cols:    []string{"state", "requester", "for_whom", "tenant", "updated_at"},
		fields:  []string{"state", "requester", "requested_for", "tenant", "updated_at"},
		id:      func(r *request.Request) string { return r.ID },
		version: func(r *request.Request) int64 { return r.Version },
		values: func(r *request.Request) []any {
			return []any{string(r.State), r.Requester, r.For(), r.Tenant, clampNanos(r.UpdatedAt)}
		},
		zero: func() *request.Request { return new(request.Request) },
		check: func(r *request.Request) error {
			if err := checkTexts("approvers", r.Awaiting()); err != nil {
				return err
			}
			return checkTexts("groups", r.Queued())
		},
		sync: func(ctx context.Context, tx *sql.Tx, r *request.Request) error {
			if err := db.syncLinks(ctx, tx, "request_approvers", r.ID, r.Awaiting()); err != nil {
				return err
			}
			return db.syncLinks(ctx, tx, "request_task_groups", r.ID, r.Queued())
		},
	}))}
}

// History implements lifecycle.HistoryReader: a page of the request's
// history, from the history table.
func (s *RequestStore) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	return s.t.history(ctx, id, after, limit)
}

// requestParties are the columns of a request's parties: its snapshot's
// caller is its requester; it has no assignee, group nor owner of its own.
var requestParties = parties{caller: "requester"}

// List implements request.Store.
func (s *RequestStore) List(ctx context.Context, f request.Filter) (request.Page, error) {
	w := s.t.db.where()
	in(&w, "state", f.States)
	w.eq("requester", f.Requester)
	w.eq("for_whom", f.For)
	if f.Approver != "" {
		w.text("id IN (SELECT owner_id FROM request_approvers WHERE linked_id = ?)", f.Approver)
	}
	if f.TaskGroup != "" {
		w.text("id IN (SELECT owner_id FROM request_task_groups WHERE linked_id = ?)", f.TaskGroup)
	}
	w.scope(f.Scope, requestParties)
	rs, next, err := page(ctx, s.t, w, f.After, f.PageSize())
	return request.Page{Requests: rs, Next: next}, err
}
