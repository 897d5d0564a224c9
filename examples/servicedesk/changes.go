package main

import (
	"context"
	"net/http"

	"github.com/itsmkit/itsm/change"
)

// changeRoutes registers the change endpoints.
func (d *desk) changeRoutes(a *api) {
	s := d.changes
	declareProcess(d, a, processRoutes[change.Change]{
		base:    "/changes",
		create:  create(d, "/changes/", s.Create),
		list:    d.listChanges,
		get:     s.Get,
		history: s.History,
		update:  command(d, s.Update),
		commands: map[string]endpoint{
			"type":             command(d, s.SetType),
			"erase":            command(d, s.Erase),
			"assign":           command(d, s.Assign),
			"link":             command(d, s.Link),
			"assess":           command(d, s.Assess),
			"request-approval": command(d, s.RequestApproval),
			"approve":          command(d, s.Approve),
			"reject":           command(d, s.Reject),
			"schedule":         command(d, s.Schedule),
			"revert":           command(d, s.Revert),
			"implement":        command(d, s.Implement),
			"review":           command(d, s.Review),
			"close":            command(d, s.Close),
			"cancel":           command(d, s.Cancel),
		},
	})
	a.handleFunc("GET /changes/{id}/conflicts", d.changeConflicts)
}

// listChanges answers GET /changes?state=&type=&requester=&assignee=&config_item=&cursor=&limit=.
// The forward schedule of change is GET /changes?state=scheduled,implement.
func (d *desk) listChanges(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "state", "type", "requester", "assignee", "config_item", "cursor", "limit")
	f := change.Filter{
		States:     enums[change.State](q, "state"),
		Types:      enums[change.Type](q, "type"),
		Requester:  q.str("requester"),
		Assignee:   q.str("assignee"),
		ConfigItem: q.str("config_item"),
		After:      q.str("cursor"),
		Limit:      q.integer("limit"),
	}
	writeList(d, w, r, q, func(ctx context.Context) ([]*change.Change, string, error) {
		p, err := d.changes.List(ctx, f)
		return p.Changes, p.Next, err
	})
}

// changeConflicts answers GET /changes/{id}/conflicts: the clashes of the
// change's planned window with the forward schedule and the windows, as
// they stand now. Nothing is changed.
func (d *desk) changeConflicts(w http.ResponseWriter, r *http.Request) {
	cs, err := d.changes.Conflicts(r.Context(), r.PathValue("id"))
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	d.writeJSON(w, r, http.StatusOK, newPage(cs, ""))
}
