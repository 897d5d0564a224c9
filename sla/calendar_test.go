package sla

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the DST cases must not depend on the machine's zoneinfo

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/us"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func calTestNew(t testing.TB, cfg CalendarConfig) *Calendar {
	t.Helper()
	c, err := NewCalendar(cfg)
	require.NoError(t, err)
	return c
}

func calTestLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// calTestAt parses "2006-01-02 15:04[:05]" in loc.
func calTestAt(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout = "2006-01-02 15:04:05"
	}
	v, err := time.ParseInLocation(layout, s, loc)
	require.NoError(t, err)
	return v
}

func calTestUTC(t testing.TB, s string) time.Time { return calTestAt(t, time.UTC, s) }

// calAssertTime asserts that got is the instant want (whatever the
// Locations).
func calAssertTime(t interface {
	Helper()
	Errorf(string, ...any)
}, want, got time.Time, msg ...any) bool {
	t.Helper()
	if want.Equal(got) {
		return true
	}
	t.Errorf("want %s (%s), got %s (%s) %v", want, want.UTC(), got, got.UTC(), msg)
	return false
}

func TestCalendarZeroIs24x7(t *testing.T) {
	a := time.Date(2026, 3, 8, 1, 30, 0, 7, calTestLoc(t, "America/New_York"))
	for name, c := range map[string]*Calendar{"nil": nil, "zero": {}, "Calendar24x7": Calendar24x7()} {
		t.Run(name, func(t *testing.T) {
			assert.True(t, c.Add(a, 90*time.Minute).Equal(a.Add(90*time.Minute)))
			assert.True(t, c.Add(a, -90*time.Minute).Equal(a.Add(-90*time.Minute)))
			assert.Equal(t, 25*time.Hour, c.Between(a, a.Add(25*time.Hour)))
			assert.Equal(t, -time.Nanosecond, c.Between(a, a.Add(-time.Nanosecond)))
			assert.True(t, c.InBusinessHours(a))
			assert.True(t, c.NextOpen(a).Equal(a))
			assert.Equal(t, time.UTC, c.Location())
			assert.Equal(t, CalendarConfig{}, c.Config())
		})
	}
	// A configured 24×7 calendar agrees with elapsed time in any zone.
	ny := calTestNew(t, CalendarConfig{Location: "America/New_York"})
	b := a.Add(400 * 24 * time.Hour)
	assert.Equal(t, b.Sub(a), ny.Between(a, b))
	assert.True(t, ny.Add(a, b.Sub(a)).Equal(b))
}

func TestNewCalendarValidation(t *testing.T) {
	nine := MondayToFriday(Hours("09:00", "17:00"))
	cases := []struct {
		name  string
		cfg   CalendarConfig
		field string
	}{
		{"unknown zone", CalendarConfig{Location: "Mars/Olympus_Mons"}, "location"},
		{"local zone", CalendarConfig{Location: "Local"}, "location"},
		{"zone disagrees", CalendarConfig{Location: "Europe/Paris", Zone: time.UTC}, "location"},
		{"inverted", CalendarConfig{Hours: WeeklyHours{Monday: []Interval{Hours("17:00", "09:00")}}}, "hours.monday[0]"},
		{"empty", CalendarConfig{Hours: WeeklyHours{Tuesday: []Interval{Hours("09:00", "09:00")}}}, "hours.tuesday[0]"},
		{"overlap", CalendarConfig{Hours: WeeklyHours{Friday: []Interval{Hours("13:00", "17:00"), Hours("09:00", "13:30")}}}, "hours.friday[0]"},
		{"contained", CalendarConfig{Hours: WeeklyHours{Sunday: []Interval{Hours("08:00", "18:00"), Hours("09:00", "10:00")}}}, "hours.sunday[1]"},
		{"duplicate", CalendarConfig{Hours: WeeklyHours{Saturday: []Interval{Hours("08:00", "10:00"), Hours("08:00", "10:00")}}}, "hours.saturday[1]"},
		{"one digit hour", CalendarConfig{Hours: WeeklyHours{Monday: []Interval{Hours("9:00", "17:00")}}}, "hours.monday[0]"},
		{"minute 60", CalendarConfig{Hours: WeeklyHours{Monday: []Interval{Hours("09:60", "17:00")}}}, "hours.monday[0]"},
		{"hour 25", CalendarConfig{Hours: WeeklyHours{Monday: []Interval{Hours("09:00", "25:00")}}}, "hours.monday[0]"},
		{"24:00 start", CalendarConfig{Hours: WeeklyHours{Monday: []Interval{Hours("24:00", "24:00")}}}, "hours.monday[0]"},
		{"24:30 end", CalendarConfig{Hours: WeeklyHours{Monday: []Interval{Hours("09:00", "24:30")}}}, "hours.monday[0]"},
		{"bad fraction", CalendarConfig{Hours: WeeklyHours{Monday: []Interval{Hours("09:00:00.", "17:00")}}}, "hours.monday[0]"},
		{"bad date", CalendarConfig{Hours: nine, ClosedDates: []string{"2026-12-24", "2026-02-30"}}, "closed_dates[1]"},
		{"year 0", CalendarConfig{ClosedDates: []string{"0000-01-01"}}, "closed_dates[0]"},
		{"nil rule", CalendarConfig{Holidays: []*cal.Holiday{us.NewYear, nil}}, "holidays[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCalendar(tc.cfg)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.True(t, errors.Is(err, lifecycle.ErrValidation), err.Error())
			var ve *lifecycle.ValidationError
			require.True(t, errors.As(err, &ve))
			assert.Equal(t, tc.field, ve.Field, err.Error())
		})
	}

	// Touching intervals, any order, seconds and fractions are fine.
	c, err := NewCalendar(CalendarConfig{Hours: WeeklyHours{Monday: []Interval{
		Hours("12:00", "17:00"), Hours("09:00", "12:00"), Hours("18:00:30.5", "24:00"),
	}}})
	require.NoError(t, err)
	mon := calTestUTC(t, "2026-11-23 00:00")
	assert.Equal(t, 8*time.Hour+5*time.Hour+59*time.Minute+29*time.Second+500*time.Millisecond,
		c.Between(mon, mon.Add(24*time.Hour)))
	assert.False(t, c.InBusinessHours(mon.Add(18*time.Hour+30*time.Second+499*time.Millisecond)))
	assert.True(t, c.InBusinessHours(mon.Add(18*time.Hour+30*time.Second+500*time.Millisecond)))
}

func TestCalendarConfigJSON(t *testing.T) {
	cfg := CalendarConfig{
		Location:    "Europe/London",
		Hours:       MondayToFriday(Hours("09:00", "12:30"), Hours("13:30", "17:00")),
		ClosedDates: []string{"2026-12-24"},
		Holidays:    gb.Holidays,
	}
	c := calTestNew(t, cfg)
	data, err := json.Marshal(c.Config())
	require.NoError(t, err)
	assert.JSONEq(t, `{"location":"Europe/London","hours":{
		"monday":[{"start":"09:00","end":"12:30"},{"start":"13:30","end":"17:00"}],
		"tuesday":[{"start":"09:00","end":"12:30"},{"start":"13:30","end":"17:00"}],
		"wednesday":[{"start":"09:00","end":"12:30"},{"start":"13:30","end":"17:00"}],
		"thursday":[{"start":"09:00","end":"12:30"},{"start":"13:30","end":"17:00"}],
		"friday":[{"start":"09:00","end":"12:30"},{"start":"13:30","end":"17:00"}]},
		"closed_dates":["2026-12-24"]}`, string(data))

	var back CalendarConfig
	require.NoError(t, json.Unmarshal(data, &back))
	back.Holidays = gb.Holidays
	c2 := calTestNew(t, back)
	a := calTestAt(t, c.Location(), "2026-12-01 10:00")
	b := calTestAt(t, c.Location(), "2027-06-01 10:00")
	assert.Equal(t, c.Between(a, b), c2.Between(a, b))

	// Config is a copy.
	got := c.Config()
	got.Hours.Monday[0].Start = "00:00"
	got.ClosedDates[0] = "2026-01-01"
	assert.Equal(t, "09:00", c.Config().Hours.Monday[0].Start)
	assert.Equal(t, "2026-12-24", c.Config().ClosedDates[0])

	// Zone without Location fills Location in.
	z := calTestNew(t, CalendarConfig{Zone: time.FixedZone("UTC+3", 3*3600)})
	assert.Equal(t, "UTC+3", z.Config().Location)
	assert.Equal(t, "UTC+3", z.Location().String())
	_, err = NewCalendar(z.Config())
	require.NoError(t, err)
}

func TestWeeklyHoursHelpers(t *testing.T) {
	w := EveryDay(Hours("08:00", "12:00"))
	for d := time.Sunday; d <= time.Saturday; d++ {
		assert.Equal(t, []Interval{{"08:00", "12:00"}}, w.Day(d), d.String())
	}
	w.SetDay(time.Sunday)
	assert.Empty(t, w.Day(time.Sunday))
	assert.Equal(t, "08:00–12:00", w.Monday[0].String())
	m := MondayToFriday(Hours("09:00", "17:00"))
	assert.Empty(t, m.Saturday)
	assert.Empty(t, m.Sunday)
	m.Monday[0].End = "10:00" // days do not share backing arrays
	assert.Equal(t, "17:00", m.Tuesday[0].End)
}

// calTestDesk is the 9-to-5 desk of the benchmarks: Monday to Friday
// 09:00–17:00, US holidays, UTC.
func calTestDesk(t testing.TB) *Calendar {
	return calTestNew(t, CalendarConfig{
		Hours:    MondayToFriday(Hours("09:00", "17:00")),
		Holidays: us.Holidays,
	})
}

func TestCalendarNineToFive(t *testing.T) {
	c := calTestDesk(t)
	at := func(s string) time.Time { return calTestUTC(t, s) }

	// Friday 15:00 + 8h: 2h on Friday, 6h on Monday.
	calAssertTime(t, at("2026-11-23 15:00"), c.Add(at("2026-11-20 15:00"), 8*time.Hour))
	// Running out exactly at closing time gives the closing time.
	calAssertTime(t, at("2026-11-20 17:00"), c.Add(at("2026-11-20 15:00"), 2*time.Hour))
	calAssertTime(t, at("2026-11-20 17:00"), c.Add(at("2026-11-20 09:00"), 8*time.Hour))
	// Thanksgiving (Thu 2026-11-26) is closed.
	calAssertTime(t, at("2026-11-27 10:00"), c.Add(at("2026-11-25 16:00"), 2*time.Hour))
	assert.Equal(t, 2*time.Hour, c.Between(at("2026-11-25 16:00"), at("2026-11-27 10:00")))
	assert.False(t, c.InBusinessHours(at("2026-11-26 12:00")))
	// Christmas 2027 is a Saturday, observed Friday 24th; New Year 2028 is
	// a Saturday, observed Friday 2027-12-31.
	assert.False(t, c.InBusinessHours(at("2027-12-24 12:00")))
	assert.False(t, c.InBusinessHours(at("2027-12-31 12:00")))
	assert.True(t, c.InBusinessHours(at("2027-12-30 12:00")))
	calAssertTime(t, at("2028-01-03 09:00"), c.NextOpen(at("2027-12-30 17:00")))
	// Starting outside hours.
	calAssertTime(t, at("2026-11-23 10:00"), c.Add(at("2026-11-21 03:00"), time.Hour))
	calAssertTime(t, at("2026-11-23 09:00:00.000000001"), c.Add(at("2026-11-23 07:00"), 1))
	// Backwards.
	calAssertTime(t, at("2026-11-20 15:00"), c.Add(at("2026-11-23 15:00"), -8*time.Hour))
	calAssertTime(t, at("2026-11-23 09:00"), c.Add(at("2026-11-23 10:00"), -time.Hour))
	calAssertTime(t, at("2026-11-20 16:00"), c.Add(at("2026-11-23 09:00"), -time.Hour))
	// Between is antisymmetric and ignores the Location of its arguments.
	a, b := at("2026-11-20 15:00"), at("2026-11-23 15:00")
	assert.Equal(t, 8*time.Hour, c.Between(a, b))
	assert.Equal(t, -8*time.Hour, c.Between(b, a))
	assert.Equal(t, 8*time.Hour, c.Between(a.In(calTestLoc(t, "Asia/Tokyo")), b))
	// Results come back in the argument's Location.
	tokyo := calTestLoc(t, "Asia/Tokyo")
	assert.Equal(t, tokyo, c.Add(a.In(tokyo), time.Hour).Location())
	// Interval edges.
	assert.True(t, c.InBusinessHours(at("2026-11-23 09:00")))
	assert.False(t, c.InBusinessHours(at("2026-11-23 17:00")))
	assert.True(t, c.InBusinessHours(at("2026-11-23 16:59:59.999999999")))
	calAssertTime(t, at("2026-11-23 12:00"), c.NextOpen(at("2026-11-23 12:00")))
	calAssertTime(t, at("2026-11-24 09:00"), c.NextOpen(at("2026-11-23 17:00")))
	// A year: 261 weekdays in 2027, 11 federal holidays observed on
	// weekdays in 2027 (Juneteenth on Saturday is observed Friday 18th;
	// Christmas on Saturday observed Friday 24th; New Year 2028 observed
	// Friday 2027-12-31).
	assert.Equal(t, time.Duration(261-12)*8*time.Hour, c.Between(at("2027-01-01 00:00"), at("2028-01-01 00:00")))
	// The result saturates instead of overflowing.
	assert.Equal(t, time.Duration(1<<63-1), calTestNew(t, CalendarConfig{}).Between(time.Time{}, at("2026-01-01 00:00")))
	assert.Equal(t, time.Duration(1<<63-1), c.Between(time.Time{}, at("2026-01-01 00:00")))
	assert.Greater(t, c.Between(at("1800-01-01 00:00"), at("2026-01-01 00:00")), 226*249*8*time.Hour)
}

func TestCalendarClosedDatesAndHolidayTable(t *testing.T) {
	c := calTestNew(t, CalendarConfig{
		Hours:       EveryDay(Hours("00:00", "24:00")),
		ClosedDates: []string{"2026-12-24", "2026-12-24", "1999-12-31", "9999-12-31", "0001-01-01"},
	})
	at := func(s string) time.Time { return calTestUTC(t, s) }
	assert.Equal(t, 24*time.Hour, c.Between(at("2026-12-23 12:00"), at("2026-12-25 12:00")))
	assert.False(t, c.InBusinessHours(at("2026-12-24 23:59:59.999999999")))
	calAssertTime(t, at("2026-12-25 00:00"), c.NextOpen(at("2026-12-24 08:00")))
	// Growth of the holiday table in both directions keeps every date.
	assert.False(t, c.InBusinessHours(at("1999-12-31 12:00")))
	assert.False(t, c.InBusinessHours(time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)))
	assert.False(t, c.InBusinessHours(time.Date(1, 1, 1, 12, 0, 0, 0, time.UTC)))
	assert.True(t, c.InBusinessHours(time.Date(10000, 1, 1, 12, 0, 0, 0, time.UTC)))
	a, b := at("1800-01-01 00:00"), at("2026-12-26 00:00")
	assert.Equal(t, b.Sub(a)-2*24*time.Hour, c.Between(a, b)) // 1999-12-31 and 2026-12-24
	calAssertTime(t, b, c.Add(a, b.Sub(a)-2*24*time.Hour))
	calAssertTime(t, a, c.Add(b, -(b.Sub(a)-2*24*time.Hour)))
}

// TestCalendarDSTNewYork checks 2026-03-08 (02:00 EST → 03:00 EDT) and
// 2026-11-01 (02:00 EDT → 01:00 EST), where rickar/cal opens a 09:00–17:00
// day at 10:00 and at 08:00.
func TestCalendarDSTNewYork(t *testing.T) {
	ny := calTestLoc(t, "America/New_York")
	at := func(s string) time.Time { return calTestAt(t, ny, s) }
	utc := func(s string) time.Time { return calTestUTC(t, s) }
	mk := func(start, end string) *Calendar {
		return calTestNew(t, CalendarConfig{Location: "America/New_York", Hours: EveryDay(Hours(start, end))})
	}

	desk := mk("09:00", "17:00")
	for _, day := range []string{"2026-03-08", "2026-11-01"} {
		calAssertTime(t, at(day+" 09:00"), desk.NextOpen(at(day+" 00:00")), day)
		assert.Equal(t, 8*time.Hour, desk.Between(at(day+" 00:00"), at(day+" 23:59")), day)
		calAssertTime(t, at(day+" 17:00"), desk.Add(at(day+" 00:00"), 8*time.Hour), day)
		assert.False(t, desk.InBusinessHours(at(day+" 08:59:59.999999999")))
		assert.True(t, desk.InBusinessHours(at(day+" 09:00")))
	}
	calAssertTime(t, utc("2026-03-08 13:00"), desk.NextOpen(at("2026-03-08 00:00")))
	calAssertTime(t, utc("2026-11-01 14:00"), desk.NextOpen(at("2026-11-01 00:00")))
	// rickar/cal's workday is midnight + 9h, so it is an hour off.
	rk := cal.NewBusinessCalendar()
	rk.SetWorkday(time.Sunday, true)
	calAssertTime(t, at("2026-03-08 10:00"), rk.WorkdayStart(at("2026-03-08 00:00")))
	calAssertTime(t, at("2026-11-01 08:00"), rk.WorkdayStart(at("2026-11-01 00:00")))

	// Around the clock: 23 and 25 hours.
	all := mk("00:00", "24:00")
	assert.Equal(t, 23*time.Hour, all.Between(at("2026-03-08 00:00"), at("2026-03-09 00:00")))
	assert.Equal(t, 25*time.Hour, all.Between(at("2026-11-01 00:00"), at("2026-11-02 00:00")))

	// Spring forward: wall times 02:00–03:00 never happen.
	gap := mk("02:00", "03:00")
	assert.Equal(t, time.Duration(0), gap.Between(at("2026-03-08 00:00"), at("2026-03-08 12:00")))
	assert.Equal(t, time.Hour, gap.Between(at("2026-03-07 00:00"), at("2026-03-07 12:00")))
	calAssertTime(t, at("2026-03-09 02:00"), gap.NextOpen(at("2026-03-08 00:00")))
	calAssertTime(t, at("2026-03-09 02:30"), gap.Add(at("2026-03-08 00:00"), 30*time.Minute))
	across := mk("01:00", "04:00") // 01:00–02:00 EST, 03:00–04:00 EDT
	assert.Equal(t, 2*time.Hour, across.Between(at("2026-03-08 00:00"), at("2026-03-08 12:00")))
	calAssertTime(t, utc("2026-03-08 07:00"), across.Add(at("2026-03-08 00:00"), time.Hour)) // = 02:00 EST = 03:00 EDT
	calAssertTime(t, utc("2026-03-08 07:30"), across.Add(at("2026-03-08 00:00"), 90*time.Minute))
	calAssertTime(t, utc("2026-03-08 06:30"), across.Add(utc("2026-03-08 07:30"), -time.Hour))
	assert.True(t, across.InBusinessHours(utc("2026-03-08 06:59:59")))
	assert.True(t, across.InBusinessHours(utc("2026-03-08 07:00")))
	inGap := mk("02:30", "04:00") // opens when the clock jumps to 03:00
	calAssertTime(t, utc("2026-03-08 07:00"), inGap.NextOpen(at("2026-03-08 00:00")))
	assert.Equal(t, time.Hour, inGap.Between(at("2026-03-08 00:00"), at("2026-03-08 12:00")))

	// Fall back: wall times 01:00–02:00 happen twice and count twice.
	twice := mk("01:00", "02:00")
	assert.Equal(t, 2*time.Hour, twice.Between(at("2026-11-01 00:00"), at("2026-11-01 12:00")))
	calAssertTime(t, utc("2026-11-01 05:00"), twice.NextOpen(at("2026-11-01 00:00")))
	assert.True(t, twice.InBusinessHours(utc("2026-11-01 05:59:59")))
	assert.True(t, twice.InBusinessHours(utc("2026-11-01 06:00")))
	assert.True(t, twice.InBusinessHours(utc("2026-11-01 06:59:59")))
	assert.False(t, twice.InBusinessHours(utc("2026-11-01 07:00")))
	calAssertTime(t, utc("2026-11-01 06:30"), twice.Add(at("2026-11-01 00:00"), 90*time.Minute))
	calAssertTime(t, utc("2026-11-01 05:30"), twice.Add(at("2026-11-01 12:00"), -90*time.Minute))
	assert.Equal(t, 4*time.Hour, across.Between(at("2026-11-01 00:00"), at("2026-11-01 12:00")))
	calAssertTime(t, utc("2026-11-01 09:00"), across.Add(at("2026-11-01 00:00"), 4*time.Hour))

	// A weekday desk across both weekends is unaffected.
	wk := calTestNew(t, CalendarConfig{Location: "America/New_York", Hours: MondayToFriday(Hours("09:00", "17:00"))})
	assert.Equal(t, 2*time.Hour, wk.Between(at("2026-03-06 16:00"), at("2026-03-09 10:00")))
	calAssertTime(t, at("2026-03-09 10:00"), wk.Add(at("2026-03-06 16:00"), 2*time.Hour))
	calAssertTime(t, at("2026-11-02 10:00"), wk.Add(at("2026-10-30 16:00"), 2*time.Hour))
	calAssertTime(t, at("2026-10-30 16:00"), wk.Add(at("2026-11-02 10:00"), -2*time.Hour))
}

// TestCalendarDSTLondon checks 2026-03-29 (01:00 GMT → 02:00 BST) and
// 2026-10-25 (02:00 BST → 01:00 GMT).
func TestCalendarDSTLondon(t *testing.T) {
	lon := calTestLoc(t, "Europe/London")
	at := func(s string) time.Time { return calTestAt(t, lon, s) }
	utc := func(s string) time.Time { return calTestUTC(t, s) }
	mk := func(h WeeklyHours) *Calendar {
		return calTestNew(t, CalendarConfig{Location: "Europe/London", Hours: h, Holidays: gb.Holidays})
	}

	wk := mk(MondayToFriday(Hours("09:00", "17:00")))
	assert.Equal(t, 2*time.Hour, wk.Between(at("2026-03-27 16:00"), at("2026-03-30 10:00")))
	calAssertTime(t, utc("2026-03-30 09:00"), wk.Add(at("2026-03-27 16:00"), 2*time.Hour))
	calAssertTime(t, utc("2026-10-26 10:00"), wk.Add(at("2026-10-23 16:00"), 2*time.Hour))
	// Good Friday 2026-04-03 and Easter Monday 2026-04-06 are bank holidays.
	calAssertTime(t, at("2026-04-07 10:00"), wk.Add(at("2026-04-02 16:00"), 2*time.Hour))

	all := mk(EveryDay(Hours("00:00", "24:00")))
	assert.Equal(t, 23*time.Hour, all.Between(at("2026-03-29 00:00"), at("2026-03-30 00:00")))
	assert.Equal(t, 25*time.Hour, all.Between(at("2026-10-25 00:00"), at("2026-10-26 00:00")))

	gap := mk(EveryDay(Hours("00:30", "01:30"))) // 01:00–01:30 never happens on 03-29
	assert.Equal(t, 30*time.Minute, gap.Between(at("2026-03-29 00:00"), at("2026-03-29 12:00")))
	calAssertTime(t, at("2026-03-30 00:45"), gap.Add(at("2026-03-29 00:00"), 45*time.Minute)) // 30m on the 29th, 15m on the 30th
	twice := mk(EveryDay(Hours("01:00", "02:00")))
	assert.Equal(t, 2*time.Hour, twice.Between(at("2026-10-25 00:00"), at("2026-10-25 12:00")))
	calAssertTime(t, utc("2026-10-25 00:00"), twice.NextOpen(at("2026-10-25 00:00")))
	calAssertTime(t, utc("2026-10-25 01:15"), twice.Add(at("2026-10-25 00:00"), 75*time.Minute))
}

// TestCalendarDSTLordHowe checks the 30-minute shifts of 2026-04-05
// (02:00 +11:00 → 01:30 +10:30) and 2026-10-04 (02:00 +10:30 → 02:30 +11:00).
func TestCalendarDSTLordHowe(t *testing.T) {
	lh := calTestLoc(t, "Australia/Lord_Howe")
	at := func(s string) time.Time { return calTestAt(t, lh, s) }
	utc := func(s string) time.Time { return calTestUTC(t, s) }
	mk := func(start, end string) *Calendar {
		return calTestNew(t, CalendarConfig{Location: "Australia/Lord_Howe", Hours: EveryDay(Hours(start, end))})
	}
	// The zone data are what we think they are.
	_, off := utc("2026-04-04 14:59:59").In(lh).Zone()
	assert.Equal(t, 11*3600, off)
	_, off = utc("2026-04-04 15:00").In(lh).Zone()
	assert.Equal(t, 10*3600+1800, off)
	_, off = utc("2026-10-03 15:30").In(lh).Zone()
	assert.Equal(t, 11*3600, off)

	all := mk("00:00", "24:00")
	assert.Equal(t, 24*time.Hour+30*time.Minute, all.Between(at("2026-04-05 00:00"), at("2026-04-06 00:00")))
	assert.Equal(t, 23*time.Hour+30*time.Minute, all.Between(at("2026-10-04 00:00"), at("2026-10-05 00:00")))

	desk := mk("09:00", "17:00")
	for _, day := range []string{"2026-04-05", "2026-10-04"} {
		calAssertTime(t, at(day+" 09:00"), desk.NextOpen(at(day+" 00:00")), day)
		assert.Equal(t, 8*time.Hour, desk.Between(at(day+" 00:00"), at(day+" 23:00")), day)
	}

	twice := mk("01:30", "02:00") // happens twice on 04-05
	assert.Equal(t, time.Hour, twice.Between(at("2026-04-05 00:00"), at("2026-04-05 12:00")))
	calAssertTime(t, utc("2026-04-04 14:30"), twice.NextOpen(at("2026-04-05 00:00")))
	calAssertTime(t, utc("2026-04-04 15:15"), twice.Add(at("2026-04-05 00:00"), 45*time.Minute))
	assert.True(t, twice.InBusinessHours(utc("2026-04-04 15:00")))
	assert.False(t, twice.InBusinessHours(utc("2026-04-04 15:30")))

	half := mk("02:00", "03:00") // 02:00–02:30 never happens on 10-04
	assert.Equal(t, 30*time.Minute, half.Between(at("2026-10-04 00:00"), at("2026-10-04 12:00")))
	calAssertTime(t, utc("2026-10-03 15:30"), half.NextOpen(at("2026-10-04 00:00"))) // 02:30 +11:00
	calAssertTime(t, at("2026-10-04 02:30"), half.NextOpen(at("2026-10-04 00:00")))
	calAssertTime(t, at("2026-10-05 02:15"), half.Add(at("2026-10-04 00:00"), 45*time.Minute))
}

// TestCalendarZoneBoundsLeapYear covers golang/go#81583: past the last
// explicit transition of the zone data (2037), ZoneBounds returns an end
// before the instant on the last day of a leap year. The arithmetic must
// neither loop nor drift there.
func TestCalendarZoneBoundsLeapYear(t *testing.T) {
	for _, zone := range []string{"America/New_York", "Europe/Warsaw", "Australia/Lord_Howe"} {
		c := calTestNew(t, CalendarConfig{Location: zone})
		for _, y := range []int{2040, 2044, 2096} {
			a := time.Date(y, 12, 30, 0, 0, 0, 0, time.UTC)
			b := time.Date(y+1, 1, 2, 0, 0, 0, 0, time.UTC)
			assert.Equal(t, b.Sub(a), c.Between(a, b), "%s %d", zone, y)
			calAssertTime(t, b, c.Add(a, b.Sub(a)), zone, y)
			calAssertTime(t, a, c.Add(b, -b.Sub(a)), zone, y)
			m := time.Date(y, 12, 31, 12, 0, 0, 0, time.UTC)
			calAssertTime(t, m, c.NextOpen(m))
		}
		// Ten years across several leap years, with daylight saving.
		a := time.Date(2038, 6, 1, 0, 0, 0, 0, time.UTC)
		b := a.AddDate(10, 0, 0)
		assert.Equal(t, b.Sub(a), c.Between(a, b), zone)
	}
	// A desk in New York, 2040-12-31 is a Monday.
	ny := calTestLoc(t, "America/New_York")
	desk := calTestNew(t, CalendarConfig{Location: "America/New_York", Hours: MondayToFriday(Hours("09:00", "17:00"))})
	calAssertTime(t, time.Date(2041, 1, 1, 10, 0, 0, 0, ny), desk.Add(time.Date(2040, 12, 31, 16, 0, 0, 0, ny), 2*time.Hour))
	assert.Equal(t, 16*time.Hour, desk.Between(time.Date(2040, 12, 30, 0, 0, 0, 0, ny), time.Date(2041, 1, 2, 0, 0, 0, 0, ny)))
}

// An absurd calendar (a nanosecond of business time a week) used to make
// Add run past the range of Unix seconds and wrap around, or, in a zone
// with daylight saving, walk its transitions for billions of years. Add
// now stops at 10000-01-01 (0001-01-01 backwards). Found by
// FuzzCalendarConfig.
func TestCalendarAddIsBounded(t *testing.T) {
	end := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	start := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, loc := range []string{"UTC", "America/New_York"} {
		c := calTestNew(t, CalendarConfig{
			Location: loc,
			Hours:    WeeklyHours{Wednesday: []Interval{Hours("00:00", "00:00:00.000000001")}},
		})
		from := time.Date(2026, 3, 9, 9, 0, 0, 0, c.Location())
		began := time.Now()
		if got := c.Add(from, 8*time.Hour); !got.Equal(end) {
			t.Errorf("%s: Add(8h) = %v, want the bound %v", loc, got, end)
		}
		if got := c.Add(from, -8*time.Hour); !got.Equal(start) {
			t.Errorf("%s: Add(-8h) = %v, want the bound %v", loc, got, start)
		}
		if got := c.Add(from, 3); got.Before(from) || c.Between(from, got) != 3 {
			t.Errorf("%s: Add(3ns) = %v", loc, got)
		}
		late := time.Date(10001, 1, 1, 0, 0, 0, 5, time.UTC)
		if got := c.Add(late, time.Hour); !got.Equal(late) {
			t.Errorf("%s: Add from beyond the bound = %v, want the instant itself", loc, got)
		}
		if d := time.Since(began); d > 2*time.Second {
			t.Errorf("%s: %v to reach the bound", loc, d)
		}
	}
}
