package incident_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestManyWritersOneIncident: goroutines race to change one incident, each
// naming the version it read. Every stored version has exactly one
// winner, the losers get ErrConflict, and no winner's change is lost.
func TestManyWritersOneIncident(t *testing.T) {
	e := newEnv(t)
	x := e.open(t, incident.Open{})
	e.do(t, ann, incident.Assign{ID: x.ID, Assignee: "ann"})
	e.rec.Reset()

	const writers, tries = 8, 40
	type win struct {
		version int64
		text    string
	}
	var (
		mu        sync.Mutex
		wins      []win
		conflicts int
	)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range tries {
				cur, err := e.svc.Get(ctx, x.ID)
				if !assert.NoError(t, err) {
					return
				}
				text := fmt.Sprintf("writer %d try %d", w, i)
				actor := lifecycle.Actor{ID: fmt.Sprintf("w%d", w)}
				var got *incident.Incident
				if i%2 == 0 {
					got, err = e.svc.WorkNote(ctx, actor, incident.WorkNote{ID: x.ID, Version: cur.Version, Text: text})
				} else {
					got, err = e.svc.Comment(ctx, actor, incident.Comment{ID: x.ID, Version: cur.Version, Text: text})
				}
				mu.Lock()
				switch {
				case err == nil:
					assert.Equal(t, cur.Version+1, got.Version)
					wins = append(wins, win{got.Version, text})
				case errors.Is(err, lifecycle.ErrConflict):
					assert.Nil(t, got)
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	final := e.get(t, x.ID)
	require.Equal(t, writers*tries, len(wins)+conflicts)
	assert.Equal(t, int64(2+len(wins)), final.Version, "one stored version per winner")
	assert.Len(t, final.History, int(final.Version))
	seen := map[int64]bool{}
	for _, w := range wins {
		assert.False(t, seen[w.version], "version %d has two winners", w.version)
		seen[w.version] = true
		rec := final.History[w.version-1]
		assert.Equal(t, w.text, rec.Note, "the winner of version %d is the one recorded", w.version)
	}
	assert.Equal(t, len(wins), len(final.Comments)+len(final.WorkNotes), "no winner's note is lost")
	assert.Len(t, e.rec.Events(), len(wins), "one event per stored change, none for the losers")
	t.Logf("%d winners, %d conflicts", len(wins), conflicts)
}

// TestConcurrentTransitionsOneWinner: many goroutines try the same
// transition on the same version; exactly one succeeds.
func TestConcurrentTransitionsOneWinner(t *testing.T) {
	e := newEnv(t)
	for round := range 10 {
		x := e.open(t, incident.Open{})
		x = e.do(t, ann, incident.Assign{ID: x.ID, Assignee: "ann"})
		var wg sync.WaitGroup
		results := make([]error, 12)
		for i := range results {
			wg.Go(func() {
				var err error
				if i%2 == 0 {
					_, err = e.svc.Resolve(ctx, ann, incident.Resolve{ID: x.ID, Version: x.Version, Code: incident.CodeSolutionProvided, Notes: fmt.Sprint(i)})
				} else {
					_, err = e.svc.Cancel(ctx, ann, incident.Cancel{ID: x.ID, Version: x.Version, Reason: fmt.Sprint(i)})
				}
				results[i] = err
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			if err == nil {
				ok++
			} else {
				assert.ErrorIs(t, err, lifecycle.ErrConflict, "round %d", round)
			}
		}
		assert.Equal(t, 1, ok, "round %d", round)
		assert.Equal(t, x.Version+1, e.get(t, x.ID).Version)
	}
}
