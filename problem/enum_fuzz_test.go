package problem_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// checkEnumJSON decodes raw into an enumeration T, starting from a
// sentinel value, and checks it against the list of known names:
//
//   - JSON null leaves the value alone, as encoding/json does for any
//     TextUnmarshaler;
//   - JSON that is not a string is an error and leaves the value alone;
//   - a known name (and "" when the enumeration is optional) decodes to
//     itself and encodes back to the canonical JSON string;
//   - any other string is a *lifecycle.ValidationError naming field,
//     matches lifecycle.ErrValidation, leaves the value alone, and cannot
//     be encoded either.
func checkEnumJSON[T ~string](t *testing.T, field string, known []T, optional bool, raw []byte) {
	t.Helper()
	const sentinel = "sentinel-not-a-name"
	v := T(sentinel)
	err := json.Unmarshal(raw, &v)

	var decoded any
	if json.Unmarshal(raw, &decoded) == nil && decoded == nil { // null
		if err != nil || v != sentinel {
			t.Fatalf("%s: null gave %q, %v; want the value untouched", field, v, err)
		}
		return
	}
	var name string
	if serr := json.Unmarshal(raw, &name); serr != nil {
		if err == nil || v != sentinel {
			t.Fatalf("%s: %q is not a JSON string, yet decoded as %q (err %v)", field, raw, v, err)
		}
		return
	}
	if slices.Contains(known, T(name)) || optional && name == "" {
		if err != nil || string(v) != name {
			t.Fatalf("%s: known name %q decoded as %q, %v", field, name, v, err)
		}
		back, err := json.Marshal(v)
		want, _ := json.Marshal(name)
		if err != nil || string(back) != string(want) {
			t.Fatalf("%s: %q encodes as %s, %v; want %s", field, name, back, err, want)
		}
		return
	}
	var ve *lifecycle.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, lifecycle.ErrValidation) || ve.Field != field {
		t.Fatalf("%s: unknown name %q gave %v; want a *lifecycle.ValidationError on %q", field, name, err, field)
	}
	if v != sentinel {
		t.Fatalf("%s: unknown name %q was decoded into %q", field, name, v)
	}
	if _, err := json.Marshal(T(name)); !errors.Is(err, lifecycle.ErrValidation) {
		t.Fatalf("%s: encoding unknown name %q gave %v; want ErrValidation", field, name, err)
	}
}

// FuzzEnumJSON decodes any JSON as each of the package's enumerations
// (State, Event, ResolutionCode) and checks it with checkEnumJSON: known
// names round-trip, unknown ones are refused with a typed error that names
// the field, and nothing half-decodes.
func FuzzEnumJSON(f *testing.F) {
	for _, s := range problem.States() {
		f.Add([]byte(`"` + s + `"`))
	}
	for _, e := range problem.Events() {
		f.Add([]byte(`"` + e + `"`))
	}
	for _, c := range problem.ResolutionCodes() {
		f.Add([]byte(`"` + c + `"`))
	}
	for _, s := range []string{`""`, `"New"`, `" new"`, `"new "`, `"\u006eew"`, `"fix"`, `"closed\u0000"`,
		`null`, ` null `, `1`, `true`, `{}`, `["new"]`, `"`, `"\ud800"`, `"résolu"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkEnumJSON(t, "state", problem.States(), false, raw)
		checkEnumJSON(t, "event", problem.Events(), false, raw)
		checkEnumJSON(t, "resolution", problem.ResolutionCodes(), true, raw)
	})
}
