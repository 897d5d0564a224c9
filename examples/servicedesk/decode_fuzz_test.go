package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/request"
)

// FuzzDecodeBody feeds arbitrary request bodies to the strict decoder for a
// few command types, a service request order among them. It must never panic; it either refuses the body with
// a *requestError of status 400 or 413, or fills the command, and then:
//
//   - the body was UTF-8 and, decoded by encoding/json alone, holds no NUL
//     (text that no record can hold is refused);
//   - the command, encoded again under the desk's keys, decodes to the
//     same command (what the decoder accepts, it reads back the same).
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"title":"VPN down","impact":1,"urgency":2}`,
		`{"reason":"awaiting_caller","comment":"which version?"}`, `{"reason":"awaiting_nobody"}`,
		`{"code":"solution_provided","notes":"fixed"}`, `{"title":1}`, `{"unknown":true}`,
		`{"type":"normal","title":"Upgrade","plans":{"implementation":"a","backout":"b","test":"c"}}`,
		`{"type":"normal","plans":{"implementation":"a","extra":1}}`, `{"a":1}{"b":2}`,
		`{"title":"nul\u0000"}`, "{\"title\":\"caf\xe9\"}", `{"title":"t","attributes":{"\u0000":"x"}}`,
		"{}]\xa3", // a stray "]" after the object
		`{"lines":[{"item":"mouse","values":{"colour":"red"}}],"requested_for":"sam"}`, `{"lines":[{"item":1}]}`,
		`{"lines":[{"item":"kit","values":{"a":"\u0000"}}]}`, `{"state":"closed_complete","notes":"done"}`, `{"state":"open"}`,
	} {
		f.Add([]byte(seed), uint8(0))
		f.Add([]byte(seed), uint8(3))
		f.Add([]byte(seed), uint8(4))
		f.Add([]byte(seed), uint8(5))
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		first, err := decodeAs(which, body)
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) {
				t.Fatalf("not a *requestError: %T %v", err, err)
			}
			if re.Status != http.StatusBadRequest && re.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d for a bad body: %v", re.Status, err)
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted a body that is not UTF-8: %q", body)
		}
		var generic any
		if json.Unmarshal(body, &generic) == nil && holdsNUL(generic) {
			t.Fatalf("accepted a body holding NUL: %q", body)
		}
		again, err := encodeCommand(first)
		if err != nil {
			t.Fatalf("encode %+v: %v", first, err)
		}
		second, err := decodeAs(which, again)
		if err != nil {
			t.Fatalf("%q was accepted as %+v, which encoded as %s is refused: %v", body, first, again, err)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("%q was accepted as %+v, which encoded as %s reads back as %+v", body, first, again, second)
		}
	})
}

// decodeAs decodes body with decodeBody into the command type which
// picks.
func decodeAs(which uint8, body []byte) (any, error) {
	var dst any
	switch which % 6 {
	case 0:
		dst = &incident.Open{}
	case 1:
		dst = &incident.Hold{}
	case 2:
		dst = &incident.Resolve{}
	case 3:
		dst = &change.Create{}
	case 4:
		dst = &request.Order{}
	default:
		dst = &request.CloseTask{}
	}
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	return dst, decodeBody(httptest.NewRecorder(), r, dst)
}

// encodeCommand encodes cmd, a pointer to a command struct, as a client
// would send it: its set fields under the desk's keys (see jsonFields).
func encodeCommand(cmd any) ([]byte, error) {
	v := reflect.ValueOf(cmd).Elem()
	obj := map[string]json.RawMessage{}
	for key, f := range jsonFields(v.Type()) {
		fv := v.Field(f.index)
		if fv.IsZero() {
			continue
		}
		b, err := json.Marshal(fv.Interface())
		if err != nil {
			return nil, err
		}
		obj[key] = b
	}
	return json.Marshal(obj)
}

// holdsNUL reports whether v, decoded by encoding/json, holds a NUL in a
// string or an object key.
func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, x := range v {
			if holdsNUL(x) {
				return true
			}
		}
	case map[string]any:
		for k, x := range v {
			if holdsNUL(k) || holdsNUL(x) {
				return true
			}
		}
	}
	return false
}
