package incident_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// noLogs is an incident store whose history and journal cannot be read:
// an operation that reads them fails.
type noLogs struct{ *incidenttest.Store }

var errLogRead = errors.New("the logs were read")

func (noLogs) History(context.Context, string, int, int) ([]lifecycle.Record, error) {
	return nil, errLogRead
}

func (noLogs) Journal(context.Context, string, int, int) ([]lifecycle.Entry, error) {
	return nil, errLogRead
}

// TestReactionsReadNoLogs: a reaction that happens once per cause (a
// breach's escalation, a workaround noted) knows it happened from the
// incident it loads, so its cost does not grow with the incident's age,
// and the fact travels with the incident's export.
func TestReactionsReadNoLogs(t *testing.T) {
	ctx := context.Background()
	mem := incidenttest.NewStore()
	s, err := incident.New(incident.Config{Store: noLogs{mem}, IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	inc, err := s.Open(ctx, lifecycle.Actor{ID: "ann"}, incident.Open{Title: "Mail down", Impact: 1, Urgency: 1})
	require.NoError(t, err)
	r := &incident.Reactor{Incidents: s, EscalateOnBreach: true}

	for range 2 { // delivered, then redelivered
		require.NoError(t, r.Notify(ctx, breach(inc.ID, "p1-resolution", "1")))
		require.NoError(t, s.OfferWorkaround(ctx, lifecycle.System, inc.ID, "PRB7", "restart the relay"))
	}
	require.NoError(t, r.Notify(ctx, breach(inc.ID, "p1-resolution", "2")), "another cycle is another cause")
	got, err := s.Get(ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(4), got.Version, "one escalation per cycle, one workaround note")
	assert.Equal(t, 2, got.EscalationLevel)
	assert.Equal(t, []string{"breach/escalate_hierarchical/p1-resolution/resolution/1", "workaround/PRB7", "breach/escalate_hierarchical/p1-resolution/resolution/2"}, got.Reactions)

	// Moved to another store, the incident keeps what happened to it.
	whole, err := incident.ExportFrom(ctx, mem, inc.ID)
	require.NoError(t, err)
	moved := incidenttest.NewStore()
	require.NoError(t, incident.ImportTo(ctx, moved, whole))
	s2, err := incident.New(incident.Config{Store: moved, IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	require.NoError(t, (&incident.Reactor{Incidents: s2, EscalateOnBreach: true}).Notify(ctx, breach(inc.ID, "p1-resolution", "2")))
	require.NoError(t, s2.OfferWorkaround(ctx, lifecycle.System, inc.ID, "PRB7", "restart the relay"))
	again, err := s2.Get(ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(4), again.Version, "a redelivery after the move changes nothing")
}
