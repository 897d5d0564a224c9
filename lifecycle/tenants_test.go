package lifecycle_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// desk is one store per process under one access policy, the problems
// settling the incidents, and every event recorded.
type desk struct {
	incidents *incident.Service
	problems  *problem.Service
	changes   *change.Service
	rec       *lifecycletest.Recorder
}

func newDesk(t testing.TB, policy *lifecycle.AccessPolicy) *desk {
	d := &desk{rec: &lifecycletest.Recorder{}}
	is := []lifecycle.Interceptor{policy}
	var err error
	d.incidents, err = incident.New(incident.Config{Store: incidenttest.NewStore(), Notifier: d.rec, Interceptors: is, IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	d.problems, err = problem.New(problem.Config{Store: problemtest.NewStore(), Notifier: d.rec, Interceptors: is, IDs: lifecycle.Sequence("PRB", 3), Incidents: d.incidents})
	require.NoError(t, err)
	d.changes, err = change.New(change.Config{Store: changetest.NewStore(), Notifier: d.rec, Interceptors: is, IDs: lifecycle.Sequence("CHG", 3)})
	require.NoError(t, err)
	return d
}

var (
	acmeAnn   = lifecycle.Actor{ID: "ann", Tenants: []string{"acme"}}
	globexBob = lifecycle.Actor{ID: "bob", Tenants: []string{"globex"}}
	both      = lifecycle.Actor{ID: "carl", Tenants: []string{"acme", "globex"}}
)

// TestTenantsKeptApart: under a policy that keeps tenants apart, an actor
// of one tenant neither reads nor changes another's records, whether it
// names them directly, links them, or lets a follow-up reach them; and
// what it is told about them is what it is told about IDs nobody holds.
func TestTenantsKeptApart(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, &lifecycle.AccessPolicy{Tenants: true})

	inc, err := d.incidents.Open(ctx, acmeAnn, incident.Open{Title: "Mail down", Impact: 1, Urgency: 1})
	require.NoError(t, err)
	assert.Equal(t, "acme", inc.Tenant, "an actor of one tenant opens in it")
	inc, err = d.incidents.Do(ctx, acmeAnn, incident.Assign{ID: inc.ID, Group: "desk", Assignee: "ann"})
	require.NoError(t, err)
	events := len(d.rec.Events())

	// Reads: another tenant's record is not found, as an unheld ID is.
	_, err = d.incidents.GetAs(ctx, globexBob, inc.ID)
	require.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, unheld := d.incidents.GetAs(ctx, globexBob, "INC999")
	assert.Equal(t, strings.ReplaceAll(unheld.Error(), "INC999", inc.ID), err.Error())
	page, err := d.incidents.ListAs(ctx, globexBob, incident.Filter{})
	require.NoError(t, err)
	assert.Empty(t, page.Incidents)
	got, err := d.incidents.GetAs(ctx, acmeAnn, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, inc.Version, got.Version)

	// Commands: not found, and nothing stored or notified.
	_, err = d.incidents.Do(ctx, globexBob, incident.Assign{ID: inc.ID, Group: "globex-desk"})
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = d.incidents.Open(ctx, globexBob, incident.Open{Title: "Planted", Tenant: "acme"})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden, "no creating in another tenant")
	_, err = d.incidents.Open(ctx, globexBob, incident.Open{Title: "Child", Parent: inc.ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, unheldParent := d.incidents.Open(ctx, globexBob, incident.Open{Title: "Child", Parent: "INC999"})
	assert.Equal(t, strings.ReplaceAll(unheldParent.Error(), "INC999", inc.ID), err.Error(), "a parent of another tenant is as unknown as an unheld ID")

	for _, e := range d.rec.Events()[events:] {
		t.Errorf("bob's refused operations notified %s %s %s", e.Process, e.Subject, e.Type)
	}

	// A follow-up of another tenant's problem does not reach the incident:
	// the incident awaits globex's problem (its ID given by the acme side),
	// and accepting the risk resumes nothing in acme, even when the actor
	// acts in both tenants.
	prb, err := d.problems.Open(ctx, globexBob, problem.Open{Title: "Relay", Group: "mail", Incidents: []string{inc.ID}})
	require.NoError(t, err)
	assert.Equal(t, "globex", prb.Tenant)
	held, err := d.incidents.Do(ctx, acmeAnn, incident.Hold{ID: inc.ID, Reason: incident.HoldAwaitingProblem, Problem: prb.ID})
	require.NoError(t, err)
	for _, cmd := range []problem.Command{problem.Assess{ID: prb.ID, Group: "mail"}, problem.Confirm{ID: prb.ID, Assignee: "bob"}, problem.AcceptRisk{ID: prb.ID, Notes: "rare"}} {
		_, err = d.problems.Do(ctx, both, cmd)
		if errors.Is(err, lifecycle.ErrNotFound) {
			continue // the follow-up's own error, after the problem's change is stored
		}
		require.NoError(t, err)
	}
	after, err := d.incidents.Get(ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, held.Version, after.Version, "the acme incident is untouched")
	assert.Equal(t, incident.StateOnHold, after.State)

	// Problems: a duplicate of another tenant's problem is unknown.
	own, err := d.problems.Open(ctx, acmeAnn, problem.Open{Title: "Mine", Group: "mail"})
	require.NoError(t, err)
	_, err = d.problems.Do(ctx, acmeAnn, problem.Assess{ID: own.ID, Group: "mail"})
	require.NoError(t, err)
	_, err = d.problems.Do(ctx, acmeAnn, problem.MarkDuplicate{ID: own.ID, Original: prb.ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.ErrorContains(t, err, "does not exist")

	// A client-chosen ID another tenant holds is refused as taken, with
	// the error the actor's own tenant's ID gets.
	_, err = d.problems.Open(ctx, acmeAnn, problem.Open{ID: "PRB-OWN", Title: "Mine"})
	require.NoError(t, err)
	_, err = d.problems.Open(ctx, globexBob, problem.Open{ID: "PRB-THEIRS", Title: "Theirs"})
	require.NoError(t, err)
	_, foreign := d.problems.Open(ctx, acmeAnn, problem.Open{ID: "PRB-THEIRS", Title: "Planted"})
	_, taken := d.problems.Open(ctx, acmeAnn, problem.Open{ID: "PRB-OWN", Title: "Again"})
	require.ErrorIs(t, foreign, lifecycle.ErrConflict)
	assert.Equal(t, strings.ReplaceAll(taken.Error(), "PRB-OWN", "PRB-THEIRS"), foreign.Error())

	// Changes alike.
	chg, err := d.changes.Create(ctx, globexBob, change.Create{Type: change.Normal, Title: "Grow the spool"})
	require.NoError(t, err)
	_, err = d.changes.GetAs(ctx, acmeAnn, chg.ID)
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = d.changes.Do(ctx, acmeAnn, change.Assign{ID: chg.ID, Group: "ops"})
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)

	for _, e := range d.rec.Events() {
		if e.Snapshot.Tenant == "acme" {
			assert.Equal(t, "ann", e.Actor, "%s %s %s in acme notified for another tenant's actor", e.Process, e.Subject, e.Type)
		}
	}
}

// TestTenantsReadsOfARecord: a record's history, journal and export are
// read under the same scope as the record: another tenant's are not
// found, with the error an unheld ID gets, and the record's own tenant
// reads them.
func TestTenantsReadsOfARecord(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, &lifecycle.AccessPolicy{Tenants: true})
	inc, err := d.incidents.Open(ctx, acmeAnn, incident.Open{Title: "Mail down"})
	require.NoError(t, err)
	_, err = d.incidents.Do(ctx, acmeAnn, incident.WorkNote{ID: inc.ID, Text: "relay queue at 40k"})
	require.NoError(t, err)
	prb, err := d.problems.Open(ctx, acmeAnn, problem.Open{Title: "Relay"})
	require.NoError(t, err)
	chg, err := d.changes.Create(ctx, acmeAnn, change.Create{Type: change.Normal, Title: "Grow the spool"})
	require.NoError(t, err)

	reads := map[string]func(actor lifecycle.Actor, id string) (int, error){
		"incident history": func(a lifecycle.Actor, id string) (int, error) {
			h, err := d.incidents.HistoryAs(ctx, a, id, 0, 0)
			return len(h), err
		},
		"incident journal": func(a lifecycle.Actor, id string) (int, error) {
			j, err := d.incidents.JournalAs(ctx, a, id, 0, 0)
			return len(j), err
		},
		"incident export": func(a lifecycle.Actor, id string) (int, error) {
			x, err := d.incidents.ExportAs(ctx, a, id)
			if err != nil {
				return 0, err
			}
			return len(x.History), nil
		},
		"problem history": func(a lifecycle.Actor, id string) (int, error) {
			h, err := d.problems.HistoryAs(ctx, a, id, 0, 0)
			return len(h), err
		},
		"problem journal": func(a lifecycle.Actor, id string) (int, error) {
			_, err := d.problems.JournalAs(ctx, a, id, 0, 0)
			return 1, err // a new problem has no work note yet
		},
		"problem export": func(a lifecycle.Actor, id string) (int, error) {
			p, err := d.problems.ExportAs(ctx, a, id)
			if err != nil {
				return 0, err
			}
			return len(p.History), nil
		},
		"change history": func(a lifecycle.Actor, id string) (int, error) {
			h, err := d.changes.HistoryAs(ctx, a, id, 0, 0)
			return len(h), err
		},
		"change export": func(a lifecycle.Actor, id string) (int, error) {
			c, err := d.changes.ExportAs(ctx, a, id)
			if err != nil {
				return 0, err
			}
			return len(c.History), nil
		},
	}
	ids := map[string]string{"incident": inc.ID, "problem": prb.ID, "change": chg.ID}
	for name, read := range reads {
		id := ids[strings.Fields(name)[0]]
		n, err := read(acmeAnn, id)
		require.NoError(t, err, name)
		assert.Positive(t, n, "%s: the record's own tenant reads it", name)
		_, err = read(globexBob, id)
		require.ErrorIs(t, err, lifecycle.ErrNotFound, name)
		_, unheld := read(globexBob, id+"-UNHELD")
		require.ErrorIs(t, unheld, lifecycle.ErrNotFound, name)
		assert.Equal(t, strings.ReplaceAll(unheld.Error(), id+"-UNHELD", id), err.Error(), "%s: another tenant's record reads as an unheld ID", name)
	}
}

// TestTenantsWithoutPolicy: an actor that names its tenants acts only in
// them even with no policy; one that names none acts on every record.
func TestTenantsWithoutPolicy(t *testing.T) {
	ctx := context.Background()
	incidents, err := incident.New(incident.Config{Store: incidenttest.NewStore(), IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	x, err := incidents.Open(ctx, acmeAnn, incident.Open{Title: "Mail down"})
	require.NoError(t, err)
	_, err = incidents.GetAs(ctx, globexBob, x.ID)
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = incidents.GetAs(ctx, lifecycle.Actor{ID: "root"}, x.ID)
	assert.NoError(t, err)
	_, err = incidents.Do(ctx, globexBob, incident.Assign{ID: x.ID, Group: "desk"})
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	// System fires only follow-ups (such as a work note), by the default
	// access rules.
	_, err = incidents.Do(ctx, lifecycle.System.In("globex"), incident.WorkNote{ID: x.ID, Text: "known error KE-1"})
	assert.ErrorIs(t, err, lifecycle.ErrNotFound, "System in a tenant stays in it")
	_, err = incidents.Do(ctx, lifecycle.System, incident.WorkNote{ID: x.ID, Text: "known error KE-1"})
	assert.NoError(t, err)
}

// TestReadRuleLimitsToRelations: a read rule lets its roles read every
// record and every other actor only those it stands in a relation to.
func TestReadRuleLimitsToRelations(t *testing.T) {
	ctx := context.Background()
	policy := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "incident", Event: lifecycle.EventRead, Roles: []string{"agent"}, Relations: []lifecycle.Relation{lifecycle.RelationCaller, lifecycle.RelationGroupMember}}}}
	d := newDesk(t, policy)
	agent := lifecycle.Actor{ID: "ann", Roles: []string{"agent"}}
	carol, dave := lifecycle.Actor{ID: "carol"}, lifecycle.Actor{ID: "dave", Groups: []string{"network"}}
	mine, err := d.incidents.Open(ctx, agent, incident.Open{Title: "Carol's printer", Caller: "carol"})
	require.NoError(t, err)
	other, err := d.incidents.Open(ctx, agent, incident.Open{Title: "Someone's router", Caller: "erin", Group: "network"})
	require.NoError(t, err)

	ids := func(a lifecycle.Actor) []string {
		p, err := d.incidents.ListAs(ctx, a, incident.Filter{})
		require.NoError(t, err)
		var out []string
		for _, x := range p.Incidents {
			out = append(out, x.ID)
		}
		return out
	}
	assert.Equal(t, []string{mine.ID, other.ID}, ids(agent))
	assert.Equal(t, []string{mine.ID}, ids(carol), "a caller sees only their own")
	assert.Equal(t, []string{other.ID}, ids(dave), "a group member sees the group's")
	_, err = d.incidents.GetAs(ctx, carol, other.ID)
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = d.incidents.Do(ctx, carol, incident.Assign{ID: other.ID, Group: "desk"})
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = d.incidents.GetAs(ctx, carol, mine.ID)
	assert.NoError(t, err)
}

// TestAgreementsPerTenant: an agreement for some tenants starts timers
// only on their records.
func TestAgreementsPerTenant(t *testing.T) {
	ctx := context.Background()
	store := slatest.NewStore()
	a := &sla.Agreement{ID: "acme-p1", Type: sla.TypeSLA, Target: sla.TargetResolution, Process: "incident", Tenants: []string{"acme"},
		Durations: map[int]time.Duration{0: time.Hour},
		Start:     func(lifecycle.Snapshot) bool { return true },
		Stop:      func(s lifecycle.Snapshot) bool { return s.State == "resolved" }}
	engine, err := sla.New(sla.Config{Store: store, Agreements: []*sla.Agreement{a}})
	require.NoError(t, err)
	incidents, err := incident.New(incident.Config{Store: incidenttest.NewStore(), Notifier: lifecycle.NotifierFunc(func(ctx context.Context, evs ...lifecycle.Notification) error {
		for _, ev := range evs {
			if err := engine.Observe(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	}), IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	acme, err := incidents.Open(ctx, acmeAnn, incident.Open{Title: "Mail down"})
	require.NoError(t, err)
	globex, err := incidents.Open(ctx, globexBob, incident.Open{Title: "Mail down"})
	require.NoError(t, err)
	ts, err := store.ListByRecord(ctx, acme.ID)
	require.NoError(t, err)
	assert.Len(t, ts, 1)
	ts, err = store.ListByRecord(ctx, globex.ID)
	require.NoError(t, err)
	assert.Empty(t, ts, "another tenant's incident gets no timer")
}
