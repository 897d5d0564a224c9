package lifecycletest

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// helper marks the caller of a check as a helper, when t can.
func helper(t require.TestingT) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
}

// Edit returns doc with the first from replaced by to, and stops t with a
// failure when doc has no from: an edit that does not apply would test
// the good document.
func Edit(t require.TestingT, doc []byte, from, to string) []byte {
	helper(t)
	out := bytes.Replace(doc, []byte(from), []byte(to), 1)
	require.NotEqual(t, string(doc), string(out), "the edit of %q must apply", from)
	return out
}

// CheckJSONRefused fails t unless doc, decoded with json.Unmarshal into a
// zero T (a record type: incident.Incident, ...), is an error matching
// lifecycle.ErrValidation that leaves the T zero. With field set, the error
// is a *lifecycle.ValidationError (or unwraps to one) for that field.
// msgAndArgs say which document it is, as in testify.
func CheckJSONRefused[T any](t require.TestingT, doc []byte, field string, msgAndArgs ...any) {
	helper(t)
	var x T
	err := json.Unmarshal(doc, &x)
	require.ErrorIs(t, err, lifecycle.ErrValidation, msgAndArgs...)
	if field != "" {
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve, msgAndArgs...)
		assert.Equal(t, field, ve.Field, msgAndArgs...)
	}
	var zero T
	assert.Equal(t, zero, x, msgAndArgs...)
}

// CheckEnumText fails t unless each of values, the members of a process's
// enumeration (its States(), Events(), ...), marshals as text and
// unmarshals back to itself, and, when the type has the methods, is Valid
// and has its own string as String.
func CheckEnumText[E interface {
	~string
	encoding.TextMarshaler
}, P interface {
	*E
	encoding.TextUnmarshaler
}](t require.TestingT, values []E) {
	helper(t)
	for _, e := range values {
		b, err := e.MarshalText()
		require.NoError(t, err, "%T %q", e, e)
		var back E
		require.NoError(t, P(&back).UnmarshalText(b), "%T %q", e, e)
		assert.Equal(t, e, back)
		if v, ok := any(e).(interface{ Valid() bool }); ok {
			assert.True(t, v.Valid(), "%T %q is valid", e, e)
		}
		if s, ok := any(e).(fmt.Stringer); ok {
			assert.Equal(t, string(e), s.String(), "%T %q", e, e)
		}
	}
}

// CheckEnumRefuses fails t unless bad, a value outside its enumeration,
// neither marshals nor unmarshals as text: both are errors matching
// lifecycle.ErrValidation, and the unmarshalling leaves its target as it
// was. It returns the unmarshalling error, for checks of its message.
func CheckEnumRefuses[E interface {
	~string
	encoding.TextMarshaler
}, P interface {
	*E
	encoding.TextUnmarshaler
}](t require.TestingT, bad E) error {
	helper(t)
	_, err := bad.MarshalText()
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "marshalling %T %q", bad, bad)
	var back E
	err = P(&back).UnmarshalText([]byte(bad))
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "unmarshalling %T %q", bad, bad)
	assert.Empty(t, back, "a refused %T is not decoded", bad)
	return err
}

// CheckJSONFixedPoint decodes data, a fuzzed document, as a T (a record
// type: incident.Incident, ...) and returns what it decoded and whether
// it decoded. Whatever decodes must encode again, its encoding must
// decode, and encoding that gives the same bytes: the encoding is a fixed
// point. Otherwise it stops t with a failure.
func CheckJSONFixedPoint[T any](t testing.TB, data []byte) (T, bool) {
	t.Helper()
	var x T
	if err := json.Unmarshal(data, &x); err != nil {
		return x, false
	}
	once, err := json.Marshal(&x)
	if err != nil {
		t.Fatalf("a decoded %T does not encode: %v", x, err)
	}
	var y T
	if err := json.Unmarshal(once, &y); err != nil {
		t.Fatalf("a re-encoded %T does not decode: %v\n%s", x, err, once)
	}
	twice, err := json.Marshal(&y)
	if err != nil {
		t.Fatalf("a re-decoded %T does not encode: %v", x, err)
	}
	if !bytes.Equal(once, twice) {
		t.Fatalf("the encoding of %T is not stable:\n%s\n%s", x, once, twice)
	}
	return x, true
}
