package lifecycle_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var (
	svcT0           = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ownerAlice      = lifecycle.Actor{ID: "alice"} // the services' owner in fixtures
	strangerMallory = lifecycle.Actor{ID: "mallory"}
	portfolioM      = lifecycle.Actor{ID: "pm", Roles: []string{lifecycle.RoleServiceOwner}}
	slaGold         = lifecycle.AgreementLink{ID: "SLA-GOLD", Kind: lifecycle.AgreementSLA}
)

// slaLink, olaLink and ucLink are agreement links of each kind.
func slaLink(id string) lifecycle.AgreementLink {
	return lifecycle.AgreementLink{ID: id, Kind: lifecycle.AgreementSLA}
}

func olaLink(id string) lifecycle.AgreementLink {
	return lifecycle.AgreementLink{ID: id, Kind: lifecycle.AgreementOLA}
}

func ucLink(id string) lifecycle.AgreementLink {
	return lifecycle.AgreementLink{ID: id, Kind: lifecycle.AgreementUnderpinningContract}
}

// newService returns a freshly defined service, owned by ownerAlice with one
// agreement, moved (without the machine) to status st.
func newService(t testing.TB, st lifecycle.Status) *lifecycle.ITService {
	t.Helper()
	s, _, err := lifecycle.DefineService{
		Name:        "E-mail",
		Owner:       "alice",
		Criticality: lifecycle.CriticalityHigh,
		ConfigItems: []string{"CI-MX1"},
		Agreements:  []lifecycle.AgreementLink{slaGold},
	}.New(ownerAlice, svcT0, "SVC-1")
	require.NoError(t, err)
	s.Status = st
	return s
}

// serviceCommandFor returns the command firing ev on s, with valid inputs.
func serviceCommandFor(s *lifecycle.ITService, ev lifecycle.ServiceEvent) lifecycle.ServiceCommand {
	switch ev {
	case lifecycle.ServiceAdvance:
		return lifecycle.AdvanceService{ID: s.ID, Version: s.Version}
	case lifecycle.ServiceReject:
		return lifecycle.RejectService{ID: s.ID, Version: s.Version, Reason: "no business case"}
	case lifecycle.ServiceRework:
		return lifecycle.ReworkService{ID: s.ID, Version: s.Version, Reason: "load test failed"}
	case lifecycle.ServicePhaseOut:
		return lifecycle.PhaseOutService{ID: s.ID, Version: s.Version}
	case lifecycle.ServiceReinstate:
		return lifecycle.ReinstateService{ID: s.ID, Version: s.Version}
	case lifecycle.ServiceRetire:
		return lifecycle.RetireService{ID: s.ID, Version: s.Version}
	}
	panic("unknown event " + ev)
}

// wantMachine is the service machine, written out independently of the
// definition: status → event → target.
var wantMachine = map[lifecycle.Status]map[lifecycle.ServiceEvent]lifecycle.Status{
	"requirements": {"advance": "defined", "retire": "retired"},
	"defined":      {"advance": "analysed", "reject": "requirements", "retire": "retired"},
	"analysed":     {"advance": "approved", "reject": "requirements", "retire": "retired"},
	"approved":     {"advance": "chartered", "retire": "retired"},
	"chartered":    {"advance": "designed", "retire": "retired"},
	"designed":     {"advance": "developed", "retire": "retired"},
	"developed":    {"advance": "built", "rework": "designed", "retire": "retired"},
	"built":        {"advance": "tested", "rework": "designed", "retire": "retired"},
	"tested":       {"advance": "released", "rework": "designed", "retire": "retired"},
	"released":     {"advance": "operational", "rework": "designed", "retire": "retired"},
	"operational":  {"phase_out": "retiring", "retire": "retired"},
	"retiring":     {"reinstate": "operational", "retire": "retired"},
	"retired":      {},
}

func TestServiceMatrix(t *testing.T) {
	require.Len(t, wantMachine, len(lifecycle.Statuses()))
	for _, st := range lifecycle.Statuses() {
		for _, ev := range lifecycle.ServiceEvents() {
			t.Run(fmt.Sprintf("%s/%s", st, ev), func(t *testing.T) {
				s := newService(t, st)
				before := s.Clone()
				now := svcT0.Add(time.Hour)
				evs, err := s.Apply(ownerAlice, now, serviceCommandFor(s, ev))
				to, ok := wantMachine[st][ev]
				if !ok {
					lifecycletest.Applied{Before: before, After: s, Events: evs, Err: err}.CheckNoTransition(t, lifecycle.TransitionError{
						From: string(st), Event: string(ev),
					})
					return
				}
				require.NoError(t, err)
				assert.Equal(t, to, s.Status)
				assert.Equal(t, before.Version+1, s.Version)
				assert.Equal(t, now, s.UpdatedAt)
				require.Len(t, before.History, 1)
				lifecycletest.CheckAppended(t, before.History, s.History, lifecycle.Record{Event: string(ev), From: string(st), To: string(to)})
				rec := s.History[1]
				c, ok := rec.Changed(lifecycle.FieldState)
				require.True(t, ok)
				assert.Equal(t, lifecycle.FieldChange{Field: "state", Old: string(st), New: string(to)}, c)
				require.Len(t, evs, 1)
				lifecycletest.CheckNotified(t, evs, lifecycle.Notification{Process: "service", Subject: "SVC-1", Version: 2, From: string(st), To: string(to)})
				assert.Equal(t, string(to), evs[0].Snapshot.State)
				assert.Equal(t, string(to.Stage()), evs[0].Snapshot.Attributes["stage"])
			})
		}
	}
}

func TestServiceAllowedMatchesMachine(t *testing.T) {
	for _, st := range lifecycle.Statuses() {
		var want []lifecycle.ServiceEvent
		for ev := range wantMachine[st] {
			want = append(want, ev)
		}
		slices.Sort(want)
		assert.Equal(t, want, st.Allowed(), st)
		assert.Equal(t, len(want) == 0, st.Final(), st)
		for _, ev := range lifecycle.ServiceEvents() {
			to, ok := st.Target(ev)
			wantTo, wantOK := wantMachine[st][ev]
			assert.Equal(t, wantOK, ok)
			assert.Equal(t, wantTo, to)
		}
	}
}

// Every status has at most one event to each target, so SetServiceStatus
// is well defined.
func TestSetServiceStatusMatrix(t *testing.T) {
	for _, from := range lifecycle.Statuses() {
		targets := map[lifecycle.Status]bool{}
		for _, to := range wantMachine[from] {
			require.False(t, targets[to], "%s has two events to %s", from, to)
			targets[to] = true
		}
		for _, to := range lifecycle.Statuses() {
			s := newService(t, from)
			before := s.Clone()
			_, err := s.Apply(ownerAlice, svcT0, lifecycle.SetServiceStatus{ID: s.ID, To: to})
			if targets[to] {
				require.NoError(t, err, "%s → %s", from, to)
				assert.Equal(t, to, s.Status)
				continue
			}
			require.ErrorIs(t, err, lifecycle.ErrInvalidTransition, "%s → %s", from, to)
			assert.Equal(t, before, s)
		}
	}
	s := newService(t, lifecycle.StatusRequirements)
	_, err := s.Apply(ownerAlice, svcT0, lifecycle.SetServiceStatus{ID: s.ID, To: "built"})
	assert.EqualError(t, err, "service SVC-1: cannot move to built from requirements (allowed: advance, retire)")
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.SetServiceStatus{ID: s.ID, To: "live"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
}

func TestServiceEditsRefusedWhenRetired(t *testing.T) {
	edits := func(s *lifecycle.ITService) []lifecycle.ServiceCommand {
		name := "Mail"
		return []lifecycle.ServiceCommand{
			lifecycle.UpdateServiceDetails{ID: s.ID, Name: &name},
			lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "OLA-NET", Kind: lifecycle.AgreementOLA},
			lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: "SLA-GOLD"},
			lifecycle.AddServiceConfigItem{ID: s.ID, ConfigItem: "CI-MX2"},
			lifecycle.RemoveServiceConfigItem{ID: s.ID, ConfigItem: "CI-MX1"},
		}
	}
	for _, st := range lifecycle.Statuses() {
		for i := range edits(newService(t, st)) {
			s := newService(t, st)
			cmd := edits(s)[i]
			before := s.Clone()
			_, err := s.Apply(ownerAlice, svcT0, cmd)
			switch {
			case st == lifecycle.StatusRetired:
				require.ErrorIs(t, err, lifecycle.ErrInvalidTransition, "%T", cmd)
				assert.Equal(t, before, s)
			case s.Live() || before.Live():
				// Removing the only agreement of a live service is refused.
				if _, ok := cmd.(lifecycle.RemoveServiceAgreement); ok {
					require.ErrorIs(t, err, lifecycle.ErrValidation)
					assert.Equal(t, before, s)
					continue
				}
				require.NoError(t, err, "%s %T", st, cmd)
			default:
				require.NoError(t, err, "%s %T", st, cmd)
			}
		}
	}
}

func TestServiceEditsRecordAndEvent(t *testing.T) {
	s := newService(t, lifecycle.StatusDesigned)
	name, owner, crit := "Mail", "bob", lifecycle.CriticalityCritical
	evs, err := s.Apply(ownerAlice, svcT0.Add(time.Minute), lifecycle.UpdateServiceDetails{
		ID: s.ID, Version: 1, Name: &name, Owner: &owner, Criticality: &crit, Note: "renamed",
	})
	require.NoError(t, err)
	assert.Equal(t, []lifecycle.FieldChange{
		{Field: "name", Old: "E-mail", New: "Mail"},
		{Field: "owner", Old: "alice", New: "bob"},
		{Field: "criticality", Old: "high", New: "critical"},
	}, s.History[1].Changes)
	assert.Equal(t, "update", s.History[1].Event)
	assert.Equal(t, "renamed", s.History[1].Note)
	assert.Equal(t, "designed", s.History[1].From)
	assert.Equal(t, "designed", s.History[1].To)
	require.Len(t, evs, 1)
	assert.Equal(t, "updated", evs[0].Type)
	assert.Equal(t, [2]string{"designed", "designed"}, [2]string{evs[0].From, evs[0].To}, "no status move: From and To alike")
	assert.Equal(t, "bob", evs[0].Snapshot.Attributes["owner"])

	evs, err = s.Apply(ownerAlice, svcT0, lifecycle.AddServiceAgreement{ID: s.ID, Version: 2, Agreement: "OLA-NET", Kind: lifecycle.AgreementOLA})
	require.NoError(t, err)
	assert.Equal(t, []lifecycle.AgreementLink{slaGold, olaLink("OLA-NET")}, s.Agreements)
	assert.Equal(t, []string{"SLA-GOLD", "OLA-NET"}, s.AgreementIDs())
	assert.Equal(t, "agreement_added", evs[0].Type)
	assert.Equal(t, map[string]string{"agreement": "OLA-NET", "kind": "ola"}, evs[0].Data)
	assert.Equal(t, []lifecycle.FieldChange{{Field: "agreements", Old: "sla:SLA-GOLD", New: "sla:SLA-GOLD,ola:OLA-NET"}}, s.History[2].Changes)

	for _, bad := range []lifecycle.ServiceCommand{
		lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "OLA-NET", Kind: lifecycle.AgreementOLA}, // already linked
		lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "OLA-NET", Kind: lifecycle.AgreementSLA}, // already linked, as another kind
		lifecycle.AddServiceAgreement{ID: s.ID, Agreement: " ", Kind: lifecycle.AgreementSLA},       // blank
		lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-2"},                                 // no kind
		lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-2", Kind: "SLA"},                    // unknown kind
		lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: "SLA-XX"},                             // not linked
		lifecycle.AddServiceConfigItem{ID: s.ID, ConfigItem: "CI-MX1"},                              // already linked
		lifecycle.RemoveServiceConfigItem{ID: s.ID, ConfigItem: "CI-9"},                             // not linked
		lifecycle.UpdateServiceDetails{ID: s.ID},                                                    // nothing
		lifecycle.UpdateServiceDetails{ID: s.ID, Name: new(string)},                                 // blank name
		lifecycle.UpdateServiceDetails{ID: s.ID, Name: &s.Name},                                     // no change
		lifecycle.UpdateServiceDetails{ID: s.ID, Criticality: new(lifecycle.Criticality)},
		lifecycle.RejectService{ID: s.ID}, // reason required
		lifecycle.ReworkService{ID: s.ID}, // reason required
	} {
		before := s.Clone()
		_, err := s.Apply(ownerAlice, svcT0, bad)
		assert.ErrorIs(t, err, lifecycle.ErrValidation, "%#v", bad)
		assert.Equal(t, before, s, "%#v", bad)
	}

	evs, err = s.Apply(ownerAlice, svcT0, lifecycle.RemoveServiceConfigItem{ID: s.ID, ConfigItem: "CI-MX1"})
	require.NoError(t, err)
	assert.Nil(t, s.ConfigItems, "an emptied list is nil")
	assert.Equal(t, "config_item_removed", evs[0].Type)
}

func TestServiceApplyChecksCommand(t *testing.T) {
	s := newService(t, lifecycle.StatusDefined)
	before := s.Clone()
	_, err := s.Apply(ownerAlice, svcT0, nil)
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = s.Apply(lifecycle.Actor{}, svcT0, lifecycle.AdvanceService{ID: s.ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.AdvanceService{ID: "SVC-2"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.AdvanceService{ID: s.ID, Version: 7})
	assert.ErrorIs(t, err, lifecycle.ErrConflict)
	assert.Equal(t, before, s)
}

func TestDefineService(t *testing.T) {
	s, evs, err := lifecycle.DefineService{Name: "Payroll", Note: "from the 2026 plan"}.New(ownerAlice, svcT0, "SVC-9")
	require.NoError(t, err)
	assert.Equal(t, lifecycle.StatusRequirements, s.Status)
	assert.Equal(t, lifecycle.CriticalityMedium, s.Criticality, "default criticality")
	assert.Equal(t, int64(1), s.Version)
	assert.Equal(t, svcT0, s.CreatedAt)
	assert.Equal(t, svcT0, s.UpdatedAt)
	assert.Nil(t, s.Agreements)
	require.Len(t, s.History, 1)
	assert.Equal(t, lifecycle.Record{
		Seq: 1, Time: svcT0, Actor: "alice", Event: "define", To: "requirements", Note: "from the 2026 plan",
		Changes: []lifecycle.FieldChange{
			{Field: "state", New: "requirements"},
			{Field: "name", New: "Payroll"},
			{Field: "criticality", New: "medium"},
		},
	}, s.History[0])
	require.Len(t, evs, 1)
	assert.Equal(t, lifecycle.Notification{
		ID: "service/SVC-9/1/0", Process: "service", Subject: "SVC-9", Type: "created",
		From: "", To: "requirements", Actor: "alice", Time: svcT0, Version: 1,
		Snapshot: lifecycle.Snapshot{
			State: "requirements", Title: "Payroll", Service: "SVC-9", OpenedAt: svcT0,
			Attributes: map[string]string{"name": "Payroll", "owner": "", "criticality": "medium", "stage": "strategy", "portfolio": "pipeline"},
		},
	}, evs[0])

	for _, bad := range []struct {
		d     lifecycle.DefineService
		id    string
		field string
	}{
		{lifecycle.DefineService{}, "S", "name"},
		{lifecycle.DefineService{Name: "x"}, "", "id"},
		{lifecycle.DefineService{Name: "x", Criticality: "urgent"}, "S", "criticality"},
		{lifecycle.DefineService{Name: "x", Agreements: []lifecycle.AgreementLink{slaLink("A"), slaLink("A")}}, "S", "agreements"},
		{lifecycle.DefineService{Name: "x", Agreements: []lifecycle.AgreementLink{slaLink("A"), olaLink("A")}}, "S", "agreements"},
		{lifecycle.DefineService{Name: "x", Agreements: []lifecycle.AgreementLink{{ID: "A"}}}, "S", "agreements"},
		{lifecycle.DefineService{Name: "x", Agreements: []lifecycle.AgreementLink{{ID: "A", Kind: "contract"}}}, "S", "agreements"},
		{lifecycle.DefineService{Name: "x", Agreements: []lifecycle.AgreementLink{{ID: " ", Kind: lifecycle.AgreementSLA}}}, "S", "agreements"},
		{lifecycle.DefineService{Name: "x", ConfigItems: []string{""}}, "S", "config_items"},
	} {
		_, _, err := bad.d.New(ownerAlice, svcT0, bad.id)
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve, "%+v", bad.d)
		assert.Equal(t, bad.field, ve.Field)
	}
	_, _, err = lifecycle.DefineService{Name: "x"}.New(lifecycle.Actor{}, svcT0, "S")
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
}

func TestDefineServiceCopiesInput(t *testing.T) {
	d := lifecycle.DefineService{Name: "x", Agreements: []lifecycle.AgreementLink{slaLink("SLA-1")}, ConfigItems: []string{"CI-1"}}
	s, _, err := d.New(ownerAlice, svcT0, "S")
	require.NoError(t, err)
	d.Agreements[0], d.ConfigItems[0] = olaLink("changed"), "changed"
	assert.Equal(t, []lifecycle.AgreementLink{slaLink("SLA-1")}, s.Agreements)
	assert.Equal(t, []string{"CI-1"}, s.ConfigItems)
}

func TestGoLiveNeedsOwnerAndSLA(t *testing.T) {
	for _, tc := range []struct {
		name       string
		owner      string
		agreements []lifecycle.AgreementLink
		fields     []string
	}{
		{"no owner", "", []lifecycle.AgreementLink{slaLink("SLA-1")}, []string{"owner"}},
		{"no agreement", "alice", nil, []string{"agreements"}},
		{"neither", "", nil, []string{"owner", "agreements"}},
		{"an OLA only", "alice", []lifecycle.AgreementLink{olaLink("OLA-1")}, []string{"agreements"}},
		{"an underpinning contract only", "alice", []lifecycle.AgreementLink{ucLink("UC-1")}, []string{"agreements"}},
		{"OLA and UC, no owner", "", []lifecycle.AgreementLink{olaLink("OLA-1"), ucLink("UC-1")}, []string{"owner", "agreements"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, st := range []lifecycle.Status{lifecycle.StatusReleased, lifecycle.StatusRetiring} {
				s := newService(t, st)
				s.Owner, s.Agreements = tc.owner, tc.agreements
				before := s.Clone()
				var cmd lifecycle.ServiceCommand = lifecycle.AdvanceService{ID: s.ID}
				if st == lifecycle.StatusRetiring {
					cmd = lifecycle.ReinstateService{ID: s.ID}
				}
				_, err := s.Apply(portfolioM, svcT0, cmd)
				require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
				require.ErrorIs(t, err, lifecycle.ErrValidation)
				for _, f := range tc.fields {
					assert.Contains(t, err.Error(), "invalid "+f)
				}
				assert.Equal(t, before, s)
				_, err = s.Apply(portfolioM, svcT0, lifecycle.SetServiceStatus{ID: s.ID, To: lifecycle.StatusOperational})
				require.ErrorIs(t, err, lifecycle.ErrValidation)
				assert.Equal(t, before, s)
			}
		})
	}
	s := newService(t, lifecycle.StatusReleased)
	_, err := s.Apply(strangerMallory, svcT0, lifecycle.AdvanceService{ID: s.ID})
	require.NoError(t, err, "going live is not role-gated")
	assert.Equal(t, lifecycle.StatusOperational, s.Status)

	// Once live, the service keeps its owner and an SLA: an OLA or an
	// underpinning contract does not let the last SLA go.
	before := s.Clone()
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.UpdateServiceDetails{ID: s.ID, Owner: new(string)})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: "SLA-GOLD"})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.Equal(t, before, s)
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "OLA-1", Kind: lifecycle.AgreementOLA})
	require.NoError(t, err)
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "UC-1", Kind: lifecycle.AgreementUnderpinningContract})
	require.NoError(t, err)
	before = s.Clone()
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: "SLA-GOLD"})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.Contains(t, err.Error(), "at least one SLA")
	assert.Equal(t, before, s)
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-2", Kind: lifecycle.AgreementSLA})
	require.NoError(t, err)
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: "SLA-GOLD"})
	require.NoError(t, err, "a second SLA can go")
	_, err = s.Apply(ownerAlice, svcT0, lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: "OLA-1"})
	require.NoError(t, err, "an OLA can always go")
	assert.Equal(t, []lifecycle.AgreementLink{ucLink("UC-1"), slaLink("SLA-2")}, s.Agreements)
}

func TestRetireRefusedWithOpenWork(t *testing.T) {
	for _, w := range []lifecycle.ServiceWork{
		{OpenIncidents: 2},
		{ScheduledChanges: 1},
		{OpenIncidents: 3, ScheduledChanges: 4},
	} {
		for _, st := range []lifecycle.Status{lifecycle.StatusOperational, lifecycle.StatusRetiring, lifecycle.StatusTested} {
			s := newService(t, st)
			before := s.Clone()
			_, err := s.Apply(ownerAlice, svcT0, lifecycle.RetireService{ID: s.ID, Work: w})
			require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
			var ow *lifecycle.OpenWorkError
			require.ErrorAs(t, err, &ow)
			assert.Equal(t, w, ow.ServiceWork)
			assert.Equal(t, before, s)
			_, err = s.Apply(ownerAlice, svcT0, lifecycle.SetServiceStatus{ID: s.ID, To: lifecycle.StatusRetired, Work: w})
			require.ErrorAs(t, err, &ow)
			assert.Equal(t, before, s)
		}
	}
	s := newService(t, lifecycle.StatusRetiring)
	_, err := s.Apply(ownerAlice, svcT0, lifecycle.RetireService{ID: s.ID, Work: lifecycle.ServiceWork{OpenIncidents: 2, ScheduledChanges: 1}})
	assert.EqualError(t, err, "service SVC-1: cannot retire from retiring: 2 open incident(s) and 1 scheduled change(s) depend on it")
	evs, err := s.Apply(ownerAlice, svcT0, lifecycle.RetireService{ID: s.ID, Note: "migrated to SaaS"})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.StatusRetired, s.Status)
	assert.Equal(t, "retired", evs[0].Type)
	assert.Equal(t, "retired", evs[0].Snapshot.Attributes["portfolio"])
	assert.Equal(t, "migrated to SaaS", s.History[1].Note)
}

// TestRetirementIsRoleGated: phasing out, reinstating and retiring are
// the service's owner's and RoleServiceOwner's, by the default access
// rules, from every status that allows them; the pure layer leaves who
// may to the rules.
func TestRetirementIsRoleGated(t *testing.T) {
	cmds := func(s *lifecycle.ITService) []lifecycle.ServiceCommand {
		switch s.Status {
		case lifecycle.StatusOperational:
			return []lifecycle.ServiceCommand{lifecycle.PhaseOutService{ID: s.ID}, lifecycle.RetireService{ID: s.ID}}
		case lifecycle.StatusRetiring:
			return []lifecycle.ServiceCommand{lifecycle.ReinstateService{ID: s.ID}, lifecycle.RetireService{ID: s.ID}}
		}
		return []lifecycle.ServiceCommand{lifecycle.RetireService{ID: s.ID}}
	}
	withRole := lifecycle.Actor{ID: "carol", Roles: []string{"service-desk", lifecycle.RoleServiceOwner}}
	mallory := lifecycle.Actor{ID: "mallory", Roles: []string{"service-desk"}}
	fire := func(a lifecycle.Actor, s *lifecycle.ITService, cmd lifecycle.ServiceCommand) error {
		return withDefaults(a, lifecycle.ProcessService, lifecycle.ServiceEventOf(cmd, s.Status), s, func() (viewed, lifecycle.Record, error) {
			x := s.Clone()
			_, err := x.Apply(a, svcT0, cmd)
			return x, lastRecord(x), err
		})
	}
	for _, st := range []lifecycle.Status{lifecycle.StatusOperational, lifecycle.StatusRetiring, lifecycle.StatusChartered} {
		for i := range cmds(newService(t, st)) {
			s := newService(t, st)
			cmd := cmds(s)[i]
			before := s.Clone()
			for _, refused := range []lifecycle.Actor{mallory, lifecycle.System} {
				lifecycletest.CheckForbidden(t, fire(refused, s, cmd), refused.ID, lifecycle.RoleServiceOwner)
			}
			assert.Equal(t, before, s)
			for _, ok := range []lifecycle.Actor{ownerAlice, withRole} {
				require.NoError(t, fire(ok, s, cmd), "%s %T by %s", st, cmd, ok.ID)
			}
		}
	}
	// An owner-less pipeline service: only the role may retire it.
	s := newService(t, lifecycle.StatusDefined)
	s.Owner = ""
	require.ErrorIs(t, fire(lifecycle.Actor{ID: "x"}, s, lifecycle.RetireService{ID: s.ID}), lifecycle.ErrForbidden)
	require.ErrorIs(t, fire(lifecycle.Actor{}, s, lifecycle.RetireService{ID: s.ID}), lifecycle.ErrValidation)
	require.NoError(t, fire(withRole, s, lifecycle.RetireService{ID: s.ID}))
}

func TestStatusStagesAndParts(t *testing.T) {
	want := map[lifecycle.Status][2]string{
		"requirements": {"strategy", "pipeline"},
		"defined":      {"strategy", "pipeline"},
		"analysed":     {"strategy", "pipeline"},
		"approved":     {"strategy", "pipeline"},
		"chartered":    {"strategy", "pipeline"},
		"designed":     {"design", "pipeline"},
		"developed":    {"transition", "pipeline"},
		"built":        {"transition", "pipeline"},
		"tested":       {"transition", "pipeline"},
		"released":     {"transition", "pipeline"},
		"operational":  {"operation", "catalogue"},
		"retiring":     {"transition", "retired"},
		"retired":      {"transition", "retired"},
	}
	require.Len(t, lifecycle.Statuses(), len(want))
	for _, st := range lifecycle.Statuses() {
		assert.Equal(t, want[st][0], string(st.Stage()), st)
		assert.Equal(t, want[st][1], string(st.Part()), st)
		assert.Contains(t, st.Stage().Statuses(), st)
	}
	assert.Empty(t, lifecycle.StageContinualImprovement.Statuses())
	assert.Equal(t, lifecycle.Stage(""), lifecycle.Status("live").Stage())
	assert.Equal(t, lifecycle.PortfolioPart(""), lifecycle.Status("live").Part())
	assert.Equal(t, []lifecycle.Status{"designed"}, lifecycle.StageDesign.Statuses())
}

func TestServiceJSONRoundTrip(t *testing.T) {
	s := newService(t, lifecycle.StatusRequirements)
	for range 3 {
		_, err := s.Apply(ownerAlice, svcT0.Add(time.Hour), lifecycle.AdvanceService{ID: s.ID})
		require.NoError(t, err)
	}
	_, err := s.Apply(ownerAlice, svcT0.Add(2*time.Hour), lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "OLA-1", Kind: lifecycle.AgreementOLA})
	require.NoError(t, err)
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"status":"approved"`)
	assert.Contains(t, string(b), `"agreements":[{"id":"SLA-GOLD","kind":"sla"},{"id":"OLA-1","kind":"ola"}]`)
	assert.Contains(t, string(b), `"config_items":["CI-MX1"]`)
	assert.Contains(t, string(b), `"created_at":"2026-03-02T09:00:00Z"`)
	var got lifecycle.ITService
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, s, &got)

	x := improvementFixture(t)
	b, err = json.Marshal(x)
	require.NoError(t, err)
	var gotX lifecycle.Improvement
	require.NoError(t, json.Unmarshal(b, &gotX))
	assert.Equal(t, x, &gotX)
}

// TestAgreementLinksJSON: links are typed in JSON; an unknown or missing
// kind is refused; a bare ID (a document from before links were typed)
// reads as an SLA.
func TestAgreementLinksJSON(t *testing.T) {
	var s lifecycle.ITService
	require.NoError(t, json.Unmarshal([]byte(`{"status":"operational","criticality":"low","agreements":[{"id":"S1","kind":"sla"},{"id":"U1","kind":"underpinning_contract"}]}`), &s))
	assert.Equal(t, []lifecycle.AgreementLink{slaLink("S1"), ucLink("U1")}, s.Agreements)

	// Old documents: bare IDs are SLAs, so a service that was live stays
	// valid.
	s = lifecycle.ITService{}
	require.NoError(t, json.Unmarshal([]byte(`{"status":"operational","criticality":"low","agreements":["SLA-GOLD"," OLD-2"]}`), &s))
	assert.Equal(t, []lifecycle.AgreementLink{slaGold, slaLink(" OLD-2")}, s.Agreements)
	assert.True(t, s.HasAgreement(lifecycle.AgreementSLA))
	b, err := json.Marshal(&s)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"agreements":[{"id":"SLA-GOLD","kind":"sla"},{"id":" OLD-2","kind":"sla"}]`, "rewritten typed")

	for in, field := range map[string]string{
		`[{"id":"A","kind":"contract"}]`: "kind",
		`[{"id":"A","kind":"SLA"}]`:      "kind",
		`[{"id":"A","kind":""}]`:         "kind",
		`[{"id":"A"}]`:                   "kind",
		`[{"id":"A","kind":null}]`:       "kind",
		`[{"kind":"sla"}]`:               "agreements",
		`[{"id":" ","kind":"sla"}]`:      "agreements",
		`[""]`:                           "agreements",
		`[null]`:                         "agreements",
	} {
		var links []lifecycle.AgreementLink
		err := json.Unmarshal([]byte(in), &links)
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve, in)
		assert.Equal(t, field, ve.Field, in)
		assert.ErrorIs(t, err, lifecycle.ErrValidation, in)
	}
	for _, in := range []string{`[1]`, `[{"id":1,"kind":"sla"}]`, `[[]]`, `[{"id":"A","kind":3}]`} {
		var links []lifecycle.AgreementLink
		assert.Error(t, json.Unmarshal([]byte(in), &links), in)
	}
	_, err = json.Marshal(lifecycle.AgreementLink{ID: "A", Kind: "contract"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "an unknown kind is never written")

	// The kinds are spelled as the sla package's agreement types.
	assert.Equal(t, []lifecycle.AgreementKind{"sla", "ola", "underpinning_contract"}, lifecycle.AgreementKinds())
	for _, k := range lifecycle.AgreementKinds() {
		var got lifecycle.AgreementKind
		require.NoError(t, got.UnmarshalText([]byte(k.String())))
		assert.Equal(t, k, got)
		assert.True(t, k.Valid())
	}
	assert.False(t, lifecycle.AgreementKind("").Valid())
	assert.Equal(t, "ola:OLA-1", olaLink("OLA-1").String())
}

func TestEnumsRejectUnknownValues(t *testing.T) {
	for _, in := range []string{
		`{"status":"live"}`,
		`{"status":""}`,
		`{"criticality":"urgent"}`,
		`{"status":"Operational"}`,
		`{"agreements":[{"id":"A","kind":"contract"}]}`,
	} {
		var s lifecycle.ITService
		err := json.Unmarshal([]byte(in), &s)
		assert.ErrorIs(t, err, lifecycle.ErrValidation, in)
	}
	var x lifecycle.Improvement
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"status":"done"}`), &x), lifecycle.ErrValidation)

	_, err := json.Marshal(&lifecycle.ITService{Status: "live", Criticality: "low"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = json.Marshal(&lifecycle.ITService{Status: "defined"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "an empty criticality is not written")
	_, err = json.Marshal(lifecycle.ImprovementStatus("done"))
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	type all struct {
		St lifecycle.Stage
		P  lifecycle.PortfolioPart
		E  lifecycle.ServiceEvent
		IE lifecycle.ImprovementEvent
	}
	for _, in := range []string{`{"St":"ops"}`, `{"P":"shelf"}`, `{"E":"go"}`, `{"IE":"finish"}`} {
		var v all
		assert.ErrorIs(t, json.Unmarshal([]byte(in), &v), lifecycle.ErrValidation, in)
	}
	var v all
	require.NoError(t, json.Unmarshal([]byte(`{"St":"continual_improvement","P":"catalogue","E":"phase_out","IE":"complete"}`), &v))
	assert.Equal(t, all{lifecycle.StageContinualImprovement, lifecycle.PortfolioCatalogue, lifecycle.ServicePhaseOut, lifecycle.ImprovementComplete}, v)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"St":"continual_improvement","P":"catalogue","E":"phase_out","IE":"complete"}`, string(b))

	// Every listed member round-trips through text.
	lifecycletest.CheckEnumText(t, lifecycle.Statuses())
	for _, c := range lifecycle.Criticalities() {
		var got lifecycle.Criticality
		require.NoError(t, got.UnmarshalText([]byte(c.String())))
		assert.Equal(t, c, got)
	}
	var ve *lifecycle.ValidationError
	var st lifecycle.Status
	require.ErrorAs(t, st.UnmarshalText([]byte("live")), &ve)
	assert.Equal(t, "status", ve.Field)
	assert.Contains(t, ve.Reason, "requirements, defined")
}

func TestServiceCloneIsDeep(t *testing.T) {
	s := newService(t, lifecycle.StatusDefined)
	c := s.Clone()
	assert.Equal(t, s, c)
	c.Agreements[0].ID, c.ConfigItems[0], c.History[0].Actor, c.History[0].Changes[0].New = "x", "x", "x", "x"
	assert.Equal(t, slaGold, s.Agreements[0])
	assert.Equal(t, "CI-MX1", s.ConfigItems[0])
	assert.Equal(t, "alice", s.History[0].Actor)
	assert.NotEqual(t, "x", s.History[0].Changes[0].New)
	assert.Nil(t, (*lifecycle.ITService)(nil).Clone())
	assert.Nil(t, (*lifecycle.Improvement)(nil).Clone())
}

func TestOpenWorkError(t *testing.T) {
	err := &lifecycle.OpenWorkError{ServiceWork: lifecycle.ServiceWork{OpenIncidents: 1}}
	assert.Equal(t, "1 open incident(s) and 0 scheduled change(s) depend on it", err.Error())
	assert.False(t, errors.Is(err, lifecycle.ErrValidation))
	assert.True(t, lifecycle.ServiceWork{}.None())
	assert.False(t, lifecycle.ServiceWork{ScheduledChanges: 1}.None())
}
