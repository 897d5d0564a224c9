package lifecycle_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
)

// FuzzMatrixJSON checks Matrix.UnmarshalJSON: a matrix it accepts is
// total (every impact 1..Impacts × urgency 1..Urgencies has a priority of
// at least 1, the table is rectangular and non-empty), refuses impacts and
// urgencies out of range with a *ValidationError naming them, and survives
// a MarshalJSON round trip unchanged; an input it rejects gives a
// *ValidationError for "matrix" (matching ErrValidation) and leaves the
// matrix as it was.
func FuzzMatrixJSON(f *testing.F) {
	for _, s := range []string{
		`[[1,2,3],[2,3,4],[3,4,5]]`, `[[1,1,2,3],[1,2,3,4],[2,3,4,4]]`, `[[1]]`, `null`, `[]`, `[[]]`,
		`[[1,2],[3]]`, `[[0]]`, `[[-1,2]]`, `[[1.5]]`, `{"a":1}`, `[[1e30]]`, `"x"`, `[[1],[2],[3],[4],[5],[6]]`,
		`[[9223372036854775807]]`, `[null]`, `[[null]]`,
	} {
		f.Add([]byte(s), int8(1), int8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, impact, urgency int8) {
		sentinel, err := lifecycle.NewMatrix([][]lifecycle.Priority{{7}})
		if err != nil {
			t.Fatal(err)
		}
		m := sentinel
		err = m.UnmarshalJSON(data)
		if err != nil {
			var ve *lifecycle.ValidationError
			if !errors.As(err, &ve) || ve.Field != "matrix" || !errors.Is(err, lifecycle.ErrValidation) {
				t.Fatalf("UnmarshalJSON(%q) = %#v, want a *ValidationError for matrix", data, err)
			}
			if !reflect.DeepEqual(m, sentinel) {
				t.Fatalf("a rejected input changed the matrix")
			}
			return
		}
		ni, nu := m.Impacts(), m.Urgencies()
		if ni < 1 || nu < 1 {
			t.Fatalf("accepted an empty matrix %q: %d × %d", data, ni, nu)
		}
		for i := 1; i <= ni; i++ {
			for u := 1; u <= nu; u++ {
				p, err := m.Priority(lifecycle.Impact(i), lifecycle.Urgency(u))
				if err != nil || p < 1 {
					t.Fatalf("%q: impact %d urgency %d gives (%d, %v)", data, i, u, p, err)
				}
			}
		}
		p, err := m.Priority(lifecycle.Impact(impact), lifecycle.Urgency(urgency))
		inRange := int(impact) >= 1 && int(impact) <= ni && int(urgency) >= 1 && int(urgency) <= nu
		if inRange != (err == nil) {
			t.Fatalf("Priority(%d, %d) on %d × %d = (%d, %v)", impact, urgency, ni, nu, p, err)
		}
		if err != nil {
			var ve *lifecycle.ValidationError
			if !errors.As(err, &ve) || (ve.Field != "impact" && ve.Field != "urgency") {
				t.Fatalf("out of range: %#v", err)
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back lifecycle.Matrix
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-reading %s: %v", b, err)
		}
		b2, _ := json.Marshal(back)
		if string(b) != string(b2) || back.Impacts() != ni || back.Urgencies() != nu {
			t.Fatalf("round trip %s -> %s", b, b2)
		}
	})
}
