package sla

import (
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
)

var (
	calBenchTime time.Time
	calBenchDur  time.Duration
)

// calRickarDesk is calTestDesk in rickar/cal: Monday to Friday 09:00–17:00
// (its default), US holidays. Times are given in UTC.
func calRickarDesk() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.AddHoliday(us.Holidays...)
	return c
}

// BenchmarkCalendar compares the calendar arithmetic with rickar/cal's
// BusinessCalendar on the same calendar: Monday to Friday 09:00–17:00, US
// holidays, UTC, from Friday 2026-11-20 15:00.
//
//	go test -run '^$' -bench BenchmarkCalendar -benchmem ./sla/
func BenchmarkCalendar(b *testing.B) {
	start := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	yearLater := start.AddDate(1, 0, 0)
	mine := calTestDesk(b)
	rk := calRickarDesk()
	// The results must agree, or the comparison means nothing.
	for _, d := range []time.Duration{8 * time.Hour, 1000 * time.Hour} {
		if got, want := mine.Add(start, d), rk.AddWorkHours(start, d); !got.Equal(want) {
			b.Fatalf("Add(%v): itsm %v, rickar %v", d, got, want)
		}
	}
	if got, want := mine.Between(start, yearLater), rk.WorkHoursInRange(start, yearLater); got != want {
		b.Fatalf("Between: itsm %v, rickar %v", got, want)
	}

	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"add-8h", 8 * time.Hour}, {"add-1000h", 1000 * time.Hour}} {
		b.Run(d.name+"/itsm", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				calBenchTime = mine.Add(start, d.d)
			}
		})
		b.Run(d.name+"/rickar", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				calBenchTime = rk.AddWorkHours(start, d.d)
			}
		})
	}
	b.Run("between-1y/itsm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			calBenchDur = mine.Between(start, yearLater)
		}
	})
	b.Run("between-1y/rickar", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			calBenchDur = rk.WorkHoursInRange(start, yearLater)
		}
	})
}

// BenchmarkCalendarZones measures the same operations with daylight
// saving (New York, where a year holds two transitions) and on a desk with
// two intervals a day.
func BenchmarkCalendarZones(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 15, 0, 0, 0, ny)
	yearLater := start.AddDate(1, 0, 0)
	c := calTestNew(b, CalendarConfig{
		Location: "America/New_York",
		Hours:    MondayToFriday(Hours("08:00", "12:00"), Hours("13:00", "18:00")),
		Holidays: us.Holidays,
	})
	b.Run("add-8h", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			calBenchTime = c.Add(start, 8*time.Hour)
		}
	})
	b.Run("add-1000h", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			calBenchTime = c.Add(start, 1000*time.Hour)
		}
	})
	b.Run("sub-1000h", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			calBenchTime = c.Add(start, -1000*time.Hour)
		}
	})
	b.Run("between-1y", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			calBenchDur = c.Between(start, yearLater)
		}
	})
	b.Run("between-10y", func(b *testing.B) {
		b.ReportAllocs()
		end := start.AddDate(10, 0, 0)
		for b.Loop() {
			calBenchDur = c.Between(start, end)
		}
	})
	b.Run("in-hours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			calBenchDur = time.Duration(len(calBoolStr(c.InBusinessHours(start))))
		}
	})
	b.Run("next-open", func(b *testing.B) {
		b.ReportAllocs()
		fri := start.Add(4 * time.Hour)
		for b.Loop() {
			calBenchTime = c.NextOpen(fri)
		}
	})
}

func calBoolStr(v bool) string {
	if v {
		return "t"
	}
	return ""
}
