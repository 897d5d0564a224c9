package incident_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// cmdbStub answers incident.ConfigItems from a map, counting the calls;
// with err set every lookup fails with it.
type cmdbStub struct {
	services map[string][]incident.AffectedService
	err      error
	calls    atomic.Int32
}

func (c *cmdbStub) AffectedServices(_ context.Context, ci string) ([]incident.AffectedService, error) {
	c.calls.Add(1)
	if c.err != nil {
		return nil, c.err
	}
	s, ok := c.services[ci]
	if !ok {
		return nil, lifecycle.NotFound("cmdb", ci)
	}
	return s, nil
}

func newCMDB() *cmdbStub {
	return &cmdbStub{services: map[string][]incident.AffectedService{
		"vm-1":   {{ID: "web-shop", Impact: 2}, {ID: "mail", Impact: 1}},
		"vm-2":   {{ID: "wiki", Impact: 3}},
		"switch": nil,
	}}
}

// fieldError returns the field a *lifecycle.ValidationError names.
func fieldError(t *testing.T, err error) string {
	t.Helper()
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	var ve *lifecycle.ValidationError
	require.True(t, errors.As(err, &ve))
	return ve.Field
}

func TestAffectedServicesRecordedWithTheConfigItem(t *testing.T) {
	stub := newCMDB()
	e := newEnv(t, func(c *incident.Config) { c.ConfigItems = stub })

	x := e.open(t, incident.Open{ConfigItem: "vm-1", AffectedServices: []incident.AffectedService{{ID: "forged"}}})
	assert.Equal(t, []string{"mail", "web-shop"}, x.AffectedServices, "looked up, sorted, the caller's overwritten")
	ch, ok := e.get(t, x.ID).History[0].Changed("affected_services")
	require.True(t, ok, "recorded in the history")
	assert.Equal(t, "mail,web-shop", ch.New)
	assert.Equal(t, lifecycle.Impact(3), x.Impact, "without the rule the impact stays the caller's")

	calls := stub.calls.Load()
	x = e.do(t, ann, &incident.Update{ID: x.ID, ConfigItem: new("vm-1"), Title: new("same item")})
	assert.Equal(t, calls, stub.calls.Load(), "an unchanged item is not looked up")
	assert.Equal(t, []string{"mail", "web-shop"}, x.AffectedServices)

	x = e.do(t, ann, incident.Update{ID: x.ID, ConfigItem: new("vm-2")})
	assert.Equal(t, []string{"wiki"}, x.AffectedServices)
	h := e.get(t, x.ID).History
	ch, ok = h[len(h)-1].Changed("affected_services")
	require.True(t, ok)
	assert.Equal(t, lifecycle.FieldChange{Field: "affected_services", Old: "mail,web-shop", New: "wiki"}, ch)

	x = e.do(t, ann, incident.Update{ID: x.ID, ConfigItem: new("switch")})
	assert.Nil(t, x.AffectedServices, "an item affecting no service clears them")
	x = e.do(t, ann, incident.Update{ID: x.ID, ConfigItem: new("vm-2")})
	x = e.do(t, ann, incident.Update{ID: x.ID, ConfigItem: new("")})
	assert.Nil(t, x.AffectedServices, "no item, no services")
	assert.Equal(t, bare(x), bare(lifecycleGet(t, e, x.ID)), "as stored")
}

func lifecycleGet(t *testing.T, e *env, id string) *incident.Incident {
	t.Helper()
	x, err := e.svc.Get(ctx, id)
	require.NoError(t, err)
	return x
}

func TestImpactFromServices(t *testing.T) {
	e := newEnv(t, func(c *incident.Config) { c.ConfigItems, c.ImpactFromServices = newCMDB(), true })
	x := e.open(t, incident.Open{ConfigItem: "vm-2"})
	assert.Equal(t, lifecycle.Impact(3), x.Impact)
	x = e.do(t, ann, incident.Update{ID: x.ID, ConfigItem: new("vm-1")})
	assert.Equal(t, lifecycle.Impact(1), x.Impact, "the most critical service, mail, sets the impact")
	assert.Equal(t, lifecycle.Priority(3), x.Priority, "impact 1 × urgency 3")
	h := e.get(t, x.ID).History
	ch, _ := h[len(h)-1].Changed("impact")
	assert.Equal(t, "1", ch.New, "the impact's change is recorded")
	x = e.do(t, ann, incident.Update{ID: x.ID, ConfigItem: new("vm-2")})
	assert.Equal(t, lifecycle.Impact(1), x.Impact, "the rule never lowers an impact")

	y := e.open(t, incident.Open{ConfigItem: "vm-1", Urgency: 1})
	assert.Equal(t, lifecycle.Impact(1), y.Impact)
	assert.Equal(t, lifecycle.Priority(1), y.Priority)
	ch, _ = e.get(t, y.ID).History[0].Changed("priority")
	assert.Equal(t, "1", ch.New)
}

func TestConfigItemLookupFailsTheCommand(t *testing.T) {
	stub := newCMDB()
	e := newEnv(t, func(c *incident.Config) { c.ConfigItems = stub })
	x := e.open(t, incident.Open{ConfigItem: "vm-2"})
	before := len(e.rec.Events())

	_, err := e.svc.Open(ctx, ann, incident.Open{Title: "t", ConfigItem: "nowhere"})
	assert.Equal(t, "config_item", fieldError(t, err), "an unknown item is bad input")
	_, err = e.svc.Update(ctx, ann, incident.Update{ID: x.ID, ConfigItem: new("nowhere")})
	assert.Equal(t, "config_item", fieldError(t, err))

	boom := errors.New("cmdb down")
	stub.err = boom
	_, err = e.svc.Open(ctx, ann, incident.Open{Title: "t", ConfigItem: "vm-1"})
	require.ErrorIs(t, err, boom)
	_, err = e.svc.Update(ctx, ann, incident.Update{ID: x.ID, ConfigItem: new("vm-1")})
	require.ErrorIs(t, err, boom)

	page, err := e.svc.List(ctx, incident.Filter{})
	require.NoError(t, err)
	assert.Len(t, page.Incidents, 1, "no incident stored")
	assert.Equal(t, bare(x), bare(lifecycleGet(t, e, x.ID)), "the incident unchanged")
	assert.Len(t, e.rec.Events(), before, "nothing notified")

	// Commands that leave the item alone never ask.
	e.do(t, ann, incident.Update{ID: x.ID, Title: new("still fine")})
	e.do(t, ann, incident.Assign{ID: x.ID, Group: "g"})
	// A closed incident refuses the update for its state, not for the CMDB.
	_, err = e.svc.Cancel(ctx, ann, incident.Cancel{ID: x.ID, Reason: "dup"})
	require.NoError(t, err)
	_, err = e.svc.Update(ctx, ann, incident.Update{ID: x.ID, ConfigItem: new("vm-1")})
	require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
}

func TestNoConfigItemsRecordsNoServices(t *testing.T) {
	e := newEnv(t)
	x := e.open(t, incident.Open{ConfigItem: "vm-1"})
	assert.Nil(t, x.AffectedServices)
	_, ok := e.get(t, x.ID).History[0].Changed("affected_services")
	assert.False(t, ok)
	x = e.do(t, ann, incident.Update{ID: x.ID, ConfigItem: new("vm-2")})
	assert.Nil(t, x.AffectedServices)
	assert.Equal(t, []string{"config_item"}, fields(e.get(t, x.ID).History[1]), "the update records the item alone, as without a CMDB")
}

func fields(r lifecycle.Record) []string {
	var out []string
	for _, c := range r.Changes {
		out = append(out, c.Field)
	}
	return out
}

func TestAffectedServicesInputChecked(t *testing.T) {
	now := start
	open := func(o incident.Open, r incident.Rules) error {
		o.Title = "t"
		_, _, err := r.Open(ann, now, "INC1", o)
		return err
	}
	svc := []incident.AffectedService{{ID: "mail", Impact: 1}}
	assert.Equal(t, "affected_services", fieldError(t, open(incident.Open{AffectedServices: svc}, incident.Rules{})), "services need their item")
	assert.Equal(t, "affected_services", fieldError(t, open(incident.Open{ConfigItem: "vm", AffectedServices: []incident.AffectedService{{ID: " "}}}, incident.Rules{})))
	assert.Equal(t, "affected_services", fieldError(t, open(incident.Open{ConfigItem: "vm", AffectedServices: []incident.AffectedService{{ID: "s", Impact: 4}}}, incident.Rules{ImpactFromServices: true})),
		"an impact outside the matrix")
	require.NoError(t, open(incident.Open{ConfigItem: "vm", AffectedServices: []incident.AffectedService{{ID: "s", Impact: 4}}}, incident.Rules{}), "without the rule the impact is not read")

	x, _, err := incident.Rules{ImpactFromServices: true}.Open(ann, now, "INC1", incident.Open{Title: "t", ConfigItem: "vm", AffectedServices: svc})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Impact(1), x.Impact)
	before := x.Clone()
	for name, cmd := range map[string]incident.Update{
		"same item":  {ID: "INC1", ConfigItem: new("vm"), AffectedServices: svc},
		"no item":    {ID: "INC1", Title: new("x"), AffectedServices: []incident.AffectedService{}},
		"blank item": {ID: "INC1", ConfigItem: new(""), AffectedServices: svc},
		"blank ID":   {ID: "INC1", ConfigItem: new("vm-9"), AffectedServices: []incident.AffectedService{{}}},
	} {
		_, err := x.Apply(ann, now, cmd)
		assert.Equal(t, "affected_services", fieldError(t, err), name)
		assert.Equal(t, before, x, "%s: unchanged", name)
	}
	_, err = x.Apply(ann, now, incident.Update{ID: "INC1", ConfigItem: new("vm-9"), AffectedServices: []incident.AffectedService{{ID: "b"}, {ID: "a"}, {ID: "b"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, x.AffectedServices)
}

// serviceMap is a host's CMDB as incident management sees it.
type serviceMap map[string][]incident.AffectedService

func (m serviceMap) AffectedServices(_ context.Context, ci string) ([]incident.AffectedService, error) {
	s, ok := m[ci]
	if !ok {
		return nil, lifecycle.NotFound("cmdb", ci)
	}
	return s, nil
}

// An incident on a configuration item records the business services its
// failure affects; with ImpactFromServices the most critical of them sets
// the impact.
func ExampleConfigItems() {
	svc, err := incident.New(incident.Config{
		Store:              incidenttest.NewStore(),
		IDs:                lifecycle.Sequence("INC", 4),
		ConfigItems:        serviceMap{"db-7": {{ID: "payroll", Impact: 1}, {ID: "hr-portal", Impact: 2}}},
		ImpactFromServices: true,
	})
	if err != nil {
		panic(err)
	}
	x, err := svc.Open(context.Background(), lifecycle.Actor{ID: "ann"}, incident.Open{Title: "db-7 slow", ConfigItem: "db-7"})
	if err != nil {
		panic(err)
	}
	fmt.Println(x.AffectedServices, "impact", x.Impact, "priority", x.Priority)
	// Output: [hr-portal payroll] impact 1 priority 3 - moderate
}
