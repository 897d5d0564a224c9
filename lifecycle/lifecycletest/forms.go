package lifecycletest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// A Form is one way a host can hand a process a command. A process's
// commands are value types, whose methods a pointer has too, so a pointer
// to a command is the same command and must do what its value does; a nil
// pointer, or no command at all, must be refused.
type Form int

const (
	// FormValue is the command as written.
	FormValue Form = iota
	// FormPointer is a pointer to a copy of the command.
	FormPointer
	// FormNilPointer is a nil pointer of the command's type.
	FormNilPointer
	// FormNil is the nil interface: no command at all.
	FormNil
	// FormNone runs nothing: the outcome it gives is the setup's, which
	// a refused command must leave as it is.
	FormNone
)

// String returns the form's name: "value", "pointer", "nil pointer",
// "nil" or "none".
func (f Form) String() string {
	switch f {
	case FormValue:
		return "value"
	case FormPointer:
		return "pointer"
	case FormNilPointer:
		return "nil pointer"
	case FormNil:
		return "nil"
	case FormNone:
		return "none"
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

// InForm returns cmd, a command value, in form f, and false for
// [FormNone], when there is nothing to run. A [Forms.Do] runs the command
// it returns.
func InForm[C any](f Form, cmd C) (C, bool) {
	var zero C
	switch f {
	case FormPointer:
		p := reflect.New(reflect.TypeOf(cmd))
		p.Elem().Set(reflect.ValueOf(cmd))
		return p.Interface().(C), true
	case FormNilPointer:
		return reflect.Zero(reflect.PointerTo(reflect.TypeOf(cmd))).Interface().(C), true
	case FormNil:
		return zero, true
	case FormNone:
		return zero, false
	}
	return cmd, true
}

// Applied is what a pure Apply did to a record, for [Forms.Apply]: a copy
// of the record before the call, the record after it, the events the call
// returned and its error.
type Applied struct {
	Before, After any
	Events        any
	Err           error
}

// Forms is a process's table of command cases, checked in every [Form]:
// K is the test's case type, C the process's Command interface and O what
// running a case gives (the result, the records stored, the events
// notified, the calls made on other processes). Set every field but
// Apply, which is optional.
type Forms[K, C, O any] struct {
	// Registry lists one zero value of each command type, in the order
	// the subtests run: incident.Commands(), problem.Commands(), ...
	Registry []C
	// Cases are the cases: each type of Registry must have at least one.
	Cases []K
	// Name returns a case's name, unique in Cases.
	Name func(K) string
	// Want returns the class ([Classify]) of the error a case's command
	// gives in its value form, "" when it succeeds.
	Want func(K) string
	// Command returns a case's command, as a value, for the record ID id.
	Command func(k K, id string) C
	// Do builds a case's setup on a fresh service, runs its command in
	// form f (see [InForm]) and returns what that did, with the error.
	Do func(t *testing.T, k K, f Form) (O, error)
	// Apply, when set, runs the pure Apply of cmd on a record of a case's
	// setup and returns what it did.
	Apply func(t *testing.T, k K, cmd C) Applied
}

// ByType returns the cases of each command type, and fails t for a type
// of the registry without a case or a case of a type the registry lacks.
func (fs Forms[K, C, O]) ByType(t testing.TB) map[reflect.Type][]K {
	t.Helper()
	byType := map[reflect.Type][]K{}
	for _, k := range fs.Cases {
		typ := reflect.TypeOf(fs.Command(k, ""))
		byType[typ] = append(byType[typ], k)
	}
	for _, c := range fs.Registry {
		if len(byType[reflect.TypeOf(c)]) == 0 {
			t.Errorf("the form cases have no case for %T", c)
		}
	}
	for typ := range byType {
		if !slices.ContainsFunc(fs.Registry, func(c C) bool { return reflect.TypeOf(c) == typ }) {
			t.Errorf("the form cases have a case for %v, which the registry lacks", typ)
		}
	}
	return byType
}

// Find returns the case named name, and stops t with a failure when
// there is none.
func (fs Forms[K, C, O]) Find(t testing.TB, name string) K {
	t.Helper()
	i := slices.IndexFunc(fs.Cases, func(k K) bool { return fs.Name(k) == name })
	if i < 0 {
		t.Fatalf("no form case is named %q", name)
	}
	return fs.Cases[i]
}

// TestPointers runs each case of every command type twice, each time on a
// fresh setup: once with the command's value and once with a pointer to
// it. The value must fail as the case wants (or succeed), and the two must
// give the same outcome and the same error (message and class).
func (fs Forms[K, C, O]) TestPointers(t *testing.T) {
	byType := fs.ByType(t)
	for _, c := range fs.Registry {
		for _, k := range byType[reflect.TypeOf(c)] {
			t.Run(fmt.Sprintf("%T/%s", c, fs.Name(k)), func(t *testing.T) {
				value, verr := fs.Do(t, k, FormValue)
				pointer, perr := fs.Do(t, k, FormPointer)
				if want := fs.Want(k); Classify(verr) != want || (want == "") != (verr == nil) {
					t.Fatalf("the value form gave %v (class %q), want class %q", verr, Classify(verr), want)
				}
				require.Equal(t, errorText(verr), errorText(perr), "%T and *%T fail differently", c, c)
				require.Equal(t, value, pointer, "%T and *%T differ", c, c)
			})
		}
	}
}

// TestNils runs the nil command on the setup of the first case, and a nil
// pointer of every command type on the setup of its type's first case:
// each must be a validation error (not a panic) whose outcome is the
// setup's as it was, with nothing stored or notified. With Apply set, the
// pure Apply of each must be a validation error too that returns no
// events and leaves the record as it was.
func (fs Forms[K, C, O]) TestNils(t *testing.T) {
	byType := fs.ByType(t)
	if len(fs.Cases) == 0 {
		t.Fatal("the form table has no cases")
	}
	type nilCase struct {
		name string
		form Form
		k    K
		cmd  C
	}
	var zero C
	nils := []nilCase{{"nil", FormNil, fs.Cases[0], zero}}
	for _, c := range fs.Registry {
		if cases := byType[reflect.TypeOf(c)]; len(cases) > 0 {
			cmd, _ := InForm(FormNilPointer, c)
			nils = append(nils, nilCase{fmt.Sprintf("%T", cmd), FormNilPointer, cases[0], cmd})
		}
	}
	for _, n := range nils {
		t.Run(n.name, func(t *testing.T) {
			before, _ := fs.Do(t, n.k, FormNone)
			after, err := fs.Do(t, n.k, n.form)
			require.ErrorIs(t, err, lifecycle.ErrValidation)
			assert.Equal(t, before, after, "a refused command changes nothing")
			if fs.Apply == nil {
				return
			}
			a := fs.Apply(t, n.k, n.cmd)
			require.ErrorIs(t, a.Err, lifecycle.ErrValidation, "the pure Apply")
			assert.Nil(t, a.Events, "the pure Apply's events")
			assert.Equal(t, a.Before, a.After, "the pure Apply changes nothing")
		})
	}
}

// errorText returns err's message, "" for nil.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
