package lifecycletest_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestBreaks applies each break to a ticket's JSON: the ticket machine
// refuses the history it leaves at the break's Index and Field, and the
// ticket as it was replays.
func TestBreaks(t *testing.T) {
	whole, _ := wkTickets(t) // new, work, wait: three records
	b, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	replays := func(b []byte) error {
		var x wkTicket
		if err := json.Unmarshal(b, &x); err != nil {
			t.Fatal(err)
		}
		return wkReplay.Check(x.History, x.State, x.Version)
	}
	if err := replays(b); err != nil {
		t.Fatalf("the ticket does not replay: %v", err)
	}
	for name, brk := range map[string]lifecycletest.HistoryBreak{
		"a version ahead":            lifecycletest.BreakVersion(1),
		"a version behind":           lifecycletest.BreakVersion(-1),
		"a history that stops short": lifecycletest.BreakShort(2),
		"a From that does not chain": lifecycletest.BreakRecord(2, "from", "new"),
		"an event not from there":    lifecycletest.BreakRecord(2, "event", "start"),
		"a To elsewhere":             lifecycletest.BreakRecord(1, "to", "done"),
	} {
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		brk.Edit(doc, doc["history"].([]any))
		broken, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var he *lifecycle.HistoryError
		if err := replays(broken); !errors.As(err, &he) || he.Index != brk.Index || he.Field != brk.Field {
			t.Errorf("%s: replay gave %v, want history[%d].%s", name, err, brk.Index, brk.Field)
		}
	}
}
