package lifecycletest

import (
	"context"
	"encoding/json"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// CheckRoundTrip fails t unless x, a process's record (a pointer:
// *incident.Incident, *problem.Problem, ...), marshalled with
// json.Marshal, decodes with json.Unmarshal to a record equal to x, and
// with each of decoders (a process's DecodeExport) to one equal to x too.
// msgAndArgs say which record it is, as in testify.
func CheckRoundTrip[T any](t require.TestingT, x T, decoders []func([]byte) (T, error), msgAndArgs ...any) {
	helper(t)
	b, err := json.Marshal(x)
	require.NoError(t, err, msgAndArgs...)
	var back T
	require.NoError(t, json.Unmarshal(b, &back), msgAndArgs...)
	require.Equal(t, x, back, msgAndArgs...)
	for _, decode := range decoders {
		exported, err := decode(b)
		require.NoError(t, err, msgAndArgs...)
		require.Equal(t, x, exported, msgAndArgs...)
	}
}

// Porter is a process's export and import of records T over its Store S,
// for the checks of moving a record from one store to another.
type Porter[T, S any] struct {
	// Decode is the process's DecodeExport.
	Decode func([]byte) (T, error)
	// Import is its ImportTo.
	Import func(context.Context, S, T) error
	// Export is its ExportFrom.
	Export func(context.Context, S, string) (T, error)
	// Get, when set, is the store's own read of a record, as a method
	// expression (incident.Store.Get, ...): [Porter.CheckMove] checks
	// that the store keeps an imported record's history apart from it.
	Get func(S, context.Context, string) (T, error)
}

// CheckMove checks that x, a record read whole (history and journal
// included), moves to the store to: its JSON decodes (Decode) to x, which
// imports into to and exports from it as x again; a second import of it
// is an error matching lifecycle.ErrConflict, the ID being taken. With Get
// set, the record Get reads back has no history: the store keeps it
// apart.
func (p Porter[T, S]) CheckMove(t require.TestingT, x T, to S) {
	helper(t)
	b, err := json.Marshal(x)
	require.NoError(t, err)
	got, err := p.Decode(b)
	require.NoError(t, err)
	require.Equal(t, x, got, "the decoded export")
	require.NoError(t, p.Import(context.Background(), to, got))
	back, err := p.Export(context.Background(), to, idOf(t, b))
	require.NoError(t, err)
	assert.Equal(t, x, back, "the export of the imported record")
	assert.ErrorIs(t, p.Import(context.Background(), to, got), lifecycle.ErrConflict, "an ID already stored")
	if p.Get == nil {
		return
	}
	stored, err := p.Get(to, context.Background(), idOf(t, b))
	require.NoError(t, err)
	sb, err := json.Marshal(stored)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(sb, &doc))
	assert.Empty(t, doc["history"], "the store keeps the history apart")
}

// CheckRequiresHistory checks Decode and Import, which replay the history
// an export must have, as the record's version counts it. whole is a
// record read whole, whose history has two records or more. Without its
// history, its JSON decodes with json.Unmarshal (the stored form of a
// store that keeps history apart), Decode refuses it, and Import refuses
// it and stores nothing in the store to. With its last history record
// dropped and its state the one the record before ends in, its version is
// ahead of its history and Decode refuses it. Each of fresh, a record as
// its Create returns it (without its creation record), is refused for its
// field "history". Every refusal is a *lifecycle.HistoryError matching
// lifecycle.ErrValidation.
func (p Porter[T, S]) CheckRequiresHistory(t require.TestingT, whole T, to S, fresh ...T) {
	helper(t)
	refused := func(b []byte, what string) *lifecycle.HistoryError {
		_, err := p.Decode(b)
		var he *lifecycle.HistoryError
		require.ErrorAs(t, err, &he, what)
		require.ErrorIs(t, err, lifecycle.ErrValidation, what)
		return he
	}
	edit := func(f func(doc map[string]any, h []any)) []byte {
		b, err := json.Marshal(whole)
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(b, &doc))
		h, _ := doc["history"].([]any)
		require.GreaterOrEqual(t, len(h), 2, "the record's history")
		f(doc, h)
		b, err = json.Marshal(doc)
		require.NoError(t, err)
		return b
	}

	b := edit(func(doc map[string]any, _ []any) { delete(doc, "history") })
	var plain T
	require.NoError(t, json.Unmarshal(b, &plain), "as stored, without history, it decodes")
	refused(b, "an export without history")
	assert.ErrorIs(t, p.Import(context.Background(), to, plain), lifecycle.ErrValidation, "Import replays too")
	_, err := p.Export(context.Background(), to, idOf(t, b))
	assert.ErrorIs(t, err, lifecycle.ErrNotFound, "and stores nothing")

	refused(edit(func(doc map[string]any, h []any) {
		doc["history"], doc["state"] = h[:len(h)-1], HistoryEntry(h, len(h)-2)["to"]
	}), "a version ahead of the history")

	for _, x := range fresh {
		b, err := json.Marshal(x)
		require.NoError(t, err)
		he := refused(b, "a new record's export has its creation record")
		assert.Equal(t, "history", he.Field)
	}
}

// idOf returns the "id" of a record's JSON.
func idOf(t require.TestingT, b []byte) string {
	var doc struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.NotEmpty(t, doc.ID, "the record's id")
	return doc.ID
}
