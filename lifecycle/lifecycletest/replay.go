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
