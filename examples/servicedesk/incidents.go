package main

import (
	"context"
	"net/http"

	"github.com/itsmkit/itsm/incident"
)

// page is the JSON body of every list: the items and, when more follow,
// the cursor to pass back as ?cursor= for the next page.
type page[T any] struct {
	// Items are the page's records, in ID order.
	Items []T `json:"items"`
	// Next is the cursor of the next page; absent on the last one.
	Next string `json:"next,omitempty"`
}

func newPage[T any](items []T, next string) page[T] {
	if items == nil {
		items = []T{}
	}
	return page[T]{Items: items, Next: next}
}

// writeList answers a list request: 400 when the query q is bad, else the
// page that list returns, or its error with the query parameter of the
// field it names (see query.fieldOf).
func writeList[X any](d *desk, w http.ResponseWriter, r *http.Request, q *query, list func(context.Context) ([]X, string, error)) {
	if q.err != nil {
		d.writeError(w, r, q.err)
		return
	}
	xs, next, err := list(r.Context())
	if err != nil {
		d.writeError(w, r, q.fieldOf(err))
		return
	}
	d.writeJSON(w, r, http.StatusOK, newPage(xs, next))
}

// incidentRoutes registers the incident endpoints.
func (d *desk) incidentRoutes(a *api) {
	s := d.incidents
	declareProcess(d, a, processRoutes[incident.Incident]{
		base:    "/incidents",
		create:  create(d, "/incidents/", s.Open),
		list:    d.listIncidents,
		get:     s.Get,
		history: s.History,
		journal: s.Journal,
		update:  command(d, s.Update),
		commands: map[string]endpoint{
			"assign":                command(d, s.Assign),
			"escalate-functional":   command(d, s.EscalateFunctional),
			"escalate-hierarchical": command(d, s.EscalateHierarchical),
			"hold":                  command(d, s.Hold),
			"resume":                command(d, s.Resume),
			"resolve":               command(d, s.Resolve),
			"reopen":                command(d, s.Reopen),
			"close":                 command(d, s.Close),
			"erase":                 command(d, s.Erase),
			"cancel":                command(d, s.Cancel),
			"comments":              command(d, s.Comment),
			"work-notes":            command(d, s.WorkNote),
			"caller-updates":        command(d, s.CallerUpdate),
			"propose-major":         command(d, s.ProposeMajor),
			"accept-major":          command(d, s.AcceptMajor),
			"reject-major":          command(d, s.RejectMajor),
			"parent":                command(d, s.SetParent),
			"link-problem":          command(d, s.LinkProblem),
			"unlink-problem":        command(d, s.UnlinkProblem),
			"link-change":           command(d, s.LinkChange),
			"unlink-change":         command(d, s.UnlinkChange),
		},
	})
}

// listIncidents answers GET /incidents?state=&assignee=&group=&priority=&major=&parent=&cursor=&limit=.
// Lists are repeated or comma-separated and match any of their values.
func (d *desk) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "state", "assignee", "group", "priority", "major", "parent", "cursor", "limit")
	f := incident.Filter{
		States:     enums[incident.State](q, "state"),
		Assignee:   q.str("assignee"),
		Group:      q.str("group"),
		Priorities: q.priorities("priority"),
		Major:      enums[incident.MajorStatus](q, "major"),
		Parent:     q.str("parent"),
		After:      q.str("cursor"),
		Limit:      q.integer("limit"),
	}
	writeList(d, w, r, q, func(ctx context.Context) ([]*incident.Incident, string, error) {
		p, err := d.incidents.List(ctx, f)
		return p.Incidents, p.Next, err
	})
}
