package lifecycletest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// A jsColour is an enumeration as a process writes one; jsBadColour
// writes one member under another's name.
type (
	jsColour    string
	jsBadColour string
)

func (c jsColour) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, lifecycle.Invalid("colour", "unknown %q", string(c))
	}
	return []byte(c), nil
}
func (c jsColour) Valid() bool    { return c == "red" || c == "blue" }
func (c jsColour) String() string { return string(c) }

func (c *jsColour) UnmarshalText(b []byte) error {
	if v := jsColour(b); v.Valid() {
		*c = v
		return nil
	}
	return lifecycle.Invalid("colour", "unknown %q", b)
}

func (c jsBadColour) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(c))), nil }

func (c *jsBadColour) UnmarshalText(b []byte) error { *c = jsBadColour(b); return nil }

// A jsPaint decodes only known colours, and all or nothing, as a process's
// record does; jsLeakyPaint keeps its name when it refuses its colour.
type (
	jsPaint struct {
		Name   string   `json:"name"`
		Colour jsColour `json:"colour"`
	}
	jsLeakyPaint struct {
		Name   string
		Colour string
	}
)

func (p *jsPaint) UnmarshalJSON(b []byte) error {
	type plain jsPaint
	var x plain
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*p = jsPaint(x)
	return nil
}

func (p *jsLeakyPaint) UnmarshalJSON(b []byte) error {
	var raw struct{ Name, Colour string }
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	p.Name = raw.Name
	if !jsColour(raw.Colour).Valid() {
		return lifecycle.Invalid("colour", "unknown")
	}
	p.Colour = raw.Colour
	return nil
}

func TestEdit(t *testing.T) {
	if got := string(lifecycletest.Edit(t, []byte(`{"a":1,"a":1}`), `"a":1`, `"b":2`)); got != `{"b":2,"a":1}` {
		t.Errorf("Edit = %s, want the first replaced", got)
	}
	fails(t, "an edit that does not apply", func(f *tbFailures) { lifecycletest.Edit(f, []byte(`{}`), `"a"`, `"b"`) })
}

func TestCheckJSONRefused(t *testing.T) {
	bad := []byte(`{"name":"n","colour":"green"}`)
	passes(t, "a refused colour", func(f *tbFailures) { lifecycletest.CheckJSONRefused[jsPaint](f, bad, "colour") })
	for name, check := range map[string]func(*tbFailures){
		"a good document":   func(f *tbFailures) { lifecycletest.CheckJSONRefused[jsPaint](f, []byte(`{"colour":"red"}`), "") },
		"another field":     func(f *tbFailures) { lifecycletest.CheckJSONRefused[jsPaint](f, bad, "name") },
		"a syntax error":    func(f *tbFailures) { lifecycletest.CheckJSONRefused[jsPaint](f, []byte(`{`), "") },
		"a half-decoded T":  func(f *tbFailures) { lifecycletest.CheckJSONRefused[jsLeakyPaint](f, bad, "colour") },
		"a refusal by type": func(f *tbFailures) { lifecycletest.CheckJSONRefused[jsPaint](f, []byte(`{"name":1}`), "") },
	} {
		fails(t, name, check)
	}
}

func TestCheckEnumText(t *testing.T) {
	passes(t, "good colours", func(f *tbFailures) { lifecycletest.CheckEnumText(f, []jsColour{"red", "blue"}) })
	fails(t, "a member that does not unmarshal", func(f *tbFailures) { lifecycletest.CheckEnumText(f, []jsColour{"red", "green"}) })
	fails(t, "a member that unmarshals to another", func(f *tbFailures) { lifecycletest.CheckEnumText(f, []jsBadColour{"red"}) })
}

func TestCheckEnumRefuses(t *testing.T) {
	passes(t, "an unknown colour", func(f *tbFailures) {
		if err := lifecycletest.CheckEnumRefuses(f, jsColour("green")); err == nil {
			f.Errorf("no unmarshalling error returned")
		}
	})
	fails(t, "a known colour", func(f *tbFailures) { lifecycletest.CheckEnumRefuses(f, jsColour("red")) })
	fails(t, "an enumeration that takes anything", func(f *tbFailures) { lifecycletest.CheckEnumRefuses(f, jsBadColour("green")) })
}

// A jsDrifter encodes one more star each time it is decoded.
type jsDrifter struct{ Stars string }

func (d *jsDrifter) UnmarshalJSON(b []byte) error {
	var raw struct{ Stars string }
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	d.Stars = raw.Stars + "*"
	return nil
}

func TestCheckJSONFixedPoint(t *testing.T) {
	passes(t, "a stable paint", func(f *tbFailures) {
		got, ok := lifecycletest.CheckJSONFixedPoint[jsPaint](f, []byte(`{"name":"n","colour":"red"}`))
		if !ok || got.Name != "n" {
			f.Errorf("got %+v, %v", got, ok)
		}
	})
	passes(t, "a refused document", func(f *tbFailures) {
		if _, ok := lifecycletest.CheckJSONFixedPoint[jsPaint](f, []byte(`{"colour":"green"}`)); ok {
			f.Errorf("a refused document decoded")
		}
	})
	fails(t, "an encoding that drifts", func(f *tbFailures) { lifecycletest.CheckJSONFixedPoint[jsDrifter](f, []byte(`{"Stars":""}`)) })
}
