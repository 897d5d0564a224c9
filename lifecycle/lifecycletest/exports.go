package lifecycletest

import (
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

// CheckExportRequiresHistory checks decode, a process's DecodeExport, which
// replays the history an export must have, as the record's version counts
// it. whole is a record read whole, whose history has two records or more.
// Without its history, its JSON decodes with json.Unmarshal (the stored
// form of a store that keeps history apart) and decode refuses it. With
// its last history record dropped and its state the one the record before
// ends in, its version is ahead of its history and decode refuses it. Each
// of fresh, a record as its Create returns it (without its creation
// record), is refused for its field "history". Every refusal is a
// *lifecycle.HistoryError matching lifecycle.ErrValidation.
func CheckExportRequiresHistory[T any](t require.TestingT, whole T, decode func([]byte) (T, error), fresh ...T) {
	helper(t)
	refused := func(b []byte, what string) *lifecycle.HistoryError {
		_, err := decode(b)
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
