package problem_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// TestInterleavedDuplicateAndOriginalCloses is write skew between marking
// a problem a duplicate (its rule reads the original: open, not itself a
// duplicate) and closing the original, made deterministic. With "between",
// the original is canceled after the mark has read it and just before the
// mark's write: each alone is right, together they would leave a duplicate
// of a canceled problem. The mark must instead run again from a fresh read
// and be refused, storing nothing. With "mark first", the mark commits and
// then the original is canceled: a duplicate of a problem canceled later
// is a history, not a broken rule.
func TestInterleavedDuplicateAndOriginalCloses(t *testing.T) {
	for _, between := range []bool{true, false} {
		t.Run(map[bool]string{true: "the original closes between the mark's read and its write", false: "mark first"}[between], func(t *testing.T) {
			f := newFixture(t)
			orig := f.open(t)
			dup := f.open(t)
			dup = f.drive(t, dup.ID, problem.Assess{Group: "g"})
			cancel := func() error {
				_, err := f.svc.Cancel(ctx, alice, problem.Cancel{ID: orig.ID, Notes: "not a problem after all"})
				return err
			}
			var cancelErr error
			ran := false
			if between {
				f.hook.update = func(c context.Context, w lifecycle.Write[*problem.Problem]) error {
					if w.Record.ID == dup.ID && !ran {
						ran = true
						cancelErr = cancel()
					}
					return f.store.Commit(c, w)
				}
			}
			_, markErr := f.svc.MarkDuplicate(ctx, alice, problem.MarkDuplicate{ID: dup.ID, Original: orig.ID})
			if !between {
				cancelErr = cancel()
			}
			require.NoError(t, cancelErr, "canceling the original is always allowed")
			o, err := f.svc.Get(ctx, orig.ID)
			require.NoError(t, err)
			assert.Equal(t, problem.StateCanceled, o.State)
			got, err := f.svc.Get(ctx, dup.ID)
			require.NoError(t, err)
			if between {
				require.True(t, ran, "the hook ran the cancel between the mark's read and its write")
				require.ErrorIs(t, markErr, lifecycle.ErrValidation)
				assert.ErrorContains(t, markErr, "the original of a duplicate must be open")
				assert.Equal(t, dup.Version, got.Version, "the refused mark stored nothing")
				assert.Equal(t, problem.StateAssess, got.State)
				assert.Empty(t, got.DuplicateOf)
				return
			}
			require.NoError(t, markErr)
			assert.Equal(t, problem.StateClosed, got.State)
			assert.Equal(t, orig.ID, got.DuplicateOf)
		})
	}
}
