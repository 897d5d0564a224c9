package incident_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// porter moves incidents between stores.
var porter = lifecycletest.Porter[*incident.Incident, incident.Store]{
	Decode: incident.DecodeExport, Import: incident.ImportTo, Export: incident.ExportFrom, Get: incident.Store.Get,
}

// TestExportRoundTrip: an incident's export carries its history and
// journal; decoded and imported into another store it is the same
// incident, with the same logs, and it takes new commands there.
func TestExportRoundTrip(t *testing.T) {
	e0, x := busyEnv(t)
	require.NotEmpty(t, x.History)
	require.NotEmpty(t, x.Comments)
	other := incidenttest.NewStore()
	porter.CheckMove(t, x, other)
	want, err := lifecycle.ReadAll(ctx, x.ID, e0.store.Journal)
	require.NoError(t, err)
	imported, err := lifecycle.ReadAll(ctx, x.ID, other.Journal)
	require.NoError(t, err)
	assert.Equal(t, want, imported, "the journal keeps its order and each entry's version")
}

// TestDecodeExportRequiresHistory: the stored form has no history; an
// export must have all of it, as its version counts, even for an
// incident still in new.
func TestDecodeExportRequiresHistory(t *testing.T) {
	e, x := busyEnv(t)
	porter.CheckRequiresHistory(t, x, incidenttest.NewStore(), e.open(t, incident.Open{Title: "t"}))
}

// TestErase: a data-protection officer redacts a comment's text and a
// work note's author, and the notes of a history record, of a closed
// incident. The redaction is a history record of its own (who, when,
// which, why) with an event; every other entry is as it was, and the
// export still replays. Without the role, without a reason, or naming an
// entry that does not exist, nothing is stored and nothing notified.
func TestErase(t *testing.T) {
	e := newEnv(t)
	x := busyIncident(t)
	// busyIncident runs on an env of its own: move it into e's store.
	require.NoError(t, incident.ImportTo(ctx, e.store, x))
	before := e.get(t, x.ID)
	journal, err := e.svc.Journal(ctx, x.ID, 0, 0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(journal), 2)
	e.rec.Reset()

	dpo := lifecycle.Actor{ID: "dpo", Roles: []string{lifecycle.RoleDataProtection}}
	cmd := lifecycle.Erase{ID: x.ID, Reason: "erasure request ER-7", Entries: []lifecycle.Redaction{
		{Log: lifecycle.LogJournal, Seq: 1, Fields: []string{"text"}},
		{Log: lifecycle.LogJournal, Seq: 2, Fields: []string{"author"}},
		{Log: lifecycle.LogHistory, Seq: 2, Fields: []string{"note", "changes"}},
	}}

	for name, c := range map[string]struct {
		actor lifecycle.Actor
		cmd   lifecycle.Erase
		want  error
	}{
		"no role":   {ann, cmd, lifecycle.ErrForbidden},
		"no reason": {dpo, lifecycle.Erase{ID: x.ID, Entries: cmd.Entries}, lifecycle.ErrValidation},
		"no entry": {dpo, lifecycle.Erase{ID: x.ID, Reason: "r", Entries: []lifecycle.Redaction{
			{Log: lifecycle.LogJournal, Seq: 1, Fields: []string{"text"}}, {Log: lifecycle.LogHistory, Seq: 999, Fields: []string{"note"}}}}, lifecycle.ErrValidation},
		"bad field": {dpo, lifecycle.Erase{ID: x.ID, Reason: "r", Entries: []lifecycle.Redaction{
			{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"event"}}}}, lifecycle.ErrValidation},
		"stale": {dpo, lifecycle.Erase{ID: x.ID, Version: 1, Reason: "r", Entries: cmd.Entries}, lifecycle.ErrConflict},
	} {
		got, err := e.svc.Erase(ctx, c.actor, c.cmd)
		assert.ErrorIs(t, err, c.want, name)
		assert.Nil(t, got, name)
		assert.Equal(t, before, e.get(t, x.ID), name+": nothing changed")
	}
	assert.Empty(t, e.rec.Events())

	got, err := e.svc.Erase(ctx, dpo, cmd)
	require.NoError(t, err)
	assert.Equal(t, x.Version+1, got.Version)
	assert.Equal(t, incident.StateClosed, got.State, "a redaction keeps the state")
	assert.Equal(t, []string{lifecycle.TypeRedacted}, e.rec.Types())

	after := e.get(t, x.ID)
	require.Len(t, after.History, len(before.History)+1)
	red := after.History[len(after.History)-1]
	assert.Equal(t, lifecycle.EventRedact, red.Event)
	assert.Equal(t, "dpo", red.Actor)
	assert.Equal(t, "erasure request ER-7", red.Note)
	var named []string
	for _, c := range red.Changes {
		named = append(named, c.Field)
	}
	assert.Equal(t, []string{"journal[1].text", "journal[2].author", "history[2].note", "history[2].changes"}, named)

	h2 := after.History[1]
	assert.Empty(t, h2.Note)
	for _, c := range h2.Changes {
		assert.Empty(t, c.Old+c.New, "values blanked, field %s kept", c.Field)
	}
	assert.Equal(t, before.History[1].Event, h2.Event)
	assert.Equal(t, before.History[1].Actor, h2.Actor, "fields not named stay")
	for i := range before.History {
		if i != 1 {
			assert.Equal(t, before.History[i], after.History[i], "history %d untouched", i+1)
		}
	}
	now, err := e.svc.Journal(ctx, x.ID, 0, 0)
	require.NoError(t, err)
	assert.Empty(t, now[0].Text)
	assert.Equal(t, journal[0].Author, now[0].Author)
	assert.Empty(t, now[1].Author)
	assert.Equal(t, journal[1].Text, now[1].Text)
	assert.Equal(t, journal[2:], now[2:])

	b, err := json.Marshal(after)
	require.NoError(t, err)
	_, err = incident.DecodeExport(b)
	assert.NoError(t, err, "the export with its redaction replays")
}
