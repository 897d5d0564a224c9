package problem_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// pointerForm returns a pointer to a copy of c: the pointer form of the
// command.
func pointerForm(c problem.Command) problem.Command {
	p := reflect.New(reflect.TypeOf(c))
	p.Elem().Set(reflect.ValueOf(c))
	return p.Interface().(problem.Command)
}

// TestPointerFormsRunTheSameRules runs workflows whose commands check other
// records or have follow-ups, once with value commands and once with their
// pointer forms: both give the same problems, the same refusals and the
// same calls on the incident side.
func TestPointerFormsRunTheSameRules(t *testing.T) {
	type outcome struct {
		problems []*problem.Problem
		errs     []string
		calls    []incidentCall
		moves    []incidentMove
	}
	workflow := func(t *testing.T, form func(problem.Command) problem.Command) outcome {
		f := newFixture(t, func(c *problem.Config) { c.ResolveIncidents = problem.WhenResolvedAndClosed })
		orig := f.open(t, "INC1")
		dup := f.open(t, "INC2", "INC3")
		var out outcome
		do := func(id string, c problem.Command) {
			_, err := f.svc.Do(context.Background(), manager, form(withID(c, id)))
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			out.errs = append(out.errs, msg)
		}
		do(dup.ID, problem.Assess{Group: "messaging"})
		do(dup.ID, problem.MarkDuplicate{Original: "PRB-DOES-NOT-EXIST"})
		do(dup.ID, problem.MarkDuplicate{Original: orig.ID})
		for _, c := range toResolved {
			do(orig.ID, c)
		}
		do(orig.ID, problem.Complete{})
		for _, id := range []string{orig.ID, dup.ID} {
			p, err := f.store.Get(context.Background(), id)
			require.NoError(t, err)
			out.problems = append(out.problems, p)
		}
		out.calls, out.moves = f.incidents.Calls(), f.incidents.Moves()
		return out
	}
	values := workflow(t, func(c problem.Command) problem.Command { return c })
	pointers := workflow(t, pointerForm)
	require.Contains(t, values.errs[1], "PRB-DOES-NOT-EXIST", "a missing original is refused")
	require.NotEmpty(t, values.calls, "the workflow settles incidents")
	require.NotEmpty(t, values.moves, "the workflow moves incidents")
	assert.Equal(t, values, pointers)
}

func TestTypedNilCommandIsRefused(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	for _, c := range []problem.Command{nil, (*problem.MarkDuplicate)(nil), (*problem.Resolve)(nil)} {
		_, err := f.svc.Do(context.Background(), manager, c)
		require.ErrorIs(t, err, lifecycle.ErrValidation)
	}
	got, err := f.store.Get(context.Background(), p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.Version, got.Version)
}

// TestCommandsListEveryCommand reads the package's source for the command
// types (the exported types with a target method, which the sealed
// Command interface requires) and fails unless problem.Commands lists
// each of them once, and nothing else.
func TestCommandsListEveryCommand(t *testing.T) {
	lifecycletest.CheckRegistry(t, ".", "target", problem.Commands())
}
