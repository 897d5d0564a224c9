package sla

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Interval is a stretch of business hours within one day, in wall-clock
// time of the calendar's time zone: from Start (included) to End (excluded).
// Times are written "15:04", "15:04:05" or "15:04:05.999999999"; End may be
// "24:00", the midnight that ends the day. An interval cannot cross
// midnight: write 22:00–06:00 as 22:00–24:00 on one day and 00:00–06:00 on
// the next.
type Interval struct {
	// Start is the wall-clock time the interval opens, included:
	// "09:00", "09:00:30" or "09:00:30.5".
	Start string `json:"start"`
	// End is the wall-clock time the interval closes, excluded, after
	// Start on the same day: "17:00", or "24:00" for the end of the day.
	End string `json:"end"`
}

// Hours returns the Interval from start to end, e.g. Hours("09:00", "17:00").
func Hours(start, end string) Interval { return Interval{Start: start, End: end} }

// String renders the interval as "09:00–17:00".
func (iv Interval) String() string { return iv.Start + "–" + iv.End }

// WeeklyHours lists the business hours of each day of the week, any number
// of intervals a day. Intervals of one day may come in any order and may
// touch (09:00–12:00 and 12:00–17:00) but not overlap. A day without
// intervals is closed; a WeeklyHours without any interval at all means open
// around the clock.
type WeeklyHours struct {
	// Monday are the business hours of every Monday; none: closed.
	Monday []Interval `json:"monday,omitempty"`
	// Tuesday are the business hours of every Tuesday; none: closed.
	Tuesday []Interval `json:"tuesday,omitempty"`
	// Wednesday are the business hours of every Wednesday; none: closed.
	Wednesday []Interval `json:"wednesday,omitempty"`
	// Thursday are the business hours of every Thursday; none: closed.
	Thursday []Interval `json:"thursday,omitempty"`
	// Friday are the business hours of every Friday; none: closed.
	Friday []Interval `json:"friday,omitempty"`
	// Saturday are the business hours of every Saturday; none: closed.
	Saturday []Interval `json:"saturday,omitempty"`
	// Sunday are the business hours of every Sunday; none: closed.
	Sunday []Interval `json:"sunday,omitempty"`
}

// MondayToFriday returns WeeklyHours with the same intervals on every day
// from Monday to Friday, and Saturday and Sunday closed.
func MondayToFriday(intervals ...Interval) WeeklyHours {
	return WeeklyHours{
		Monday:    slices.Clone(intervals),
		Tuesday:   slices.Clone(intervals),
		Wednesday: slices.Clone(intervals),
		Thursday:  slices.Clone(intervals),
		Friday:    slices.Clone(intervals),
	}
}

// EveryDay returns WeeklyHours with the same intervals on all seven days.
func EveryDay(intervals ...Interval) WeeklyHours {
	w := MondayToFriday(intervals...)
	w.Saturday = slices.Clone(intervals)
	w.Sunday = slices.Clone(intervals)
	return w
}

// Day returns the intervals of weekday d (not a copy).
func (w *WeeklyHours) Day(d time.Weekday) []Interval { return *w.day(d) }

// SetDay replaces the intervals of weekday d.
func (w *WeeklyHours) SetDay(d time.Weekday, intervals ...Interval) {
	*w.day(d) = slices.Clone(intervals)
}

func (w *WeeklyHours) day(d time.Weekday) *[]Interval {
	switch d {
	case time.Monday:
		return &w.Monday
	case time.Tuesday:
		return &w.Tuesday
	case time.Wednesday:
		return &w.Wednesday
	case time.Thursday:
		return &w.Thursday
	case time.Friday:
		return &w.Friday
	case time.Saturday:
		return &w.Saturday
	case time.Sunday:
		return &w.Sunday
	}
	panic(fmt.Sprintf("sla: weekday %d out of range", d))
}

func (w WeeklyHours) clone() WeeklyHours {
	for d := time.Sunday; d <= time.Saturday; d++ {
		p := w.day(d)
		*p = slices.Clone(*p)
	}
	return w
}

func (w *WeeklyHours) empty() bool {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if len(*w.day(d)) > 0 {
			return false
		}
	}
	return true
}

// calSpan is a parsed interval: nanoseconds since local midnight, lo < hi.
type calSpan struct{ lo, hi int64 }

const (
	calSecNS  = int64(time.Second)
	calDaySec = int64(24 * 60 * 60)
	calDayNS  = calDaySec * calSecNS
)

// calCompileHours validates w and returns the merged, sorted spans of each
// weekday (indexed by time.Weekday).
func calCompileHours(w WeeklyHours) ([7][]calSpan, error) {
	var out [7][]calSpan
	if w.empty() {
		for d := range out {
			out[d] = []calSpan{{0, calDayNS}}
		}
		return out, nil
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		ivs := *w.day(d)
		name := "hours." + strings.ToLower(d.String())
		type item struct {
			calSpan
			i int
		}
		items := make([]item, 0, len(ivs))
		for i, iv := range ivs {
			field := fmt.Sprintf("%s[%d]", name, i)
			lo, ok := calParseClock(iv.Start, false)
			if !ok {
				return out, lifecycle.Invalid(field, "start %q is not a time of day (15:04, 15:04:05 or 15:04:05.999999999)", iv.Start)
			}
			hi, ok := calParseClock(iv.End, true)
			if !ok {
				return out, lifecycle.Invalid(field, "end %q is not a time of day (15:04, 15:04:05, 15:04:05.999999999 or 24:00)", iv.End)
			}
			if lo >= hi {
				return out, lifecycle.Invalid(field, "start %s is not before end %s", iv.Start, iv.End)
			}
			items = append(items, item{calSpan{lo, hi}, i})
		}
		slices.SortFunc(items, func(a, b item) int {
			switch {
			case a.lo < b.lo:
				return -1
			case a.lo > b.lo:
				return 1
			}
			return a.i - b.i
		})
		var spans []calSpan
		for k, it := range items {
			if k > 0 && it.lo < items[k-1].hi {
				prev := items[k-1]
				return out, lifecycle.Invalid(fmt.Sprintf("%s[%d]", name, it.i),
					"%s overlaps %s[%d] %s", ivs[it.i], name, prev.i, ivs[prev.i])
			}
			if n := len(spans); n > 0 && spans[n-1].hi == it.lo {
				spans[n-1].hi = it.hi // touching intervals merge
				continue
			}
			spans = append(spans, it.calSpan)
		}
		out[d] = spans
	}
	return out, nil
}

// calParseClock parses "15:04", "15:04:05" or "15:04:05.999999999" into
// nanoseconds since midnight. "24:00" (with zero seconds) is accepted when
// end is set.
func calParseClock(s string, end bool) (int64, bool) {
	hh, rest, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 {
		return 0, false
	}
	mm, ss, hasSec := strings.Cut(rest, ":")
	if len(mm) != 2 {
		return 0, false
	}
	h, ok1 := calDigits(hh)
	m, ok2 := calDigits(mm)
	if !ok1 || !ok2 || m > 59 || h > 24 {
		return 0, false
	}
	var sec, frac int64
	if hasSec {
		whole, fr, hasFrac := strings.Cut(ss, ".")
		v, ok := calDigits(whole)
		if !ok || len(whole) != 2 || v > 59 {
			return 0, false
		}
		sec = v
		if hasFrac {
			if len(fr) == 0 || len(fr) > 9 {
				return 0, false
			}
			f, ok := calDigits(fr)
			if !ok {
				return 0, false
			}
			for range 9 - len(fr) {
				f *= 10
			}
			frac = f
		}
	}
	ns := ((h*60+m)*60+sec)*calSecNS + frac
	if h == 24 && (!end || ns != calDayNS) {
		return 0, false
	}
	return ns, true
}

func calDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
