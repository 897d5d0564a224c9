package incident_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestExportRoundTrip: an incident's export carries its history and
// journal; decoded and imported into another store it is the same
// incident, with the same logs, and it takes new commands there.
func TestExportRoundTrip(t *testing.T) {
	x := busyIncident(t)
	require.NotEmpty(t, x.History)
	require.NotEmpty(t, x.Comments)
	b, err := json.Marshal(x)
	require.NoError(t, err)
	got, err := incident.DecodeExport(b)
	require.NoError(t, err)
	assert.Equal(t, x, got)

	other := incidenttest.NewStore()
	require.NoError(t, incident.ImportTo(ctx, other, got))
	back, err := incident.ExportFrom(ctx, other, x.ID)
	require.NoError(t, err)
	assert.Equal(t, x, back)
	stored, err := other.Get(ctx, x.ID)
	require.NoError(t, err)
	assert.Empty(t, stored.History, "the store keeps the logs apart")
	assert.ErrorIs(t, incident.ImportTo(ctx, other, got), lifecycle.ErrConflict, "an ID already stored")
}

// TestDecodeExportRequiresHistory: the stored form has no history; an
// export must have all of it, as its version counts.
func TestDecodeExportRequiresHistory(t *testing.T) {
	x := busyIncident(t)
	bare := x.Clone()
	bare.History = nil
	b, err := json.Marshal(bare)
	require.NoError(t, err)
	var plain incident.Incident
	require.NoError(t, json.Unmarshal(b, &plain), "as stored, without history, it decodes")
	_, err = incident.DecodeExport(b)
	var he *lifecycle.HistoryError
	require.ErrorAs(t, err, &he)
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	short := x.Clone()
	short.History = short.History[:len(short.History)-1]
	short.State = incident.State(short.History[len(short.History)-1].To)
	b, err = json.Marshal(short)
	require.NoError(t, err)
	_, err = incident.DecodeExport(b)
	require.ErrorAs(t, err, &he, "a version ahead of the history")

	s := incidenttest.NewStore()
	assert.ErrorIs(t, incident.ImportTo(ctx, s, bare), lifecycle.ErrValidation, "ImportTo replays too")
	_, err = s.Get(ctx, x.ID)
	assert.ErrorIs(t, err, lifecycle.ErrNotFound, "and stores nothing")
}
