package lifecycle

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadSetKeepsTheFirstVersionSeen(t *testing.T) {
	var r ReadSet
	assert.True(t, r.Empty())
	r.Record("A", 3)
	r.Record("A", 4)
	r.Guard("g", 0)
	r.Guard("g", 9)
	r.Record("B", 0)
	assert.Equal(t, []Seen{{"A", 3}, {"B", 0}}, r.Records)
	assert.Equal(t, []Seen{{"g", 0}}, r.Guards)
	assert.False(t, r.Empty())
}

type guardFunc func(ctx context.Context, key string) (int64, error)

func (f guardFunc) Guard(ctx context.Context, key string) (int64, error) { return f(ctx, key) }

func TestTakeGuard(t *testing.T) {
	var r ReadSet
	require.NoError(t, r.TakeGuard(context.Background(), guardFunc(func(_ context.Context, key string) (int64, error) {
		return int64(len(key)), nil
	}), "ci/db"))
	assert.Equal(t, []Seen{{"ci/db", 5}}, r.Guards)

	boom := errors.New("down")
	err := r.TakeGuard(context.Background(), guardFunc(func(context.Context, string) (int64, error) { return 0, boom }), "x")
	assert.ErrorIs(t, err, boom)
	assert.Len(t, r.Guards, 1, "a failed read adds nothing")
}

func TestConflictErrors(t *testing.T) {
	rc := ReadConflict("incident", "children/INC1", 2, 3)
	assert.ErrorIs(t, rc, ErrConflict)
	assert.True(t, IsReadConflict(rc))
	assert.True(t, IsReadConflict(errors.Join(errors.New("x"), rc)))
	assert.Equal(t, "incident read children/INC1: expected version 2, found 3", rc.Error())

	own := &ConflictError{Process: "incident", Key: "INC1", Expected: 1, Found: 2}
	assert.ErrorIs(t, own, ErrConflict)
	assert.False(t, IsReadConflict(own))
	assert.Equal(t, "incident INC1: expected version 1, found 2", own.Error())
	assert.False(t, IsReadConflict(Conflict("incident", "INC1", 1, 2)), "a stale record written is not a read conflict")
	assert.False(t, IsReadConflict(nil))
}

func TestRetryRerunsReadConflictsOnly(t *testing.T) {
	ctx := context.Background()
	calls := 0
	err := Retry(ctx, func() error {
		calls++
		if calls < 3 {
			return ReadConflict("p", "k", 0, 1)
		}
		return nil
	})
	assert.NoError(t, err)
	assert.Equal(t, 3, calls)

	calls = 0
	err = Retry(ctx, func() error { calls++; return ReadConflict("p", "k", 0, int64(calls)) })
	assert.True(t, IsReadConflict(err), "the last conflict comes back")
	assert.Equal(t, Attempts, calls)

	calls = 0
	stale := Conflict("p", "x", 1, 2)
	err = Retry(ctx, func() error { calls++; return stale })
	assert.Equal(t, stale, err)
	assert.Equal(t, 1, calls, "a stale record of its own is the caller's to handle")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	calls = 0
	err = Retry(cctx, func() error { calls++; return ReadConflict("p", "k", 0, 1) })
	assert.True(t, IsReadConflict(err))
	assert.Equal(t, 1, calls, "a done context stops the retries")
}

type commitStore struct {
	writes []Write[int]
	err    error
}

func (s *commitStore) Guard(context.Context, string) (int64, error) { return 0, nil }

func (s *commitStore) Commit(_ context.Context, w Write[int]) error {
	if s.err != nil {
		return s.err
	}
	s.writes = append(s.writes, w)
	return nil
}

// commitOutbox is an Outbox unless off is set: a wrapper answers for the
// store it wraps, which may have none.
type commitOutbox struct {
	commitStore
	off bool
}

func (s *commitOutbox) StoresEvents() bool { return !s.off }

func TestCommitNotifiesAfterTheWrite(t *testing.T) {
	ctx := context.Background()
	var got []Notification
	n := NotifierFunc(func(_ context.Context, evs ...Notification) error { got = append(got, evs...); return nil })
	evs := []Notification{{ID: "e1"}}

	s := &commitStore{}
	require.NoError(t, Commit[int](ctx, s, n, Write[int]{Record: 7, Events: evs}))
	assert.Equal(t, evs, got)
	require.Len(t, s.writes, 1)
	assert.Nil(t, s.writes[0].Events, "a store that is no outbox is not handed the events")

	got = nil
	s.err = ReadConflict("p", "k", 0, 1)
	assert.True(t, IsReadConflict(Commit[int](ctx, s, n, Write[int]{Record: 8, Events: evs})))
	assert.Empty(t, got, "nothing is notified for a write that was not stored")

	ob := &commitOutbox{}
	require.NoError(t, Commit[int](ctx, ob, n, Write[int]{Record: 9, Events: evs}))
	assert.Empty(t, got, "an outbox delivers its own events")
	assert.Equal(t, evs, ob.writes[0].Events)

	off := &commitOutbox{off: true}
	require.NoError(t, Commit[int](ctx, off, n, Write[int]{Record: 10, Events: evs}))
	assert.Equal(t, evs, got, "a store whose StoresEvents is false is notified for")
	assert.Nil(t, off.writes[0].Events)

	failing := NotifierFunc(func(context.Context, ...Notification) error { return errors.New("smtp") })
	var ne *NotifyError
	err := Commit[int](ctx, &commitStore{}, failing, Write[int]{Record: 1, Events: evs})
	require.ErrorAs(t, err, &ne)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	s = &commitStore{}
	assert.ErrorIs(t, Commit[int](cctx, s, n, Write[int]{Record: 1}), context.Canceled)
	assert.Empty(t, s.writes)
}

func TestInvalidClipsLongValues(t *testing.T) {
	long := strings.Repeat("é", 3000) // 6,000 bytes
	err := Invalid("state", "unknown value %q", long)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Less(t, len(ve.Reason), 120)
	assert.Contains(t, ve.Reason, "…(6000 bytes)")
	assert.True(t, utf8.ValidString(ve.Reason), "the clip keeps whole characters")

	_, err = ParseEnum("state", []string{"new"}, strings.Repeat("x", 500000))
	assert.Less(t, len(err.Error()), 200, "an enum's error quotes a prefix")

	short := "short value"
	assert.Equal(t, short, Clip(short))
	exact := strings.Repeat("a", MaxQuoted)
	assert.Equal(t, exact, Clip(exact))
	assert.Equal(t, strings.Repeat("a", MaxQuoted)+"…(65 bytes)", Clip(exact+"a"))
	assert.Equal(t, "invalid title: 3 is too many", Invalid("title", "%d is too many", 3).Error())
}
