package change_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
)

// relations answers change.Relations from undirected pairs; with err set
// every lookup fails with it.
type relations struct {
	pairs [][2]string
	err   error
}

func (r *relations) RelatedCIs(_ context.Context, ci string) ([]string, error) {
	if r.err != nil {
		return nil, r.err
	}
	var out []string
	for _, p := range r.pairs {
		switch ci {
		case p[0]:
			out = append(out, p[1])
		case p[1]:
			out = append(out, p[0])
		}
	}
	return out, nil
}

// serviceMap answers change.ConfigItems from per-item services, counting
// the calls; with err set every lookup fails with it.
type serviceMap struct {
	of    map[string][]change.AffectedService
	err   error
	calls atomic.Int32
}

func (m *serviceMap) AffectedServices(_ context.Context, cis []string) ([]change.AffectedService, error) {
	m.calls.Add(1)
	if m.err != nil {
		return nil, m.err
	}
	var out []change.AffectedService
	for _, ci := range cis {
		s, ok := m.of[ci]
		if !ok {
			return nil, lifecycle.NotFound("cmdb", ci)
		}
		out = append(out, s...)
	}
	return out, nil
}

// hostAndVM relates the hypervisor esx-1 to the VM vm-1 it hosts.
func hostAndVM() *relations { return &relations{pairs: [][2]string{{"vm-1", "esx-1"}}} }

func validationField(t *testing.T, err error) string {
	t.Helper()
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	var ve *lifecycle.ValidationError
	require.True(t, errors.As(err, &ve), "%v", err)
	return ve.Field
}

func TestConflictsWithRelatedItems(t *testing.T) {
	h := time.Hour
	c := planned("CHG-vm", change.StateAuthorize, t0, 2*h, "vm-1")
	others := []*change.Change{
		planned("CHG-host", change.StateScheduled, t0.Add(h), 2*h, "esx-1"),  // the host, overlapping
		planned("CHG-later", change.StateScheduled, t0.Add(2*h), h, "esx-1"), // the host, starting at our end
		planned("CHG-idle", change.StateAuthorize, t0, 2*h, "esx-1"),         // not booked
		planned("CHG-other", change.StateScheduled, t0, 2*h, "esx-2"),        // unrelated
		planned("CHG-both", change.StateImplement, t0, 2*h, "vm-1", "esx-1"), // the VM itself too
	}
	related := map[string][]string{"vm-1": {"esx-1"}}
	got, err := change.ConflictsWith(c, others, nil, related)
	require.NoError(t, err)
	type key struct {
		kind              change.ConflictKind
		ci, related, with string
	}
	var keys []key
	for _, x := range got {
		keys = append(keys, key{x.Kind, x.ConfigItem, x.Related, x.Change})
	}
	assert.Equal(t, []key{
		{change.ConflictChange, "vm-1", "", "CHG-both"},
		{change.ConflictRelated, "vm-1", "esx-1", "CHG-both"},
		{change.ConflictRelated, "vm-1", "esx-1", "CHG-host"},
	}, keys)
	assert.Contains(t, got[2].Reason, "vm-1 is related to esx-1, which CHG-host (scheduled)")

	plain, err := change.Conflicts(c, others, nil)
	require.NoError(t, err)
	assert.Len(t, plain, 1, "without relations only the item itself")

	// A related item that is also one of the change's own is its own
	// conflict, not a related one.
	c.ConfigItems = []string{"esx-1", "vm-1"}
	got, err = change.ConflictsWith(c, others[:1], nil, map[string][]string{"vm-1": {"esx-1"}, "esx-1": {"vm-1"}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, change.ConflictChange, got[0].Kind)
}

// book creates and schedules a standard change on cis in [start, start+d).
func book(t *testing.T, s *change.Service, start time.Time, d time.Duration, cis ...string) (*change.Change, error) {
	t.Helper()
	c, err := s.Create(ctx, alice, change.Create{Type: change.Standard, Template: "os-patch", ConfigItems: cis,
		PlannedStart: start, PlannedEnd: start.Add(d)})
	require.NoError(t, err)
	return s.Schedule(ctx, alice, change.Schedule{ID: c.ID})
}

func TestServiceConflictsOnRelatedItems(t *testing.T) {
	rel := hostAndVM()
	s, rec, _ := newService(t, func(c *change.Config) { c.Relations = rel })
	day := t0.Add(48 * time.Hour)
	host, err := book(t, s, day, 2*time.Hour, "esx-1")
	require.NoError(t, err)
	require.Equal(t, change.StateScheduled, host.State)

	vm, err := s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "Resize VM", ConfigItems: []string{"vm-1"},
		Plans: fullPlans, PlannedStart: day.Add(time.Hour), PlannedEnd: day.Add(3 * time.Hour)})
	require.NoError(t, err)
	vm, err = s.Assess(ctx, alice, change.Assess{ID: vm.ID})
	require.NoError(t, err)
	require.Len(t, vm.Conflicts, 1)
	assert.Equal(t, change.Conflict{Kind: change.ConflictRelated, ConfigItem: "vm-1", Related: "esx-1", Change: host.ID,
		Start: host.PlannedStart, End: host.PlannedEnd, Reason: vm.Conflicts[0].Reason}, vm.Conflicts[0])
	assert.Contains(t, vm.Assessment.Matched, "related-change-booked: another change holds a related configuration item in the window")
	assert.Equal(t, change.RiskModerate, vm.Risk)
	h := exported(t, s, vm.ID).History
	ch, ok := h[len(h)-1].Changed(change.FieldConflicts)
	require.True(t, ok)
	assert.Equal(t, "related_config_item_booked vm-1 esx-1 "+host.ID, ch.New, "the related item is in the history")

	// Booking the VM in the host's window is refused; after it is not.
	_, err = book(t, s, day.Add(time.Hour), time.Hour, "vm-1")
	var sce *change.ScheduleConflictError
	require.ErrorAs(t, err, &sce)
	assert.Equal(t, change.ConflictRelated, sce.Conflicts[0].Kind)
	_, err = book(t, s, day.Add(2*time.Hour), time.Hour, "vm-1")
	require.NoError(t, err, "no overlap, no conflict")

	// Without Relations the same booking passes, as it always did.
	plain, _, _ := newService(t, nil)
	_, err = book(t, plain, day, 2*time.Hour, "esx-1")
	require.NoError(t, err)
	_, err = book(t, plain, day.Add(time.Hour), time.Hour, "vm-1")
	require.NoError(t, err)

	// A failing lookup fails the command and changes nothing.
	rel.err = errors.New("cmdb down")
	before := len(rec.Events())
	next, err := s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "t", ConfigItems: []string{"vm-1"},
		Plans: fullPlans, PlannedStart: day, PlannedEnd: day.Add(time.Hour)})
	require.NoError(t, err)
	_, err = s.Assess(ctx, alice, change.Assess{ID: next.ID})
	require.ErrorIs(t, err, rel.err)
	got, err := s.Get(ctx, next.ID)
	require.NoError(t, err)
	assert.Equal(t, bare(next), got)
	assert.Len(t, rec.Events(), before+1, "only the creation was notified")
}

// TestRelatedBookingsRace books a host and its VM at once, over and over:
// the guards of related items make exactly one of them win.
func TestRelatedBookingsRace(t *testing.T) {
	for i := range 20 {
		s, _, _ := newService(t, func(c *change.Config) { c.Relations = hostAndVM() })
		day := t0.Add(48 * time.Hour)
		var made [2]*change.Change
		for j, ci := range []string{"esx-1", "vm-1"} {
			c, err := s.Create(ctx, alice, change.Create{Type: change.Standard, Template: "os-patch", ConfigItems: []string{ci},
				PlannedStart: day, PlannedEnd: day.Add(time.Hour)})
			require.NoError(t, err)
			made[j] = c
		}
		var wg sync.WaitGroup
		var won, refused atomic.Int32
		for _, c := range made {
			wg.Go(func() {
				_, err := s.Schedule(ctx, alice, change.Schedule{ID: c.ID})
				switch {
				case err == nil:
					won.Add(1)
				case errors.Is(err, change.ErrScheduleConflict):
					refused.Add(1)
				default:
					t.Errorf("round %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), won.Load(), "round %d: exactly one booking wins", i)
		require.Equal(t, int32(1), refused.Load(), "round %d", i)
	}
}

func TestChangeAffectedServices(t *testing.T) {
	cmdb := &serviceMap{of: map[string][]change.AffectedService{
		"web-1": {{ID: "shop", Impact: 2}},
		"db-1":  {{ID: "shop", Impact: 1}, {ID: "payroll", Impact: 1}},
		"lab-1": nil,
	}}
	s, rec, _ := newService(t, func(c *change.Config) { c.ConfigItems = cmdb })

	c, err := s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "Upgrade DB", ConfigItems: []string{"db-1", "web-1"},
		Plans: fullPlans, AffectedServices: []change.AffectedService{{ID: "forged"}}})
	require.NoError(t, err)
	assert.Equal(t, []change.AffectedService{{ID: "payroll", Impact: 1}, {ID: "shop", Impact: 1}}, c.AffectedServices,
		"looked up, sorted, each once at its widest; the caller's overwritten")
	ch, ok := exported(t, s, c.ID).History[0].Changed(change.FieldAffectedServices)
	require.True(t, ok)
	assert.Equal(t, "payroll:1,shop:1", ch.New)

	calls := cmdb.calls.Load()
	c, err = s.Update(ctx, alice, change.Update{ID: c.ID, Title: ptr("Upgrade the DB"), ConfigItems: []string{"web-1", "db-1"}})
	require.NoError(t, err)
	assert.Equal(t, calls, cmdb.calls.Load(), "unchanged items are not looked up")
	c, err = s.Update(ctx, alice, change.Update{ID: c.ID, ConfigItems: []string{"web-1"}})
	require.NoError(t, err)
	assert.Equal(t, []change.AffectedService{{ID: "shop", Impact: 2}}, c.AffectedServices)
	c, err = s.Update(ctx, alice, change.Update{ID: c.ID, ConfigItems: []string{}})
	require.NoError(t, err)
	assert.Nil(t, c.AffectedServices, "no items, no services")

	// A standard change takes its template's items, and their services.
	std, err := s.Create(ctx, alice, change.Create{Type: change.Standard, Template: "os-patch"})
	require.NoError(t, err)
	assert.Equal(t, []change.AffectedService{{ID: "shop", Impact: 2}}, std.AffectedServices)
	bare, err := s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "t"})
	require.NoError(t, err)
	bare, err = s.SetType(ctx, alice, change.SetType{ID: bare.ID, Type: change.Standard, Template: "os-patch"})
	require.NoError(t, err)
	assert.Equal(t, []string{"web-1"}, bare.ConfigItems)
	assert.Equal(t, []change.AffectedService{{ID: "shop", Impact: 2}}, bare.AffectedServices)

	// Failures: typed for an unknown item, the lookup's own otherwise;
	// nothing stored, nothing notified.
	events := len(rec.Events())
	page, err := s.List(ctx, change.Filter{})
	require.NoError(t, err)
	_, err = s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "t", ConfigItems: []string{"nowhere"}})
	assert.Equal(t, "config_items", validationField(t, err))
	_, err = s.Update(ctx, alice, change.Update{ID: c.ID, ConfigItems: []string{"nowhere"}})
	assert.Equal(t, "config_items", validationField(t, err))
	cmdb.err = errors.New("cmdb down")
	_, err = s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "t", ConfigItems: []string{"db-1"}})
	require.ErrorIs(t, err, cmdb.err)
	_, err = s.Update(ctx, alice, change.Update{ID: c.ID, ConfigItems: []string{"db-1"}})
	require.ErrorIs(t, err, cmdb.err)
	after, err := s.List(ctx, change.Filter{})
	require.NoError(t, err)
	assert.Equal(t, page, after, "nothing stored")
	assert.Len(t, rec.Events(), events, "nothing notified")

	// Without ConfigItems no service is recorded.
	plain, _, _ := newService(t, nil)
	c, err = plain.Create(ctx, alice, change.Create{Type: change.Normal, Title: "t", ConfigItems: []string{"db-1"}})
	require.NoError(t, err)
	assert.Nil(t, c.AffectedServices)
	_, ok = exported(t, plain, c.ID).History[0].Changed(change.FieldAffectedServices)
	assert.False(t, ok)
}

func TestRiskFromAffectedServices(t *testing.T) {
	r := change.Rules{}
	c := &change.Change{Type: change.Normal, Plans: fullPlans, ConfigItems: []string{"db-1"}}
	assert.Equal(t, change.RiskLow, r.Assess(c, t0).Level)
	c.AffectedServices = []change.AffectedService{{ID: "wiki", Impact: 3}}
	assert.Equal(t, change.RiskLow, r.Assess(c, t0).Level)
	c.AffectedServices = []change.AffectedService{{ID: "payroll", Impact: 1}}
	a := r.Assess(c, t0)
	assert.Equal(t, change.RiskModerate, a.Level)
	assert.Equal(t, []string{"critical-service: an affected service has the widest impact"}, a.Matched)
	c.AffectedServices = nil
	for i := range 5 {
		c.AffectedServices = append(c.AffectedServices, change.AffectedService{ID: fmt.Sprint("s", i), Impact: 3})
	}
	assert.Equal(t, []string{"many-services: 5 or more affected services"}, r.Assess(c, t0).Matched)
}

func TestAffectedServicesInput(t *testing.T) {
	r := testRules()
	req := change.Create{Type: change.Normal, Title: "t", ConfigItems: []string{"db-1"}}
	for name, svcs := range map[string][]change.AffectedService{
		"blank ID":      {{ID: " "}},
		"impact 4":      {{ID: "s", Impact: 4}},
		"impact -1":     {{ID: "s", Impact: -1}},
		"without items": {{ID: "s"}},
	} {
		req := req
		req.AffectedServices = svcs
		if name == "without items" {
			req.ConfigItems = nil
		}
		_, _, err := r.New("CHG-1", alice, t0, req)
		assert.Equal(t, "affected_services", validationField(t, err), name)
	}
	req.AffectedServices = []change.AffectedService{{ID: "b", Impact: 3}, {ID: "a"}, {ID: "b", Impact: 2}, {ID: "a", Impact: 3}}
	c, _, err := r.New("CHG-1", alice, t0, req)
	require.NoError(t, err)
	assert.Equal(t, []change.AffectedService{{ID: "a", Impact: 3}, {ID: "b", Impact: 2}}, c.AffectedServices)

	before := c.Clone()
	for name, cmd := range map[string]change.Command{
		"same items": change.Update{ID: c.ID, ConfigItems: []string{"db-1"}, AffectedServices: []change.AffectedService{{ID: "x"}}},
		"no items":   change.Update{ID: c.ID, Title: ptr("x"), AffectedServices: []change.AffectedService{}},
		"set type":   change.SetType{ID: c.ID, Type: change.Emergency, AffectedServices: []change.AffectedService{{ID: "x"}}},
	} {
		_, err := r.Apply(c, alice, t0, cmd)
		assert.Equal(t, "affected_services", validationField(t, err), name)
		assert.Equal(t, before, c, "%s: unchanged", name)
	}
	apply(t, c, alice, change.Update{ID: c.ID, ConfigItems: []string{"db-2"}})
	assert.Nil(t, c.AffectedServices, "new items without services clear them")
	ch, _ := c.History[len(c.History)-1].Changed(change.FieldAffectedServices)
	assert.Equal(t, lifecycle.FieldChange{Field: change.FieldAffectedServices, Old: "a:3,b:2"}, ch)
}

// exported reads change id whole through s, its history included.
func exported(t *testing.T, s *change.Service, id string) *change.Change {
	t.Helper()
	c, err := s.Export(ctx, id)
	require.NoError(t, err)
	return c
}

// A patch of a hypervisor and a resize of a VM it hosts, in overlapping
// windows, conflict once the VM's relation to its host is known.
func ExampleConflictsWith() {
	at := time.Date(2026, 6, 3, 22, 0, 0, 0, time.UTC)
	host := &change.Change{ID: "CHG1", State: change.StateScheduled, ConfigItems: []string{"esx-1"}, PlannedStart: at, PlannedEnd: at.Add(2 * time.Hour)}
	vm := &change.Change{ID: "CHG2", State: change.StateAuthorize, ConfigItems: []string{"vm-1"}, PlannedStart: at.Add(time.Hour), PlannedEnd: at.Add(3 * time.Hour)}
	cs, err := change.ConflictsWith(vm, []*change.Change{host}, nil, map[string][]string{"vm-1": {"esx-1"}})
	if err != nil {
		panic(err)
	}
	for _, c := range cs {
		fmt.Println(c.Kind, c.ConfigItem, c.Related, c.Change)
	}
	// Output: related_config_item_booked vm-1 esx-1 CHG1
}
