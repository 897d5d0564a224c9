package incident_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/itsmkit/itsm/incident"
)

// FuzzIncidentJSON decodes arbitrary bytes as an incident. Whatever
// decodes has valid enums, encodes, and decodes again to the same
// encoding.
func FuzzIncidentJSON(f *testing.F) {
	f.Add([]byte(`{"id":"INC-1","version":3,"state":"on_hold","title":"t","hold_reason":"awaiting_caller","impact":2,"urgency":2,"priority":3}`))
	f.Add([]byte(`{"id":"INC-1","state":"closed","resolution_code":"duplicate","major":"accepted","resolved_at":"2026-03-02T09:00:00+01:00","history":[{"seq":1,"time":"2026-03-02T09:00:00Z","actor":"a","event":"open","from":"","to":"new","changes":[{"field":"priority","new":"3"}]}]}`))
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
