package lifecycletest

import (
	"reflect"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// The checks of one pure Apply, which every process's machine and rule
// tests make: a refusal leaves the record as it was, and a step appends
// one history record and notifies its events.

// CheckRefused fails t unless a, a pure Apply that must be refused,
// returned no events and left its record as it was (After equals Before),
// with an error matching each of is; with field set, the error is a
// *lifecycle.ValidationError (or unwraps to one) for field.
func (a Applied) CheckRefused(t require.TestingT, field string, is ...error) {
	helper(t)
	require.Error(t, a.Err)
	for _, target := range is {
		assert.ErrorIs(t, a.Err, target)
	}
	if field != "" {
		CheckInvalid(t, a.Err, field)
	}
	assert.Nil(t, a.Events, "a refused Apply returns no events")
	assert.Equal(t, a.Before, a.After, "a refused Apply leaves the record unchanged")
}

// CheckNoTransition fails t unless a is refused (see [Applied.CheckRefused])
// with a *lifecycle.TransitionError matching ErrInvalidTransition that has
// want's From and Event, its Process, Subject and Allowed when they are
// set, and no guard Reason: the pair is not in the machine. It returns the
// error, for the checks a process adds.
func (a Applied) CheckNoTransition(t require.TestingT, want lifecycle.TransitionError) *lifecycle.TransitionError {
	helper(t)
	a.CheckRefused(t, "", lifecycle.ErrInvalidTransition)
	var te *lifecycle.TransitionError
	require.ErrorAs(t, a.Err, &te)
	assert.Equal(t, want.From, te.From)
	assert.Equal(t, want.Event, te.Event)
	if want.Process != "" {
		assert.Equal(t, want.Process, te.Process)
	}
	if want.Subject != "" {
		assert.Equal(t, want.Subject, te.Subject)
	}
	if want.Allowed != nil {
		assert.Equal(t, want.Allowed, te.Allowed, "the events from %s whose guards accept the record", want.From)
	}
	assert.Nil(t, te.Reason, "a pair outside the machine has no guard reason")
	return te
}

// CheckAppended fails t unless after, a record's history after one step,
// is before with one record appended, numbered len(after), with want's
// Event, From and To, and its Actor and Time when they are set. Earlier
// records never change.
func CheckAppended(t require.TestingT, before, after []lifecycle.Record, want lifecycle.Record) {
	helper(t)
	require.Len(t, after, len(before)+1)
	assert.Equal(t, before, after[:len(before)], "earlier records never change")
	got := after[len(after)-1]
	assert.Equal(t, len(after), got.Seq)
	assert.Equal(t, want.Event, got.Event)
	assert.Equal(t, want.From, got.From)
	assert.Equal(t, want.To, got.To)
	if want.Actor != "" {
		assert.Equal(t, want.Actor, got.Actor)
	}
	if !want.Time.IsZero() {
		assert.Equal(t, want.Time, got.Time)
	}
}

// CheckNotified fails t unless evs, the events of one step, are not empty
// and each has the ID [lifecycle.NotificationID] gives want's Process,
// Subject and Version for its place, and want's Version; and want's
// Process, From, To and Snapshot when they are set.
func CheckNotified(t require.TestingT, evs []lifecycle.Notification, want lifecycle.Notification) {
	helper(t)
	require.NotEmpty(t, evs, "a step notifies")
	for i, ev := range evs {
		assert.Equal(t, lifecycle.NotificationID(want.Process, want.Subject, want.Version, i), ev.ID)
		assert.Equal(t, want.Version, ev.Version)
		if want.Process != "" {
			assert.Equal(t, want.Process, ev.Process)
		}
		if want.From != "" {
			assert.Equal(t, want.From, ev.From)
		}
		if want.To != "" {
			assert.Equal(t, want.To, ev.To)
		}
		if !reflect.ValueOf(want.Snapshot).IsZero() {
			assert.Equal(t, want.Snapshot, ev.Snapshot)
		}
	}
}

// CheckInvalid fails t unless err matches lifecycle.ErrValidation and is a
// *lifecycle.ValidationError (or unwraps to one) for field. It returns the
// error, for checks of its reason.
func CheckInvalid(t require.TestingT, err error, field string) *lifecycle.ValidationError {
	helper(t)
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	var ve *lifecycle.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, field, ve.Field)
	return ve
}
