package lifecycle

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors shared by every process. Test for them with [errors.Is];
// the detailed types below carry the particulars and are reachable with
// [errors.As].
var (
	// ErrNotFound reports that no record has the requested ID. Stores
	// return it (or wrap it) from Get and Update.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports a stale version: the record changed since it was
	// read, or a record with that ID already exists. Nothing was written.
	ErrConflict = errors.New("conflict")
	// ErrInvalidTransition reports an event that the state machine does not
	// allow from the current state, or a guard that refused it.
	ErrInvalidTransition = errors.New("invalid transition")
	// ErrValidation reports bad input: a missing or malformed field.
	ErrValidation = errors.New("validation failed")
	// ErrForbidden reports an actor who may not perform the operation: a
	// missing role, or a requester approving their own change.
	ErrForbidden = errors.New("forbidden")
	// ErrNotConfigured reports an operation the host's configuration does
	// not support safely, such as retiring a service with no
	// PortfolioConfig.Dependents to ask for open work. It is the host's
	// bug, not the caller's; nothing was written.
	ErrNotConfigured = errors.New("not configured")
)

// TransitionError describes a refused transition. It matches
// [ErrInvalidTransition] with errors.Is, and also whatever its Reason
// matches (a guard may refuse with an [ErrForbidden] or [ErrValidation]).
type TransitionError struct {
	// Process names the machine: "incident", "problem", "service", ...
	Process string
	// Subject is the record's ID, if known.
	Subject string
	// From is the record's current state.
	From string
	// Event is the event (or move) that was tried.
	Event string
	// Allowed lists the events the machine allows from From whose guards
	// accept the record as it stands, sorted.
	Allowed []string
	// Reason is the guard's reason; nil when the pair is not in the
	// machine.
	Reason error
	// UnknownState reports that From is not a state of the machine at all
	// (a corrupt or foreign record), rather than a state without the
	// event.
	UnknownState bool
	// Final reports that From is a final state: no event leaves it. A
	// state that is not final may still allow no event now, when every
	// guard refuses.
	Final bool
}

// Error renders, for example,
// "incident INC-42: cannot resolve from new (allowed: assign, cancel)",
// "incident INC-42: cannot comment from closed (final state: no events
// allowed)", "service S-1: cannot retire from operational (no event
// allowed now: every guard refuses)" or, for a state the machine does not
// know, "incident INC-42:
// cannot assign from bogus (unknown state: the incident machine has no
// state "bogus")".
func (e *TransitionError) Error() string {
	var b strings.Builder
	b.WriteString(e.Process)
	if e.Subject != "" {
		b.WriteByte(' ')
		b.WriteString(e.Subject)
	}
	fmt.Fprintf(&b, ": cannot %s from %s", e.Event, e.From)
	if e.Reason != nil {
		fmt.Fprintf(&b, ": %v", e.Reason)
		return b.String()
	}
	switch {
	case e.UnknownState:
		fmt.Fprintf(&b, " (unknown state: the %s machine has no state %q)", e.Process, e.From)
	case len(e.Allowed) == 0 && e.Final:
		b.WriteString(" (final state: no events allowed)")
	case len(e.Allowed) == 0:
		b.WriteString(" (no event allowed now: every guard refuses)")
	default:
		fmt.Fprintf(&b, " (allowed: %s)", strings.Join(e.Allowed, ", "))
	}
	return b.String()
}

// Is reports whether target is ErrInvalidTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// Unwrap returns the guard's reason, so that errors.Is and errors.As also
// see through to it.
func (e *TransitionError) Unwrap() error { return e.Reason }

// ValidationError names the offending input field. It matches
// [ErrValidation] with errors.Is.
type ValidationError struct {
	Field  string // the field's name, as in JSON ("title", "impact", ...)
	Reason string // what is wrong with it
}

// Error renders "invalid <field>: <reason>".
func (e *ValidationError) Error() string {
	return "invalid " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrValidation.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// Renamed returns err with its *ValidationError for the field from
// naming the field to instead, so that a type that several records share
// is reported under the name each record's JSON gives it. Any other error
// (nil included) is returned as it is.
func Renamed(err error, from, to string) error {
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != from {
		return err
	}
	return &ValidationError{Field: to, Reason: ve.Reason}
}

// Invalid returns a *ValidationError for field. String arguments longer
// than [MaxQuoted] bytes are clipped ([Clip]) before formatting, so that an
// error about a bad value never repeats a huge input.
func Invalid(field, reasonFormat string, args ...any) error {
	if len(args) > 0 {
		for i, a := range args {
			if s, ok := a.(string); ok && len(s) > MaxQuoted {
				args[i] = Clip(s)
			}
		}
		reasonFormat = fmt.Sprintf(reasonFormat, args...)
	}
	return &ValidationError{Field: field, Reason: reasonFormat}
}

// MaxQuoted is the most bytes of an input value that an error message
// quotes.
const MaxQuoted = 64

// Clip returns s when it has at most MaxQuoted bytes, and otherwise its
// longest prefix of whole UTF-8 sequences within MaxQuoted bytes followed
// by "…" and the full length, such as "aaaa…(3000 bytes)". Errors quote
// clipped values so that their size does not grow with the input's.
func Clip(s string) string {
	if len(s) <= MaxQuoted {
		return s
	}
	cut := MaxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// ForbiddenError tells who was refused what, and why. It matches
// [ErrForbidden] with errors.Is.
type ForbiddenError struct {
	Actor  string // the actor's ID
	Action string // what was tried, e.g. "accept major incident"
	Reason string // e.g. `needs role "major-incident-manager"`
	Rule   string // the access rule that refused, when one did (see [Rule])
}

// Error renders "<actor> may not <action>: <reason>".
func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("%s may not %s: %s", e.Actor, e.Action, e.Reason)
}

// Is reports whether target is ErrForbidden.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// ConfigError names the configuration setting an operation needs. It
// matches [ErrNotConfigured] with errors.Is.
type ConfigError struct {
	// Setting is the configuration field to set, e.g.
	// "PortfolioConfig.Dependents".
	Setting string
	// Reason says why the operation needs it and how to set it.
	Reason string
}

// Error renders "lifecycle: <setting> is not configured: <reason>".
func (e *ConfigError) Error() string {
	return "lifecycle: " + e.Setting + " is not configured: " + e.Reason
}

// Is reports whether target is ErrNotConfigured.
func (e *ConfigError) Is(target error) bool { return target == ErrNotConfigured }

// NotFound returns an error that matches [ErrNotFound] and names the record.
func NotFound(process, id string) error {
	return fmt.Errorf("%s %s: %w", process, id, ErrNotFound)
}

// Conflict returns an error that matches [ErrConflict] and says which
// version was expected and which was found.
func Conflict(process, id string, expected, found int64) error {
	return fmt.Errorf("%s %s: expected version %d, found %d: %w", process, id, expected, found, ErrConflict)
}
