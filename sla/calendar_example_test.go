package sla_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
	"github.com/rickar/cal/v2/gb"
)

// A 9-to-5 service desk in London, closed on English bank holidays and on
// Christmas Eve. A ticket opened on Wednesday 23 December at 16:00 with
// eight business hours to resolve: one hour that day; the 24th is closed,
// the 25th is Christmas, Boxing Day falls on Saturday and is observed on
// Monday the 28th; the remaining seven hours run out on Tuesday at 16:00.
func ExampleCalendar() {
	desk, err := sla.NewCalendar(sla.CalendarConfig{
		Location:    "Europe/London",
		Hours:       sla.MondayToFriday(sla.Hours("09:00", "17:00")),
		ClosedDates: []string{"2026-12-24"},
		Holidays:    gb.Holidays,
	})
	if err != nil {
		panic(err)
	}
	london := desk.Location()
	at := func(day, hour int) time.Time { return time.Date(2026, 12, day, hour, 0, 0, 0, london) }

	opened := at(23, 16)
	fmt.Println("due:        ", desk.Add(opened, 8*time.Hour).Format("Mon 2 Jan 15:04 MST"))
	fmt.Println("open 24th:  ", desk.InBusinessHours(at(24, 10)))
	fmt.Println("reopens:    ", desk.NextOpen(at(23, 17)).Format("Mon 2 Jan 15:04"))
	fmt.Println("by 31st noon:", desk.Between(opened, at(31, 12)))
	// Output:
	// due:         Tue 29 Dec 16:00 GMT
	// open 24th:   false
	// reopens:     Tue 29 Dec 09:00
	// by 31st noon: 20h0m0s
}

// Configuration mistakes are *lifecycle.ValidationError values naming the
// field.
func ExampleNewCalendar_validation() {
	_, err := sla.NewCalendar(sla.CalendarConfig{
		Location: "Europe/London",
		Hours: sla.WeeklyHours{
			Monday: []sla.Interval{sla.Hours("09:00", "13:00"), sla.Hours("12:00", "18:00")},
		},
	})
	var ve *lifecycle.ValidationError
	fmt.Println(errors.Is(err, lifecycle.ErrValidation), errors.As(err, &ve), ve.Field)
	fmt.Println(err)

	_, err = sla.NewCalendar(sla.CalendarConfig{Location: "Europe/Lnodon"})
	fmt.Println(err)
	// Output:
	// true true hours.monday[1]
	// invalid hours.monday[1]: 12:00–18:00 overlaps hours.monday[0] 09:00–13:00
	// invalid location: unknown time zone "Europe/Lnodon"
}
