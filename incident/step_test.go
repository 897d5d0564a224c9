package incident

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// The commands of this package emit at most two events and three Data pairs
// each, so the tests below drive the step directly: a step has no limit of
// its own on events, pairs or changes.

// TestStepKeepsEveryDataPair: an event keeps all its Data pairs, however
// many.
func TestStepKeepsEveryDataPair(t *testing.T) {
	x := fixture(StateInProgress)
	st := newStep(Rules{}, agent, t0, x.State)
	st.emit(TypeUpdated, "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
	evs := st.commit(x)
	require.Len(t, evs, 1)
	assert.Equal(t, map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}, evs[0].Data)
}

// TestStepEmitsEveryEvent: a step emits all its events in order, numbered
// from 0, sharing the record's version, transition and snapshot.
func TestStepEmitsEveryEvent(t *testing.T) {
	x := fixture(StateInProgress)
	st := newStep(Rules{}, agent, t0, x.State)
	require.NoError(t, st.fire(x, EventHold))
	st.emit(TypePutOnHold)
	st.emit(TypeCommented, "text", "first")
	st.emit(TypeWorkNoteAdded, "text", "second")
	st.emit(TypeUpdated, "fields", "title")
	evs := st.commit(x)

	assert.Equal(t, []string{TypePutOnHold, TypeCommented, TypeWorkNoteAdded, TypeUpdated}, types(evs))
	for i, e := range evs {
		assert.Equal(t, lifecycle.NotificationID(Process, "INC-1", 4, i), e.ID)
		assert.Equal(t, int64(4), e.Version)
		assert.Equal(t, "in_progress", e.From)
		assert.Equal(t, "on_hold", e.To)
		assert.Equal(t, "ann", e.Actor)
		assert.Equal(t, t0, e.Time)
		assert.Equal(t, x.Snapshot(), e.Snapshot)
	}
	assert.Nil(t, evs[0].Data, "an event without pairs has no Data")
	assert.Equal(t, map[string]string{"text": "first"}, evs[1].Data)
	assert.Equal(t, map[string]string{"text": "second"}, evs[2].Data)
	assert.Equal(t, map[string]string{"fields": "title"}, evs[3].Data)
}

// TestStepRecordsEveryChange: the history record holds every change, capped
// at its length so that appending to it cannot write into the step's slice.
func TestStepRecordsEveryChange(t *testing.T) {
	x := fixture(StateInProgress)
	st := newStep(Rules{}, agent, t0, x.State)
	require.NoError(t, st.fire(x, EventUpdate))
	var want []lifecycle.FieldChange
	for _, f := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		st.diff(f, "", f)
		want = append(want, lifecycle.FieldChange{Field: f, New: f})
	}
	st.diff("same", "v", "v")
	st.note = "n"
	st.commit(x)

	rec := x.History[len(x.History)-1]
	assert.Equal(t, lifecycle.Record{Seq: 4, Time: t0, Actor: "ann", Event: "update", From: "in_progress", To: "in_progress", Note: "n", Changes: want}, rec)
	assert.Equal(t, len(rec.Changes), cap(rec.Changes))
	assert.Equal(t, int64(4), x.Version)
}

func TestStepEmitOddPairsPanics(t *testing.T) {
	st := newStep(Rules{}, agent, t0, StateNew)
	assert.Panics(t, func() { st.emit(TypeUpdated, "fields") })
}
