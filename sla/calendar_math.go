package sla

import (
	"math"
	"time"
)

// The arithmetic works in two coordinate systems.
//
// Instants are (Unix seconds, nanoseconds). The calendar's time zone splits
// the time line into segments of constant UTC offset (ended by daylight-saving
// and other zone transitions, at most a few a year).
//
// Within one segment an instant maps to a local position, (day number, wall
// clock nanoseconds since that day's midnight), by adding the segment's
// offset. Local positions form an ideal time line with 24-hour days where
// the weekly hours repeat exactly, so business time between two local
// positions is closed-form: whole weeks × the weekly total, plus the
// remaining days from a 14-day prefix table, minus the holidays in range
// (a running total, two lookups), plus the two partial days.
//
// An instant is in business hours when its local wall clock falls in an
// interval of its local date (the rule documented on Calendar), so the
// business time of a segment is exactly the business time between the local
// positions of its ends. Summing over the few segments of a span gives the
// exact answer in any zone, and the whole computation touches neither
// time.Date nor the heap.

type calPos struct{ day, ns int64 }

func calLocal(sec, nsec, off int64) calPos {
	s := sec + off
	day := calFloorDiv(s, calDaySec)
	return calPos{day, (s-day*calDaySec)*calSecNS + nsec}
}

func calUnix(p calPos, off int64) (sec, nsec int64) {
	return p.day*calDaySec + p.ns/calSecNS - off, p.ns % calSecNS
}

func calSatAdd(a, b int64) int64 {
	if s := a + b; (s > a) == (b > 0) {
		return s
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// calBefore reports whether instant (s1, n1) is before (s2, n2).
func calBefore(s1, n1, s2, n2 int64) bool { return s1 < s2 || s1 == s2 && n1 < n2 }

// Zone spans come from one mechanism, zoneAt: the offset in effect during
// a second and a later instant up to which it holds. Go's time.ZoneBounds
// is exact within a zone's recorded transitions, but past the last one
// (Go's embedded database, time/tzdata, records only a zone's early
// transitions and leaves the rest to its TZ rule string) it computes
// bounds from the rule for the query's UTC year: the start it reports can
// then be earlier than the zone's real last transition, and the end can be
// the start of the UTC day queried (golang/go#81583). Offsets are always
// right. So zoneAt takes an end only when it is after the second, and
// zoneBefore never takes a start as reported: it walks forward with zoneAt
// from it until a span reaches the instant. Both databases, the system's
// and Go's, then give the same exact answers.

// zoneAt returns the UTC offset (seconds) in effect during the second sec
// and an instant after sec up to which that offset holds (Unix seconds),
// if it does not hold forever.
func (c *calendar) zoneAt(sec int64) (off, end int64, hasEnd bool) {
	if c.fixed {
		return c.fixedOff, 0, false
	}
	t := time.Unix(sec, 0).In(c.loc)
	_, o := t.Zone()
	_, e := t.ZoneBounds()
	if e.IsZero() {
		return int64(o), 0, false
	}
	end = e.Unix()
	if end <= sec {
		// golang/go#81583 (see above): no transition is left in this UTC
		// year, so the offset holds at least to the next UTC midnight.
		end = (calFloorDiv(sec, calDaySec) + 1) * calDaySec
	}
	return int64(o), end, true
}

// zoneBefore returns the UTC offset in effect just before the instant
// (sec, nsec) and an instant, before it, from which that offset holds up
// to it, if the offset did not always hold. ZoneBounds' start is only
// where the walk begins: it is never after the instant, and at most a year
// before it, so the walk takes one zoneAt call when the start is right and
// a few when it is not.
func (c *calendar) zoneBefore(sec, nsec int64) (off, start int64, hasStart bool) {
	if c.fixed {
		return c.fixedOff, 0, false
	}
	if nsec == 0 {
		sec--
	}
	t := time.Unix(sec, 0).In(c.loc)
	s, _ := t.ZoneBounds()
	if s.IsZero() {
		_, o := t.Zone()
		return int64(o), 0, false
	}
	x := min(s.Unix(), sec)
	for {
		o, end, hasEnd := c.zoneAt(x)
		if !hasEnd || end > sec {
			return o, x, true
		}
		x = end
	}
}

func (c *calendar) isHoliday(day int64) bool {
	return c.hol != nil && c.hol.isHoliday(day)
}

// part returns the business time of day within [lo, hi) (wall-clock ns).
func (c *calendar) part(day, lo, hi int64) int64 {
	if lo >= hi || c.isHoliday(day) {
		return 0
	}
	var s int64
	for _, sp := range c.days[calWeekday(day)] {
		if a, b := max(sp.lo, lo), min(sp.hi, hi); a < b {
			s += b - a
		}
	}
	return s
}

// full returns the business time of the whole days [a, b).
func (c *calendar) full(a, b int64) int64 {
	if a >= b {
		return 0
	}
	n := b - a
	weeks, rem := n/7, n%7
	if weeks > math.MaxInt64/c.weekTotal-1 {
		return math.MaxInt64
	}
	w := calWeekday(a)
	s := weeks*c.weekTotal + c.cum[w+int(rem)] - c.cum[w]
	if c.hol != nil {
		s -= c.hol.loss(a, b)
	}
	return s
}

// betweenLocal returns the business time between local positions p ≤ q.
func (c *calendar) betweenLocal(p, q calPos) int64 {
	if p.day == q.day {
		return c.part(p.day, p.ns, q.ns)
	}
	s := c.part(p.day, p.ns, calDayNS)
	s = calSatAdd(s, c.full(p.day+1, q.day))
	return calSatAdd(s, c.part(q.day, 0, q.ns))
}

// calMaxSkipWeeks bounds one arithmetic jump so that day numbers cannot
// overflow even for absurd calendars (a nanosecond of business a week).
const calMaxSkipWeeks = 1 << 40

// Add and its backward form search instants from 0001-01-01 to
// 10000-01-01 UTC: an answer beyond is cut to the bound. Only absurd
// calendars (a nanosecond of business time a week) get there; without the
// bound they would run past the range of Unix seconds, or walk a
// daylight-saving zone's transitions for billions of years.
var (
	calMinSec = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	calMaxSec = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	// The local days beyond which addLocal and subLocal give up: a day
	// past the bound in any UTC offset.
	calMinDay = calFloorDiv(calMinSec, calDaySec) - 2
	calMaxDay = calFloorDiv(calMaxSec, calDaySec) + 2
)

// addLocal returns the first local position q ≥ p with
// betweenLocal(p, q) == d, for d > 0.
func (c *calendar) addLocal(p calPos, d int64) calPos {
	day := p.day
	if !c.isHoliday(day) {
		for _, sp := range c.days[calWeekday(day)] {
			if sp.hi <= p.ns {
				continue
			}
			lo := max(sp.lo, p.ns)
			n := sp.hi - lo
			if d <= n {
				return calPos{day, lo + d}
			}
			d -= n
		}
	}
	day++
	// Jump whole weeks: k weeks hold at most k×weekTotal < d, so the answer
	// lies beyond them whatever holidays they contain.
	for d > c.weekTotal {
		if day > calMaxDay {
			return calPos{calMaxDay, 0}
		}
		k := min((d-1)/c.weekTotal, calMaxSkipWeeks)
		d -= c.full(day, day+7*k)
		day += 7 * k
	}
	for ; ; day++ {
		if day > calMaxDay {
			return calPos{calMaxDay, 0}
		}
		if c.isHoliday(day) {
			continue
		}
		spans := c.days[calWeekday(day)]
		if d > c.dayTotal[calWeekday(day)] {
			d -= c.dayTotal[calWeekday(day)]
			continue
		}
		for _, sp := range spans {
			n := sp.hi - sp.lo
			if d <= n {
				return calPos{day, sp.lo + d}
			}
			d -= n
		}
	}
}

// subLocal returns the last local position q ≤ p with
// betweenLocal(q, p) == d, for d > 0.
func (c *calendar) subLocal(p calPos, d int64) calPos {
	day := p.day
	if !c.isHoliday(day) {
		spans := c.days[calWeekday(day)]
		for i := len(spans) - 1; i >= 0; i-- {
			sp := spans[i]
			if sp.lo >= p.ns {
				continue
			}
			hi := min(sp.hi, p.ns)
			n := hi - sp.lo
			if d <= n {
				return calPos{day, hi - d}
			}
			d -= n
		}
	}
	day--
	for d > c.weekTotal {
		if day < calMinDay {
			return calPos{calMinDay, 0}
		}
		k := min((d-1)/c.weekTotal, calMaxSkipWeeks)
		d -= c.full(day-7*k+1, day+1)
		day -= 7 * k
	}
	for ; ; day-- {
		if day < calMinDay {
			return calPos{calMinDay, 0}
		}
		if c.isHoliday(day) {
			continue
		}
		spans := c.days[calWeekday(day)]
		if d > c.dayTotal[calWeekday(day)] {
			d -= c.dayTotal[calWeekday(day)]
			continue
		}
		for i := len(spans) - 1; i >= 0; i-- {
			sp := spans[i]
			n := sp.hi - sp.lo
			if d <= n {
				return calPos{day, sp.hi - d}
			}
			d -= n
		}
	}
}

// nextOpenLocal returns the first business local position q ≥ p, searching
// only before lim when hasLim is set.
func (c *calendar) nextOpenLocal(p, lim calPos, hasLim bool) (calPos, bool) {
	day, ns := p.day, p.ns
	for {
		if hasLim && (day > lim.day || day == lim.day && ns >= lim.ns) {
			return calPos{}, false
		}
		if !c.isHoliday(day) {
			for _, sp := range c.days[calWeekday(day)] {
				if sp.hi > ns {
					q := calPos{day, max(sp.lo, ns)}
					return q, !hasLim || q.day < lim.day || q.day == lim.day && q.ns < lim.ns
				}
			}
		}
		day, ns = day+1, 0
	}
}

func (c *calendar) inHours(sec, nsec int64) bool {
	off, _, _ := c.zoneAt(sec)
	p := calLocal(sec, nsec, off)
	if c.isHoliday(p.day) {
		return false
	}
	for _, sp := range c.days[calWeekday(p.day)] {
		if sp.lo <= p.ns && p.ns < sp.hi {
			return true
		}
	}
	return false
}

// between returns the business time between instants x ≤ y.
func (c *calendar) between(xs, xn, ys, yn int64) int64 {
	var total int64
	for {
		off, end, hasEnd := c.zoneAt(xs)
		p := calLocal(xs, xn, off)
		if !hasEnd || !calBefore(end, 0, ys, yn) {
			return calSatAdd(total, c.betweenLocal(p, calLocal(ys, yn, off)))
		}
		total = calSatAdd(total, c.betweenLocal(p, calLocal(end, 0, off)))
		xs, xn = end, 0
	}
}

// add returns the first instant y ≥ x with between(x, y) == d, for d > 0,
// or calMaxSec if there is none before it (x itself if x is later).
func (c *calendar) add(sec, nsec, d int64) (int64, int64) {
	if sec >= calMaxSec {
		return sec, nsec
	}
	for {
		if sec >= calMaxSec {
			return calMaxSec, 0
		}
		off, end, hasEnd := c.zoneAt(sec)
		p := calLocal(sec, nsec, off)
		if hasEnd {
			if capacity := c.betweenLocal(p, calLocal(end, 0, off)); capacity < d {
				d -= capacity
				sec, nsec = end, 0
				continue
			}
		}
		if s, n := calUnix(c.addLocal(p, d), off); s < calMaxSec {
			return s, n
		}
		return calMaxSec, 0
	}
}

// sub returns the last instant y ≤ x with between(y, x) == d, for d > 0,
// or calMinSec if there is none after it (x itself if x is earlier).
func (c *calendar) sub(sec, nsec, d int64) (int64, int64) {
	if sec < calMinSec {
		return sec, nsec
	}
	for {
		if sec < calMinSec || sec == calMinSec && nsec == 0 {
			return calMinSec, 0
		}
		off, start, hasStart := c.zoneBefore(sec, nsec)
		p := calLocal(sec, nsec, off)
		if hasStart {
			if capacity := c.betweenLocal(calLocal(start, 0, off), p); capacity < d {
				d -= capacity
				sec, nsec = start, 0
				continue
			}
		}
		if s, n := calUnix(c.subLocal(p, d), off); s >= calMinSec {
			return s, n
		}
		return calMinSec, 0
	}
}

// nextOpen returns the first business instant at or after x.
func (c *calendar) nextOpen(sec, nsec int64) (int64, int64) {
	for {
		off, end, hasEnd := c.zoneAt(sec)
		var lim calPos
		if hasEnd {
			lim = calLocal(end, 0, off)
		}
		if q, ok := c.nextOpenLocal(calLocal(sec, nsec, off), lim, hasEnd); ok {
			return calUnix(q, off)
		}
		sec, nsec = end, 0
	}
}
