package problem_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// TestConcurrentWritersOneWinnerPerVersion: in each round many goroutines
// act on the same problem, all pinned to the version they read. Exactly one
// wins, the rest get ErrConflict, and nothing is lost.
func TestConcurrentWritersOneWinnerPerVersion(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	const rounds, writers = 10, 12
	for round := range rounds {
		base, err := f.svc.Get(ctx, p.ID)
		require.NoError(t, err)
		var wg sync.WaitGroup
		results := make([]error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[w] = f.svc.AddWorkNote(ctx, alice, problem.AddWorkNote{
					ID: p.ID, Version: base.Version, Text: fmt.Sprintf("round %d writer %d", round, w),
				})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			if err == nil {
				wins++
				continue
			}
			assert.ErrorIs(t, err, lifecycle.ErrConflict)
		}
		require.Equal(t, 1, wins, "round %d: exactly one writer wins version %d", round, base.Version+1)
	}
	final, err := f.svc.Export(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1+rounds), final.Version)
	assert.Len(t, final.History, 1+rounds)
	assert.Len(t, final.WorkNotes, rounds)
	// One opened and one incident_linked event, then one event per win.
	assert.Len(t, f.rec.Events(), 2+rounds)
}

// TestConcurrentUnpinnedWriters: writers that do not pin a version
// (Version 0) race between load and store; every stored change is kept, and
// the losers are told ErrConflict rather than silently overwriting.
func TestConcurrentUnpinnedWriters(t *testing.T) {
	f := newFixture(t)
	p := f.open(t)
	const writers = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				_, err := f.svc.Do(ctx, alice, problem.LinkIncident{ID: p.ID, Incidents: []string{fmt.Sprintf("INC%d", w)}})
				if errors.Is(err, lifecycle.ErrConflict) {
					continue
				}
				mu.Lock()
				defer mu.Unlock()
				if assert.NoError(t, err) {
					wins++
				}
				return
			}
		}()
	}
	wg.Wait()
	final, err := f.svc.Export(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1+wins), final.Version)
	assert.Len(t, final.Incidents, wins, "every stored link survives")
	assert.Len(t, final.History, 1+wins)
}
