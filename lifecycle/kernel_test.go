package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorsMatchSentinels(t *testing.T) {
	ve := Invalid("title", "must not be empty")
	assert.ErrorIs(t, ve, ErrValidation)
	assert.Equal(t, "invalid title: must not be empty", ve.Error())

	fe := System.Require("x", "y") // System holds every role
	assert.NoError(t, fe)
	fe = Actor{ID: "ann"}.Require("major-incident-manager", "accept major incident")
	assert.ErrorIs(t, fe, ErrForbidden)
	assert.Equal(t, `ann may not accept major incident: needs role "major-incident-manager"`, fe.Error())

	nf := NotFound("incident", "INC1")
	assert.ErrorIs(t, nf, ErrNotFound)
	assert.Equal(t, "incident INC1: not found", nf.Error())

	c := Conflict("incident", "INC1", 3, 4)
	assert.ErrorIs(t, c, ErrConflict)
	assert.Equal(t, "incident INC1: expected version 3, found 4: conflict", c.Error())

	assert.ErrorIs(t, Actor{}.Validate(), ErrValidation)
	assert.NoError(t, Actor{ID: "bob"}.Validate())
}

func TestFanoutCallsAllAndJoins(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	rec := func(name string, err error) Notifier {
		return NotifierFunc(func(_ context.Context, evs ...Notification) error {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, name)
			return err
		})
	}
	e1, e2 := errors.New("mail down"), errors.New("chat down")
	n := Fanout(rec("a", e1), nil, rec("b", nil), rec("c", e2))
	err := n.Notify(context.Background(), Notification{ID: "x"})
	assert.Equal(t, []string{"a", "b", "c"}, calls)
	assert.ErrorIs(t, err, e1)
	assert.ErrorIs(t, err, e2)

	assert.NoError(t, Discard.Notify(context.Background(), Notification{}))
	assert.Equal(t, Discard, NotifierOrDiscard(nil))
	assert.NoError(t, Fanout().Notify(context.Background()))
}

type memRec struct {
	version int64
	events  []Notification
}

// fakeStore keeps one record, "r"; with outbox set it stores each write's
// events with it.
type fakeStore struct {
	recs     map[string]*memRec
	failWith error
	outbox   bool
}

func (s *fakeStore) StoresEvents() bool { return s.outbox }

func (s *fakeStore) Commit(_ context.Context, w Write[*memRec]) error {
	if s.failWith != nil {
		return s.failWith
	}
	if old, ok := s.recs["r"]; w.Expected != 0 && (!ok || old.version != w.Expected) {
		return Conflict("t", "r", w.Expected, old.version)
	}
	if s.outbox {
		w.Record.events = w.Events
	}
	s.recs["r"] = w.Record
	return nil
}

// update is the write of r over version expected.
func update(r *memRec, expected int64, evs []Notification) Write[*memRec] {
	return Write[*memRec]{Record: r, Expected: expected, Events: evs}
}

func TestCommit(t *testing.T) {
	ctx := context.Background()
	var got []Notification
	n := NotifierFunc(func(_ context.Context, evs ...Notification) error { got = append(got, evs...); return nil })
	evs := []Notification{{ID: "t/r/1/0"}}

	s := &fakeStore{recs: map[string]*memRec{}}
	require.NoError(t, Commit(ctx, s, n, update(&memRec{version: 1}, 0, evs)))
	assert.Len(t, got, 1)

	// A conflict writes nothing and notifies nothing.
	got = nil
	err := Commit(ctx, s, n, update(&memRec{version: 3}, 2, evs))
	assert.ErrorIs(t, err, ErrConflict)
	assert.Empty(t, got)
	assert.Equal(t, int64(1), s.recs["r"].version)

	// A canceled context writes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = Commit(cctx, s, n, update(&memRec{version: 2}, 1, evs))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int64(1), s.recs["r"].version)

	// A failing notifier does not undo the stored change.
	bad := NotifierFunc(func(context.Context, ...Notification) error { return errors.New("smtp") })
	err = Commit(ctx, s, bad, update(&memRec{version: 2}, 1, evs))
	var ne *NotifyError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, "stored, but notification failed: smtp", err.Error())
	assert.Equal(t, int64(2), s.recs["r"].version)

	// An outbox store gets the events; the notifier is not called.
	got = nil
	ob := &fakeStore{recs: map[string]*memRec{}, outbox: true}
	require.NoError(t, Commit(ctx, ob, n, update(&memRec{version: 1}, 0, evs)))
	require.NoError(t, Commit(ctx, ob, n, update(&memRec{version: 2}, 1, evs)))
	assert.Empty(t, got)
	assert.Equal(t, evs, ob.recs["r"].events)
}

func TestMatrix(t *testing.T) {
	var m Matrix
	want := [][]Priority{{1, 2, 3}, {2, 3, 4}, {3, 4, 5}}
	for i := range 3 {
		for j := range 3 {
			p, err := m.Priority(Impact(i+1), Urgency(j+1))
			require.NoError(t, err)
			assert.Equal(t, want[i][j], p)
		}
	}
	_, err := m.Priority(0, 1)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "impact", ve.Field)
	_, err = m.Priority(1, 4)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "urgency", ve.Field)

	itop, err := NewMatrix([][]Priority{{1, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 4}})
	require.NoError(t, err)
	assert.Equal(t, 4, itop.Urgencies())
	p, err := itop.Priority(3, 4)
	require.NoError(t, err)
	assert.Equal(t, Priority(4), p)

	// Classify defaults a zero impact or urgency to the lowest level.
	for _, c := range []struct {
		m       Matrix
		i       Impact
		u       Urgency
		wantI   Impact
		wantU   Urgency
		wantP   Priority
		invalid string
	}{
		{m, 0, 0, 3, 3, 5, ""},
		{m, 1, 0, 1, 3, 3, ""},
		{m, 0, 1, 3, 1, 3, ""},
		{m, 2, 2, 2, 2, 3, ""},
		{itop, 0, 0, 3, 4, 4, ""},
		{m, 4, 1, 0, 0, 0, "impact"},
		{m, 1, -1, 0, 0, 0, "urgency"},
	} {
		i, u, p, err := c.m.Classify(c.i, c.u)
		if c.invalid != "" {
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, c.invalid, ve.Field)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, []int{int(c.wantI), int(c.wantU), int(c.wantP)}, []int{int(i), int(u), int(p)}, "%d/%d", c.i, c.u)
	}

	_, err = NewMatrix([][]Priority{{1, 2}, {1}})
	assert.ErrorIs(t, err, ErrValidation)
	_, err = NewMatrix(nil)
	assert.ErrorIs(t, err, ErrValidation)
	_, err = NewMatrix([][]Priority{{0}})
	assert.ErrorIs(t, err, ErrValidation)

	b, err := json.Marshal(itop)
	require.NoError(t, err)
	var back Matrix
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, itop, back)
	assert.ErrorIs(t, json.Unmarshal([]byte(`[[1,2],[3]]`), &back), ErrValidation)
	assert.Equal(t, "1 - critical", PriorityCritical.String())
	assert.Equal(t, "9", Priority(9).String())
}

func TestEnums(t *testing.T) {
	valid := []tState{"new", "open"}
	v, err := ParseEnum("state", valid, "open")
	require.NoError(t, err)
	assert.Equal(t, tState("open"), v)
	_, err = ParseEnum("state", valid, "opne")
	assert.ErrorIs(t, err, ErrValidation)
	assert.Equal(t, `invalid state: unknown value "opne" (valid: new, open)`, err.Error())
	b, err := MarshalEnum("state", valid, tState("new"))
	require.NoError(t, err)
	assert.Equal(t, "new", string(b))
	_, err = MarshalEnum("state", valid, tState("bogus"))
	assert.ErrorIs(t, err, ErrValidation)
}

func TestIDs(t *testing.T) {
	seq := Sequence("INC", 7)
	assert.Equal(t, "INC0000001", seq())
	assert.Equal(t, "INC0000002", seq())

	r := RandomIDs("CHG")
	seen := map[string]bool{}
	for range 10000 {
		id := r()
		assert.Len(t, id, 23)
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	assert.Equal(t, "incident/INC1/7/0", NotificationID("incident", "INC1", 7, 0))
}

func TestSnapshotApplyReplaysHistory(t *testing.T) {
	s := Snapshot{State: "new", Priority: 3, OpenedAt: time.Unix(0, 0).UTC()}
	hist := []Record{
		{Seq: 1, From: "new", To: "in_progress", Changes: []FieldChange{{Field: FieldGroup, New: "network"}, {Field: FieldAssignee, New: "bob"}}},
		{Seq: 2, From: "in_progress", To: "on_hold", Changes: []FieldChange{{Field: FieldHoldReason, New: "awaiting_caller"}}},
		{Seq: 3, From: "on_hold", To: "on_hold", Changes: []FieldChange{{Field: FieldPriority, Old: "3", New: "1"}, {Field: FieldMajor, New: "accepted"}}},
		{Seq: 4, From: "on_hold", To: "in_progress", Changes: []FieldChange{{Field: FieldHoldReason, Old: "awaiting_caller"}}},
	}
	for _, r := range hist {
		s = s.Apply(r)
	}
	assert.Equal(t, Snapshot{State: "in_progress", Priority: 1, Group: "network", Assignee: "bob", Major: true, OpenedAt: time.Unix(0, 0).UTC()}, s)
	c, ok := hist[2].Changed(FieldPriority)
	assert.True(t, ok)
	assert.Equal(t, "1", c.New)
	_, ok = hist[2].Changed(FieldGroup)
	assert.False(t, ok)
}

func TestClonesAreDeep(t *testing.T) {
	h := []Record{{Seq: 1, Changes: []FieldChange{{Field: "a", New: "1"}}}}
	c := CloneHistory(h)
	c[0].Changes[0].New = "2"
	assert.Equal(t, "1", h[0].Changes[0].New)
	assert.Nil(t, CloneHistory(nil))

	e := Notification{Data: map[string]string{"k": "v"}, Snapshot: Snapshot{Attributes: map[string]string{"a": "b"}}}
	ec := e.Clone()
	ec.Data["k"] = "x"
	ec.Snapshot.Attributes["a"] = "x"
	assert.Equal(t, "v", e.Data["k"])
	assert.Equal(t, "b", e.Snapshot.Attributes["a"])
	assert.Equal(t, []FieldChange{{Field: "f", Old: "a", New: "b"}}, Diff(Diff(nil, "f", "a", "b"), "g", "x", "x"))
}

func TestSystemClockHasNoMonotonicReading(t *testing.T) {
	now := ClockOrSystem(nil).Now()
	assert.Equal(t, now, now.Round(0))
}

func TestBusLateSubscription(t *testing.T) {
	var b Bus
	require.NoError(t, b.Notify(context.Background(), Notification{ID: "dropped"}))
	var got []string
	b.Subscribe(NotifierFunc(func(_ context.Context, evs ...Notification) error {
		for _, e := range evs {
			got = append(got, "a:"+e.ID)
		}
		return errors.New("a failed")
	}))
	b.Subscribe(nil)
	b.Subscribe(NotifierFunc(func(_ context.Context, evs ...Notification) error {
		for _, e := range evs {
			got = append(got, "b:"+e.ID)
		}
		return nil
	}))
	err := b.Notify(context.Background(), Notification{ID: "x"})
	assert.EqualError(t, err, "a failed")
	assert.Equal(t, []string{"a:x", "b:x"}, got)
}

func TestNotifyErrorHidesSentinels(t *testing.T) {
	// A stored change whose notifier (or a reaction behind it) failed with a
	// conflict must not look like a conflict: nothing would be retried right.
	s := &fakeStore{recs: map[string]*memRec{"r": {version: 1}}}
	bad := NotifierFunc(func(context.Context, ...Notification) error { return Conflict("problem", "PRB1", 1, 2) })
	err := Commit(context.Background(), s, bad, update(&memRec{version: 2}, 1, []Notification{{ID: "e"}}))
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrConflict)
	var ne *NotifyError
	require.ErrorAs(t, err, &ne)
	assert.ErrorIs(t, ne.Err, ErrConflict)
	assert.Equal(t, int64(2), s.recs["r"].version)
}

func TestSnapshotApplyLeavesTitle(t *testing.T) {
	// Title describes the record; it is not one of the replayed fields.
	s := Snapshot{Title: "Mail down"}.Apply(Record{Changes: []FieldChange{{Field: FieldTitle, Old: "Mail down", New: "Mail slow"}}})
	assert.Equal(t, "Mail down", s.Title)
}
