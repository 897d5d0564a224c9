package incident_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

func reactorService(t *testing.T) *incident.Service {
	t.Helper()
	s, err := incident.New(incident.Config{Store: incidenttest.NewStore(), IDs: lifecycle.Sequence("INC", 3), EscalationLevels: 2})
	require.NoError(t, err)
	return s
}

func breach(record, agreement, cycle string) lifecycle.Notification {
	return lifecycle.Notification{ID: "sla/" + record + "-" + agreement + "/3/" + cycle, Process: "sla", Type: "sla.breached",
		Data: map[string]string{"record": record, "agreement": agreement, "target": "resolution", "cycle": cycle}}
}

func TestReactorEscalatesOnBreachOnce(t *testing.T) {
	ctx := context.Background()
	s := reactorService(t)
	a := lifecycle.Actor{ID: "ann"}
	inc, err := s.Open(ctx, a, incident.Open{Title: "Mail down", Impact: 1, Urgency: 1})
	require.NoError(t, err)
	r := &incident.Reactor{Incidents: s, EscalateOnBreach: true}

	require.NoError(t, r.Notify(ctx, breach(inc.ID, "p1-resolution", "1")))
	require.NoError(t, r.Notify(ctx, breach(inc.ID, "p1-resolution", "1"))) // redelivered
	got, err := s.Export(ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.EscalationLevel)
	last := got.History[len(got.History)-1]
	assert.Equal(t, "system", last.Actor)
	assert.Equal(t, "SLA p1-resolution (resolution) breached, cycle 1", last.Note)

	// Another agreement's breach escalates again, up to the highest level.
	require.NoError(t, r.Notify(ctx, breach(inc.ID, "ola-network", "1"), breach(inc.ID, "uc-vendor", "1")))
	got, err = s.Export(ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.EscalationLevel)

	// Unknown records and other processes' events are ignored.
	require.NoError(t, r.Notify(ctx, breach("PRB1", "x", "1"), lifecycle.Notification{Process: "change", Type: "closed"}))
	// Off unless asked.
	require.NoError(t, (&incident.Reactor{Incidents: s}).Notify(ctx, breach(inc.ID, "other", "1")))
	got2, err := s.Export(ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, got.Version, got2.Version)
}

func TestReactorLinksCausingChange(t *testing.T) {
	ctx := context.Background()
	s := reactorService(t)
	a := lifecycle.Actor{ID: "ann"}
	i1, err := s.Open(ctx, a, incident.Open{Title: "Slow web"})
	require.NoError(t, err)
	i2, err := s.Open(ctx, a, incident.Open{Title: "Slow API"})
	require.NoError(t, err)
	r := &incident.Reactor{Incidents: s, LinkCausedBy: true}
	ev := lifecycle.Notification{ID: "change/CHG1/4/0", Process: "change", Subject: "CHG1", Type: "linked",
		Data: map[string]string{"incidents": i1.ID + "," + i2.ID + ",INC999"}}
	require.NoError(t, r.Notify(ctx, ev))
	require.NoError(t, r.Notify(ctx, ev))
	for _, id := range []string{i1.ID, i2.ID} {
		got, err := s.Export(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, []string{"CHG1"}, got.Changes)
		assert.Equal(t, int64(2), got.Version, "linked once")
	}
}

func TestOfferWorkaroundIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := reactorService(t)
	a := lifecycle.Actor{ID: "ann"}
	inc, err := s.Open(ctx, a, incident.Open{Title: "VPN drops"})
	require.NoError(t, err)
	require.NoError(t, s.OfferWorkaround(ctx, lifecycle.System, inc.ID, "PRB7", "reconnect with client 5.3"))
	require.NoError(t, s.OfferWorkaround(ctx, lifecycle.System, inc.ID, "PRB7", "reconnect with client 5.3"))
	got, err := s.Export(ctx, inc.ID)
	require.NoError(t, err)
	require.Len(t, got.WorkNotes, 1)
	assert.Equal(t, "Known error PRB7 workaround: reconnect with client 5.3", got.WorkNotes[0].Text)
	assert.ErrorIs(t, s.OfferWorkaround(ctx, a, inc.ID, "PRB7", " "), lifecycle.ErrValidation)
	assert.NoError(t, s.OfferWorkaround(ctx, a, "INC404", "PRB7", "x"))
}

func TestReactorLinksIncidentsNamedWhenTheChangeOpened(t *testing.T) {
	ctx := context.Background()
	s := reactorService(t)
	i1, err := s.Open(ctx, lifecycle.Actor{ID: "ann"}, incident.Open{Title: "Payroll batch failed"})
	require.NoError(t, err)
	ev := lifecycle.Notification{ID: "change/CHG7/1/0", Process: "change", Subject: "CHG7", Type: "opened",
		Data: map[string]string{"incidents": i1.ID}}
	require.NoError(t, (&incident.Reactor{Incidents: s}).Notify(ctx, ev), "off unless asked")
	got, err := s.Export(ctx, i1.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Changes)

	r := &incident.Reactor{Incidents: s, LinkCausedBy: true}
	require.NoError(t, r.Notify(ctx, ev, ev))
	got, err = s.Export(ctx, i1.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"CHG7"}, got.Changes)
	assert.Equal(t, int64(2), got.Version, "linked once")
}

func TestReactorReassignsOnBreachOnce(t *testing.T) {
	ctx := context.Background()
	s := reactorService(t)
	a := lifecycle.Actor{ID: "ann"}
	p1, err := s.Open(ctx, a, incident.Open{Title: "Core switch down", Impact: 1, Urgency: 1, Group: "network"})
	require.NoError(t, err)
	p3, err := s.Open(ctx, a, incident.Open{Title: "Toner low", Impact: 2, Urgency: 3, Group: "desk"})
	require.NoError(t, err)
	var asked []string
	r := &incident.Reactor{Incidents: s, ReassignOnBreach: func(inc *incident.Incident, breach lifecycle.Notification) string {
		asked = append(asked, inc.ID+"/"+breach.Value("agreement"))
		if inc.Priority == lifecycle.PriorityCritical {
			return "major-incident-team"
		}
		return inc.Group // lower priorities stay where they are
	}}

	require.NoError(t, r.Notify(ctx, breach(p1.ID, "p1-resolution", "1"), breach(p3.ID, "p3-resolution", "1")))
	require.NoError(t, r.Notify(ctx, breach(p1.ID, "p1-resolution", "1"))) // redelivered
	got, err := s.Export(ctx, p1.ID)
	require.NoError(t, err)
	assert.Equal(t, "major-incident-team", got.Group)
	assert.Equal(t, 0, got.EscalationLevel, "reassigning is not raising the level")
	last := got.History[len(got.History)-1]
	assert.Equal(t, "escalate_functional", last.Event)
	assert.Equal(t, "SLA p1-resolution (resolution) breached, cycle 1", last.Note)
	assert.Equal(t, int64(2), got.Version, "handed over once")
	got3, err := s.Export(ctx, p3.ID)
	require.NoError(t, err)
	assert.Equal(t, "desk", got3.Group)
	assert.Equal(t, int64(1), got3.Version)
	assert.Equal(t, []string{p1.ID + "/p1-resolution", p3.ID + "/p3-resolution"}, asked, "a handled breach is not asked again")

	// Both reactions together: one escalation of each kind per breach.
	both := &incident.Reactor{Incidents: s, EscalateOnBreach: true, ReassignOnBreach: func(*incident.Incident, lifecycle.Notification) string { return "tier-3" }}
	require.NoError(t, both.Notify(ctx, breach(p3.ID, "p3-response", "1")))
	require.NoError(t, both.Notify(ctx, breach(p3.ID, "p3-response", "1")))
	got3, err = s.Export(ctx, p3.ID)
	require.NoError(t, err)
	assert.Equal(t, "tier-3", got3.Group)
	assert.Equal(t, 1, got3.EscalationLevel)
	assert.Equal(t, int64(3), got3.Version)
}
