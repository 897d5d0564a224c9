package lifecycle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var kernelActor = lifecycle.Actor{ID: "ann"}

// Snapshot gives notes a process-neutral view, as every process's record
// has.
func (n *note) Snapshot() lifecycle.Snapshot { return lifecycle.Snapshot{Title: n.Text} }

// interceptedKernel is a note kernel with the interceptors is.
func interceptedKernel(s *noteStore, rec *lifecycletest.Recorder, is ...lifecycle.Interceptor) *lifecycle.Kernel[*note] {
	k := newKernel(s, rec)
	k.Interceptors = is
	k.ID = func(n *note) string { return n.ID }
	k.Clone = func(n *note) *note { c := *n; return &c }
	k.Last = func(n *note) lifecycle.Record {
		return lifecycle.Record{Seq: int(n.Version), Event: "edit", Changes: []lifecycle.FieldChange{{Field: "text", New: n.Text}}}
	}
	return k
}

// seen records what an interceptor saw.
type seen struct {
	checks []lifecycle.Operation
	done   []lifecycle.Operation
	errs   []error
	refuse error
}

func (s *seen) Check(_ context.Context, op lifecycle.Operation) error {
	s.checks = append(s.checks, op)
	return s.refuse
}

func (s *seen) Done(_ context.Context, op lifecycle.Operation, err error, elapsed time.Duration) {
	s.done = append(s.done, op)
	s.errs = append(s.errs, err)
}

func TestInterceptorSeesEveryOperation(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1, Text: "old"})
	rec := &lifecycletest.Recorder{}
	var obs seen
	k := interceptedKernel(s, rec, &obs)

	_, err := k.Update(ctx, kernelActor, "N1", 0, edit("new"))
	require.NoError(t, err)
	require.Len(t, obs.checks, 1)
	op := obs.checks[0]
	assert.Equal(t, "note", op.Process)
	assert.Equal(t, kernelActor, op.Actor)
	assert.Equal(t, "N1", op.ID)
	assert.Equal(t, "edit", op.Event)
	assert.Equal(t, []lifecycle.FieldChange{{Field: "text", New: "new"}}, op.Change.Changes)
	assert.Equal(t, "old", op.Before.(*note).Text, "the record as stored")
	assert.Equal(t, "new", op.After.(*note).Text, "the record as the change leaves it")
	assert.Equal(t, "old", op.BeforeView.Title)
	assert.Equal(t, "new", op.AfterView.Title)
	require.Len(t, obs.done, 1)
	assert.NoError(t, obs.errs[0])

	_, err = k.Create(ctx, kernelActor, func(context.Context, *lifecycle.ReadSet) (*note, []lifecycle.Notification, error) {
		return &note{ID: "N2", Version: 1, Text: "fresh"}, nil, nil
	})
	require.NoError(t, err)
	op = obs.checks[1]
	assert.Equal(t, "N2", op.ID, "a create is named once built")
	assert.Nil(t, op.Before, "a create has no record before")
	assert.Equal(t, lifecycle.Snapshot{}, op.BeforeView)
	assert.Equal(t, "fresh", op.After.(*note).Text)

	// A failed step is told to Done, never asked to Check.
	_, err = k.Update(ctx, kernelActor, "N404", 0, edit("x"))
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	assert.Len(t, obs.checks, 2)
	require.Len(t, obs.done, 3)
	assert.ErrorIs(t, obs.errs[2], lifecycle.ErrNotFound)
	assert.Equal(t, "N404", obs.done[2].ID)
	assert.Empty(t, obs.done[2].Event)
}

func TestInterceptorRefusalChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1, Text: "old"})
	rec := &lifecycletest.Recorder{}
	forbidden := &lifecycle.ForbiddenError{Actor: "ann", Action: "edit a note", Reason: "notes are read-only"}
	audit := &seen{}
	policy := lifecycle.PolicyFunc(func(_ context.Context, op lifecycle.Operation) error {
		if op.Actor.ID == "ann" {
			return forbidden
		}
		return nil
	})
	k := interceptedKernel(s, rec, policy, audit)

	got, err := k.Update(ctx, kernelActor, "N1", 0, edit("new"))
	assert.Nil(t, got)
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	stored, _ := s.Get(ctx, "N1")
	assert.Equal(t, note{ID: "N1", Version: 1, Text: "old"}, *stored)
	assert.Empty(t, rec.Events(), "a refusal notifies nothing")
	assert.Zero(t, s.commits)
	assert.Empty(t, audit.checks, "a refusal stops the checks that follow")
	require.Len(t, audit.errs, 1, "a later interceptor still observes the refusal")
	assert.ErrorIs(t, audit.errs[0], lifecycle.ErrForbidden)

	_, err = k.Create(ctx, kernelActor, func(context.Context, *lifecycle.ReadSet) (*note, []lifecycle.Notification, error) {
		return &note{ID: "N2", Version: 1}, []lifecycle.Notification{{ID: "n2"}}, nil
	})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	_, err = s.Get(ctx, "N2")
	assert.ErrorIs(t, err, lifecycle.ErrNotFound, "a refused create stores nothing")
	assert.Empty(t, rec.Events())

	_, err = k.Update(ctx, lifecycle.Actor{ID: "bob"}, "N1", 0, edit("by bob"))
	require.NoError(t, err, "the policy decides per actor")
}

// TestInterceptorAskedAgainOnRerun: a run again after a changed read set
// asks Check about the record as it then is.
func TestInterceptorAskedAgainOnRerun(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1, Text: "old"}, note{ID: "LOCK", Version: 1})
	obs := &seen{}
	k := interceptedKernel(s, &lifecycletest.Recorder{}, obs)
	step := func(ctx context.Context, x *note, reads *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
		lock, err := s.Get(ctx, "LOCK")
		if err != nil {
			return nil, err
		}
		reads.Record(lock.ID, lock.Version)
		x.Text = "edited"
		x.Version++
		return nil, nil
	}
	s.beforeCommit = func() {
		s.beforeCommit = nil
		s.set(note{ID: "LOCK", Version: 2})
	}
	_, err := k.Update(ctx, kernelActor, "N1", 0, step)
	require.NoError(t, err)
	assert.Len(t, obs.checks, 2, "asked on each run")
	assert.Len(t, obs.done, 1, "told once")
}

func TestInterceptorsNeedTheRecordHooks(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1})
	k := newKernel(s, &lifecycletest.Recorder{})
	k.Interceptors = []lifecycle.Interceptor{lifecycle.ObserverFunc(func(context.Context, lifecycle.Operation, error, time.Duration) {})}
	_, err := k.Update(ctx, kernelActor, "N1", 0, edit("x"))
	var ce *lifecycle.ConfigError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Zero(t, s.commits)
}

func TestObserverFuncAllowsAndObserves(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1})
	var events []string
	var took []time.Duration
	k := interceptedKernel(s, &lifecycletest.Recorder{}, lifecycle.ObserverFunc(func(_ context.Context, op lifecycle.Operation, err error, elapsed time.Duration) {
		events = append(events, op.Event)
		took = append(took, elapsed)
	}))
	_, err := k.Update(ctx, kernelActor, "N1", 0, edit("x"))
	require.NoError(t, err)
	assert.Equal(t, []string{"edit"}, events)
	assert.GreaterOrEqual(t, took[0], time.Duration(0))
}
