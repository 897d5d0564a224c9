package lifecycle_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// FuzzImprovementJSON checks the JSON of an improvement-register entry:
// decoding never panics and never yields an unknown status; encoding
// fails (with ErrValidation) exactly when the status is unknown or empty,
// so an invalid value is never written; what encodes re-decodes to an
// equal improvement and re-encodes to the same bytes; Clone is deep.
func FuzzImprovementJSON(f *testing.F) {
	x := improvementFixture(f)
	for _, ev := range []lifecycle.ImprovementEvent{lifecycle.ImprovementApprove, lifecycle.ImprovementStart} {
		if _, err := x.Apply(ownerAlice, svcT0.Add(time.Hour), improvementCommandFor(x, ev)); err != nil {
			f.Fatal(err)
		}
	}
	seed, err := json.Marshal(x)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	for _, s := range []string{
		`{"id":"CSI1","status":"completed","result":"1h"}`, `{"status":"done"}`, `{"status":""}`, `{}`,
		`{"status":"in_progress","history":[{"seq":1,"changes":[]}]}`, `{"status":"rejected","updated_at":"2026-03-02T10:00:00-05:00"}`,
		`{"status":"proposed","version":9223372036854775807}`, `{"status":"proposed","history":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var x lifecycle.Improvement
		if err := json.Unmarshal(data, &x); err != nil {
			return
		}
		if x.Status != "" && !x.Status.Valid() {
			t.Fatalf("decoded unknown status %q", x.Status)
		}
		b1, err := json.Marshal(&x)
		if err != nil {
			switch {
			case !x.Status.Valid() && !errors.Is(err, lifecycle.ErrValidation):
				t.Fatalf("marshal of status %q failed with %v, want ErrValidation", x.Status, err)
			case x.Status.Valid() && !strings.Contains(err.Error(), "Time.MarshalJSON"):
				// Only a time RFC 3339 cannot write may fail.
				t.Fatalf("an improvement in status %q failed to marshal: %v", x.Status, err)
			}
			return
		}
		if !x.Status.Valid() {
			t.Fatalf("status %q was written", x.Status)
		}
		var back lifecycle.Improvement
		if err := json.Unmarshal(b1, &back); err != nil {
			t.Fatalf("re-decoding our own output %s: %v", b1, err)
		}
		b2, err := json.Marshal(&back)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("round trip changed the encoding (%v):\n%s\n%s", err, b1, b2)
		}
		c := back.Clone()
		if !reflect.DeepEqual(c, &back) {
			t.Fatalf("Clone differs")
		}
		if len(c.History) > 0 {
			c.History[0].Actor += "-changed"
			if back.History[0].Actor == c.History[0].Actor {
				t.Fatalf("Clone shares History")
			}
		}
	})
}
