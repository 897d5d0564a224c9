package lifecycle

import (
	"slices"
	"strings"
)

// ParseEnum returns the member of valid spelled s, or a *ValidationError for
// field that lists the valid spellings. Processes use it to implement
// UnmarshalText on their state, event and code types, so that unknown values
// are rejected when JSON is decoded.
func ParseEnum[T ~string](field string, valid []T, s string) (T, error) {
	for _, v := range valid {
		if string(v) == s {
			return v, nil
		}
	}
	names := make([]string, len(valid))
	for i, v := range valid {
		names[i] = string(v)
	}
	return "", Invalid(field, "unknown value %q (valid: %s)", s, strings.Join(names, ", "))
}

// MarshalEnum returns v as text when it is a member of valid, and a
// *ValidationError for field otherwise. Processes use it to implement
// MarshalText, so that an invalid value is never written out.
func MarshalEnum[T ~string](field string, valid []T, v T) ([]byte, error) {
	if !slices.Contains(valid, v) {
		_, err := ParseEnum(field, valid, string(v))
		return nil, err
	}
	return []byte(v), nil
}
