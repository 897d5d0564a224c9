package sla

import (
	"testing"
	"time"

	"github.com/rickar/cal/v2/us"
)

// TestCalendarDoesNotAllocate holds the calendar to its promise: once the
// holiday years involved are computed, Add, Between, InBusinessHours and
// NextOpen allocate nothing, in a zone with daylight saving and with
// holidays, over short and long spans, backwards too.
func TestCalendarDoesNotAllocate(t *testing.T) {
	c := calTestNew(t, CalendarConfig{
		Location:    "America/New_York",
		Hours:       MondayToFriday(Hours("08:00", "12:00"), Hours("13:00", "18:00")),
		ClosedDates: []string{"2026-12-24", "2027-12-24"},
		Holidays:    us.Holidays,
	})
	ny := c.Location()
	start := time.Date(2026, 11, 20, 15, 0, 0, 0, ny)
	yearLater := start.AddDate(1, 0, 0)
	closed := time.Date(2026, 11, 26, 10, 0, 0, 0, ny) // Thanksgiving
	dst := time.Date(2027, 3, 14, 1, 30, 0, 0, ny)     // daylight saving starts at 02:00
	// Warm up: compute the holiday years the calls below reach.
	c.Add(start, 3000*time.Hour)
	c.Add(start, -3000*time.Hour)

	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Add 8h", func() { calBenchTime = c.Add(start, 8*time.Hour) }},
		{"Add 1000h", func() { calBenchTime = c.Add(start, 1000*time.Hour) }},
		{"Add -1000h", func() { calBenchTime = c.Add(start, -1000*time.Hour) }},
		{"Add across DST", func() { calBenchTime = c.Add(dst, 3*time.Hour) }},
		{"Between 1y", func() { calBenchDur = c.Between(start, yearLater) }},
		{"Between backwards", func() { calBenchDur = c.Between(yearLater, start) }},
		{"InBusinessHours", func() { calBenchBool = c.InBusinessHours(start) }},
		{"InBusinessHours on a holiday", func() { calBenchBool = c.InBusinessHours(closed) }},
		{"NextOpen", func() { calBenchTime = c.NextOpen(closed) }},
		{"NextOpen across DST", func() { calBenchTime = c.NextOpen(dst) }},
	} {
		if n := testing.AllocsPerRun(200, tc.f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", tc.name, n)
		}
	}
}

var calBenchBool bool
