package lifecycle_test

import (
	"encoding"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
)

// enumCase is one enum type under FuzzEnumText: its members spelled out
// independently of the package's lists, and the field its errors name.
type enumCase struct {
	name    string
	field   string
	members []string
	check   func(t *testing.T, c enumCase, s string)
}

// checkEnum checks one spelling s against enum T: UnmarshalText accepts
// exactly the members (then MarshalText gives s back), and rejects
// anything else with a *ValidationError for c.field that matches
// ErrValidation, leaving the value as it was; JSON decoding of the quoted
// spelling agrees; MarshalText of T(s) fails exactly for non-members.
func checkEnum[T ~string, P interface {
	*T
	encoding.TextUnmarshaler
}](t *testing.T, c enumCase, s string) {
	known := slices.Contains(c.members, s)
	start := T(c.members[0])
	v := start
	err := P(&v).UnmarshalText([]byte(s))
	if known != (err == nil) {
		t.Fatalf("%s.UnmarshalText(%q) = %v, want accepted=%v", c.name, s, err, known)
	}
	if err != nil {
		var ve *lifecycle.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field || !errors.Is(err, lifecycle.ErrValidation) {
			t.Fatalf("%s.UnmarshalText(%q): %#v, want a *ValidationError for %q", c.name, s, err, c.field)
		}
		if v != start {
			t.Fatalf("%s: a rejected %q changed the value to %q", c.name, s, v)
		}
	} else if string(v) != s {
		t.Fatalf("%s: %q decoded as %q", c.name, s, v)
	}
	b, merr := any(T(s)).(encoding.TextMarshaler).MarshalText()
	if known != (merr == nil) {
		t.Fatalf("%s.MarshalText(%q) = %v, want ok=%v", c.name, s, merr, known)
	}
	if known && string(b) != s {
		t.Fatalf("%s: %q marshals as %q", c.name, s, b)
	}
	if merr != nil && !errors.Is(merr, lifecycle.ErrValidation) {
		t.Fatalf("%s.MarshalText(%q): %v, want ErrValidation", c.name, s, merr)
	}
	quoted, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var j T
	jerr := json.Unmarshal(quoted, &j)
	if known != (jerr == nil) || (known && string(j) != s) {
		t.Fatalf("%s: JSON %s decodes to (%q, %v)", c.name, quoted, j, jerr)
	}
	if jerr != nil && !errors.Is(jerr, lifecycle.ErrValidation) {
		t.Fatalf("%s: JSON %s: %v, want ErrValidation", c.name, quoted, jerr)
	}
}

var enumCases = []enumCase{
	{"Status", "status", []string{"requirements", "defined", "analysed", "approved", "chartered", "designed", "developed",
		"built", "tested", "released", "operational", "retiring", "retired"}, checkEnum[lifecycle.Status]},
	{"ServiceEvent", "event", []string{"advance", "reject", "rework", "phase_out", "reinstate", "retire"}, checkEnum[lifecycle.ServiceEvent]},
	{"ImprovementStatus", "status", []string{"proposed", "approved", "in_progress", "completed", "rejected"}, checkEnum[lifecycle.ImprovementStatus]},
	{"ImprovementEvent", "event", []string{"approve", "start", "complete", "reject"}, checkEnum[lifecycle.ImprovementEvent]},
	{"AgreementKind", "kind", []string{"sla", "ola", "underpinning_contract"}, checkEnum[lifecycle.AgreementKind]},
	{"Criticality", "criticality", []string{"critical", "high", "medium", "low"}, checkEnum[lifecycle.Criticality]},
	{"Stage", "stage", []string{"strategy", "design", "transition", "operation", "continual_improvement"}, checkEnum[lifecycle.Stage]},
	{"PortfolioPart", "portfolio", []string{"pipeline", "catalogue", "retired"}, checkEnum[lifecycle.PortfolioPart]},
}

// FuzzEnumText checks the text and JSON decoding of every enum of the
// package (service statuses and events, improvement statuses and events,
// agreement kinds, criticalities, stages, portfolio parts): known names
// round-trip, unknown ones are rejected with a typed error and change
// nothing. The package's own lists must equal the members spelled out
// here.
func FuzzEnumText(f *testing.F) {
	for _, c := range enumCases {
		for _, m := range c.members {
			f.Add(m)
		}
	}
	for _, s := range []string{"", " ", "Operational", "operational ", "phase-out", "SLA", "retired\x00", "\xff", "in progress"} {
		f.Add(s)
	}
	own := map[string][]string{
		"Status": strs(lifecycle.Statuses()), "ServiceEvent": strs(lifecycle.ServiceEvents()),
		"ImprovementStatus": strs(lifecycle.ImprovementStatuses()), "ImprovementEvent": strs(lifecycle.ImprovementEvents()),
		"AgreementKind": strs(lifecycle.AgreementKinds()), "Criticality": strs(lifecycle.Criticalities()),
		"Stage": strs(lifecycle.Stages()), "PortfolioPart": strs(lifecycle.PortfolioParts()),
	}
	for _, c := range enumCases {
		if !slices.Equal(own[c.name], c.members) {
			f.Fatalf("%s lists %v, the spelled-out members are %v", c.name, own[c.name], c.members)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range enumCases {
			c.check(t, c, s)
		}
	})
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
