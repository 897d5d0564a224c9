package lifecycletest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
)

// A HistoryBreak breaks one thing in a record's exported JSON, for
// [TestHistoryRefusals]. Edit changes the decoded document in place: doc
// is the record, history its "history" array (see [HistoryEntry]). The
// refusal must name history record Index (-1 for the record as a whole)
// and Field.
type HistoryBreak struct {
	Edit  func(doc map[string]any, history []any)
	Index int
	Field string
}

// HistoryEntry returns record i of history, a decoded "history" array, for
// a [HistoryBreak] to edit.
func HistoryEntry(history []any, i int) map[string]any { return history[i].(map[string]any) }

// TestHistoryRefusals checks that a process's decoder replays histories
// (see lifecycle.Replay): good is a record read whole, with its history,
// whose JSON decodes; each break of it, decoded with json.Unmarshal into
// a copy of sentinel (made by clone), must fail with a
// *lifecycle.HistoryError of process at the break's Index and Field,
// matching lifecycle.ErrValidation, and leave the copy as sentinel is.
func TestHistoryRefusals[T any](t *testing.T, process string, good, sentinel T, clone func(T) T, breaks map[string]HistoryBreak) {
	t.Helper()
	b, err := json.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range breaks {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			h, _ := doc["history"].([]any)
			c.Edit(doc, h)
			broken, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			x := clone(sentinel)
			err = json.Unmarshal(broken, x)
			var he *lifecycle.HistoryError
			switch {
			case !errors.Is(err, lifecycle.ErrValidation) || !errors.As(err, &he):
				t.Fatalf("decoding gave %v, want a *lifecycle.HistoryError matching ErrValidation", err)
			case he.Process != process || he.Index != c.Index || he.Field != c.Field:
				t.Errorf("refused as %s history[%d].%s (%v), want %s history[%d].%s", he.Process, he.Index, he.Field, err, process, c.Index, c.Field)
			}
			if !equalJSON(x, sentinel) {
				t.Errorf("the refusal changed the record decoded into")
			}
		})
	}
}

// BreakVersion returns the break that sets the record's version to the
// length of its history plus delta (delta not 0): a version that does not
// match the history, refused for the record's "version".
func BreakVersion(delta int) HistoryBreak {
	return HistoryBreak{Edit: func(doc map[string]any, h []any) {
		doc["version"] = len(h) + delta
	}, Index: -1, Field: "version"}
}

// BreakShort returns the break that keeps the first n records of the
// history, with the version n to match: a history that stops short of the
// record's state, refused for the last kept record's "to".
func BreakShort(n int) HistoryBreak {
	return HistoryBreak{Edit: func(doc map[string]any, h []any) {
		doc["history"], doc["version"] = h[:n], n
	}, Index: n - 1, Field: "to"}
}

// BreakRecord returns the break that sets field of history record i to
// value ("from", "to" or "event"), refused for that record and field.
func BreakRecord(i int, field string, value any) HistoryBreak {
	return HistoryBreak{Edit: func(_ map[string]any, h []any) {
		HistoryEntry(h, i)[field] = value
	}, Index: i, Field: field}
}
