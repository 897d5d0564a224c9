package change_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
)

// enumCase decodes one enumeration from JSON: every known name (and "" for
// the optional ones, whose empty value means "not yet") decodes and
// encodes back to the same JSON; anything else is a
// *lifecycle.ValidationError naming the enumeration's field and leaves the
// destination as it was.
type enumCase struct {
	field string
	check func(t *testing.T, raw []byte, name string)
}

func enumOf[T ~string](field string, known []T, optional bool) enumCase {
	return enumCase{field: field, check: func(t *testing.T, raw []byte, name string) {
		t.Helper()
		const sentinel = "untouched"
		v := T(sentinel)
		err := json.Unmarshal(raw, &v)
		isKnown := slices.Contains(known, T(name)) || (optional && name == "")
		if !isKnown {
			var ve *lifecycle.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, lifecycle.ErrValidation) {
				t.Fatalf("%s %q: want a *lifecycle.ValidationError, got %v", field, name, err)
			}
			if ve.Field != field {
				t.Fatalf("%s %q: the error names field %q", field, name, ve.Field)
			}
			if v != sentinel {
				t.Fatalf("%s %q: a refused value was decoded into %q", field, name, v)
			}
			if _, err := json.Marshal(T(name)); !errors.Is(err, lifecycle.ErrValidation) {
				t.Fatalf("%s %q: encoding an unknown value: %v", field, name, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%s %q: a known value was refused: %v", field, name, err)
		}
		if string(v) != name {
			t.Fatalf("%s %q decoded as %q", field, name, v)
		}
		back, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s %q: encoding: %v", field, name, err)
		}
		if string(back) != string(raw) {
			t.Fatalf("%s %q: round trip %s → %s", field, name, raw, back)
		}
	}}
}

var enums = []enumCase{
	enumOf("state", change.States(), false),
	enumOf("event", change.Events(), false),
	enumOf("type", change.Types(), false),
	enumOf("risk", change.Risks(), true),
	enumOf("outcome", change.Outcomes(), true),
	enumOf("consent", lifecycle.Consents(), false),
	enumOf("decision", []lifecycle.Decision{lifecycle.Approved, lifecycle.Rejected}, false),
	enumOf("conflict", []change.ConflictKind{change.ConflictChange, change.ConflictBlackout, change.ConflictMaintenance, change.ConflictRelated}, false),
	enumOf("kind", []change.WindowKind{change.Blackout, change.Maintenance}, false),
}

// FuzzEnumJSON decodes the fuzzer's string, as a JSON string, into each of
// the package's enumerations (Event, State, Type, Risk, Outcome, Policy,
// Decision, ConflictKind, WindowKind); see enumCase.
func FuzzEnumJSON(f *testing.F) {
	for _, s := range []string{"", "new", "request_approval", "emergency", "very_high", "backed_out", "quorum",
		"rejected", "config_item_booked", "maintenance", "New", " new", "new\x00", "very high", "\u00e9", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var name string // what JSON makes of s (invalid UTF-8 is replaced)
		if err := json.Unmarshal(raw, &name); err != nil {
			t.Fatal(err)
		}
		for _, e := range enums {
			e.check(t, raw, name)
		}
	})
}

// TestEnumJSON runs the fuzz target's checks on every known name and a few
// unknown ones, so that plain go test covers them all.
func TestEnumJSON(t *testing.T) {
	names := []string{"", "unknown", "NEW"}
	for _, s := range change.States() {
		names = append(names, string(s))
	}
	for _, e := range change.Events() {
		names = append(names, string(e))
	}
	for _, x := range change.Types() {
		names = append(names, string(x))
	}
	for _, x := range change.Risks() {
		names = append(names, string(x))
	}
	for _, x := range change.Outcomes() {
		names = append(names, string(x))
	}
	for _, x := range lifecycle.Consents() {
		names = append(names, string(x))
	}
	names = append(names, "approved", "rejected", "config_item_booked", "blackout", "outside_maintenance", "maintenance")
	for _, n := range names {
		raw, _ := json.Marshal(n)
		for _, e := range enums {
			t.Run(e.field+"/"+n, func(t *testing.T) { e.check(t, raw, n) })
		}
	}
}
