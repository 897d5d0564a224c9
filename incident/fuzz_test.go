package incident_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// FuzzIncidentJSON decodes arbitrary bytes as an incident. Whatever
// decodes has valid enums and, when it has a history, one the machine
// could have written at its version; it encodes, and decodes again to the
// same encoding.
func FuzzIncidentJSON(f *testing.F) {
	f.Add([]byte(`{"id":"INC-1","version":3,"state":"on_hold","title":"t","hold_reason":"awaiting_caller","impact":2,"urgency":2,"priority":3}`))
	f.Add([]byte(`{"id":"INC-2","version":2,"state":"in_progress","title":"t","impact":1,"urgency":1,"priority":1,"history":[{"seq":1,"time":"2026-03-02T09:00:00Z","actor":"a","event":"open","to":"new"},{"seq":2,"time":"2026-03-02T09:01:00Z","actor":"a","event":"assign","from":"new","to":"in_progress"}]}`))
	f.Add([]byte(`{"id":"INC-1","version":3,"state":"closed","impact":1,"urgency":1,"priority":1,"resolution_code":"duplicate","major":"accepted","resolved_at":"2026-03-02T09:00:00+01:00","history":[{"seq":1,"time":"2026-03-02T09:00:00Z","actor":"a","event":"open","from":"","to":"new","changes":[{"field":"priority","new":"3"}]},{"seq":2,"time":"2026-03-02T09:01:00Z","actor":"a","event":"resolve","from":"new","to":"resolved"},{"seq":3,"time":"2026-03-02T09:02:00Z","actor":"a","event":"close","from":"resolved","to":"closed"}]}`))
	f.Add([]byte(`{"id":"INC-3","version":4,"state":"in_progress","hold_reason":"","impact":2,"urgency":2,"priority":3,"history":[{"seq":1,"event":"open","to":"new"},{"seq":2,"event":"assign","from":"new","to":"in_progress"},{"seq":3,"event":"hold","from":"in_progress","to":"on_hold"},{"seq":4,"event":"caller_update","from":"on_hold","to":"in_progress"}]}`))
	f.Add([]byte(`{"state":"new","attributes":{"a":"b"},"comments":[{"time":"2026-01-01T00:00:00Z","author":"x","text":"y","from_caller":true}]}`))
	f.Add([]byte(`{"state":"open"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var x incident.Incident
		if err := json.Unmarshal(data, &x); err != nil {
			return
		}
		if x.State == "" {
			return // the JSON null: nothing decoded
		}
		if !x.State.Valid() || !x.HoldReason.Valid() || !x.ResolutionCode.Valid() || !x.Major.Valid() {
			t.Fatalf("decoded an invalid enum: state %q, hold %q, code %q, major %q", x.State, x.HoldReason, x.ResolutionCode, x.Major)
		}
		if x.Impact < 1 || x.Urgency < 1 || x.Priority < 1 {
			t.Fatalf("decoded impact %d, urgency %d, priority %d", x.Impact, x.Urgency, x.Priority)
		}
		for i, r := range x.History {
			if r.Seq != i+1 || i > 0 && !slices.Contains(incident.Events(), incident.Event(r.Event)) || !incident.State(r.To).Valid() {
				t.Fatalf("decoded an impossible history record %d: %+v", i, r)
			}
		}
		if n := len(x.History); n > 0 && x.History[n-1].To != string(x.State) {
			t.Fatalf("decoded a history ending in %q for an incident in %q", x.History[n-1].To, x.State)
		}
		if n := len(x.History); n > 0 && x.Version != int64(n) {
			t.Fatalf("decoded version %d with %d history records", x.Version, n)
		}
		b1, err := json.Marshal(&x)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", data, err)
		}
		var y incident.Incident
		if err := json.Unmarshal(b1, &y); err != nil {
			t.Fatalf("cannot decode our own encoding %s: %v", b1, err)
		}
		b2, err := json.Marshal(&y)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("unstable encoding:\n%s\n%s", b1, b2)
		}
	})
}

// FuzzEnumText decodes arbitrary text as each of the incident's enums
// (states, events, hold reasons, resolution codes, major statuses): a name
// is either rejected with a *lifecycle.ValidationError, or accepted as a
// valid value that encodes back to the same text.
func FuzzEnumText(f *testing.F) {
	for _, s := range []string{"new", "on_hold", "assign", "caller_update", "awaiting_caller", "resolved_by_problem", "accepted", "", "open", "New", " new", "closed\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkEnum[incident.State](t, s, incident.State.Valid)
		checkEnum[incident.Event](t, s, func(e incident.Event) bool { return slices.Contains(incident.Events(), e) })
		checkEnum[incident.HoldReason](t, s, incident.HoldReason.Valid)
		checkEnum[incident.ResolutionCode](t, s, incident.ResolutionCode.Valid)
		checkEnum[incident.MajorStatus](t, s, incident.MajorStatus.Valid)
	})
}

// checkEnum decodes s as an E through its UnmarshalText.
func checkEnum[E ~string, P interface {
	*E
	UnmarshalText([]byte) error
	MarshalText() ([]byte, error)
}](t *testing.T, s string, valid func(E) bool) {
	t.Helper()
	var v E
	err := P(&v).UnmarshalText([]byte(s))
	if err != nil {
		var ve *lifecycle.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, lifecycle.ErrValidation) {
			t.Fatalf("%T %q: untyped error %v", v, s, err)
		}
		if v != "" {
			t.Fatalf("%T %q: rejected but decoded %q", v, s, v)
		}
		return
	}
	if !valid(v) || string(v) != s {
		t.Fatalf("%T %q: accepted as %q", v, s, v)
	}
	b, err := P(&v).MarshalText()
	if err != nil || string(b) != s {
		t.Fatalf("%T %q: encodes as %q, %v", v, s, b, err)
	}
}
