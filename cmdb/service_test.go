package cmdb_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var (
	ctx = context.Background()
	ann = lifecycle.Actor{ID: "ann"}
)

type env struct {
	store *cmdbtest.Store
	svc   *cmdb.Service
	rec   *lifecycletest.Recorder
}

func newEnv(t *testing.T) *env {
	e := &env{store: cmdbtest.NewStore(), rec: &lifecycletest.Recorder{}}
	var err error
	e.svc, err = cmdb.New(cmdb.Config{Store: e.store, Notifier: e.rec, IDs: lifecycle.Sequence("CI", 3)})
	require.NoError(t, err)
	return e
}

func (e *env) ci(t *testing.T, class, name string, status cmdb.Status, crit cmdb.Criticality) *cmdb.CI {
	c, err := e.svc.Create(ctx, ann, cmdb.NewCI{Class: class, Name: name, Status: status, Criticality: crit})
	require.NoError(t, err)
	return c
}

func (e *env) relate(t *testing.T, parent, typ, child string) {
	_, err := e.svc.Do(ctx, ann, cmdb.Relate{ID: parent, Type: typ, Child: child})
	require.NoError(t, err)
}

func TestImpactAndRules(t *testing.T) {
	e := newEnv(t)
	mail := e.ci(t, cmdb.ClassBusinessService, "Mail", cmdb.StatusOperational, cmdb.CriticalityHigh)
	app := e.ci(t, cmdb.ClassApplication, "Postfix", cmdb.StatusOperational, cmdb.CriticalityCritical)
	vm := e.ci(t, cmdb.ClassVM, "mx-1", cmdb.StatusOperational, cmdb.CriticalityLow)
	host := e.ci(t, cmdb.ClassServer, "esx-1", cmdb.StatusOperational, cmdb.CriticalityLow)
	e.relate(t, mail.ID, cmdb.TypeDependsOn, app.ID)
	e.relate(t, app.ID, cmdb.TypeRunsOn, vm.ID)
	e.relate(t, vm.ID, cmdb.TypeRunsOn, host.ID)
	e.relate(t, host.ID, cmdb.TypeDependsOn, mail.ID) // a cycle

	im, err := e.svc.Impact(ctx, cmdb.ImpactQuery{From: []string{host.ID}})
	require.NoError(t, err)
	require.Len(t, im.CIs, 3)
	require.Len(t, im.Services, 1)
	require.Equal(t, []string{host.ID, vm.ID, app.ID, mail.ID}, im.Services[0].Path)
	require.Equal(t, cmdb.CriticalityCritical, im.Services[0].Highest)
	svcs, err := e.svc.AffectedServices(ctx, vm.ID)
	require.NoError(t, err)
	require.Equal(t, []string{mail.ID}, svcs)
	deps, err := e.svc.Dependencies(ctx, cmdb.ImpactQuery{From: []string{mail.ID}, Depth: 2})
	require.NoError(t, err)
	require.Len(t, deps.CIs, 2)

	before := len(e.rec.Events())
	for name, c := range map[string]struct {
		id  string
		cmd cmdb.Command
	}{
		"unknown type": {app.ID, cmdb.Relate{ID: app.ID, Type: "likes", Child: vm.ID}},
		"missing":      {app.ID, cmdb.Relate{ID: app.ID, Type: cmdb.TypeDependsOn, Child: "CI999"}},
		"duplicate":    {app.ID, cmdb.Relate{ID: app.ID, Type: cmdb.TypeRunsOn, Child: vm.ID}},
		"self":         {app.ID, &cmdb.Relate{ID: app.ID, Type: cmdb.TypeRunsOn, Child: app.ID}},
		"in use":       {vm.ID, cmdb.Retire{ID: vm.ID}},
	} {
		cmd := c.cmd
		v := lifecycletest.MustGet[*cmdb.CI](t, e.store, c.id)
		_, err := e.svc.Do(ctx, ann, cmd)
		require.Error(t, err, name)
		if name == "in use" {
			require.ErrorIs(t, err, cmdb.ErrInUse)
		} else {
			require.ErrorIs(t, err, lifecycle.ErrValidation, name)
		}
		require.Equal(t, v.Version, lifecycletest.MustGet[*cmdb.CI](t, e.store, v.ID).Version, name)
	}
	require.Len(t, e.rec.Events(), before, "no notification for a refusal")
	_, err = e.svc.Create(ctx, ann, cmdb.NewCI{Class: "toaster", Name: "x"})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
}
