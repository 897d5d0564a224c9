package change_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestCommandsAppendHistory: a command's result is the change as stored,
// without its history; the store appends one record per stored change,
// the automatic schedule after an approval included, and pages them.
func TestCommandsAppendHistory(t *testing.T) {
	store := changetest.NewStore()
	s, _, _ := newService(t, func(cfg *change.Config) { cfg.Store = store })
	c := createNormal(t, s, "web-1")
	assert.Empty(t, c.History, "a command's result is the change as stored, without its history")
	for _, cmd := range []change.Command{change.Assess{ID: c.ID}, change.RequestApproval{ID: c.ID}} {
		var err error
		c, err = s.Do(ctx, alice, cmd)
		require.NoError(t, err)
	}
	c, err := s.Approve(ctx, carol, change.Approve{ID: c.ID, Comment: "ok"})
	require.NoError(t, err)
	assert.Empty(t, c.History)
	stored, err := store.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored)

	history, err := s.History(ctx, c.ID, 0, 0)
	require.NoError(t, err)
	var events []string
	for i, r := range history {
		assert.Equal(t, i+1, r.Seq)
		events = append(events, r.Event)
	}
	assert.Equal(t, []string{"create", "assess", "request_approval", "approve", "schedule"}, events)
	page, err := s.History(ctx, c.ID, 3, 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, "approve", page[0].Event)
	_, err = s.History(ctx, "CHG-NONE", 0, 0)
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
}

// porter moves changes between stores.
var porter = lifecycletest.Porter[*change.Change, change.Store]{
	Decode: change.DecodeExport, Import: change.ImportTo, Export: change.ExportFrom, Get: change.Store.Get,
}

// TestExportRoundTrip: a change's export carries its history; decoded and
// imported into another store it is the same change, with the same
// history, and it takes new commands there.
func TestExportRoundTrip(t *testing.T) {
	x := replayedChange(t)
	require.NotEmpty(t, x.History)
	other := changetest.NewStore()
	porter.CheckMove(t, x, other)

	// A change imported mid-way goes on there, its history after the
	// imported records.
	src, _, _ := newService(t, func(cfg *change.Config) { cfg.IDs = lifecycle.Sequence("CHGX", 4) })
	mid := createNormal(t, src, "web-9")
	mid, err := src.Assess(ctx, alice, change.Assess{ID: mid.ID})
	require.NoError(t, err)
	whole, err := src.Export(ctx, mid.ID)
	require.NoError(t, err)
	require.NoError(t, change.ImportTo(ctx, other, whole))
	s, _, _ := newService(t, func(cfg *change.Config) { cfg.Store = other })
	next, err := s.RequestApproval(ctx, alice, change.RequestApproval{ID: mid.ID})
	require.NoError(t, err)
	assert.Equal(t, int64(3), next.Version)
	history, err := s.History(ctx, mid.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, history, 3)
	assert.Equal(t, whole.History, history[:2])
	assert.Equal(t, "request_approval", history[2].Event)
	assert.Equal(t, 3, history[2].Seq)
}

// TestDecodeExportRequiresHistory: the stored form has no history; an
// export must have all of it, as its version counts, even for a change
// still in new.
func TestDecodeExportRequiresHistory(t *testing.T) {
	s, _, _ := newService(t, nil)
	fresh, err := s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "t", Plans: fullPlans,
		PlannedStart: t0.Add(time.Hour), PlannedEnd: t0.Add(2 * time.Hour)})
	require.NoError(t, err)
	porter.CheckRequiresHistory(t, replayedChange(t), changetest.NewStore(), fresh)
}

// TestErase: a data-protection officer blanks the values of a history
// record's changes; the redaction is a history record of its own, the
// rest is untouched and the export replays. Without the role, or for an
// entry that does not exist, nothing is stored.
func TestErase(t *testing.T) {
	s, rec, _ := newService(t, nil)
	c := createNormal(t, s, "web-1")
	before, err := s.Export(ctx, c.ID)
	require.NoError(t, err)
	dpo := lifecycle.Actor{ID: "dpo", Roles: []string{lifecycle.RoleDataProtection}}
	cmd := lifecycle.Erase{ID: c.ID, Reason: "erasure request ER-3", Entries: []lifecycle.Redaction{
		{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"actor", "changes"}},
	}}
	_, err = s.Erase(ctx, alice, cmd)
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	_, err = s.Erase(ctx, dpo, lifecycle.Erase{ID: c.ID, Reason: "r", Entries: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 9, Fields: []string{"note"}}}})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	unchanged, err := s.Export(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, before, unchanged)

	n := len(rec.Events())
	got, err := s.Erase(ctx, dpo, cmd)
	require.NoError(t, err)
	assert.Equal(t, before.Version+1, got.Version)
	require.Len(t, rec.Events(), n+1)
	assert.Equal(t, lifecycle.TypeRedacted, rec.Events()[n].Type)
	after, err := s.Export(ctx, c.ID)
	require.NoError(t, err)
	assert.Empty(t, after.History[0].Actor)
	for _, ch := range after.History[0].Changes {
		if ch.Field == change.FieldType {
			assert.Equal(t, "normal", ch.New, "the replay reads the type: an erasure keeps it")
			continue
		}
		assert.Empty(t, ch.Old+ch.New, ch.Field)
	}
	assert.Equal(t, before.History[0].Event, after.History[0].Event)
	red := after.History[len(after.History)-1]
	assert.Equal(t, []string{lifecycle.EventRedact, "dpo", "erasure request ER-3"}, []string{red.Event, red.Actor, red.Note})
	b, err := json.Marshal(after)
	require.NoError(t, err)
	_, err = change.DecodeExport(b)
	assert.NoError(t, err)
}
