package sla

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/us"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Zones with ordinary and awkward daylight saving: 30-minute shifts (Lord
// Howe), 45-minute offsets (Kathmandu), transitions at midnight (São Paulo
// until 2019, Santiago), a skipped calendar day (Apia, 2011-12-30),
// negative DST (Dublin), DST suspended during Ramadan (Casablanca).
var calTestZones = []string{
	"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe",
	"Asia/Kathmandu", "America/Sao_Paulo", "America/Santiago", "Pacific/Apia",
	"Europe/Dublin", "Africa/Casablanca", "Asia/Tehran", "Pacific/Chatham",
}

// calTestSpec is a random calendar with minute-granular intervals, kept in
// a form the naive oracle reads directly.
type calTestSpec struct {
	zone   string
	loc    *time.Location
	days   [7][][2]int // minutes since midnight, [lo, hi)
	closed []string
	rules  string // "", "us", "gb"
	cal    *Calendar
	shut   map[[3]int]bool // oracle: closed dates
}

func calDrawSpec(t *rapid.T) *calTestSpec {
	s := &calTestSpec{zone: rapid.SampledFrom(calTestZones).Draw(t, "zone")}
	var w WeeklyHours
	marks := []int{0, 60, 90, 120, 150, 180, 240, 540, 720, 780, 1020, 1380, 1440}
	for d := time.Sunday; d <= time.Saturday; d++ {
		k := rapid.IntRange(0, 3).Draw(t, "intervals")
		var pts []int
		for len(pts) < 2*k {
			var p int
			if rapid.Bool().Draw(t, "mark") {
				p = rapid.SampledFrom(marks).Draw(t, "at")
			} else {
				p = rapid.IntRange(0, 1440).Draw(t, "at")
			}
			if !slices.Contains(pts, p) {
				pts = append(pts, p)
			}
		}
		slices.Sort(pts)
		var ivs []Interval
		for i := 0; i < len(pts); i += 2 {
			s.days[d] = append(s.days[d], [2]int{pts[i], pts[i+1]})
			ivs = append(ivs, Hours(calHHMM(pts[i]), calHHMM(pts[i+1])))
		}
		w.SetDay(d, ivs...)
	}
	if w.empty() {
		for d := range s.days {
			s.days[d] = [][2]int{{0, 1440}}
		}
	}
	s.rules = rapid.SampledFrom([]string{"", "us", "gb"}).Draw(t, "rules")
	for range rapid.IntRange(0, 4).Draw(t, "closed") {
		day := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rapid.IntRange(0, 20*366).Draw(t, "date"))
		s.closed = append(s.closed, day.Format(time.DateOnly))
	}
	s.build(t, w)
	return s
}

func calHHMM(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func (s *calTestSpec) build(t require.TestingT, w WeeklyHours) {
	var rules []*cal.Holiday
	switch s.rules {
	case "us":
		rules = us.Holidays
	case "gb":
		rules = gb.Holidays
	}
	c, err := NewCalendar(CalendarConfig{Location: s.zone, Hours: w, ClosedDates: s.closed, Holidays: rules})
	require.NoError(t, err)
	s.cal = c
	s.loc = c.Location()
	s.shut = map[[3]int]bool{}
	for _, d := range s.closed {
		v, _ := time.Parse(time.DateOnly, d)
		s.shut[[3]int{v.Year(), int(v.Month()), v.Day()}] = true
	}
	for y := 1965; y <= 2105; y++ {
		for _, r := range rules {
			if _, obs := r.Calc(y); !obs.IsZero() {
				s.shut[[3]int{obs.Year(), int(obs.Month()), obs.Day()}] = true
			}
		}
	}
}

// open is the naive oracle: is the minute starting at m (a whole UTC
// minute; every zone used has whole-minute offsets since 1970) in business
// hours? It reads the rule on Calendar literally: the local wall clock at
// m falls in an interval of its local date, which is no holiday.
func (s *calTestSpec) open(m time.Time) bool {
	l := m.In(s.loc)
	y, mo, d := l.Date()
	if s.shut[[3]int{y, int(mo), d}] {
		return false
	}
	wall := l.Hour()*60 + l.Minute()
	for _, iv := range s.days[l.Weekday()] {
		if iv[0] <= wall && wall < iv[1] {
			return true
		}
	}
	return false
}

// oracleBetween counts business time in [a, b), a ≤ b, minute by minute.
func (s *calTestSpec) oracleBetween(a, b time.Time) time.Duration {
	var sum time.Duration
	for m := a.Truncate(time.Minute); m.Before(b); m = m.Add(time.Minute) {
		if !s.open(m) {
			continue
		}
		lo, hi := m, m.Add(time.Minute)
		if lo.Before(a) {
			lo = a
		}
		if hi.After(b) {
			hi = b
		}
		sum += hi.Sub(lo)
	}
	return sum
}

var (
	calPropFrom = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	calPropTo   = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	calFarFrom  = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	calFarTo    = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

// calDrawInstant draws an instant in 2010–2030, one in five in 1970–2099
// (past 2037 Go computes zone transitions from the TZ footer rule), often
// on a whole minute or half hour so that interval edges and transitions
// are hit.
func calDrawInstant(t *rapid.T, label string) time.Time {
	from, to := calPropFrom, calPropTo
	if rapid.IntRange(0, 4).Draw(t, label+"-far") == 0 {
		from, to = calFarFrom, calFarTo
	}
	u := time.Unix(rapid.Int64Range(from, to).Draw(t, label), rapid.Int64Range(0, 999_999_999).Draw(t, label+"-ns")).UTC()
	switch rapid.IntRange(0, 3).Draw(t, label+"-snap") {
	case 0:
		u = u.Truncate(time.Minute)
	case 1:
		u = u.Truncate(30 * time.Minute)
	}
	return u
}

func calDrawDuration(t *rapid.T, label string, maxD time.Duration) time.Duration {
	d := time.Duration(rapid.Int64Range(0, int64(maxD)).Draw(t, label))
	if rapid.Bool().Draw(t, label+"-round") {
		d = d.Truncate(15 * time.Minute)
	}
	return d
}

// TestCalendarOracle compares Between, InBusinessHours and NextOpen with a
// minute-by-minute reading of the rule, on random calendars in zones with
// and without daylight saving, over spans of up to four days around
// random instants and around each zone's transitions.
func TestCalendarOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := calDrawSpec(t)
		a := calDrawInstant(t, "a")
		if rapid.Bool().Draw(t, "near-transition") {
			if _, end := a.In(s.loc).ZoneBounds(); !end.IsZero() {
				a = end.Add(-time.Duration(rapid.Int64Range(0, int64(48*time.Hour)).Draw(t, "before")))
			}
		}
		b := a.Add(calDrawDuration(t, "span", 96*time.Hour))
		want := s.oracleBetween(a, b)
		require.Equal(t, want, s.cal.Between(a, b), "Between(%s, %s) in %s", a, b, s.zone)
		require.Equal(t, -want, s.cal.Between(b, a))
		for _, x := range []time.Time{a, b, a.Add(b.Sub(a) / 2)} {
			require.Equal(t, s.open(x.Truncate(time.Minute)), s.cal.InBusinessHours(x), "InBusinessHours(%s) in %s", x, s.zone)
		}
		// NextOpen: the first business minute at or after a.
		next := s.cal.NextOpen(a)
		if s.open(a.Truncate(time.Minute)) {
			calAssertTime(t, a, next)
		} else {
			m := a.Truncate(time.Minute).Add(time.Minute)
			for i := 0; !s.open(m) && i < 40*24*60; i++ {
				m = m.Add(time.Minute)
			}
			calAssertTime(t, m, next, "NextOpen", a, s.zone)
		}
	})
}

// TestCalendarProperties checks the algebra on random calendars, instants
// and durations (up to three years), at nanosecond precision.
func TestCalendarProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := calDrawSpec(t)
		c := s.cal
		x := calDrawInstant(t, "x")
		d := calDrawDuration(t, "d", 3*365*24*time.Hour)

		// Add then Between returns the duration, forwards and backwards,
		// and Add is the first (last) such instant.
		u := c.Add(x, d)
		require.False(t, u.Before(x))
		require.Equal(t, d, c.Between(x, u), "Between(%s, Add(%s, %v) = %s) in %s", x, x, d, u, s.zone)
		if d > 0 {
			require.Equal(t, d-1, c.Between(x, u.Add(-1)), "Add not minimal")
			require.True(t, c.InBusinessHours(u.Add(-1)))
		}
		v := c.Add(x, -d)
		require.False(t, v.After(x))
		require.Equal(t, d, c.Between(v, x), "Between(Add(%s, -%v) = %s, %s) in %s", x, d, v, x, s.zone)
		require.Equal(t, -d, c.Between(x, v))
		if d > 0 {
			require.Equal(t, d-1, c.Between(v.Add(1), x), "Add backwards not maximal")
			require.True(t, c.InBusinessHours(v))
		}

		// Splitting an interval never changes the total, in any order.
		a, b := calDrawInstant(t, "a"), calDrawInstant(t, "b")
		require.Equal(t, c.Between(a, b), c.Between(a, x)+c.Between(x, b))
		require.Equal(t, -c.Between(a, b), c.Between(b, a))

		// Monotonic, and bounded by elapsed time.
		if b.Before(a) {
			a, b = b, a
		}
		ab := c.Between(a, b)
		require.GreaterOrEqual(t, ab, time.Duration(0))
		require.LessOrEqual(t, ab, b.Sub(a))
		require.LessOrEqual(t, c.Between(x, a), c.Between(x, b))
		d2 := d + calDrawDuration(t, "more", 500*time.Hour)
		require.False(t, c.Add(x, d2).Before(u))

		// InBusinessHours and NextOpen agree with Between.
		require.Equal(t, c.InBusinessHours(x), c.Between(x, x.Add(1)) == 1)
		n := c.NextOpen(x)
		require.False(t, n.Before(x))
		require.True(t, c.InBusinessHours(n))
		require.Equal(t, time.Duration(0), c.Between(x, n))
		if c.InBusinessHours(x) {
			require.True(t, n.Equal(x))
		}
		// Add of a positive duration never ends before the next opening.
		if d > 0 {
			require.True(t, u.After(n))
		}
	})
}

// TestCalendarConcurrent exercises the lazily grown holiday table from many
// goroutines (run with -race).
func TestCalendarConcurrent(t *testing.T) {
	c := calTestNew(t, CalendarConfig{
		Location: "America/New_York",
		Hours:    MondayToFriday(Hours("09:00", "17:00")),
		Holidays: us.Holidays,
	})
	ref := calTestNew(t, c.Config())
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	results := make([][]time.Duration, 8)
	for g := range results {
		wg.Go(func() {
			for i := range 50 {
				// Each goroutine walks years in its own direction.
				y := (i*7 + g*13) % 400
				if g%2 == 1 {
					y = -y
				}
				a := base.AddDate(y, 0, 0)
				results[g] = append(results[g], c.Between(a, a.AddDate(1, 0, 0)))
				_ = c.Add(a, 1000*time.Hour)
				_ = c.InBusinessHours(a)
			}
		})
	}
	wg.Wait()
	for g, rs := range results {
		for i, got := range rs {
			y := (i*7 + g*13) % 400
			if g%2 == 1 {
				y = -y
			}
			a := base.AddDate(y, 0, 0)
			require.Equal(t, ref.Between(a, a.AddDate(1, 0, 0)), got)
		}
	}
}

// calFuzzCalendars are the calendars FuzzCalendarAddBetween picks from.
var calFuzzCalendars = sync.OnceValue(func() []*Calendar {
	var out []*Calendar
	hours := []WeeklyHours{
		{},
		MondayToFriday(Hours("09:00", "17:00")),
		EveryDay(Hours("01:00", "03:00"), Hours("09:00", "12:30"), Hours("13:30", "17:00")),
		{Saturday: []Interval{Hours("02:00", "02:30")}, Sunday: []Interval{Hours("00:00", "24:00")}},
	}
	for _, z := range calTestZones {
		for i, h := range hours {
			cfg := CalendarConfig{Location: z, Hours: h}
			if i%2 == 1 {
				cfg.Holidays = us.Holidays
				cfg.ClosedDates = []string{"2026-03-08", "2026-11-01"}
			}
			c, err := NewCalendar(cfg)
			if err != nil {
				panic(err)
			}
			out = append(out, c)
		}
	}
	return out
})

// FuzzCalendarAddBetween checks that adding a business duration and then
// measuring it gives the duration back, forwards and backwards, on
// calendars in zones with awkward daylight saving.
//
//	go test -run '^$' -fuzz FuzzCalendarAddBetween -fuzztime 1m ./sla/
func FuzzCalendarAddBetween(f *testing.F) {
	f.Add(uint16(0), int64(1795705200), int64(0), int64(8*time.Hour))               // 2026-11-20 15:00 UTC
	f.Add(uint16(5), int64(1772953200), int64(0), int64(90*time.Minute))            // New York, spring forward
	f.Add(uint16(6), int64(1793509200), int64(1), int64(-25*time.Hour))             // New York, fall back
	f.Add(uint16(14), int64(1775311200), int64(999_999_999), int64(1000*time.Hour)) // Lord Howe
	f.Add(uint16(30), int64(1325160000), int64(0), int64(-3*24*time.Hour))          // Apia, 2011
	f.Add(uint16(22), int64(1540000000), int64(5), int64(1))                        // São Paulo, 2018
	f.Add(uint16(47), int64(1900000000), int64(123), int64(-1000*time.Hour))        // Chatham
	f.Fuzz(func(t *testing.T, which uint16, sec, nsec, d int64) {
		cals := calFuzzCalendars()
		c := cals[int(which)%len(cals)]
		// 1900–2100, durations within ten years of business time.
		const lo, span = -2208988800, 200 * 366 * 86400
		sec = lo + ((sec%span)+span)%span
		nsec = ((nsec % 1e9) + 1e9) % 1e9
		d %= int64(10 * 365 * 24 * time.Hour)
		x := time.Unix(sec, nsec).UTC()
		u := c.Add(x, time.Duration(d))
		if got := c.Between(x, u); got != time.Duration(d) {
			t.Fatalf("%s: Between(%s, Add(%s, %v) = %s) = %v", c.Location(), x, x, time.Duration(d), u, got)
		}
		if d > 0 && c.Between(x, u.Add(-1)) != time.Duration(d-1) {
			t.Fatalf("%s: Add(%s, %v) = %s is not the first such instant", c.Location(), x, time.Duration(d), u)
		}
		if d < 0 && c.Between(x, u.Add(1)) != time.Duration(d+1) {
			t.Fatalf("%s: Add(%s, %v) = %s is not the last such instant", c.Location(), x, time.Duration(d), u)
		}
	})
}
