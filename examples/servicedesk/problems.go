package main

import (
	"context"
	"net/http"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// problemRoutes registers the problem and known-error endpoints.
func (d *desk) problemRoutes(a *api) {
	s := d.problems
	declareProcess(d, a, processRoutes[problem.Problem]{
		base:    "/problems",
		create:  create(d, "/problems/", s.Open),
		list:    d.listProblems,
		get:     s.Get,
		history: s.History,
		journal: s.Journal,
		update:  command(d, s.Update),
		commands: map[string]endpoint{
			"erase":            command(d, s.Erase),
			"assess":           command(d, s.Assess),
			"confirm":          command(d, s.Confirm),
			"mark-duplicate":   command(d, s.MarkDuplicate),
			"cancel":           command(d, s.Cancel),
			"start-fix":        command(d, s.StartFix),
			"accept-risk":      command(d, s.AcceptRisk),
			"resolve":          command(d, s.Resolve),
			"complete":         command(d, s.Complete),
			"reanalyze":        command(d, s.Reanalyze),
			"assign":           command(d, s.Assign),
			"work-notes":       command(d, s.AddWorkNote),
			"link-incidents":   command(d, s.LinkIncident),
			"unlink-incidents": command(d, s.UnlinkIncident),
			"link-changes":     command(d, s.LinkChange),
			"known-error":      command(d, s.RecordKnownError),
		},
	})
	a.handleFunc("GET /known-errors", d.searchKnownErrors)
}

// listProblems answers GET /problems?state=&group=&assignee=&service=&config_item=&priority=&incident=&known_error=&cursor=&limit=.
func (d *desk) listProblems(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "state", "group", "assignee", "service", "config_item", "priority",
		"incident", "known_error", "cursor", "limit")
	f := problem.Filter{
		States:     enums[problem.State](q, "state"),
		Group:      q.str("group"),
		Assignee:   q.str("assignee"),
		Service:    q.str("service"),
		ConfigItem: q.str("config_item"),
		Priority:   lifecycle.Priority(q.integer("priority")),
		Incident:   q.str("incident"),
		KnownError: q.boolean("known_error"),
		After:      q.str("cursor"),
		Limit:      q.integer("limit"),
	}
	writeList(d, w, r, q, func(ctx context.Context) ([]*problem.Problem, string, error) {
		p, err := d.problems.List(ctx, f)
		return p.Problems, p.Next, err
	})
}

// searchKnownErrors answers GET /known-errors?q=&service=&config_item=&limit=:
// the known errors (problems with a root cause and a workaround) whose
// text holds every word of q, so that the desk can hand a caller a
// workaround.
func (d *desk) searchKnownErrors(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "q", "service", "config_item", "limit")
	kq := problem.KnownErrorQuery{
		Text:       q.str("q"),
		Service:    q.str("service"),
		ConfigItem: q.str("config_item"),
		Limit:      q.integer("limit"),
	}
	writeList(d, w, r, q, func(ctx context.Context) ([]*problem.Problem, string, error) {
		found, err := d.problems.SearchKnownErrors(ctx, kq)
		return found, "", err
	})
}
