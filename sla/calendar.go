package sla

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/rickar/cal/v2"
)

// Calendar says when the service desk works: weekly business hours read on
// the wall clock of one time zone, minus holidays. SLA clocks only run
// within business hours.
//
// The zero value and a nil *Calendar are the 24×7 calendar (every instant is
// business time; the zone does not matter), so an agreement without a
// calendar counts elapsed time. Build other calendars with [NewCalendar].
//
// # Which instants are business hours
//
// An instant is in business hours when the wall clock of the calendar's zone
// at that instant reads a time inside one of the intervals of that day's
// weekday (start included, end excluded) and that date is not a holiday. So
// 09:00 stays 09:00 local time on the days daylight saving starts or ends,
// and the business time of an interval is the time that really elapses
// while the clock shows it:
//
//   - on the day clocks go forward (New York, 2026-03-08, 02:00 → 03:00)
//     wall times in the gap never occur: an interval 02:00–03:00 holds no
//     business time that day, 01:00–04:00 holds two hours, and an interval
//     starting in the gap (02:30–04:00) opens at 03:00;
//   - on the day clocks go back (New York, 2026-11-01, 02:00 → 01:00) wall
//     times in the overlap occur twice and count twice: 01:00–02:00 holds
//     two hours, 00:00–24:00 holds 25.
//
// Intervals away from the change (09:00–17:00) are unaffected. The same rule
// holds for any shift, e.g. the 30-minute one of Australia/Lord_Howe.
//
// # Arithmetic
//
// [Calendar.Between], [Calendar.Add], [Calendar.InBusinessHours] and
// [Calendar.NextOpen] are exact to the nanosecond, pure (no clock is read)
// and deterministic. They depend only on the instants given, not on the
// Location of the time.Time values, and return instants in the Location of
// their argument, without monotonic clock reading. Their cost does not grow
// with the length of the span beyond the number of zone transitions (two a
// year where daylight saving applies) and long runs of holidays: weekly
// totals and the holiday tables are precomputed, and calls do not allocate
// once the holiday years involved have been computed (the first call that
// reaches a new range of years does that, under a lock).
//
// # Zone databases
//
// The calendar reads the zone that time.LoadLocation gives the host for
// Location (the system's zoneinfo, the file ZONEINFO names, or Go's
// embedded time/tzdata in a container without one), or the Location given
// as Zone. It is exact with any of them: it takes only offsets from Go,
// and checks each span of constant offset it derives, so the rule-based
// bounds Go computes past a zone's last recorded transition (all the
// embedded database has for recent years) give the same answers as the
// system's full tables.
//
// A Calendar is immutable and safe for concurrent use. Durations saturate at
// the limits of time.Duration, as with time.Time.Sub.
type Calendar struct {
	c *calendar // nil: 24×7
}

type calendar struct {
	loc       *time.Location
	fixed     bool  // loc never changes offset
	fixedOff  int64 // the offset when fixed, seconds east of UTC
	days      [7][]calSpan
	dayTotal  [7]int64
	weekTotal int64
	cum       [15]int64    // cum[i]: business time of the first i days of a fortnight starting Sunday
	hol       *calHolidays // nil without holidays
	cfg       CalendarConfig
}

// CalendarConfig describes a Calendar. Its zero value is the 24×7 calendar
// in UTC. It marshals to and from JSON, except Zone and Holidays, which are
// Go values (set them again after unmarshalling).
type CalendarConfig struct {
	// Location is the IANA name of the time zone in which business hours
	// and holidays are read, e.g. "Europe/London". Empty means UTC, or
	// Zone when Zone is set. "Local" is refused: it differs between
	// machines, and SLA results must not.
	Location string `json:"location,omitempty"`
	// Zone, if set, is the time zone as a *time.Location (for example one
	// built with time.FixedZone or loaded from custom tzdata). Location,
	// when also set, must then be its name.
	Zone *time.Location `json:"-"`
	// Hours are the weekly business hours. Without any interval the
	// calendar is open around the clock (holidays still close it).
	Hours WeeklyHours `json:"hours"`
	// ClosedDates are dates closed all day, written "2006-01-02", years 1
	// to 9999.
	ClosedDates []string `json:"closed_dates,omitempty"`
	// Holidays are holiday rules from github.com/rickar/cal/v2, typically
	// a country's set such as us.Holidays or gb.Holidays (combine sets
	// with slices.Concat). A rule closes, all day, the date rickar/cal's
	// Holiday.Calc reports as observed (a substitute weekday when the
	// holiday falls on a weekend, where the rule says so; the actual date
	// then stays a normal day). Rules are evaluated for years 1 to 9999,
	// each year once and lazily; they must not be modified afterwards.
	Holidays []*cal.Holiday `json:"-"`
}

// Calendar24x7 returns the calendar that is always open, the same as a nil
// or zero Calendar.
func Calendar24x7() *Calendar { return &Calendar{} }

// NewCalendar validates cfg and builds its Calendar. Errors are
// *lifecycle.ValidationError (matching lifecycle.ErrValidation) naming the
// offending field: an unknown time zone, an interval that is malformed,
// inverted (start not before end) or overlapping another of the same day, a
// malformed closed date, or a nil holiday rule.
func NewCalendar(cfg CalendarConfig) (*Calendar, error) {
	loc, err := calResolveZone(cfg)
	if err != nil {
		return nil, err
	}
	days, err := calCompileHours(cfg.Hours)
	if err != nil {
		return nil, err
	}
	c := &calendar{loc: loc, days: days}
	for d, spans := range days {
		for _, sp := range spans {
			c.dayTotal[d] += sp.hi - sp.lo
		}
		c.weekTotal += c.dayTotal[d]
	}
	for i := range 14 {
		c.cum[i+1] = c.cum[i] + c.dayTotal[i%7]
	}
	probe := time.Unix(0, 0).In(loc)
	if s, e := probe.ZoneBounds(); s.IsZero() && e.IsZero() {
		_, off := probe.Zone()
		c.fixed, c.fixedOff = true, int64(off)
	}

	var dates []int64
	for i, s := range cfg.ClosedDates {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil || t.Year() < calMinRuleYear {
			return nil, lifecycle.Invalid(fmt.Sprintf("closed_dates[%d]", i), "%q is not a date 0001-01-01 to 9999-12-31", s)
		}
		y, m, d := t.Date()
		dates = append(dates, calDaysFromCivil(int64(y), m, d))
	}
	for i, h := range cfg.Holidays {
		if h == nil {
			return nil, lifecycle.Invalid(fmt.Sprintf("holidays[%d]", i), "nil holiday rule")
		}
	}
	if len(dates) > 0 || len(cfg.Holidays) > 0 {
		slices.Sort(dates)
		c.hol = &calHolidays{
			rules:    slices.Clone(cfg.Holidays),
			dates:    slices.Compact(dates),
			dayTotal: c.dayTotal,
		}
	}

	c.cfg = cfg.clone()
	if c.cfg.Location == "" && cfg.Zone != nil {
		c.cfg.Location = cfg.Zone.String()
	}
	return &Calendar{c: c}, nil
}

func calResolveZone(cfg CalendarConfig) (*time.Location, error) {
	if cfg.Zone != nil {
		if cfg.Location != "" && cfg.Location != cfg.Zone.String() {
			return nil, lifecycle.Invalid("location", "%q disagrees with zone %q", cfg.Location, cfg.Zone.String())
		}
		return cfg.Zone, nil
	}
	switch cfg.Location {
	case "", "UTC":
		return time.UTC, nil
	case "Local":
		return nil, lifecycle.Invalid("location", `"Local" depends on the machine; name the time zone`)
	}
	loc, err := time.LoadLocation(cfg.Location)
	if err != nil {
		return nil, lifecycle.Invalid("location", "unknown time zone %q", cfg.Location)
	}
	return loc, nil
}

func (cfg CalendarConfig) clone() CalendarConfig {
	cfg.Hours = cfg.Hours.clone()
	cfg.ClosedDates = slices.Clone(cfg.ClosedDates)
	cfg.Holidays = slices.Clone(cfg.Holidays)
	return cfg
}

// Config returns a copy of the configuration the calendar was built from
// (the zero CalendarConfig for the 24×7 calendar). Location is filled in
// from Zone when only Zone was given.
func (c *Calendar) Config() CalendarConfig {
	if c == nil || c.c == nil {
		return CalendarConfig{}
	}
	return c.c.cfg.clone()
}

// Location returns the calendar's time zone (UTC for the 24×7 calendar).
func (c *Calendar) Location() *time.Location {
	if c == nil || c.c == nil {
		return time.UTC
	}
	return c.c.loc
}

// Add returns the instant at which the business duration d, counted from t,
// is used up: the first instant u ≥ t with Between(t, u) == d. It is t
// itself when d is zero; the end of the interval in which d runs out, not
// the next opening, when d runs out exactly at a closing time. A negative d
// counts backwards: the result is the last instant u ≤ t with
// Between(u, t) == -d. Add searches no further than 10000-01-01 00:00 UTC
// (backwards, 0001-01-01): a duration not used up by then, which only an
// absurd calendar (a nanosecond of business time a week) can give, yields
// that bound.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if c == nil || c.c == nil {
		return t.Add(d).Round(0)
	}
	if d == 0 {
		return t.Round(0)
	}
	sec, nsec := t.Unix(), int64(t.Nanosecond())
	switch {
	case d > 0:
		sec, nsec = c.c.add(sec, nsec, int64(d))
	case d == math.MinInt64:
		sec, nsec = c.c.sub(sec, nsec, math.MaxInt64)
		sec, nsec = c.c.sub(sec, nsec, 1)
	default:
		sec, nsec = c.c.sub(sec, nsec, -int64(d))
	}
	return time.Unix(sec, nsec).In(t.Location())
}

// Between returns the business duration between a and b: how much of
// [a, b) lies within business hours. It is negative if b is before a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if c == nil || c.c == nil {
		return b.Round(0).Sub(a.Round(0))
	}
	as, an := a.Unix(), int64(a.Nanosecond())
	bs, bn := b.Unix(), int64(b.Nanosecond())
	if calBefore(bs, bn, as, an) {
		return -time.Duration(c.c.between(bs, bn, as, an))
	}
	return time.Duration(c.c.between(as, an, bs, bn))
}

// InBusinessHours reports whether t falls within business hours (an
// interval's start is within, its end is not).
func (c *Calendar) InBusinessHours(t time.Time) bool {
	if c == nil || c.c == nil {
		return true
	}
	return c.c.inHours(t.Unix(), int64(t.Nanosecond()))
}

// NextOpen returns the first instant at or after t within business hours:
// t itself when t is in business hours, else the next opening.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c == nil || c.c == nil {
		return t.Round(0)
	}
	sec, nsec := t.Unix(), int64(t.Nanosecond())
	s, n := c.c.nextOpen(sec, nsec)
	if s == sec && n == nsec {
		return t.Round(0)
	}
	return time.Unix(s, n).In(t.Location())
}
