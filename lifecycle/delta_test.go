package lifecycle_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

var opTime = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func newDelta() lifecycle.Delta {
	return lifecycle.Delta{Actor: lifecycle.Actor{ID: "ann"}, Now: opTime, Event: "hold", From: "in_progress"}
}

// TestDeltaKeepsEveryDataPair: a notification keeps all its Data pairs,
// however many.
func TestDeltaKeepsEveryDataPair(t *testing.T) {
	op := newDelta()
	op.Emit("updated", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
	evs := op.Notifications("incident", "INC-1", 4, "on_hold", lifecycle.Snapshot{State: "on_hold"})
	require.Len(t, evs, 1)
	assert.Equal(t, map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}, evs[0].Data)
}

// TestDeltaEmitsEveryNotification: a Delta emits all its notifications in order,
// numbered from 0, sharing the record's version and transition, each with
// its own copy of the snapshot.
func TestDeltaEmitsEveryNotification(t *testing.T) {
	op := newDelta()
	op.Emit("put_on_hold")
	op.Emit("commented", "text", "first")
	op.EmitData("work_note_added", map[string]string{"text": "second"})
	op.Emit("updated", "fields", "title")
	snap := lifecycle.Snapshot{State: "on_hold", Attributes: map[string]string{"site": "paris"}}
	evs := op.Notifications("incident", "INC-1", 4, "on_hold", snap)

	var types []string
	for i, e := range evs {
		types = append(types, e.Type)
		assert.Equal(t, lifecycle.NotificationID("incident", "INC-1", 4, i), e.ID)
		assert.Equal(t, "incident", e.Process)
		assert.Equal(t, "INC-1", e.Subject)
		assert.Equal(t, int64(4), e.Version)
		assert.Equal(t, "in_progress", e.From)
		assert.Equal(t, "on_hold", e.To)
		assert.Equal(t, "ann", e.Actor)
		assert.Equal(t, opTime, e.Time)
		assert.Equal(t, snap, e.Snapshot)
	}
	assert.Equal(t, []string{"put_on_hold", "commented", "work_note_added", "updated"}, types)
	assert.Nil(t, evs[0].Data, "a notification without pairs has no Data")
	assert.Equal(t, map[string]string{"text": "first"}, evs[1].Data)
	assert.Equal(t, map[string]string{"text": "second"}, evs[2].Data)
	assert.Equal(t, map[string]string{"fields": "title"}, evs[3].Data)

	evs[1].Snapshot.Attributes["site"] = "scribbled"
	assert.Equal(t, "paris", evs[2].Snapshot.Attributes["site"], "notifications share no snapshot memory")
}

// TestDeltaRecordsEveryChange: the history record holds every change, capped
// at its length so that appending to it cannot write into the Delta's slice.
func TestDeltaRecordsEveryChange(t *testing.T) {
	op := newDelta()
	op.Event = "update"
	var want []lifecycle.FieldChange
	for _, f := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		op.Diff(f, "", f)
		want = append(want, lifecycle.FieldChange{Field: f, New: f})
	}
	op.Diff("same", "v", "v")
	op.Note = "n"

	rec := op.Record(4, "in_progress")
	assert.Equal(t, lifecycle.Record{Seq: 4, Time: opTime, Actor: "ann", Event: "update", From: "in_progress", To: "in_progress", Note: "n", Changes: want}, rec)
	assert.Equal(t, len(rec.Changes), cap(rec.Changes))
	assert.Nil(t, op.Notifications("incident", "INC-1", 4, "in_progress", lifecycle.Snapshot{}), "no emission, no notifications")
}

func TestDeltaEmitOddPairsPanics(t *testing.T) {
	op := newDelta()
	assert.Panics(t, func() { op.Emit("updated", "fields") })
}

// TestEraseDelta: an erasure's change keeps the state, names each redacted
// field without values, keeps the reason and emits one redaction.
func TestEraseDelta(t *testing.T) {
	cmd := lifecycle.Erase{ID: "INC-1", Reason: "GDPR request 7", Entries: []lifecycle.Redaction{
		{Log: lifecycle.LogHistory, Seq: 3, Fields: []string{"note"}},
		{Log: lifecycle.LogJournal, Seq: 2, Fields: []string{"author", "text"}},
	}}
	op := cmd.Delta(lifecycle.Actor{ID: "dpo"}, opTime, "closed")
	rec := op.Record(9, "closed")
	assert.Equal(t, lifecycle.Record{Seq: 9, Time: opTime, Actor: "dpo", Event: lifecycle.EventRedact, From: "closed", To: "closed", Note: "GDPR request 7",
		Changes: []lifecycle.FieldChange{{Field: "history[3].note"}, {Field: "journal[2].author"}, {Field: "journal[2].text"}}}, rec)
	evs := op.Notifications("incident", "INC-1", 9, "closed", lifecycle.Snapshot{})
	require.Len(t, evs, 1)
	assert.Equal(t, lifecycle.TypeRedacted, evs[0].Type)
}

func TestCheckCommandAndTarget(t *testing.T) {
	ann := lifecycle.Actor{ID: "ann"}
	var nilCmd *lifecycle.ApproveImprovement
	for name, err := range map[string]error{
		"nil command":       lifecycle.CheckCommand(ann, nil),
		"typed nil command": lifecycle.CheckCommand(ann, nilCmd),
		"invalid actor":     lifecycle.CheckCommand(lifecycle.Actor{}, lifecycle.ApproveImprovement{ID: "IMP-1"}),
		"other record":      lifecycle.CheckTarget("improvement", "IMP-2", 0, "IMP-1", 3),
	} {
		assert.ErrorIs(t, err, lifecycle.ErrValidation, name)
	}
	assert.NoError(t, lifecycle.CheckCommand(ann, &lifecycle.ApproveImprovement{ID: "IMP-1"}))
	assert.NoError(t, lifecycle.CheckTarget("improvement", "IMP-1", 3, "IMP-1", 3))
	assert.NoError(t, lifecycle.CheckTarget("improvement", "IMP-1", 0, "IMP-1", 3), "version 0: whatever is current")
	assert.NoError(t, lifecycle.CheckTarget("improvement", "", 0, "IMP-1", 3), "no id: the record applied to")
	assert.ErrorIs(t, lifecycle.CheckTarget("improvement", "IMP-1", 2, "IMP-1", 3), lifecycle.ErrConflict)
}

// TestImprovementApplyTypedNil: a nil pointer command is a validation
// error, and the improvement is unchanged.
func TestImprovementApplyTypedNil(t *testing.T) {
	x := &lifecycle.Improvement{ID: "IMP-1", Version: 1, Status: lifecycle.ImprovementProposed}
	_, err := x.Apply(lifecycle.Actor{ID: "ann"}, opTime, (*lifecycle.ApproveImprovement)(nil))
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.Equal(t, int64(1), x.Version)
}
