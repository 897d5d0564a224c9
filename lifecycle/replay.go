package lifecycle

import (
	"fmt"
	"strconv"
	"strings"
)

// Replay says how one process's histories replay through its state
// machine: the machine, the name of a history's first record, the events a
// record may fire after its own, and, for a process whose machine depends
// on the record's data, where the machine changes. A process builds one and
// calls [Replay.Check] when it decodes a record with its history, so that
// every process refuses an impossible history the same way.
type Replay[S, E ~string, T any] struct {
	// Machine is the machine the record is on now. The replay starts on
	// it and must end on it. Check panics when it is nil.
	Machine *Machine[S, E, T]
	// Creation is the Event of a history's first record ("open",
	// "create"). Creating a record is not an event of the machine: the
	// first record goes from nothing ("") to the machine's initial state.
	Creation string
	// Then lists, for an event, the events a record of that event may
	// fire after it, in the same record. An incident's caller update on
	// an incident awaiting the caller also resumes it, so its record says
	// caller_update from on_hold to in_progress although caller_update
	// itself stays on hold. A record whose event leads elsewhere than its
	// To is accepted when one of these events leads from there to its To.
	Then map[E][]E
	// Switch, when set, runs after each record, the creation included,
	// and returns the machine the records after it replay through, or
	// nil to stay on the current one; an error refuses the record (field
	// "changes"). A change's type picks its machine and a set_type record
	// changes it: the change process switches on the record's "type"
	// change.
	Switch func(r Record) (*Machine[S, E, T], error)
}

// Check replays h, the history of a record now in state at version,
// through the machine, and returns nil when the machine could have produced
// it, or a *[HistoryError] naming the first record at fault:
//
//   - records are numbered 1, 2, 3, ... (Seq);
//   - the first is the creation: Event is Creation, From is empty and To
//     is the machine's initial state;
//   - every later record's From is the previous record's To, and its Event
//     is one the machine has from From, leading to To (directly, or
//     through one of the Then events). Events that keep the state
//     (comments, updates, links, ...) are the machine's self-loops, so a
//     record that does not move the state needs an event the machine
//     allows in that state too;
//   - the last record's To is state;
//   - version is the number of records: every stored change appends
//     exactly one.
//
// An empty history is accepted for a record in the initial state, whatever
// its version, and refused for any other state: a record past its initial
// state has a history. A decoder that also reads records whose history is
// kept apart from them (a store's stored form) calls Check only when the
// record carries one.
//
// Guards are not run: they read the record as it stood before each event,
// which the history does not hold, and rules that depend on other records
// (a parent incident's state, a problem's original, the approvals a change
// authority needs) are not the machine's. Check vouches for the path
// through the machine, not for the data along it.
func (p Replay[S, E, T]) Check(h []Record, state S, version int64) error {
	m := p.Machine
	process := m.Process()
	if len(h) == 0 {
		if version > 0 {
			return historyError(process, -1, "history", "none for version %d: every stored change adds one record", version)
		}
		if state != m.Initial() {
			return historyError(process, -1, "history", "none for a record in %s: only one in %s may have no history",
				string(state), string(m.Initial()))
		}
		return nil
	}
	var (
		prev     S    // the previous record's To
		switched = -1 // the last record that switched machines
	)
	for i, r := range h {
		if r.Seq != i+1 {
			return historyError(process, i, "seq", "%d where %d was due", r.Seq, i+1)
		}
		if i == 0 {
			switch {
			case r.Event != p.Creation:
				return historyError(process, 0, "event", "the first record is %q, not the creation (%s)", r.Event, p.Creation)
			case r.From != "":
				return historyError(process, 0, "from", "the creation starts from nothing, not from %q", r.From)
			case S(r.To) != m.Initial():
				return historyError(process, 0, "to", "the creation leads to %s, not to %q", string(m.Initial()), r.To)
			}
		} else if r.Event == EventRedact {
			// A redaction is the kernel's own record: it keeps the state.
			if S(r.From) != prev || S(r.To) != prev {
				return historyError(process, i, "to", "a redaction keeps the state, %s, but goes from %q to %q", string(prev), r.From, r.To)
			}
		} else if err := p.step(m, i, r, prev); err != nil {
			return err
		}
		prev = S(r.To)
		if p.Switch != nil {
			next, err := p.Switch(r)
			if err != nil {
				return &HistoryError{Process: process, Index: i, Field: "changes", Reason: err.Error()}
			}
			if next != nil {
				m, switched = next, i
			}
		}
	}
	last := len(h) - 1
	if prev != state {
		return historyError(process, last, "to", "the history ends in %q, but the %s is %s", string(prev), process, string(state))
	}
	if m != p.Machine {
		return historyError(process, switched, "changes", "leaves the %s on another machine than its own", process)
	}
	if version != int64(len(h)) {
		records := "records"
		if len(h) == 1 {
			records = "record"
		}
		return historyError(process, -1, "version", "%d, but the history has %d %s (every stored change adds one)", version, len(h), records)
	}
	return nil
}

// step checks record i, r, which follows a record ending in prev, on m.
func (p Replay[S, E, T]) step(m *Machine[S, E, T], i int, r Record, prev S) error {
	process := m.Process()
	from, ev, to := S(r.From), E(r.Event), S(r.To)
	if from != prev {
		return historyError(process, i, "from", "%q does not follow on from the record before, which ends in %s", r.From, string(prev))
	}
	target, ok := m.Target(from, ev)
	if !ok {
		return &HistoryError{Process: process, Index: i, Field: "event", Reason: p.noEvent(m, from, ev)}
	}
	if target == to {
		return nil
	}
	for _, then := range p.Then[ev] {
		if t, ok := m.Target(target, then); ok && t == to {
			return nil
		}
	}
	return historyError(process, i, "to", "%s from %s leads to %s, not to %q", r.Event, r.From, string(target), r.To)
}

// noEvent says why m has no ev from state.
func (p Replay[S, E, T]) noEvent(m *Machine[S, E, T], state S, ev E) string {
	known := false
	for _, e := range m.Events() {
		if e == ev {
			known = true
			break
		}
	}
	switch allowed := m.Allowed(state); {
	case !known:
		return fmt.Sprintf("the %s machine has no event %s", m.Process(), quote(string(ev)))
	case !m.Known(state):
		return fmt.Sprintf("the %s machine has no state %s", m.Process(), quote(string(state)))
	case len(allowed) == 0:
		return fmt.Sprintf("no %s from %s: it is a final state", string(ev), string(state))
	default:
		names := make([]string, len(allowed))
		for i, e := range allowed {
			names[i] = string(e)
		}
		return fmt.Sprintf("no %s from %s (allowed: %s)", string(ev), string(state), strings.Join(names, ", "))
	}
}

// HistoryError reports a history that its process's machine could not
// have produced (see [Replay.Check]). It matches [ErrValidation] with
// errors.Is.
//
// It is a type of its own, rather than a *[ValidationError] with field
// "history[i]", so that a caller gets the offending record's index as a
// number and can tell a refused history from other bad input. It unwraps
// to the equivalent *ValidationError (Field is [HistoryError.Path]), so
// that code which reports validation errors by field needs nothing new.
type HistoryError struct {
	// Process names the machine: "incident", "problem", "change".
	Process string
	// Index is the offending record's position in the history (0 for the
	// first), or -1 when no one record is at fault: the version does not
	// match the history, or a record that must have one has none.
	Index int
	// Field is the offending record's JSON field ("seq", "event", "from",
	// "to", "changes"); with Index -1, the record's own field ("version",
	// "history").
	Field string
	// Reason says what is wrong.
	Reason string
}

// Path returns the field's JSON path in the record: "history[3].from", or
// Field itself when Index is -1.
func (e *HistoryError) Path() string {
	if e.Index < 0 {
		return e.Field
	}
	return "history[" + strconv.Itoa(e.Index) + "]." + e.Field
}

// Error renders "invalid <process> <path>: <reason>", for example
// "invalid incident history[1].event: no close from new (allowed: assign,
// cancel, ...)".
func (e *HistoryError) Error() string {
	return "invalid " + e.Process + " " + e.Path() + ": " + e.Reason
}

// Is reports whether target is ErrValidation.
func (e *HistoryError) Is(target error) bool { return target == ErrValidation }

// Unwrap returns the equivalent *ValidationError: its Field is e's
// [HistoryError.Path] and its Reason e's Reason.
func (e *HistoryError) Unwrap() error {
	return &ValidationError{Field: e.Path(), Reason: e.Reason}
}

// historyError returns a *HistoryError, clipping string arguments like
// [Invalid] so that a reason never repeats a huge input.
func historyError(process string, index int, field, format string, args ...any) error {
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > MaxQuoted {
			args[i] = Clip(s)
		}
	}
	return &HistoryError{Process: process, Index: index, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// quote quotes a name taken from the input, clipped.
func quote(s string) string { return strconv.Quote(Clip(s)) }
