package problem_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// TestCommandsAppendHistoryAndJournal: a command's result is the problem
// as stored, without history or work notes; the store appends the
// command's history record and work note, each work note with the
// version that wrote it, and pages them.
func TestCommandsAppendHistoryAndJournal(t *testing.T) {
	f := newFixture(t)
	p := f.open(t)
	assert.Empty(t, p.History, "a command's result is the problem as stored, without its history")
	p = f.drive(t, p.ID, problem.AddWorkNote{Text: "one"}, problem.Assess{Group: "messaging"}, problem.AddWorkNote{Text: "two"})
	assert.Empty(t, p.History)
	assert.Empty(t, p.WorkNotes, "nor its work notes")
	stored, err := f.store.Get(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p, stored)

	history, err := f.svc.History(ctx, p.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, history, 4)
	for i, r := range history {
		assert.Equal(t, i+1, r.Seq)
	}
	assert.Equal(t, []string{"open", "work_note", "assess", "work_note"},
		[]string{history[0].Event, history[1].Event, history[2].Event, history[3].Event})
	page, err := f.svc.History(ctx, p.ID, 2, 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, 3, page[0].Seq)

	journal, err := f.svc.Journal(ctx, p.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, journal, 2)
	assert.Equal(t, lifecycle.Entry{Seq: 1, Version: 2, Kind: lifecycle.EntryWorkNote, Time: f.clock.Now(), Author: manager.ID, Text: "one"}, journal[0])
	assert.Equal(t, int64(4), journal[1].Version)
	assert.Equal(t, "two", journal[1].Text)

	_, err = f.svc.History(ctx, "PRB-NONE", 0, 0)
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = f.svc.Journal(ctx, "PRB-NONE", 0, 0)
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
}

// porter moves problems between stores.
var porter = lifecycletest.Porter[*problem.Problem, problem.Store]{
	Decode: problem.DecodeExport, Import: problem.ImportTo, Export: problem.ExportFrom, Get: problem.Store.Get,
}

// TestExportRoundTrip: a problem's export carries its history and work
// notes; decoded and imported into another store it is the same problem,
// with the same logs, each work note with the version that wrote it, and
// it takes new commands there.
func TestExportRoundTrip(t *testing.T) {
	x := replayedProblem(t)
	require.NotEmpty(t, x.History)
	require.NotEmpty(t, x.WorkNotes)
	other := problemtest.NewStore()
	porter.CheckMove(t, x, other)
	stored, err := other.Get(ctx, x.ID)
	require.NoError(t, err)
	assert.Empty(t, stored.WorkNotes, "the store keeps the logs apart")
	journal, err := other.Journal(ctx, x.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, journal, 1)
	assert.Equal(t, int64(4), journal[0].Version, "the work note keeps the version of the change that wrote it")

	svc, err := problem.New(problem.Config{Store: other, Clock: newFixture(t).clock})
	require.NoError(t, err)
	next, err := svc.Reanalyze(ctx, manager, problem.Reanalyze{ID: x.ID, Notes: "again"})
	require.NoError(t, err)
	assert.Equal(t, x.Version+1, next.Version)
	history, err := svc.History(ctx, x.ID, len(x.History), 0)
	require.NoError(t, err)
	require.Len(t, history, 1)
	assert.Equal(t, len(x.History)+1, history[0].Seq, "the imported problem's history goes on")
}

// TestDecodeExportRequiresHistory: the stored form has no history; an
// export must have all of it, as its version counts, even for a problem
// still in its first state.
func TestDecodeExportRequiresHistory(t *testing.T) {
	porter.CheckRequiresHistory(t, replayedProblem(t), problemtest.NewStore(), newFixture(t).open(t))
}

// TestErase: a data-protection officer blanks a work note's text and a
// history record's note; the redaction is a history record of its own,
// the rest is untouched and the export replays. Without the role, or for
// an entry that does not exist, nothing is stored.
func TestErase(t *testing.T) {
	f := newFixture(t)
	p := f.open(t)
	p = f.drive(t, p.ID, problem.AddWorkNote{Text: "the caller's phone: 555-0100"}, problem.Assess{Group: "messaging"})
	before, err := f.svc.Export(ctx, p.ID)
	require.NoError(t, err)
	dpo := lifecycle.Actor{ID: "dpo", Roles: []string{lifecycle.RoleDataProtection}}
	cmd := lifecycle.Erase{ID: p.ID, Reason: "erasure request ER-2", Entries: []lifecycle.Redaction{
		{Log: lifecycle.LogJournal, Seq: 1, Fields: []string{"text"}},
		{Log: lifecycle.LogHistory, Seq: 2, Fields: []string{"note"}},
	}}
	_, err = f.svc.Erase(ctx, manager, cmd)
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	_, err = f.svc.Erase(ctx, dpo, lifecycle.Erase{ID: p.ID, Reason: "r", Entries: []lifecycle.Redaction{{Log: lifecycle.LogJournal, Seq: 9, Fields: []string{"text"}}}})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	unchanged, err := f.svc.Export(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, before, unchanged)

	got, err := f.svc.Erase(ctx, dpo, cmd)
	require.NoError(t, err)
	assert.Equal(t, before.Version+1, got.Version)
	assert.Equal(t, before.State, got.State)
	after, err := f.svc.Export(ctx, p.ID)
	require.NoError(t, err)
	assert.Empty(t, after.WorkNotes[0].Text)
	assert.Empty(t, after.History[1].Note)
	assert.Equal(t, before.History[1].Event, after.History[1].Event)
	assert.Equal(t, before.History[2], after.History[2])
	red := after.History[len(after.History)-1]
	assert.Equal(t, []string{lifecycle.EventRedact, "dpo", "erasure request ER-2"}, []string{red.Event, red.Actor, red.Note})
	b, err := json.Marshal(after)
	require.NoError(t, err)
	_, err = problem.DecodeExport(b)
	assert.NoError(t, err)
}
