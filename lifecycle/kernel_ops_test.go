package lifecycle_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// note is the record kind of the kernel tests.
type note struct {
	ID      string
	Version int64
	Text    string
}

// noteStore is a minimal in-memory RecordStore.
type noteStore struct {
	mu     sync.Mutex
	notes  map[string]note
	guards lifecycletest.Guards
	// beforeCommit, when set, runs (unlocked) at the start of each Commit:
	// a concurrent writer slipping in between an operation's reads and
	// its commit.
	beforeCommit func()
	commits      int
}

func newNoteStore(notes ...note) *noteStore {
	s := &noteStore{notes: map[string]note{}}
	for _, n := range notes {
		s.notes[n.ID] = n
	}
	return s
}

func (s *noteStore) Get(_ context.Context, id string) (*note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notes[id]
	if !ok {
		return nil, lifecycle.NotFound("note", id)
	}
	return &n, nil
}

func (s *noteStore) Guard(_ context.Context, key string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.guards.Version(key), nil
}

func (s *noteStore) Commit(_ context.Context, w lifecycle.Write[*note]) error {
	if f := s.beforeCommit; f != nil {
		f()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.notes[w.Record.ID]
	switch {
	case w.Expected == 0 && ok:
		return lifecycle.Conflict("note", w.Record.ID, 0, cur.Version)
	case w.Expected > 0 && !ok:
		return lifecycle.NotFound("note", w.Record.ID)
	case ok && cur.Version != w.Expected:
		return lifecycle.Conflict("note", w.Record.ID, w.Expected, cur.Version)
	}
	if err := s.guards.Check("note", w.Reads, func(id string) int64 { return s.notes[id].Version }); err != nil {
		return err
	}
	s.notes[w.Record.ID] = *w.Record
	s.guards.Bump(w.Reads)
	s.commits++
	return nil
}

func (s *noteStore) set(n note) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes[n.ID] = n
}

func newKernel(s *noteStore, rec *lifecycletest.Recorder) *lifecycle.Kernel[*note] {
	return &lifecycle.Kernel[*note]{
		Process:  "note",
		Store:    s,
		Notifier: rec,
		Version:  func(n *note) int64 { return n.Version },
	}
}

// edit is a step that sets the text.
func edit(text string) lifecycle.Step[*note] {
	return func(ctx context.Context, x *note, reads *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
		x.Text = text
		x.Version++
		return []lifecycle.Notification{{ID: x.ID + "/edit"}}, nil
	}
}

func TestKernelUpdateStoresThenNotifies(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1})
	rec := &lifecycletest.Recorder{}
	k := newKernel(s, rec)

	got, err := k.Update(ctx, kernelActor, "N1", 0, edit("hello"))
	require.NoError(t, err)
	assert.Equal(t, &note{ID: "N1", Version: 2, Text: "hello"}, got)
	stored, _ := s.Get(ctx, "N1")
	assert.Equal(t, got, stored)
	assert.Len(t, rec.Events(), 1)

	_, err = k.Update(ctx, kernelActor, "N1", 1, edit("stale"))
	assert.ErrorIs(t, err, lifecycle.ErrConflict, "a pinned version that is not current")
	assert.False(t, lifecycle.IsReadConflict(err))

	boom := lifecycle.Invalid("text", "bad")
	_, err = k.Update(ctx, kernelActor, "N1", 0, func(context.Context, *note, *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
		return nil, boom
	})
	assert.ErrorIs(t, err, boom)
	_, err = k.Update(ctx, kernelActor, "N404", 0, edit("x"))
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	stored, _ = s.Get(ctx, "N1")
	assert.Equal(t, "hello", stored.Text, "refused operations change nothing")
	assert.Len(t, rec.Events(), 1, "and notify nothing")
}

// TestKernelRerunsOnChangedReads: a rule's read that changes before the
// commit makes the kernel run the whole step again from a fresh read, so
// the rule is judged on what is stored when the write commits.
func TestKernelRerunsOnChangedReads(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1}, note{ID: "LOCK", Version: 1, Text: "open"})
	rec := &lifecycletest.Recorder{}
	k := newKernel(s, rec)
	runs := 0
	step := func(ctx context.Context, x *note, reads *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
		runs++
		lock, err := s.Get(ctx, "LOCK")
		if err != nil {
			return nil, err
		}
		reads.Record(lock.ID, lock.Version)
		if lock.Text == "locked" {
			return nil, lifecycle.Invalid("lock", "locked")
		}
		x.Text = "edited"
		x.Version++
		return []lifecycle.Notification{{ID: "e"}}, nil
	}
	// The lock is taken between the step's read and its commit.
	s.beforeCommit = func() {
		s.beforeCommit = nil
		s.set(note{ID: "LOCK", Version: 2, Text: "locked"})
	}
	_, err := k.Update(ctx, kernelActor, "N1", 0, step)
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "the rerun sees the lock")
	assert.Equal(t, 2, runs)
	stored, _ := s.Get(ctx, "N1")
	assert.Equal(t, int64(1), stored.Version, "nothing was stored")
	assert.Empty(t, rec.Events())

	// A read that keeps changing gives up after Attempts runs.
	runs = 0
	s.set(note{ID: "LOCK", Version: 3, Text: "open"})
	var bump func()
	bump = func() {
		s.beforeCommit = bump
		s.mu.Lock()
		l := s.notes["LOCK"]
		l.Version++
		s.notes["LOCK"] = l
		s.mu.Unlock()
	}
	s.beforeCommit = bump
	_, err = k.Update(ctx, kernelActor, "N1", 0, step)
	assert.True(t, lifecycle.IsReadConflict(err), "%v", err)
	assert.Equal(t, lifecycle.Attempts, runs)
	s.beforeCommit = nil

	// Own-record conflicts are not rerun: the caller's view is stale.
	runs = 0
	s.beforeCommit = func() {
		s.beforeCommit = nil
		s.set(note{ID: "N1", Version: 5})
	}
	_, err = k.Update(ctx, kernelActor, "N1", 0, step)
	assert.ErrorIs(t, err, lifecycle.ErrConflict)
	assert.False(t, lifecycle.IsReadConflict(err))
	assert.Equal(t, 1, runs)
}

func TestKernelCreate(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "PARENT", Version: 1})
	rec := &lifecycletest.Recorder{}
	k := newKernel(s, rec)
	runs := 0
	build := func(ctx context.Context, reads *lifecycle.ReadSet) (*note, []lifecycle.Notification, error) {
		runs++
		if err := reads.TakeGuard(ctx, s, "children/PARENT"); err != nil {
			return nil, nil, err
		}
		return &note{ID: "CHILD", Version: 1}, []lifecycle.Notification{{ID: "open"}}, nil
	}
	s.beforeCommit = func() { // another child takes the guard first
		s.beforeCommit = nil
		s.mu.Lock()
		s.guards.Bump(lifecycle.ReadSet{Guards: []lifecycle.Seen{{Key: "children/PARENT"}}})
		s.mu.Unlock()
	}
	got, err := k.Create(ctx, kernelActor, build)
	require.NoError(t, err)
	assert.Equal(t, "CHILD", got.ID)
	assert.Equal(t, 2, runs, "the guard moved: built again")
	v, _ := s.Guard(ctx, "children/PARENT")
	assert.Equal(t, int64(2), v)
	assert.Len(t, rec.Events(), 1)

	_, err = k.Create(ctx, kernelActor, build)
	assert.ErrorIs(t, err, lifecycle.ErrConflict, "the ID exists")
	assert.Len(t, rec.Events(), 1)
}

func TestNilCommand(t *testing.T) {
	type cmd struct{ ID string }
	assert.ErrorIs(t, lifecycle.NilCommand(nil), lifecycle.ErrValidation)
	err := lifecycle.NilCommand((*cmd)(nil))
	var ve *lifecycle.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "command", ve.Field)
	assert.NoError(t, lifecycle.NilCommand(cmd{}))
	assert.NoError(t, lifecycle.NilCommand(&cmd{}))
}

func TestFollowUps(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a, b := errors.New("a"), errors.New("b")
	ran := 0
	err := lifecycle.FollowUps(ctx, "problem", "PRB1",
		func(ctx context.Context) error { ran++; return ctx.Err() },
		func(context.Context) error { ran++; return a },
		func(context.Context) error { ran++; return b },
	)
	assert.Equal(t, 3, ran)
	var fe *lifecycle.FollowUpError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "PRB1", fe.Record)
	assert.ErrorIs(t, err, a)
	assert.ErrorIs(t, err, b)
	assert.NotErrorIs(t, err, context.Canceled, "follow-ups run past the caller's cancellation")
	assert.Equal(t, "problem PRB1 stored, but a follow-up failed: a\nb", err.Error())
	assert.NoError(t, lifecycle.FollowUps(ctx, "problem", "PRB1", func(context.Context) error { return nil }))
}
