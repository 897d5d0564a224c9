package lifecycle_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
)

// FuzzServiceJSON checks that decoding never panics, that a decoded service
// only holds known enum values (unknown ones are rejected) and agreement
// links with an ID and a known kind (bare IDs of older documents read as
// SLAs), that encoding
// never writes an unknown value (it fails with ErrValidation instead), and
// that what encodes once re-encodes to the same bytes.
func FuzzServiceJSON(f *testing.F) {
	s := newService(f, lifecycle.StatusRequirements)
	if _, err := s.Apply(ownerAlice, svcT0, lifecycle.AdvanceService{ID: s.ID, Note: "ok"}); err != nil {
		f.Fatal(err)
	}
	seed, err := json.Marshal(s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"id":"S","status":"operational","criticality":"low","agreements":["A"],"owner":"o"}`))
	f.Add([]byte(`{"id":"S","status":"operational","criticality":"low","agreements":[{"id":"A","kind":"ola"},{"id":"B","kind":"sla"}]}`))
	f.Add([]byte(`{"agreements":[{"id":"A","kind":"contract"}]}`))
	f.Add([]byte(`{"agreements":[{"id":"","kind":"sla"},null]}`))
	f.Add([]byte(`{"status":"live"}`))
	f.Add([]byte(`{"criticality":""}`))
	f.Add([]byte(`{"history":[{"seq":1,"changes":[{"field":"state"}]}],"created_at":"2026-01-01T00:00:00+01:00"}`))
	f.Add([]byte(`{"name":"\xff","config_items":[],"status":"retired","criticality":"high"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s lifecycle.ITService
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		if s.Status != "" && !s.Status.Valid() {
			t.Fatalf("decoded unknown status %q", s.Status)
		}
		if s.Criticality != "" && !containsEnum(lifecycle.Criticalities(), s.Criticality) {
			t.Fatalf("decoded unknown criticality %q", s.Criticality)
		}
		for _, l := range s.Agreements {
			if !l.Kind.Valid() || strings.TrimSpace(l.ID) == "" {
				t.Fatalf("decoded agreement link %+v", l)
			}
		}
		b1, err := json.Marshal(&s)
		if err != nil {
			if !errors.Is(err, lifecycle.ErrValidation) {
				t.Fatalf("marshal failed with %v, want ErrValidation", err)
			}
			if s.Status.Valid() && s.Criticality != "" {
				t.Fatalf("valid service failed to marshal: %v", err)
			}
			return
		}
		var back lifecycle.ITService
		if err := json.Unmarshal(b1, &back); err != nil {
			t.Fatalf("re-decoding our own output %s: %v", b1, err)
		}
		b2, err := json.Marshal(&back)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("round trip changed the encoding:\n%s\n%s", b1, b2)
		}
		c := back.Clone()
		b3, _ := json.Marshal(c)
		if !bytes.Equal(b2, b3) {
			t.Fatalf("Clone changed the encoding")
		}
	})
}

func containsEnum[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
