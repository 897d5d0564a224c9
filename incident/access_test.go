package incident_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// accessPrep is the preparation of an incident for one event: the
// commands, by an agent, that bring a fresh incident to a state the
// event leaves.
type accessPrep func(id string) []incident.Command

// fireIncident returns the lifecycletest.FireAs that runs cmd, after
// prep, on a fresh incident of a Service with the default rules.
func fireIncident(prep accessPrep, cmd func(id string) incident.Command) lifecycletest.FireAs {
	return func(t *testing.T, actor lifecycle.Actor) (error, bool) {
		ctx := context.Background()
		agent := lifecycle.Actor{ID: "agent"}
		store, rec := incidenttest.NewStore(), &incidenttest.Recorder{}
		svc, err := incident.New(incident.Config{Store: store, Notifier: rec, IDs: lifecycle.Sequence("INC", 7)})
		require.NoError(t, err)
		_, err = svc.Open(ctx, agent, incident.Open{Title: "Parent"}) // INC0000001, a parent to be
		require.NoError(t, err)
		x, err := svc.Open(ctx, agent, incident.Open{Title: "Mail down", Caller: lifecycletest.RelatedActor, Group: "desk"})
		require.NoError(t, err)
		if prep != nil {
			for _, c := range prep(x.ID) {
				_, err := svc.Do(ctx, agent, c)
				require.NoError(t, err, "prepare %T", c)
			}
		}
		before, err := svc.Get(ctx, x.ID)
		require.NoError(t, err)
		rec.Reset()
		if cmd == nil {
			_, err = svc.Erase(ctx, actor, lifecycle.Erase{ID: x.ID, Reason: "erasure request ER-1",
				Entries: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"actor"}}}})
		} else {
			_, err = svc.Do(ctx, actor, cmd(x.ID))
		}
		after, gerr := svc.Get(ctx, x.ID)
		require.NoError(t, gerr)
		return err, after.Version != before.Version || len(rec.Events()) > 0
	}
}

// TestDefaultAccessRules runs every default rule of the incident process
// both ways: the actors it lets fire its event, the others are refused
// with the rule's name, and nothing is stored or notified.
func TestDefaultAccessRules(t *testing.T) {
	assigned := func(id string) []incident.Command {
		return []incident.Command{incident.Assign{ID: id, Assignee: "agent"}}
	}
	then := func(p accessPrep, more func(id string) incident.Command) accessPrep {
		return func(id string) []incident.Command {
			var cs []incident.Command
			if p != nil {
				cs = p(id)
			}
			return append(cs, more(id))
		}
	}
	onHold := then(assigned, func(id string) incident.Command {
		return incident.Hold{ID: id, Reason: incident.HoldAwaitingVendor}
	})
	resolved := then(nil, func(id string) incident.Command {
		return incident.Resolve{ID: id, Code: incident.CodeDuplicate, Notes: "see INC0"}
	})
	proposed := then(nil, func(id string) incident.Command { return incident.ProposeMajor{ID: id, Reason: "all sites"} })
	// parent is the incident fireIncident opens first.
	const parent = "INC0000001"
	problem := then(nil, func(id string) incident.Command { return incident.LinkProblem{ID: id, Problem: "PRB1"} })
	change := then(nil, func(id string) incident.Command { return incident.LinkChange{ID: id, Change: "CHG1"} })
	s := func(p accessPrep, cmd func(id string) incident.Command) lifecycletest.FireAs {
		return fireIncident(p, cmd)
	}
	title := "Mail down everywhere"

	// open creates an incident of its own: the actor opens it.
	open := func(t *testing.T, actor lifecycle.Actor) (error, bool) {
		store, rec := incidenttest.NewStore(), &incidenttest.Recorder{}
		svc, err := incident.New(incident.Config{Store: store, Notifier: rec})
		require.NoError(t, err)
		_, err = svc.Open(context.Background(), actor, incident.Open{Title: "Mail down"})
		page, lerr := svc.List(context.Background(), incident.Filter{})
		require.NoError(t, lerr)
		return err, len(page.Incidents) > 0 || len(rec.Events()) > 0
	}
	fire := map[string]lifecycletest.FireAs{
		"open":   open,
		"assign": s(nil, func(id string) incident.Command { return incident.Assign{ID: id, Assignee: "agent"} }),
		"escalate_functional": s(nil, func(id string) incident.Command {
			return incident.EscalateFunctional{ID: id, Group: "network", Reason: "routing"}
		}),
		"escalate_hierarchical": s(nil, func(id string) incident.Command { return incident.EscalateHierarchical{ID: id, Reason: "VIP"} }),
		"hold":                  s(assigned, func(id string) incident.Command { return incident.Hold{ID: id, Reason: incident.HoldAwaitingVendor} }),
		"resume":                s(onHold, func(id string) incident.Command { return incident.Resume{ID: id} }),
		"resolve": s(nil, func(id string) incident.Command {
			return incident.Resolve{ID: id, Code: incident.CodeDuplicate, Notes: "see INC0"}
		}),
		"reopen":              s(resolved, func(id string) incident.Command { return incident.Reopen{ID: id, Reason: "back again"} }),
		"close":               s(resolved, func(id string) incident.Command { return incident.Close{ID: id} }),
		"cancel":              s(nil, func(id string) incident.Command { return incident.Cancel{ID: id, Reason: "opened twice"} }),
		"update":              s(nil, func(id string) incident.Command { return incident.Update{ID: id, Title: &title} }),
		"comment":             s(nil, func(id string) incident.Command { return incident.Comment{ID: id, Text: "on it"} }),
		"work_note":           s(nil, func(id string) incident.Command { return incident.WorkNote{ID: id, Text: "checked the relay"} }),
		"caller_update":       s(nil, func(id string) incident.Command { return incident.CallerUpdate{ID: id, Text: "still down"} }),
		"propose_major":       s(nil, func(id string) incident.Command { return incident.ProposeMajor{ID: id, Reason: "all sites"} }),
		"accept_major":        s(proposed, func(id string) incident.Command { return incident.AcceptMajor{ID: id} }),
		"reject_major":        s(proposed, func(id string) incident.Command { return incident.RejectMajor{ID: id, Reason: "one site"} }),
		"set_parent":          s(nil, func(id string) incident.Command { return incident.SetParent{ID: id, Parent: parent} }),
		"link_problem":        s(nil, func(id string) incident.Command { return incident.LinkProblem{ID: id, Problem: "PRB1"} }),
		"unlink_problem":      s(problem, func(id string) incident.Command { return incident.UnlinkProblem{ID: id, Problem: "PRB1"} }),
		"link_change":         s(nil, func(id string) incident.Command { return incident.LinkChange{ID: id, Change: "CHG1"} }),
		"unlink_change":       s(change, func(id string) incident.Command { return incident.UnlinkChange{ID: id, Change: "CHG1"} }),
		lifecycle.EventRedact: s(nil, nil),
	}
	events := []string{"open", lifecycle.EventRedact}
	for _, ev := range incident.Events() {
		events = append(events, string(ev))
	}
	lifecycletest.CheckAccessRules(t, incident.AccessRules(), events, fire)
}
