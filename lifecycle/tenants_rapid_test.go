package lifecycle_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// TestPropertyTenantsApart: no sequence of operations by an actor of
// tenant acme (commands, creations, links, reads, and the follow-ups and
// reactions they set off) reads, changes or notifies anything about a
// record of tenant globex.
func TestPropertyTenantsApart(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		policy := &lifecycle.AccessPolicy{Tenants: true}
		is := []lifecycle.Interceptor{policy}
		bus, rec := &lifecycle.Bus{}, &lifecycletest.Recorder{}
		bus.Subscribe(rec)
		incidents, err := incident.New(incident.Config{Store: incidenttest.NewStore(), Notifier: bus, Interceptors: is, IDs: lifecycle.Sequence("INC", 3)})
		require.NoError(t, err)
		problems, err := problem.New(problem.Config{Store: problemtest.NewStore(), Notifier: bus, Interceptors: is, IDs: lifecycle.Sequence("PRB", 3), Incidents: incidents})
		require.NoError(t, err)
		changes, err := change.New(change.Config{Store: changetest.NewStore(), Notifier: bus, Interceptors: is, IDs: lifecycle.Sequence("CHG", 3)})
		require.NoError(t, err)
		bus.Subscribe(&incident.Reactor{Incidents: incidents, LinkCausedBy: true})
		bus.Subscribe(&problem.Reactor{Problems: problems, OpenForMajor: true, ResolveOnChange: true, Workarounds: incidents})

		// globex's records, linked among themselves.
		gi, err := incidents.Open(ctx, globexBob, incident.Open{Title: "Mail down", Service: "mail", ConfigItem: "mx-1"})
		require.NoError(t, err)
		gp, err := problems.Open(ctx, globexBob, problem.Open{Title: "Relay", Group: "mail", ConfigItem: "mx-1", Incidents: []string{gi.ID}})
		require.NoError(t, err)
		_, err = problems.Do(ctx, globexBob, problem.RecordKnownError{ID: gp.ID, Workaround: "restart the relay"})
		require.NoError(t, err)
		gc, err := changes.Create(ctx, globexBob, change.Create{Type: change.Normal, Title: "Grow the spool", Problems: []string{gp.ID}})
		require.NoError(t, err)
		theirs := []string{gi.ID, gp.ID, gc.ID}
		versions := func() []int64 {
			x, err := incidents.Get(ctx, gi.ID)
			require.NoError(t, err)
			p, err := problems.Get(ctx, gp.ID)
			require.NoError(t, err)
			c, err := changes.Get(ctx, gc.ID)
			require.NoError(t, err)
			return []int64{x.Version, p.Version, c.Version}
		}
		before, seen := versions(), len(rec.Events())

		ids := func(prefix string) *rapid.Generator[string] {
			pool := []string{prefix + "999"}
			for _, id := range theirs {
				if id[:3] == prefix {
					pool = append(pool, id, id)
				}
			}
			return rapid.SampledFrom(append(pool, prefix+"001", prefix+"002", prefix+"003"))
		}
		inc, prb, chg := ids("INC"), ids("PRB"), ids("CHG")
		refused := func(err error) {
			if err != nil && !errors.Is(err, lifecycle.ErrNotFound) && !errors.Is(err, lifecycle.ErrValidation) &&
				!errors.Is(err, lifecycle.ErrConflict) && !errors.Is(err, lifecycle.ErrForbidden) && !lifecycle.IsNotifyError(err) {
				var te *lifecycle.TransitionError
				var fe *lifecycle.FollowUpError
				if !errors.As(err, &te) && !errors.As(err, &fe) {
					t.Fatalf("untyped error: %v", err)
				}
			}
		}
		t.Repeat(map[string]func(*rapid.T){
			"open incident": func(t *rapid.T) {
				_, err := incidents.Open(ctx, acmeAnn, incident.Open{Title: "Printer", Parent: rapid.SampledFrom([]string{"", gi.ID, "INC001"}).Draw(t, "parent"),
					ConfigItem: rapid.SampledFrom([]string{"", "mx-1"}).Draw(t, "ci"), Impact: 1, Urgency: 1})
				refused(err)
			},
			"incident command": func(t *rapid.T) {
				id := inc.Draw(t, "incident")
				cmds := []incident.Command{
					incident.Assign{ID: id, Group: "desk", Assignee: "ann"},
					incident.Hold{ID: id, Reason: incident.HoldAwaitingProblem, Problem: prb.Draw(t, "problem")},
					incident.LinkProblem{ID: id, Problem: prb.Draw(t, "problem")},
					incident.LinkChange{ID: id, Change: chg.Draw(t, "change")},
					incident.EscalateHierarchical{ID: id, Reason: "late"},
					incident.SetParent{ID: id, Parent: inc.Draw(t, "parent")},
				}
				_, err := incidents.Do(ctx, acmeAnn, rapid.SampledFrom(cmds).Draw(t, "command"))
				refused(err)
			},
			"open problem": func(t *rapid.T) {
				_, err := problems.Open(ctx, acmeAnn, problem.Open{Title: "Why", Group: "mail", Incidents: []string{inc.Draw(t, "incident")}})
				refused(err)
			},
			"problem command": func(t *rapid.T) {
				id := prb.Draw(t, "problem")
				cmds := []problem.Command{
					problem.Assess{ID: id, Group: "mail"},
					problem.Confirm{ID: id, Assignee: "ann"},
					problem.AcceptRisk{ID: id, Notes: "rare"},
					problem.LinkIncident{ID: id, Incidents: []string{inc.Draw(t, "incident")}},
					problem.MarkDuplicate{ID: id, Original: prb.Draw(t, "original")},
					problem.RecordKnownError{ID: id, Workaround: "reboot"},
				}
				_, err := problems.Do(ctx, acmeAnn, rapid.SampledFrom(cmds).Draw(t, "command"))
				refused(err)
			},
			"change": func(t *rapid.T) {
				if rapid.Bool().Draw(t, "create") {
					_, err := changes.Create(ctx, acmeAnn, change.Create{Type: change.Normal, Title: "Fix", Problems: []string{prb.Draw(t, "problem")}, Incidents: []string{inc.Draw(t, "incident")}})
					refused(err)
					return
				}
				id := chg.Draw(t, "change")
				cmds := []change.Command{
					change.Assign{ID: id, Group: "ops"},
					change.Link{ID: id, Problems: []string{prb.Draw(t, "problem")}, Incidents: []string{inc.Draw(t, "incident")}},
					change.Cancel{ID: id, Reason: "no"},
				}
				_, err := changes.Do(ctx, acmeAnn, rapid.SampledFrom(cmds).Draw(t, "command"))
				refused(err)
			},
			"read": func(t *rapid.T) {
				for _, id := range theirs {
					var err error
					switch id[:3] {
					case "INC":
						_, err = incidents.GetAs(ctx, acmeAnn, id)
					case "PRB":
						_, err = problems.GetAs(ctx, acmeAnn, id)
					default:
						_, err = changes.GetAs(ctx, acmeAnn, id)
					}
					if !errors.Is(err, lifecycle.ErrNotFound) {
						t.Fatalf("acme read globex's %s: %v", id, err)
					}
				}
				ip, err := incidents.ListAs(ctx, acmeAnn, incident.Filter{})
				require.NoError(t, err)
				pp, err := problems.ListAs(ctx, acmeAnn, problem.Filter{})
				require.NoError(t, err)
				cp, err := changes.ListAs(ctx, acmeAnn, change.Filter{})
				require.NoError(t, err)
				for _, x := range ip.Incidents {
					require.NotEqual(t, "globex", x.Tenant)
				}
				for _, x := range pp.Problems {
					require.NotEqual(t, "globex", x.Tenant)
				}
				for _, x := range cp.Changes {
					require.NotEqual(t, "globex", x.Tenant)
				}
			},
			"": func(t *rapid.T) {
				if got := versions(); !slices.Equal(got, before) {
					t.Fatalf("globex's records changed: versions %v, were %v", got, before)
				}
				for _, e := range rec.Events()[seen:] {
					if e.Snapshot.Tenant != "acme" || slices.Contains(theirs, e.Subject) {
						t.Fatalf("acme's operations notified %s %s %s (tenant %q)", e.Process, e.Subject, e.Type, e.Snapshot.Tenant)
					}
				}
			},
		})
	})
}
