package request_test

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
)

// answers returns the fewest answers the starter kit accepts, with more.
func answers(more request.Values) request.Values {
	v := request.Values{"start": "2026-09-01", "for": "u-ada"}
	maps.Copy(v, more)
	return v
}

// defaults are what the starter kit adds to answers when nothing more is
// given.
var defaults = request.Values{"laptop": "standard", "accounts": "email", "monitors": "1", "start": "2026-09-01", "for": "u-ada"}

// TestCheckValuesAccepts checks the normal form of accepted values, for
// every type and rule, and that the normal form checks to itself.
func TestCheckValuesAccepts(t *testing.T) {
	cases := []struct {
		name string
		in   request.Values
		want request.Values // the entries that differ from defaults; "" is left out
	}{
		{"defaults filled", nil, nil},
		{"values trimmed", request.Values{"start": " 2026-09-01\n", "for": "\tu-ada "}, nil},
		{"blank values take the default", request.Values{"laptop": " ", "accounts": "", "monitors": "\t"}, nil},
		{"blank optional values are left out", request.Values{"parking": " ", "desk": "", "notes": "  "}, nil},

		{"a choice", request.Values{"laptop": "developer"}, request.Values{"laptop": "developer"}},
		{"a choice trimmed", request.Values{"laptop": " none "}, request.Values{"laptop": "none"}},
		{"one of a multiple choice", request.Values{"accounts": "vpn"}, request.Values{"accounts": "vpn"}},
		{"a multiple choice in the choices' order", request.Values{"accounts": " finance , email,vpn "}, request.Values{"accounts": "email,vpn,finance"}},

		{"a text at its minimum length", request.Values{"desk": "A-1"}, request.Values{"desk": "A-1"}},
		{"a text at its maximum length", request.Values{"desk": "Z-999999"}, request.Values{"desk": "Z-999999"}},
		{"a text trimmed", request.Values{"desk": "  B-42 "}, request.Values{"desk": "B-42"}},
		{"a text at the value limit", request.Values{"notes": long(lifecycle.MaxValueLength, "é")}, request.Values{"notes": long(lifecycle.MaxValueLength, "é")}},
		{"a text of several lines", request.Values{"notes": "first\nsecond"}, request.Values{"notes": "first\nsecond"}},

		{"a number at its minimum", request.Values{"monitors": "0"}, request.Values{"monitors": "0"}},
		{"a number at its maximum", request.Values{"monitors": "3"}, request.Values{"monitors": "3"}},
		{"a fraction", request.Values{"monitors": "2.5"}, request.Values{"monitors": "2.5"}},
		{"a number with trailing zeros", request.Values{"monitors": "2.000"}, request.Values{"monitors": "2"}},
		{"a number with a sign", request.Values{"monitors": "+2"}, request.Values{"monitors": "2"}},
		{"a number with an exponent", request.Values{"monitors": "25e-1"}, request.Values{"monitors": "2.5"}},
		{"a negative zero", request.Values{"monitors": "-0"}, request.Values{"monitors": "0"}},
		{"a number with leading zeros", request.Values{"monitors": "002"}, request.Values{"monitors": "2"}},

		{"true", request.Values{"parking": "true"}, request.Values{"parking": "true"}},
		{"false", request.Values{"parking": " false"}, request.Values{"parking": "false"}},
		{"a leap day", request.Values{"start": "2028-02-29"}, request.Values{"start": "2028-02-29"}},
		{"a user", request.Values{"for": long(lifecycle.MaxNameLength, "u")}, request.Values{"for": long(lifecycle.MaxNameLength, "u")}},
		{"a configuration item", request.Values{"phone": " CI-PHONE-7 "}, request.Values{"phone": "CI-PHONE-7"}},
	}
	item := starterKit()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := answers(c.in)
			kept := maps.Clone(in)
			want := maps.Clone(defaults)
			maps.Copy(want, c.want)
			got, err := item.CheckValues(in)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.Equal(t, kept, in, "the answers are not modified")

			again, err := item.CheckValues(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "the normal form checks to itself")
		})
	}
}

// TestCheckValuesRefuses checks every refusal of a value: each names the
// variable as "variables.<name>" and matches lifecycle.ErrValidation.
func TestCheckValuesRefuses(t *testing.T) {
	cases := []struct {
		name  string
		in    request.Values
		field string
		says  string // part of the reason, when the field alone does not tell the refusal
	}{
		{"an unknown variable", request.Values{"colour": "red"}, "variables.colour", ""},
		{"the lowest unknown variable first", request.Values{"zeta": "1", "alpha": "2"}, "variables.alpha", ""},
		{"an unknown variable before a missing one", request.Values{"for": "", "fro": "u-ada"}, "variables.fro", ""},
		{"a variable in the wrong case", request.Values{"Laptop": "none"}, "variables.Laptop", ""},
		{"a missing required value", request.Values{"for": ""}, "variables.for", "required"},
		{"a blank required value", request.Values{"start": " \t"}, "variables.start", ""},

		{"a choice not in the list", request.Values{"laptop": "gold"}, "variables.laptop", "not one of the choices"},
		{"a choice in the wrong case", request.Values{"laptop": "Standard"}, "variables.laptop", ""},
		{"two values of a single choice", request.Values{"laptop": "standard,none"}, "variables.laptop", ""},
		{"a multiple choice not in the list", request.Values{"accounts": "email,hr"}, "variables.accounts", ""},
		{"a multiple choice chosen twice", request.Values{"accounts": "vpn, vpn"}, "variables.accounts", "chosen twice"},
		{"a multiple choice with an empty choice", request.Values{"accounts": "email,,vpn"}, "variables.accounts", ""},
		{"a multiple choice of commas only", request.Values{"accounts": ","}, "variables.accounts", ""},

		{"a text too short", request.Values{"desk": "A-"}, "variables.desk", "fewer than the 3 required"},
		{"a text too long", request.Values{"desk": "A-1234567"}, "variables.desk", "longer than the 8 allowed"},
		{"a text not matching", request.Values{"desk": "a-1"}, "variables.desk", "does not match"},
		{"a text matching only in part", request.Values{"desk": "xA-1"}, "variables.desk", "does not match"},
		{"a text over the value limit", request.Values{"notes": long(lifecycle.MaxValueLength+1, "n")}, "variables.notes", "longer than the 1024 allowed"},

		{"a number below the minimum", request.Values{"monitors": "-1"}, "variables.monitors", "below the minimum 0"},
		{"a number above the maximum", request.Values{"monitors": "3.01"}, "variables.monitors", "above the maximum 3"},
		{"a word for a number", request.Values{"monitors": "two"}, "variables.monitors", ""},
		{"a hexadecimal number", request.Values{"monitors": "0x1"}, "variables.monitors", ""},
		{"a number with underscores", request.Values{"monitors": "1_0"}, "variables.monitors", ""},
		{"infinity", request.Values{"monitors": "Inf"}, "variables.monitors", ""},
		{"not a number", request.Values{"monitors": "NaN"}, "variables.monitors", ""},
		{"a number out of float range", request.Values{"monitors": "1e400"}, "variables.monitors", ""},
		{"two signs", request.Values{"monitors": "+-1"}, "variables.monitors", ""},
		{"a number with a comma", request.Values{"monitors": "1,5"}, "variables.monitors", ""},

		{"yes for a boolean", request.Values{"parking": "yes"}, "variables.parking", ""},
		{"a boolean in capitals", request.Values{"parking": "TRUE"}, "variables.parking", ""},
		{"a digit for a boolean", request.Values{"parking": "1"}, "variables.parking", ""},

		{"a date without zeros", request.Values{"start": "2026-9-1"}, "variables.start", ""},
		{"a day that does not exist", request.Values{"start": "2026-02-29"}, "variables.start", ""},
		{"a date in another layout", request.Values{"start": "01/09/2026"}, "variables.start", ""},
		{"a date with a time", request.Values{"start": "2026-09-01T09:00:00Z"}, "variables.start", ""},

		{"a user ID too long", request.Values{"for": long(lifecycle.MaxNameLength+1, "u")}, "variables.for", ""},
		{"a configuration item ID too long", request.Values{"phone": long(lifecycle.MaxNameLength+1, "c")}, "variables.phone", ""},
		{"a huge value", request.Values{"parking": long(100_000, "t")}, "variables.parking", ""},
	}
	item := starterKit()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := answers(c.in)
			kept := maps.Clone(in)
			got, err := item.CheckValues(in)
			ve := lifecycletest.CheckInvalid(t, err, c.field)
			assert.Nil(t, got)
			assert.Equal(t, kept, in, "the answers are not modified")
			assert.LessOrEqual(t, len(ve.Error()), 400, "the error quotes no long input whole: %s", ve)
			assert.Contains(t, ve.Reason, c.says)
		})
	}
}

func TestCheckValuesWithoutVariables(t *testing.T) {
	item := starterKit()
	item.Variables, item.Plan = nil, request.Plan{}
	got, err := item.CheckValues(nil)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = item.CheckValues(request.Values{"laptop": "none"})
	lifecycletest.CheckInvalid(t, err, "variables.laptop")
}

func TestCheckValuesRequiredDefault(t *testing.T) {
	item := starterKit()
	got, err := item.CheckValues(answers(request.Values{"laptop": ""}))
	require.NoError(t, err)
	assert.Equal(t, "standard", got["laptop"], "a required variable with a default is answered by it")

	item.Variables[0].Default = ""
	_, err = item.CheckValues(answers(request.Values{"laptop": ""}))
	lifecycletest.CheckInvalid(t, err, "variables.laptop")
}

func TestCheckValuesReportsABrokenPattern(t *testing.T) {
	item := starterKit()
	item.Variables[3].Pattern = "[A-Z" // never registered: Validate refuses it
	_, err := item.CheckValues(answers(request.Values{"desk": "A-1"}))
	lifecycletest.CheckInvalid(t, err, "variables[3].pattern")
}
