package lifecycle_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// authzActors are the actors of the authorization table: the service's
// owner, a holder of RoleServiceOwner, System, and people who must be
// refused although they look close (another ID spelled like the owner's,
// the role spelled differently, unrelated roles).
var authzActors = []lifecycle.Actor{
	ownerAlice,
	portfolioM,
	lifecycle.System,
	strangerMallory,
	{ID: "carol", Roles: []string{"problem-manager", "change-manager"}},
	{ID: "Alice"},
	{ID: "sam", Roles: []string{"Service-Owner"}},
	{ID: "alice ", Roles: []string{"service-owner "}},
}

// mayManage is the rule under test, written out: the service's owner (when
// it has one) and RoleServiceOwner; not System, as no follow-up of the
// library manages services.
func mayManage(s *lifecycle.ITService, a lifecycle.Actor) bool {
	return !a.IsSystem() && ((s.Owner != "" && a.ID == s.Owner) || a.HasRole(lifecycle.RoleServiceOwner))
}

// authzOp is one row of the table: a service prepared in some status and a
// command on it.
type authzOp struct {
	name  string
	setup func(t *testing.T, f *portfolioFixture) *lifecycle.ITService
	cmd   func(s *lifecycle.ITService) lifecycle.ServiceCommand
	gated bool // refused with ErrForbidden unless mayManage
}

func authzRetiring(t *testing.T, f *portfolioFixture) *lifecycle.ITService {
	s := f.live(t)
	s, err := f.p.PhaseOut(context.Background(), ownerAlice, lifecycle.PhaseOutService{ID: s.ID})
	require.NoError(t, err)
	return s
}

func authzUnowned(t *testing.T, f *portfolioFixture) *lifecycle.ITService {
	s, err := f.p.Define(context.Background(), ownerAlice, lifecycle.DefineService{Name: "Idea"})
	require.NoError(t, err)
	return s
}

func authzOwnedPipeline(t *testing.T, f *portfolioFixture) *lifecycle.ITService { return f.define(t) }

func authzLive(t *testing.T, f *portfolioFixture) *lifecycle.ITService { return f.live(t) }

func authzReleased(t *testing.T, f *portfolioFixture) *lifecycle.ITService {
	s := f.define(t)
	for s.Status != lifecycle.StatusReleased {
		var err error
		s, err = f.p.Advance(context.Background(), ownerAlice, lifecycle.AdvanceService{ID: s.ID})
		require.NoError(t, err)
	}
	return s
}

func strPtr(s string) *string { return &s }

var authzOps = []authzOp{
	{"phase_out", authzLive, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.PhaseOutService{ID: s.ID, Version: s.Version}
	}, true},
	{"phase_out via set_status", authzLive, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.SetServiceStatus{ID: s.ID, Version: s.Version, To: lifecycle.StatusRetiring}
	}, true},
	{"reinstate", authzRetiring, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.ReinstateService{ID: s.ID, Version: s.Version}
	}, true},
	{"reinstate via set_status", authzRetiring, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.SetServiceStatus{ID: s.ID, Version: s.Version, To: lifecycle.StatusOperational}
	}, true},
	{"retire operational", authzLive, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.RetireService{ID: s.ID, Version: s.Version}
	}, true},
	{"retire retiring", authzRetiring, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.RetireService{ID: s.ID, Version: s.Version}
	}, true},
	{"retire retiring via set_status", authzRetiring, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.SetServiceStatus{ID: s.ID, Version: s.Version, To: lifecycle.StatusRetired}
	}, true},
	{"retire owned proposal", authzOwnedPipeline, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.RetireService{ID: s.ID, Version: s.Version}
	}, true},
	{"retire unowned proposal", authzUnowned, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.RetireService{ID: s.ID, Version: s.Version}
	}, true},
	// Handing a service to another owner hands over the right to retire
	// it, so it is gated like retirement.
	{"hand over live service", authzLive, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.UpdateServiceDetails{ID: s.ID, Version: s.Version, Owner: strPtr("mallory")}
	}, true},
	{"claim unowned proposal", authzUnowned, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.UpdateServiceDetails{ID: s.ID, Version: s.Version, Owner: strPtr("mallory")}
	}, true},
	{"disown proposal", authzOwnedPipeline, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.UpdateServiceDetails{ID: s.ID, Version: s.Version, Owner: strPtr("")}
	}, true},
	// Not role-gated: anyone may take a service live or edit its
	// descriptive fields and links.
	{"go live", authzReleased, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.AdvanceService{ID: s.ID, Version: s.Version}
	}, false},
	{"rename", authzLive, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.UpdateServiceDetails{ID: s.ID, Version: s.Version, Name: strPtr("Mail"), Owner: strPtr(s.Owner)}
	}, false},
	{"add agreement", authzLive, func(s *lifecycle.ITService) lifecycle.ServiceCommand {
		return lifecycle.AddServiceAgreement{ID: s.ID, Version: s.Version, Agreement: "OLA-1", Kind: lifecycle.AgreementOLA}
	}, false},
}

// TestServiceAuthorization is the table of who may do what to a service:
// every actor × every operation, through the Portfolio, whose default
// access rules gate, and through the pure Service.Apply, which leaves who
// may to them. Gated operations succeed exactly for the owner and
// RoleServiceOwner; everyone else, System included, gets an error matching
// ErrForbidden (a *ForbiddenError naming the actor), and a refused
// operation changes nothing: the stored service, the events, the
// in-memory value.
func TestServiceAuthorization(t *testing.T) {
	for _, op := range authzOps {
		for _, actor := range authzActors {
			t.Run(fmt.Sprintf("%s/%q", op.name, actor.ID), func(t *testing.T) {
				f := newPortfolioFixture(t)
				s := op.setup(t, f)
				want := !op.gated && !actor.IsSystem() || mayManage(s, actor)
				reason := lifecycle.RoleServiceOwner
				if actor.IsSystem() {
					reason = "rule service." // System fires no service event
				}
				cmd := op.cmd(s)

				// The pure layer.
				x := s.Clone()
				_, err := x.Apply(actor, svcT0.Add(time.Hour), cmd)
				require.NoError(t, err, "the pure layer leaves who may to the access rules")

				// The Portfolio.
				ctx := context.Background()
				nEvents := len(f.rec.Events())
				got, err := f.p.Do(ctx, actor, cmd)
				lifecycletest.CheckAuthorized(t, want, actor, reason, err)
				stored, gerr := f.p.GetService(ctx, s.ID)
				require.NoError(t, gerr)
				if err != nil {
					assert.Nil(t, got)
					assert.Equal(t, s, stored, "a refused operation stores nothing")
					assert.Len(t, f.rec.Events(), nEvents, "a refused operation notifies nothing")
					return
				}
				assert.Equal(t, stored, got)
				assert.Equal(t, s.Version+1, stored.Version)
				assert.Len(t, f.rec.Events(), nEvents+1)
			})
		}
	}
}

// TestServiceAuthorizationNeedsAnActor: an actor without an ID is a
// validation error, never mistaken for the owner of an unowned service.
func TestServiceAuthorizationNeedsAnActor(t *testing.T) {
	for _, op := range authzOps {
		t.Run(op.name, func(t *testing.T) {
			f := newPortfolioFixture(t)
			s := op.setup(t, f)
			_, err := f.p.Do(context.Background(), lifecycle.Actor{Roles: []string{lifecycle.RoleServiceOwner}}, op.cmd(s))
			require.ErrorIs(t, err, lifecycle.ErrValidation)
			require.NotErrorIs(t, err, lifecycle.ErrForbidden)
			stored, gerr := f.p.GetService(context.Background(), s.ID)
			require.NoError(t, gerr)
			assert.Equal(t, s, stored)
		})
	}
}

// TestStrangerCannotTakeOverToRetire is the attack the owner check on
// UpdateServiceDetails closes: a stranger naming themself owner and then
// retiring the service as its "owner".
func TestStrangerCannotTakeOverToRetire(t *testing.T) {
	f := newPortfolioFixture(t)
	ctx := context.Background()
	s := f.live(t)
	_, err := f.p.UpdateDetails(ctx, strangerMallory, lifecycle.UpdateServiceDetails{ID: s.ID, Owner: strPtr("mallory")})
	require.ErrorIs(t, err, lifecycle.ErrForbidden)
	_, err = f.p.Retire(ctx, strangerMallory, lifecycle.RetireService{ID: s.ID})
	require.ErrorIs(t, err, lifecycle.ErrForbidden)

	// The owner may hand the service over; the new owner then holds the
	// right and the old one loses it.
	s, err = f.p.UpdateDetails(ctx, ownerAlice, lifecycle.UpdateServiceDetails{ID: s.ID, Owner: strPtr("bob")})
	require.NoError(t, err)
	_, err = f.p.PhaseOut(ctx, ownerAlice, lifecycle.PhaseOutService{ID: s.ID})
	require.ErrorIs(t, err, lifecycle.ErrForbidden)
	s, err = f.p.PhaseOut(ctx, lifecycle.Actor{ID: "bob"}, lifecycle.PhaseOutService{ID: s.ID})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.StatusRetiring, s.Status)
}

// TestOnlySystemPassesEveryRoleCheck pins the trust boundary documented
// on lifecycle.System: System itself holds every role, and no actor a
// host builds, nor one decoded from JSON, is System, whatever ID and roles
// it carries.
func TestOnlySystemPassesEveryRoleCheck(t *testing.T) {
	impostor := lifecycle.Actor{ID: "mallory", Roles: []string{lifecycle.RoleSystem}}
	var decoded lifecycle.Actor
	require.NoError(t, json.Unmarshal([]byte(`{"id":"system","roles":["system"]}`), &decoded))
	assert.True(t, lifecycle.System.IsSystem())
	for _, role := range []string{lifecycle.RoleServiceOwner, "major-incident-manager", "change-manager", "problem-manager", "no-such-role"} {
		assert.True(t, lifecycle.System.HasRole(role), "System holds %q", role)
		assert.NoError(t, lifecycle.System.Require(role, "do anything"), "System may %q", role)
		// Impostors and look-alikes get nothing.
		for _, a := range []lifecycle.Actor{
			impostor,
			decoded,
			{ID: "system"}, // the ID alone carries no role
			{ID: "system", Roles: []string{lifecycle.RoleSystem}},
			{ID: "eve", Roles: []string{"System"}},
			{ID: "eve", Roles: []string{"system "}},
		} {
			assert.False(t, a.IsSystem(), "%+v is not System", a)
			assert.False(t, a.HasRole(role), "%+v holds %q", a, role)
			assert.ErrorIs(t, a.Require(role, "do anything"), lifecycle.ErrForbidden)
		}
	}

	// ClaimsSystem is what a host checks on the way in.
	for a, want := range map[*lifecycle.Actor]bool{
		&lifecycle.System:                      true,
		&impostor:                              true,
		{ID: "system"}:                         true,
		{ID: "System"}:                         false,
		{ID: "eve", Roles: []string{"System"}}: false,
		{ID: "eve", Roles: []string{lifecycle.RoleServiceOwner}}: false,
		{}: false,
	} {
		assert.Equal(t, want, a.ClaimsSystem(), "%+v", *a)
	}

	// End to end: a user-supplied actor carrying the role cannot retire
	// someone else's live service; a service owner can.
	f := newPortfolioFixture(t)
	s := f.live(t)
	for _, a := range []lifecycle.Actor{{ID: "mallory"}, impostor, decoded} {
		_, err := f.p.Retire(context.Background(), a, lifecycle.RetireService{ID: s.ID})
		require.ErrorIs(t, err, lifecycle.ErrForbidden, "%+v", a)
	}
	s, err := f.p.Retire(context.Background(), lifecycle.Actor{ID: "olga", Roles: []string{lifecycle.RoleServiceOwner}}, lifecycle.RetireService{ID: s.ID})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.StatusRetired, s.Status)
	assert.Equal(t, "olga", s.History[len(s.History)-1].Actor)
}
