package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
)

// FuzzDecodeBody feeds arbitrary request bodies to the strict decoder for a
// few command types. It must never panic; it either fills the command or
// returns a *requestError with a 4xx status; and a body it accepted is
// accepted again, with the same result, when decoded a second time.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"title":"VPN down","impact":1,"urgency":2}`,
		`{"reason":"awaiting_caller","comment":"which version?"}`, `{"reason":"awaiting_nobody"}`,
		`{"code":"solution_provided","notes":"fixed"}`, `{"title":1}`, `{"unknown":true}`,
		`{"type":"normal","title":"Upgrade","plans":{"implementation":"a","backout":"b","test":"c"}}`,
		`{"type":"normal","plans":{"implementation":"a","extra":1}}`, `{"a":1}{"b":2}`,
	} {
		f.Add([]byte(seed), uint8(0))
		f.Add([]byte(seed), uint8(2))
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		decode := func() (any, error) {
			var dst any
			switch which % 4 {
			case 0:
				dst = &incident.Open{}
			case 1:
				dst = &incident.Hold{}
			case 2:
				dst = &incident.Resolve{}
			default:
				dst = &change.Create{}
			}
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			return dst, decodeBody(httptest.NewRecorder(), r, dst)
		}
		first, err := decode()
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) {
				t.Fatalf("not a *requestError: %T %v", err, err)
			}
			if re.Status != 0 && (re.Status < 400 || re.Status > 499) {
				t.Fatalf("status %d for a bad body", re.Status)
			}
			return
		}
		second, err := decode()
		if err != nil {
			t.Fatalf("accepted once, refused the second time: %v", err)
		}
		if a, b := first, second; !reflect.DeepEqual(a, b) {
			t.Fatalf("two decodings differ: %+v vs %+v", a, b)
		}
	})
}
