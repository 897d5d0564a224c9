package sla

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rickar/cal/v2"
)

// Holidays close whole civil days of the calendar's time zone. Days are
// numbered from 1970-01-01 (day 0), which is how the arithmetic in
// calendar_math.go addresses them.
//
// The closed days are kept in a bitset over a range of years that grows on
// demand (copy on write behind an atomic pointer, so reads never lock and
// never allocate). The table also holds a running total of the business
// time each holiday removes, so the holiday loss over any range of days is
// two lookups: long spans stay O(1).
//
// Rule-based holidays (rickar/cal) are evaluated for the years 1 to 9999 with
// Holiday.Calc, whose observed date is the day that closes; explicit dates
// are limited to the same years. Outside them only the weekly hours apply.

const (
	calMinRuleYear = 1
	calMaxRuleYear = 9999
	// The table never needs to reach beyond these years: no holiday can
	// fall outside them (observed dates move by days, not years).
	calMinTableYear = calMinRuleYear - 1
	calMaxTableYear = calMaxRuleYear + 1
)

type calHolidays struct {
	rules    []*cal.Holiday
	dates    []int64 // explicit closed days
	dayTotal [7]int64

	mu  sync.Mutex // serialises growth of tab
	tab atomic.Pointer[calHolidayTable]
}

// calHolidayTable is immutable once published.
type calHolidayTable struct {
	loY, hiY   int64 // years covered, inclusive
	first, end int64 // days covered: [first, end)
	bits       []uint64
	cum        []int64 // cum[k]: business time lost to holidays in [first, first+64k)
	allBelow   bool    // no holiday can exist before first
	allAbove   bool    // no holiday can exist at or after end
}

func (t *calHolidayTable) covers(day int64) bool {
	return (day >= t.first || t.allBelow) && (day < t.end || t.allAbove)
}

// get returns a table covering days a and b.
func (h *calHolidays) get(a, b int64) *calHolidayTable {
	if t := h.tab.Load(); t != nil && t.covers(a) && t.covers(b) {
		return t
	}
	return h.grow(a, b)
}

func (h *calHolidays) grow(a, b int64) *calHolidayTable {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.tab.Load()
	if t != nil && t.covers(a) && t.covers(b) {
		return t
	}
	lo, hi := calTableYear(min(a, b)), calTableYear(max(a, b))
	if t == nil {
		lo, hi = lo-4, hi+4
	} else {
		// Grow geometrically so that walking through the years costs
		// O(log) rebuilds.
		width := t.hiY - t.loY + 1
		if lo < t.loY {
			lo = min(lo, t.loY-width)
		} else {
			lo = t.loY
		}
		if hi > t.hiY {
			hi = max(hi, t.hiY+width)
		} else {
			hi = t.hiY
		}
	}
	lo, hi = max(lo, calMinTableYear), min(hi, calMaxTableYear)
	t = h.build(lo, hi)
	h.tab.Store(t)
	return t
}

func calTableYear(day int64) int64 {
	y := calCivilYear(day)
	return min(max(y, calMinTableYear), calMaxTableYear)
}

func (h *calHolidays) build(loY, hiY int64) *calHolidayTable {
	t := &calHolidayTable{
		loY: loY, hiY: hiY,
		first:    calDaysFromCivil(loY, 1, 1),
		end:      calDaysFromCivil(hiY+1, 1, 1),
		allBelow: loY <= calMinTableYear,
		allAbove: hiY >= calMaxTableYear,
	}
	words := (t.end - t.first + 63) / 64
	t.bits = make([]uint64, words)
	set := func(day int64) {
		if day >= t.first && day < t.end {
			i := day - t.first
			t.bits[i>>6] |= 1 << (i & 63)
		}
	}
	// Observed dates may move into a neighbouring year.
	for y := max(loY-1, calMinRuleYear); y <= min(hiY+1, calMaxRuleYear); y++ {
		for _, r := range h.rules {
			_, obs := r.Calc(int(y))
			if obs.IsZero() {
				continue
			}
			oy, om, od := obs.Date()
			set(calDaysFromCivil(int64(oy), om, od))
		}
	}
	for _, d := range h.dates {
		set(d)
	}
	t.cum = make([]int64, words+1)
	for k, w := range t.bits {
		s := t.cum[k]
		for ; w != 0; w &= w - 1 {
			s += h.dayTotal[calWeekday(t.first+int64(k)*64+int64(bits.TrailingZeros64(w)))]
		}
		t.cum[k+1] = s
	}
	return t
}

// isHoliday reports whether day is closed.
func (h *calHolidays) isHoliday(day int64) bool {
	t := h.get(day, day)
	if day < t.first || day >= t.end {
		return false
	}
	i := day - t.first
	return t.bits[i>>6]&(1<<(i&63)) != 0
}

// loss returns the business time the holidays remove from the days [a, b).
func (h *calHolidays) loss(a, b int64) int64 {
	t := h.get(a, b)
	return h.lossBefore(t, b) - h.lossBefore(t, a)
}

// lossBefore returns the business time the holidays remove from the days
// before day, counted from the table's first day.
func (h *calHolidays) lossBefore(t *calHolidayTable, day int64) int64 {
	if day <= t.first {
		return 0
	}
	if day >= t.end {
		return t.cum[len(t.cum)-1]
	}
	i := day - t.first
	k := i >> 6
	s := t.cum[k]
	base := t.first + k*64
	for w := t.bits[k] & (1<<(i&63) - 1); w != 0; w &= w - 1 {
		s += h.dayTotal[calWeekday(base+int64(bits.TrailingZeros64(w)))]
	}
	return s
}

// calDaysFromCivil returns the day number of a proleptic Gregorian date,
// 1970-01-01 being day 0 (H. Hinnant's days_from_civil).
func calDaysFromCivil(y int64, m time.Month, d int) int64 {
	if m <= 2 {
		y--
	}
	era := calFloorDiv(y, 400)
	yoe := y - era*400
	mp := (int64(m) + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// calCivilYear returns the year of day number z (H. Hinnant's
// civil_from_days).
func calCivilYear(z int64) int64 {
	z += 719468
	era := calFloorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	if mp >= 10 { // January or February: the year of March 1 + 1
		y++
	}
	return y
}

func calFloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// calWeekday returns the weekday of day number day (1970-01-01 was a
// Thursday), indexed like time.Weekday.
func calWeekday(day int64) int {
	return int(((day % 7) + 7 + 4) % 7)
}
