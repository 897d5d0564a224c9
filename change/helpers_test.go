package change_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// Actors used across the tests.
var (
	alice = lifecycle.Actor{ID: "alice"}                                                             // the requester
	bob   = lifecycle.Actor{ID: "bob"}                                                               // no roles
	carol = lifecycle.Actor{ID: "carol", Roles: []string{change.RoleChangeManager, change.RoleECAB}} // CAB and ECAB
	dave  = lifecycle.Actor{ID: "dave", Roles: []string{change.RoleChangeManager}}
)

// t0 is a Monday.
var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

var fullPlans = change.Plans{Implementation: "apply patch", Backout: "roll back", Test: "smoke test"}

func ptr[T any](v T) *T { return &v }

// testRules are the default rules plus one standard change template.
func testRules() change.Rules {
	return change.Rules{Templates: []change.Template{{
		Name: "os-patch", Title: "Monthly OS patch", Plans: fullPlans, Risk: change.RiskLow,
		ConfigItems: []string{"web-1"},
	}}}
}

// newChange returns a change of type t in new, made by the pure layer.
func newChange(t *testing.T, typ change.Type) *change.Change {
	t.Helper()
	req := change.Create{
		Type: typ, Title: "Upgrade web", ConfigItems: []string{"web-1"}, Plans: fullPlans,
		PlannedStart: t0.Add(48 * time.Hour), PlannedEnd: t0.Add(50 * time.Hour),
	}
	if typ == change.Standard {
		req.Template, req.Plans = "os-patch", change.Plans{}
	}
	c, _, err := testRules().New("CHG-1", alice, t0, req)
	require.NoError(t, err)
	return c
}

// bare returns a copy of c without its history: the change as the Store
// keeps it.
func bare(c *change.Change) *change.Change {
	if c == nil {
		return nil
	}
	d := c.Clone()
	d.History = nil
	return d
}

// export reads change id whole from s, its history included.
func export(t require.TestingT, s change.Store, id string) *change.Change {
	c, err := change.ExportFrom(context.Background(), s, id)
	require.NoError(t, err)
	return c
}

// apply applies cmd with the test rules and fails the test on error.
func apply(t *testing.T, c *change.Change, actor lifecycle.Actor, cmd change.Command) []lifecycle.Notification {
	t.Helper()
	evs, err := testRules().Apply(c, actor, t0, cmd)
	require.NoError(t, err)
	return evs
}

// advance drives a change of its type through the happy path until it
// reaches state s.
func advance(t *testing.T, c *change.Change, s change.State) {
	t.Helper()
	for c.State != s {
		switch {
		case c.State == change.StateNew && c.Type == change.Normal:
			apply(t, c, alice, change.Assess{})
		case c.State == change.StateNew && c.Type == change.Emergency,
			c.State == change.StateAssess:
			apply(t, c, alice, change.RequestApproval{})
		case c.State == change.StateNew: // standard
			apply(t, c, alice, change.Schedule{})
		case c.State == change.StateAuthorize:
			if !c.Authorized() {
				apply(t, c, carol, change.Approve{Comment: "fine"})
			} else {
				apply(t, c, alice, change.Schedule{})
			}
		case c.State == change.StateScheduled:
			apply(t, c, alice, change.Implement{})
		case c.State == change.StateImplement:
			apply(t, c, alice, change.Review{Outcome: change.OutcomeSuccessful, Notes: "went well"})
		case c.State == change.StateReview:
			apply(t, c, alice, change.Close{})
		default:
			t.Fatalf("cannot advance from %s to %s", c.State, s)
		}
	}
}

// newService returns a service over a fresh memory store with a fake clock
// and a recorder.
func newService(t *testing.T, mod func(*change.Config)) (*change.Service, *changetest.Recorder, *lifecycletest.Clock) {
	t.Helper()
	rec := &changetest.Recorder{}
	clk := lifecycletest.NewClock(t0)
	cfg := change.Config{
		Store: changetest.NewStore(), Notifier: rec, Clock: clk,
		IDs: lifecycle.Sequence("CHG", 4), Rules: testRules(),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := change.New(cfg)
	require.NoError(t, err)
	return s, rec, clk
}

var ctx = context.Background()

// nopStore satisfies change.Store for configuration tests; calling it
// panics.
type nopStore struct{ change.Store }
