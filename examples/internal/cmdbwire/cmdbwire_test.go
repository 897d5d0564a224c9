package cmdbwire_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/examples/internal/cmdbwire"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

var (
	ctx = context.Background()
	ops = lifecycle.Actor{ID: "ops"}
	t0  = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
)

var plans = change.Plans{Implementation: "patch", Backout: "roll back", Test: "smoke test"}

// desk is every process wired to one CMDB:
//
//	mail  (business service, high)    depends on  app
//	wiki  (business service, low)     depends on  vm
//	app   (application)               runs on     vm
//	vm                                runs on     host
type desk struct {
	cis       *cmdb.Service
	incidents *incident.Service
	changes   *change.Service
	problems  *problem.Service

	mail, wiki, app, vm, host string
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	changeStore := changetest.NewStore()
	clock := lifecycletest.NewClock(t0)
	cis, err := cmdb.New(cmdb.Config{Store: cmdbtest.NewStore(), IDs: lifecycle.Sequence("CI", 3), Clock: clock,
		Changes: cmdbwire.ChangeControl{Changes: changeStore}})
	require.NoError(t, err)
	d := &desk{cis: cis}
	ci := func(class, name string, crit cmdb.Criticality) string {
		c, err := cis.Create(ctx, ops, cmdb.NewCI{Class: class, Name: name, Status: cmdb.StatusOperational, Criticality: crit})
		require.NoError(t, err)
		return c.ID
	}
	d.mail = ci(cmdb.ClassBusinessService, "Mail", cmdb.CriticalityHigh)
	d.wiki = ci(cmdb.ClassBusinessService, "Wiki", cmdb.CriticalityLow)
	d.app = ci(cmdb.ClassApplication, "Postfix", "")
	d.vm = ci(cmdb.ClassVM, "mx-1", "")
	d.host = ci(cmdb.ClassServer, "esx-1", "")
	for _, r := range [][3]string{
		{d.mail, cmdb.TypeDependsOn, d.app}, {d.wiki, cmdb.TypeDependsOn, d.vm},
		{d.app, cmdb.TypeRunsOn, d.vm}, {d.vm, cmdb.TypeRunsOn, d.host},
	} {
		_, err := cis.Do(ctx, ops, cmdb.Relate{ID: r[0], Type: r[1], Child: r[2]})
		require.NoError(t, err)
	}
	d.incidents, err = incident.New(incident.Config{Store: incidenttest.NewStore(), Clock: clock,
		ConfigItems: cmdbwire.Incidents{CMDB: cis}, ImpactFromServices: true})
	require.NoError(t, err)
	d.changes, err = change.New(change.Config{Store: changeStore, Clock: clock, IDs: lifecycle.Sequence("CHG", 3),
		Relations: cis, ConfigItems: cmdbwire.Changes{CMDB: cis},
		Rules: change.Rules{Templates: []change.Template{{Name: "patch", Title: "Patch", Plans: plans}}}})
	require.NoError(t, err)
	d.problems, err = problem.New(problem.Config{Store: problemtest.NewStore(), Clock: clock,
		Dependencies: cmdbwire.Problems{CMDB: cis}})
	require.NoError(t, err)
	return d
}

func sorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

func TestIncidentLearnsItsServices(t *testing.T) {
	d := newDesk(t)
	x, err := d.incidents.Open(ctx, ops, incident.Open{Title: "VM down", ConfigItem: d.vm})
	require.NoError(t, err)
	assert.Equal(t, sorted(d.mail, d.wiki), x.AffectedServices)
	assert.Equal(t, lifecycle.Impact(1), x.Impact, "Mail is high: impact 1")

	y, err := d.incidents.Open(ctx, ops, incident.Open{Title: "wiki slow", ConfigItem: d.wiki})
	require.NoError(t, err)
	assert.Nil(t, y.AffectedServices, "a service is not upstream of itself")
	y, err = d.incidents.Update(ctx, ops, incident.Update{ID: y.ID, ConfigItem: new(d.app)})
	require.NoError(t, err)
	assert.Equal(t, []string{d.mail}, y.AffectedServices)

	_, err = d.incidents.Open(ctx, ops, incident.Open{Title: "t", ConfigItem: "CI999"})
	var ve *lifecycle.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "config_item", ve.Field)

	got, err := cmdbwire.Incidents{CMDB: d.cis, Impact: func(cmdb.Criticality) lifecycle.Impact { return 2 }}.AffectedServices(ctx, d.host)
	require.NoError(t, err)
	assert.Equal(t, []incident.AffectedService{{ID: d.mail, Impact: 2}, {ID: d.wiki, Impact: 2}}, got, "the host's Impact reading")
}

// book creates and schedules a standard change on ci in [start, start+d).
func (d *desk) book(t *testing.T, start time.Time, dur time.Duration, ci string) (*change.Change, error) {
	t.Helper()
	c, err := d.changes.Create(ctx, ops, change.Create{Type: change.Standard, Template: "patch", ConfigItems: []string{ci},
		PlannedStart: start, PlannedEnd: start.Add(dur)})
	require.NoError(t, err)
	return d.changes.Schedule(ctx, ops, change.Schedule{ID: c.ID})
}

func TestChangeConflictsAlongRelationships(t *testing.T) {
	d := newDesk(t)
	night := t0.Add(36 * time.Hour)
	patch, err := d.book(t, night, 2*time.Hour, d.host)
	require.NoError(t, err)
	assert.Equal(t, []change.AffectedService{{ID: d.mail, Impact: 1}, {ID: d.wiki, Impact: 3}}, patch.AffectedServices)

	_, err = d.book(t, night.Add(time.Hour), time.Hour, d.vm)
	var sce *change.ScheduleConflictError
	require.ErrorAs(t, err, &sce, "the VM's change overlaps its host's patch")
	assert.Equal(t, change.ConflictRelated, sce.Conflicts[0].Kind)
	assert.Equal(t, d.host, sce.Conflicts[0].Related)
	assert.Equal(t, patch.ID, sce.Conflicts[0].Change)

	_, err = d.book(t, night.Add(2*time.Hour), time.Hour, d.vm)
	require.NoError(t, err, "after the patch, no conflict")
	_, err = d.book(t, night.Add(time.Hour), time.Hour, d.app)
	require.NoError(t, err, "the app is two steps from the host: not related")

	normal, err := d.changes.Create(ctx, ops, change.Create{Type: change.Normal, Title: "Move mail", ConfigItems: []string{d.app}, Plans: plans})
	require.NoError(t, err)
	normal, err = d.changes.Assess(ctx, ops, change.Assess{ID: normal.ID})
	require.NoError(t, err)
	assert.Contains(t, normal.Assessment.Matched, "critical-service: an affected service has the widest impact")
}

func TestKnownErrorsOfWhatAnItemRunsOn(t *testing.T) {
	d := newDesk(t)
	p, err := d.problems.Open(ctx, ops, problem.Open{Title: "Storage latency", ConfigItem: d.host})
	require.NoError(t, err)
	_, err = d.problems.RecordKnownError(ctx, ops, problem.RecordKnownError{ID: p.ID, RootCause: "firmware", Workaround: "move the VM"})
	require.NoError(t, err)
	found, err := d.problems.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: d.app})
	require.NoError(t, err)
	require.Len(t, found, 1, "the app runs on the VM, which runs on the host")
	assert.Equal(t, p.ID, found[0].ID)
	found, err = d.problems.SearchKnownErrors(ctx, problem.KnownErrorQuery{ConfigItem: d.mail})
	require.NoError(t, err)
	assert.Len(t, found, 1)
	deps, err := cmdbwire.Problems{CMDB: d.cis}.DependsOn(ctx, d.app)
	require.NoError(t, err)
	assert.Equal(t, sorted(d.vm, d.host), deps)
}

func TestProductionChangesOnlyThroughAChange(t *testing.T) {
	d := newDesk(t)
	_, err := d.cis.Do(ctx, ops, cmdb.Update{ID: d.host, Owner: "infra"})
	require.ErrorIs(t, err, cmdb.ErrChangeRequired)

	patch, err := d.book(t, t0.Add(time.Hour), time.Hour, d.host)
	require.NoError(t, err)
	_, err = d.cis.Do(ctx, ops, cmdb.Update{ID: d.host, Owner: "infra", Change: patch.ID})
	require.ErrorIs(t, err, cmdb.ErrChangeRequired, "scheduled is not implementing")
	patch, err = d.changes.Implement(ctx, ops, change.Implement{ID: patch.ID})
	require.NoError(t, err)
	host, err := d.cis.Do(ctx, ops, cmdb.Update{ID: d.host, Owner: "infra", Change: patch.ID})
	require.NoError(t, err)
	assert.Equal(t, "infra", host.Owner)
	_, err = d.cis.Do(ctx, ops, cmdb.Maintain{ID: d.vm, Change: patch.ID})
	require.ErrorIs(t, err, cmdb.ErrChangeRequired, "the patch does not list the VM")
	_, err = d.cis.Do(ctx, ops, cmdb.Update{ID: d.host, Owner: "x", Change: "CHG999"})
	require.ErrorIs(t, err, cmdb.ErrChangeRequired, "an unknown change")

	ok, err := cmdbwire.ChangeControl{Changes: d.changes}.Implementing(ctx, patch.ID, d.host)
	require.NoError(t, err)
	assert.True(t, ok, "the change Service reads alike")
	_, err = cmdbwire.ChangeControl{Changes: d.changes}.Implementing(ctx, "CHG999", d.host)
	require.ErrorIs(t, err, lifecycle.ErrNotFound)
}

func TestImpactOf(t *testing.T) {
	for c, want := range map[cmdb.Criticality]lifecycle.Impact{
		cmdb.CriticalityCritical: 1, cmdb.CriticalityHigh: 1, cmdb.CriticalityMedium: 2, cmdb.CriticalityLow: 3, "": 0,
	} {
		assert.Equal(t, want, cmdbwire.ImpactOf(c), c)
	}
}
