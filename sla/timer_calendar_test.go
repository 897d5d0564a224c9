package sla_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

func mustCalendar(cfg sla.CalendarConfig) *sla.Calendar {
	c, err := sla.NewCalendar(cfg)
	if err != nil {
		panic(err)
	}
	return c
}

// newYorkDesk works Monday to Friday, 09:00–17:00 in New York, and is
// closed on Tuesday 2026-03-10.
var newYorkDesk = mustCalendar(sla.CalendarConfig{
	Location:    "America/New_York",
	Hours:       sla.MondayToFriday(sla.Hours("09:00", "17:00")),
	ClosedDates: []string{"2026-03-10"},
})

var newYork = newYorkDesk.Location()

func init() {
	propCalendars = append(propCalendars,
		newYorkDesk,
		mustCalendar(sla.CalendarConfig{
			Location: "Europe/London",
			Hours:    sla.EveryDay(sla.Hours("08:00", "12:00"), sla.Hours("13:00", "18:30")),
		}),
		mustCalendar(sla.CalendarConfig{
			Location: "Australia/Lord_Howe",
			Hours:    sla.MondayToFriday(sla.Hours("00:00", "02:30"), sla.Hours("09:00", "17:00")),
		}),
	)
}

func ny(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, newYork)
}

func assertInstant(t *testing.T, want, got time.Time, msg string) {
	t.Helper()
	assert.True(t, want.Equal(got), "%s: want %v, got %v", msg, want.In(newYork), got.In(newYork))
}

func businessResolution() *sla.Agreement {
	a := resolutionSLA()
	a.Calendar = newYorkDesk
	return a
}

// GLPI #22678 and #15429, Zammad #4432: escalations fired at midnight or at
// creation, time-zone bugs. Opened on a Friday at 16:00 in New York, a
// 4-hour target uses one hour on Friday and three on Monday, across the
// weekend on which daylight saving starts.
func TestEscalationsFollowBusinessHoursNotMidnight(t *testing.T) {
	a := businessResolution()
	opened := ny(time.March, 6, 16, 0) // Friday, EST
	tm := attach(t, a, snap(stProgress, 1), opened)
	assertInstant(t, ny(time.March, 9, 12, 0), tm.Due, "due Monday noon, EDT")

	for _, quiet := range []time.Time{
		opened,
		ny(time.March, 6, 23, 59),
		ny(time.March, 7, 0, 0), // midnight after creation
		ny(time.March, 9, 0, 0), // Monday midnight
		ny(time.March, 9, 9, 59),
	} {
		assert.Nil(t, tm.Evaluate(quiet), "nothing due at %v", quiet)
	}
	evs := tm.Evaluate(ny(time.March, 9, 12, 0))
	require.Equal(t, []string{"sla.warning@50", "sla.warning@75", "sla.warning@90", "sla.breached@100"}, types(evs))
	for i, want := range []time.Time{ny(time.March, 9, 10, 0), ny(time.March, 9, 11, 0), ny(time.March, 9, 11, 36), ny(time.March, 9, 12, 0)} {
		assertInstant(t, want, evs[i].Time, evs[i].Type+" "+evs[i].Value(sla.DataPercent))
	}
	assert.Equal(t, "2026-03-09T16:00:00Z", evs[3].Value(sla.DataDue), "due is written in UTC")

	// Opened on Saturday: the clock starts at Monday's opening.
	tm = attach(t, a, snap(stProgress, 1), ny(time.March, 7, 10, 0))
	assertInstant(t, ny(time.March, 9, 13, 0), tm.Due, "4 business hours from Monday 09:00")
	st := tm.Status(a.Calendar, ny(time.March, 8, 23, 0))
	assert.Zero(t, st.Elapsed, "no business time over the weekend")
	assert.Equal(t, 36*time.Hour, st.ActualElapsed, "Saturday 10:00 EST to Sunday 23:00 EDT: the night lost an hour")
}

// GLPI #10594 and #9082: pending (paused) time miscounted with calendars
// that are not 24×7.
func TestPausedTimeWithBusinessCalendar(t *testing.T) {
	a := businessResolution()
	tm := attach(t, a, snap(stProgress, 2), ny(time.March, 12, 15, 0)) // Thursday
	require.NoError(t, tm.Observe(a, held(2, "awaiting_vendor"), ny(time.March, 12, 16, 0)))
	st := tm.Status(a.Calendar, ny(time.March, 14, 12, 0)) // Saturday
	assert.Equal(t, time.Hour, st.Elapsed)
	assert.Equal(t, 9*time.Hour, st.Paused, "Thursday 16–17 and Friday 9–17")
	assertInstant(t, ny(time.March, 16, 16, 0), st.Due, "7 hours left from Monday 09:00")

	require.NoError(t, tm.Observe(a, snap(stProgress, 2), ny(time.March, 16, 10, 0))) // Monday
	assert.Equal(t, time.Hour, tm.Elapsed, "paused business time is never elapsed time")
	assert.Equal(t, 10*time.Hour, tm.Paused)
	assert.Equal(t, 90*time.Hour, tm.ActualPaused)
	assertInstant(t, ny(time.March, 16, 17, 0), tm.Due, "")
	next, ok := tm.NextDeadline()
	require.True(t, ok)
	assertInstant(t, ny(time.March, 16, 13, 0), next, "50 % of 8 h after 3 more hours")
}

// osTicket #1168, FreeScout #3756: business hours and holidays missing.
func TestHolidayStopsTheClock(t *testing.T) {
	a := businessResolution()
	tm := attach(t, a, snap(stProgress, 2), ny(time.March, 9, 16, 0)) // Monday
	assertInstant(t, ny(time.March, 11, 16, 0), tm.Due, "Monday 1 h, Tuesday closed, Wednesday 7 h")
	st := tm.Status(a.Calendar, ny(time.March, 10, 17, 0))
	assert.Equal(t, time.Hour, st.Elapsed, "nothing on the holiday")
	assert.Nil(t, tm.Evaluate(ny(time.March, 11, 11, 59)))
	evs := tm.Evaluate(ny(time.March, 11, 12, 0))
	require.Equal(t, []string{"sla.warning@50"}, types(evs))
}

// Zammad #4353: SLAs not recalculated when the calendar changes. Repair
// recomputes running timers from history under the new calendar.
func TestRepairAfterCalendarChange(t *testing.T) {
	history := []lifecycle.Record{
		{Seq: 1, Time: ny(time.March, 9, 16, 0), Event: "open", To: stProgress, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "2"}}},
	}
	first := lifecycle.Snapshot{OpenedAt: history[0].Time}
	d := newDesk(t, resolutionSLA()) // 24×7
	d.observe(t, "INC1", 1, history[0].Time, first.Apply(history[0]))
	assertInstant(t, ny(time.March, 10, 0, 0), d.timer(t, "INC1/resolution").Due, "8 h later, 24×7")

	e, err := sla.New(sla.Config{Store: d.store, Notifier: d.rec, Clock: d.clock, Agreements: []*sla.Agreement{businessResolution()}})
	require.NoError(t, err)
	ts, err := e.Repair(ctx, "incident", "INC1", first, history)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	assertInstant(t, ny(time.March, 11, 16, 0), ts[0].Due, "recomputed on the business calendar")
	assert.Equal(t, int64(2), ts[0].Version)
	assert.Empty(t, d.rec.Events())
}
