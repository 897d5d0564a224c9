package lifecycle_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// TestSettled: a pinned command runs once and its conflict goes back to
// the caller; an unpinned one runs again on a conflict until stored, and
// gives up after lifecycle.Attempts runs.
func TestSettled(t *testing.T) {
	ctx := context.Background()
	conflictTwice := func(runs *int) func() (*string, error) {
		return func() (*string, error) {
			*runs++
			if *runs <= 2 {
				return nil, lifecycle.ErrConflict
			}
			v := "stored"
			return &v, nil
		}
	}
	var runs int
	x, err := lifecycle.Settled(ctx, 3, conflictTwice(&runs))
	require.ErrorIs(t, err, lifecycle.ErrConflict)
	assert.Nil(t, x)
	assert.Equal(t, 1, runs, "a pinned command runs once")

	runs = 0
	x, err = lifecycle.Settled(ctx, 0, conflictTwice(&runs))
	require.NoError(t, err)
	assert.Equal(t, "stored", *x)
	assert.Equal(t, 3, runs, "an unpinned command runs until stored")

	runs = 0
	_, err = lifecycle.Settled(ctx, 0, func() (*string, error) { runs++; return nil, lifecycle.ErrConflict })
	require.ErrorIs(t, err, lifecycle.ErrConflict)
	assert.Equal(t, lifecycle.Attempts, runs)
}
