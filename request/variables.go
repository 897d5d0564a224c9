package request

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/itsmkit/itsm/lifecycle"
)

// VariableType says what a [Variable] holds and how its value is checked.
// Its text form is the snake_case name ("multi_choice"); unknown names are
// rejected when text or JSON is decoded.
type VariableType string

// The variable types.
const (
	// VariableText is free text, trimmed, bounded by the variable's
	// MinLength and MaxLength (at most [lifecycle.MaxValueLength]
	// characters) and matched against its Pattern.
	VariableText VariableType = "text"
	// VariableNumber is a decimal number ("42", "-1.5", "2e3"), written
	// back in its shortest plain form ("2000") and bounded by the
	// variable's Min and Max.
	VariableNumber VariableType = "number"
	// VariableBoolean is "true" or "false".
	VariableBoolean VariableType = "boolean"
	// VariableDate is a calendar date in RFC 3339 form, "2006-01-02".
	VariableDate VariableType = "date"
	// VariableChoice is one of the variable's Choices.
	VariableChoice VariableType = "choice"
	// VariableMultiChoice is one or more of the variable's Choices,
	// separated by commas ("email,vpn") and written back in the order of
	// Choices, each once.
	VariableMultiChoice VariableType = "multi_choice"
	// VariableUser is the ID of a person, as the host knows them (an
	// actor ID). The catalogue checks its form, not that the person
	// exists.
	VariableUser VariableType = "user"
	// VariableConfigItem is the ID of a configuration item. The catalogue
	// checks its form, not that the item exists.
	VariableConfigItem VariableType = "config_item"
)

var variableTypes = []VariableType{
	VariableText, VariableNumber, VariableBoolean, VariableDate,
	VariableChoice, VariableMultiChoice, VariableUser, VariableConfigItem,
}

// VariableTypes returns every variable type.
func VariableTypes() []VariableType { return slices.Clone(variableTypes) }

// String returns the type's name, e.g. "multi_choice".
func (t VariableType) String() string { return string(t) }

// Valid reports whether t is one of [VariableTypes].
func (t VariableType) Valid() bool { return slices.Contains(variableTypes, t) }

// MarshalText returns the type's name, or a *lifecycle.ValidationError for
// an unknown type.
func (t VariableType) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("type", variableTypes, t)
}

// UnmarshalText parses a type's name, rejecting unknown names (the empty
// one included) with a *lifecycle.ValidationError.
func (t *VariableType) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("type", variableTypes, string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// conditional reports whether a plan's [Condition] may test a variable of
// type t: types whose values are choices or hold no comma once checked, so
// that a condition compares whole values (or, for a multiple choice, each
// chosen value) and never parts of free text.
func (t VariableType) conditional() bool {
	switch t {
	case VariableBoolean, VariableNumber, VariableDate, VariableChoice, VariableMultiChoice:
		return true
	}
	return false
}

// DateLayout is the layout of a date variable's value: an RFC 3339 full
// date.
const DateLayout = "2006-01-02"

// Variable is one question a catalogue item asks its requester: its key,
// its type, whether it must be answered, its default and the rule its
// answer must meet. [CatalogItem.CheckValues] checks a requester's
// [Values] against an item's variables.
//
// The rule fields belong to some types only, and [CatalogItem.Validate]
// refuses them on the others: MinLength, MaxLength and Pattern to text,
// Min and Max to number, Choices to choice and multi_choice (which need
// at least one).
type Variable struct {
	// Name is the variable's key in [Values] and in errors
	// ("variables.laptop"): a letter followed by letters, digits, '_' or
	// '-', unique within the item. Required.
	Name string `json:"name"`
	// Label is the question as people read it, e.g. "Which laptop?".
	Label string `json:"label,omitempty"`
	// Type says what the variable holds. Required.
	Type VariableType `json:"type"`
	// Required makes an answer (or a Default) compulsory.
	Required bool `json:"required,omitempty"`
	// Default is the value taken when the requester gives none, in the
	// value's text form; it must meet the variable's rule. Empty means no
	// default.
	Default string `json:"default,omitempty"`
	// Choices are the values a choice or multi_choice variable offers,
	// each unique, without surrounding spaces and without a comma (a
	// multiple choice's value lists choices separated by commas).
	Choices []string `json:"choices,omitempty"`
	// MinLength is the fewest characters a text value has; zero means no
	// minimum.
	MinLength int `json:"min_length,omitempty"`
	// MaxLength is the most characters a text value has, at most
	// [lifecycle.MaxValueLength]; zero means that limit.
	MaxLength int `json:"max_length,omitempty"`
	// Min is the smallest number a number variable accepts; nil means no
	// minimum.
	Min *float64 `json:"min,omitempty"`
	// Max is the largest number a number variable accepts; nil means no
	// maximum.
	Max *float64 `json:"max,omitempty"`
	// Pattern is a regular expression (Go's regexp syntax) that the whole
	// of a text value must match: "[A-Z]{3}-[0-9]+" accepts "FIN-42" and
	// refuses "x FIN-42". Empty means any text.
	Pattern string `json:"pattern,omitempty"`
}

// clone returns a deep copy of v.
func (v Variable) clone() Variable {
	v.Choices = slices.Clone(v.Choices)
	if v.Min != nil {
		m := *v.Min
		v.Min = &m
	}
	if v.Max != nil {
		m := *v.Max
		v.Max = &m
	}
	return v
}

// Values are a requester's answers to a catalogue item's variables, by
// variable name, each in its text form: "true", "2026-09-01", "1499.5".
// A multiple choice lists its chosen values separated by commas
// ("email,vpn"); no choice holds a comma.
type Values map[string]string

var variableName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// validate checks the definition of the variable at field ("variables[2]").
func (v Variable) validate(field string) error {
	at := func(f string) string { return field + "." + f }
	if err := checkText(at("name"), v.Name, lifecycle.MaxNameLength, true); err != nil {
		return err
	}
	if !variableName.MatchString(v.Name) {
		return lifecycle.Invalid(at("name"), "%q: a variable name is a letter followed by letters, digits, '_' or '-'", v.Name)
	}
	if err := checkText(at("label"), v.Label, lifecycle.MaxNameLength, false); err != nil {
		return err
	}
	if v.Type == "" {
		return lifecycle.Invalid(at("type"), "a type is required")
	}
	if _, err := lifecycle.ParseEnum(at("type"), variableTypes, string(v.Type)); err != nil {
		return err
	}
	if err := v.validateRule(at); err != nil {
		return err
	}
	re, err := v.compile(at("pattern"))
	if err != nil {
		return err
	}
	if v.Default != "" {
		if _, err := v.check(at("default"), v.Default, re); err != nil {
			return err
		}
	}
	return nil
}

// validateRule checks the rule fields against the variable's type.
func (v Variable) validateRule(at func(string) string) error {
	choices := v.Type == VariableChoice || v.Type == VariableMultiChoice
	switch {
	case choices && len(v.Choices) == 0:
		return lifecycle.Invalid(at("choices"), "a %s variable needs at least one choice", v.Type)
	case !choices && len(v.Choices) > 0:
		return lifecycle.Invalid(at("choices"), "only choice and multi_choice variables have choices, not %s", v.Type)
	}
	for i, c := range v.Choices {
		f := at("choices[" + strconv.Itoa(i) + "]")
		if err := checkText(f, c, lifecycle.MaxValueLength, true); err != nil {
			return err
		}
		switch {
		case strings.TrimSpace(c) != c:
			return lifecycle.Invalid(f, "%q: a choice has no surrounding spaces", c)
		case strings.Contains(c, ","):
			return lifecycle.Invalid(f, "%q: a choice holds no comma (commas separate a multiple choice's values)", c)
		case slices.Contains(v.Choices[:i], c):
			return lifecycle.Invalid(f, "%q is listed twice", c)
		}
	}
	text := v.Type == VariableText
	for _, r := range []struct {
		name string
		set  bool
	}{{"min_length", v.MinLength != 0}, {"max_length", v.MaxLength != 0}, {"pattern", v.Pattern != ""}} {
		if r.set && !text {
			return lifecycle.Invalid(at(r.name), "only text variables have a %s, not %s", r.name, v.Type)
		}
	}
	switch {
	case v.MinLength < 0:
		return lifecycle.Invalid(at("min_length"), "%d is negative", v.MinLength)
	case v.MaxLength < 0 || v.MaxLength > lifecycle.MaxValueLength:
		return lifecycle.Invalid(at("max_length"), "%d is outside [0, %d]", v.MaxLength, lifecycle.MaxValueLength)
	case v.MinLength > v.maxLength():
		return lifecycle.Invalid(at("min_length"), "%d exceeds the maximum length %d", v.MinLength, v.maxLength())
	}
	number := v.Type == VariableNumber
	for _, r := range []struct {
		name string
		x    *float64
	}{{"min", v.Min}, {"max", v.Max}} {
		switch {
		case r.x == nil:
		case !number:
			return lifecycle.Invalid(at(r.name), "only number variables have a %s, not %s", r.name, v.Type)
		case math.IsNaN(*r.x) || math.IsInf(*r.x, 0):
			return lifecycle.Invalid(at(r.name), "%v is not a finite number", *r.x)
		}
	}
	if v.Min != nil && v.Max != nil && *v.Min > *v.Max {
		return lifecycle.Invalid(at("min"), "%v exceeds the maximum %v", *v.Min, *v.Max)
	}
	return checkText(at("pattern"), v.Pattern, lifecycle.MaxValueLength, false)
}

// maxLength returns the most characters a text value of v may have.
func (v Variable) maxLength() int {
	if v.MaxLength > 0 {
		return v.MaxLength
	}
	return lifecycle.MaxValueLength
}

// valueLimit returns the most characters a value of v may have: the
// text's maximum length, [lifecycle.MaxNameLength] for the ID of a user or
// configuration item, [lifecycle.MaxValueLength] for the others.
func (v Variable) valueLimit() int {
	switch v.Type {
	case VariableText:
		return v.maxLength()
	case VariableUser, VariableConfigItem:
		return lifecycle.MaxNameLength
	}
	return lifecycle.MaxValueLength
}

// compile returns the variable's pattern, anchored to match whole values,
// or nil when it has none. A pattern that does not compile is a
// *lifecycle.ValidationError for field.
func (v Variable) compile(field string) (*regexp.Regexp, error) {
	if v.Pattern == "" {
		return nil, nil
	}
	// The pattern compiles alone first: wrapped, "a)|(b" would compile.
	if _, err := regexp.Compile(v.Pattern); err != nil {
		return nil, lifecycle.Invalid(field, "%q is not a regular expression: %v", v.Pattern, err)
	}
	return regexp.Compile(`^(?:` + v.Pattern + `)$`)
}

// check returns raw in its normal form when it is a valid value of v,
// and otherwise a *lifecycle.ValidationError for field. A blank raw is
// refused: missing values are the caller's business. re is v's compiled
// pattern.
func (v Variable) check(field, raw string, re *regexp.Regexp) (string, error) {
	s := strings.TrimSpace(raw)
	if err := checkText(field, s, v.valueLimit(), true); err != nil {
		return "", err
	}
	switch v.Type {
	case VariableText:
		if n := utf8.RuneCountInString(s); n < v.MinLength {
			return "", lifecycle.Invalid(field, "%d characters, fewer than the %d required", n, v.MinLength)
		}
		if re != nil && !re.MatchString(s) {
			return "", lifecycle.Invalid(field, "%q does not match the pattern %q", s, v.Pattern)
		}
		return s, nil
	case VariableNumber:
		return v.checkNumber(field, s)
	case VariableBoolean:
		if s != "true" && s != "false" {
			return "", lifecycle.Invalid(field, "%q is not a boolean (true or false)", s)
		}
		return s, nil
	case VariableDate:
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			return "", lifecycle.Invalid(field, "%q is not a date (%s)", s, DateLayout)
		}
		return d.Format(DateLayout), nil
	case VariableChoice:
		if !slices.Contains(v.Choices, s) {
			return "", lifecycle.Invalid(field, "%q is not one of the choices (%s)", s, strings.Join(v.Choices, ", "))
		}
		return s, nil
	case VariableMultiChoice:
		return v.checkMulti(field, s)
	case VariableUser, VariableConfigItem:
		return s, nil
	}
	return "", lifecycle.Invalid(field, "variable of unknown type %q", v.Type)
}

// checkNumber checks a decimal number against Min and Max and returns it
// in its shortest plain form.
func (v Variable) checkNumber(field, s string) (string, error) {
	// ParseFloat also takes hexadecimal, underscores, "Inf" and "NaN",
	// which are no form a requester writes a number in.
	if strings.Trim(s, "0123456789+-.eE") != "" {
		return "", lifecycle.Invalid(field, "%q is not a decimal number", s)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(x, 0) {
		return "", lifecycle.Invalid(field, "%q is not a decimal number", s)
	}
	if v.Min != nil && x < *v.Min {
		return "", lifecycle.Invalid(field, "%v is below the minimum %v", x, *v.Min)
	}
	if v.Max != nil && x > *v.Max {
		return "", lifecycle.Invalid(field, "%v is above the maximum %v", x, *v.Max)
	}
	if x == 0 {
		x = 0 // "-0" is written "0"
	}
	return strconv.FormatFloat(x, 'f', -1, 64), nil
}

// checkMulti checks a comma-separated list of choices and returns it in
// the order of Choices.
func (v Variable) checkMulti(field, s string) (string, error) {
	chosen := make([]bool, len(v.Choices))
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		i := slices.Index(v.Choices, part)
		switch {
		case part == "":
			return "", lifecycle.Invalid(field, "%q has an empty choice", s)
		case i < 0:
			return "", lifecycle.Invalid(field, "%q is not one of the choices (%s)", part, strings.Join(v.Choices, ", "))
		case chosen[i]:
			return "", lifecycle.Invalid(field, "%q is chosen twice", part)
		}
		chosen[i] = true
	}
	var out []string
	for i, c := range v.Choices {
		if chosen[i] {
			out = append(out, c)
		}
	}
	return strings.Join(out, ","), nil
}

// CheckValues checks a requester's answers against the item's variables
// and returns them in normal form: trimmed, numbers, dates and multiple
// choices rewritten as the [VariableType]s say, defaults filled in, and
// variables left blank without a default left out. values is not
// modified.
//
// Each refusal is a *lifecycle.ValidationError naming the variable as
// "variables.<name>": a name the item has no variable for (reported
// first, lowest name first, as a misspelt name may also leave a required
// variable unanswered), then, in the item's order, a required variable
// left blank without a default, a value of the wrong type, a choice not
// in the list, or a value outside its rule.
func (item CatalogItem) CheckValues(values Values) (Values, error) {
	var unknown []string
	for name := range values {
		if !slices.ContainsFunc(item.Variables, func(v Variable) bool { return v.Name == name }) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		name := slices.Min(unknown)
		return nil, lifecycle.Invalid(valueField(name), "the item %s has no variable %q", item.ID, name)
	}
	out := make(Values, len(item.Variables))
	for i, v := range item.Variables {
		field := valueField(v.Name)
		raw := values[v.Name]
		if strings.TrimSpace(raw) == "" {
			raw = v.Default
		}
		if strings.TrimSpace(raw) == "" {
			if v.Required {
				return nil, lifecycle.Invalid(field, "a value is required")
			}
			continue
		}
		re, err := v.compile("variables[" + strconv.Itoa(i) + "].pattern")
		if err != nil {
			return nil, err
		}
		s, err := v.check(field, raw, re)
		if err != nil {
			return nil, err
		}
		out[v.Name] = s
	}
	return out, nil
}

// valueField names a variable's value in errors: "variables.laptop".
func valueField(name string) string { return "variables." + lifecycle.Clip(name) }
