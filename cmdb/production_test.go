package cmdb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// implementing answers cmdb.Changes: the changes being implemented, with
// their CIs; with err set every lookup fails with it.
type implementing struct {
	on  map[string][]string
	err error
}

func (m *implementing) Implementing(_ context.Context, change, ci string) (bool, error) {
	if m.err != nil {
		return false, m.err
	}
	cis, ok := m.on[change]
	if !ok {
		return false, lifecycle.NotFound("change", change)
	}
	for _, c := range cis {
		if c == ci {
			return true, nil
		}
	}
	return false, nil
}

func TestProductionChangesThroughAChange(t *testing.T) {
	bg := context.Background()
	ops := lifecycle.Actor{ID: "ops"}
	changes := &implementing{on: map[string][]string{"CHG1": {"CI001"}, "CHG2": {"CI002"}}}
	store := cmdbtest.NewStore()
	rec := &lifecycletest.Recorder{}
	svc, err := cmdb.New(cmdb.Config{Store: store, Notifier: rec, IDs: lifecycle.Sequence("CI", 3), Changes: changes})
	require.NoError(t, err)
	db, err := svc.Create(bg, ops, cmdb.NewCI{Class: cmdb.ClassDatabase, Name: "db", Status: cmdb.StatusOperational})
	require.NoError(t, err)
	lab, err := svc.Create(bg, ops, cmdb.NewCI{Class: cmdb.ClassServer, Name: "lab", Status: cmdb.StatusInstalled})
	require.NoError(t, err)

	before := len(rec.Events())
	for name, cmd := range map[string]cmdb.Command{
		"update, no change":           cmdb.Update{ID: db.ID, Owner: "dba"},
		"maintain, no change":         cmdb.Maintain{ID: db.ID},
		"degrade, no change":          &cmdb.Degrade{ID: db.ID},
		"retire, no change":           cmdb.Retire{ID: db.ID},
		"unknown change":              cmdb.Update{ID: db.ID, Owner: "dba", Change: "CHG9"},
		"a change of another CI":      cmdb.Update{ID: db.ID, Owner: "dba", Change: "CHG2"},
		"a wrong change, CI not prod": cmdb.Operate{ID: lab.ID, Change: "CHG1"},
	} {
		id := db.ID
		if name == "a wrong change, CI not prod" {
			id = lab.ID
		}
		v := lifecycletest.MustGet[*cmdb.CI](t, store, id)
		_, err := svc.Do(bg, ops, cmd)
		require.ErrorIs(t, err, cmdb.ErrChangeRequired, name)
		require.ErrorIs(t, err, lifecycle.ErrValidation, name)
		var cre *cmdb.ChangeRequiredError
		require.ErrorAs(t, err, &cre, name)
		assert.Equal(t, id, cre.CI, name)
		assert.Equal(t, v, lifecycletest.MustGet[*cmdb.CI](t, store, id), "%s: the CI unchanged", name)
	}
	assert.Len(t, rec.Events(), before, "no notification for a refusal")

	c, err := svc.Do(bg, ops, cmdb.Update{ID: db.ID, Owner: "dba", Change: " CHG1 "})
	require.NoError(t, err)
	assert.Equal(t, "dba", c.Owner)
	h, err := svc.History(bg, db.ID, 0, 10)
	require.NoError(t, err)
	ch, ok := h[len(h)-1].Changed("change")
	require.True(t, ok, "the change is in the history")
	assert.Equal(t, "CHG1", ch.New)
	c, err = svc.Do(bg, ops, cmdb.Maintain{ID: db.ID, Change: "CHG1"})
	require.NoError(t, err)
	c, err = svc.Do(bg, ops, cmdb.Update{ID: db.ID, Group: "dba"})
	require.NoError(t, err, "a CI under maintenance is not in production")
	_, err = svc.Do(bg, ops, cmdb.Operate{ID: lab.ID})
	require.NoError(t, err, "nor is an installed one")

	changes.err = errors.New("change store down")
	_, err = svc.Do(bg, ops, cmdb.Restore{ID: c.ID, Change: "CHG1"})
	require.ErrorIs(t, err, changes.err, "a failed lookup fails the command")
	assert.Equal(t, cmdb.StatusMaintenance, lifecycletest.MustGet[*cmdb.CI](t, store, c.ID).Status)

	// Without Changes the rule is off: anything goes, a named change is
	// recorded as it is.
	plain, err := cmdb.New(cmdb.Config{Store: store})
	require.NoError(t, err)
	_, err = plain.Do(bg, ops, cmdb.Update{ID: lab.ID, Owner: "x", Change: "CHG9"})
	require.NoError(t, err)
	_, err = plain.Do(bg, ops, cmdb.Degrade{ID: lab.ID})
	require.NoError(t, err)
}
