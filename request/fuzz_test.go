package request_test

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
)

// FuzzCheckValues checks fuzzed answers to the starter kit's variables,
// one of every type, and one answer under a fuzzed name. CheckValues never
// panics; a refusal is a *lifecycle.ValidationError naming a variable as
// "variables.<name>"; accepted values are in normal form (one entry per
// answered variable, none blank, none over the value limit), check again
// to themselves, leave the answers as they were, and expand the plan.
func FuzzCheckValues(f *testing.F) {
	f.Add("standard", "2026-09-01", "email,vpn", "A-1", "2", "true", "u-ada", "CI-1", "notes", "", "")
	f.Add(" developer ", "2028-02-29", " finance , email", "Z-999999", "+2.50", "false", " u ", "", "", "desk", "B-2")
	f.Add("", "", "", "", "", "", "", "", "", "colour", "red")
	f.Add("gold", "2026-02-30", "email,,vpn", "a-1", "0x1", "TRUE", "", "", "", "Laptop", "x")
	f.Add("none", "2026-9-1", "vpn,vpn", "A-1234567", "1e400", "1", "u", "c", strings.Repeat("é", 1025), "", "")
	f.Add("none", "2026-12-31", ",", "A-", "-0", "yes", "u", "c", "", "monitors", "NaN")
	f.Fuzz(func(t *testing.T, laptop, start, accounts, desk, monitors, parking, user, phone, notes, name, value string) {
		item := starterKit()
		in := request.Values{
			"laptop": laptop, "start": start, "accounts": accounts, "desk": desk, "monitors": monitors,
			"parking": parking, "for": user, "phone": phone, "notes": notes,
		}
		if name != "" {
			in[name] = value
		}
		kept := maps.Clone(in)
		out, err := item.CheckValues(in)
		if !maps.Equal(kept, in) {
			t.Fatalf("CheckValues changed its answers: %q, was %q", in, kept)
		}
		if err != nil {
			var ve *lifecycle.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, lifecycle.ErrValidation) || !strings.HasPrefix(ve.Field, "variables.") {
				t.Fatalf("refusal %v (%T) is not a validation error naming a variable", err, err)
			}
			if out != nil {
				t.Fatalf("a refusal returns no values, got %q", out)
			}
			return
		}
		for k, v := range out {
			if _, ok := in[k]; !ok {
				t.Fatalf("accepted %q has a variable %q nobody answered", out, k)
			}
			if strings.TrimSpace(v) != v || v == "" || utf8.RuneCountInString(v) > lifecycle.MaxValueLength {
				t.Fatalf("accepted value %s=%q is not in normal form", k, v)
			}
		}
		again, err := item.CheckValues(out)
		if err != nil {
			t.Fatalf("accepted %q, then refused it: %v", out, err)
		}
		if !maps.Equal(out, again) {
			t.Fatalf("accepted %q checks to %q, not to itself", out, again)
		}
		_ = item.Plan.Expand(out)
	})
}
