package change_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestDefaultAccessRules runs every default rule of the change process
// both ways: the actors it lets fire its event, the others are refused
// with the rule's name, and nothing is stored or notified. The approvals
// and the schedule's override keep rules of their own in the commands;
// so that those pass, every actor but System also holds carol's roles
// (change manager and ECAB), which no default rule names.
func TestDefaultAccessRules(t *testing.T) {
	// serviceWith returns a Service over a store holding c.
	serviceWith := func(t *testing.T, c *change.Change) (*change.Service, *changetest.Recorder, change.Store) {
		var store change.Store
		svc, rec, _ := newService(t, func(cfg *change.Config) { store = cfg.Store })
		if c != nil {
			require.NoError(t, change.ImportTo(ctx, store, c))
		}
		return svc, rec, store
	}
	withRoles := func(a lifecycle.Actor) lifecycle.Actor {
		if !a.IsSystem() {
			a.Roles = append(a.Roles, carol.Roles...)
		}
		return a
	}
	fire := map[string]lifecycletest.FireAs{
		"create": func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			svc, rec, _ := serviceWith(t, nil)
			_, err := svc.Create(ctx, actor, change.Create{Type: change.Normal, Title: "Upgrade web", Plans: fullPlans})
			page, lerr := svc.List(ctx, change.Filter{})
			require.NoError(t, lerr)
			return err, len(page.Changes) > 0 || len(rec.Events()) > 0
		},
		lifecycle.EventRedact: func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			c := newChange(t, change.Normal)
			svc, rec, _ := serviceWith(t, c)
			_, err := svc.Erase(ctx, actor, lifecycle.Erase{ID: c.ID, Reason: "erasure request ER-1",
				Entries: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"actor"}}}})
			after, gerr := svc.Get(ctx, c.ID)
			require.NoError(t, gerr)
			return err, after.Version != c.Version || len(rec.Events()) > 0
		},
	}
	for _, e := range change.Events() {
		typ, s := firstAllowing(e)
		fire[string(e)] = func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			c := fixture(t, typ, s, e)
			svc, rec, _ := serviceWith(t, c)
			_, err := svc.Do(ctx, withRoles(actor), withChangeID(commandFor(typ, e), c.ID))
			after, gerr := svc.Get(ctx, c.ID)
			require.NoError(t, gerr)
			return err, after.Version != c.Version || len(rec.Events()) > 0
		}
	}
	events := []string{"create", lifecycle.EventRedact}
	for _, e := range change.Events() {
		events = append(events, string(e))
	}
	lifecycletest.CheckAccessRules(t, change.AccessRules(), events, fire)
}

// withChangeID returns cmd naming change id.
func withChangeID(cmd change.Command, id string) change.Command {
	v := reflect.New(reflect.TypeOf(cmd)).Elem()
	v.Set(reflect.ValueOf(cmd))
	v.FieldByName("ID").SetString(id)
	return v.Interface().(change.Command)
}

// firstAllowing is the first type and state, in the order of Types and
// TypeStates, from which the machine allows e.
func firstAllowing(e change.Event) (change.Type, change.State) {
	for _, typ := range change.Types() {
		for _, s := range change.TypeStates(typ) {
			if _, ok := change.Target(typ, s, e); ok {
				return typ, s
			}
		}
	}
	panic("no state allows " + e)
}
