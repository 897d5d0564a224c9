package sla

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/stretchr/testify/require"
)

// TestCalendarDifferentialRickar compares the calendar with rickar/cal's
// BusinessCalendar on the benchmark calendar (Monday to Friday 09:00–17:00,
// US holidays, UTC) over 100,000 random cases, always (plain, -short and
// -race alike), in calDiffShards parallel subtests with fixed seeds. Each
// case compares:
//
//   - Add with AddWorkHours and Between with WorkHoursInRange;
//   - InBusinessHours with IsWorkTime, at the case's start instant;
//   - NextOpen with NextWorkdayStart, at the same instant when it is outside
//     business hours. Inside, the two mean different things on purpose:
//     NextOpen returns the instant itself (the first instant at or after it
//     that is open), NextWorkdayStart the opening of the next workday.
//
// Instants are drawn at nanosecond precision over 2020–2031, one in five
// snapped to 00:00, 09:00 or 17:00 (±1 ns); spans are mostly short (hours
// to weeks, some up to two months) because rickar/cal walks day by day.
//
// One input is left out on purpose: rickar/cal's IsWorkTime ignores
// nanoseconds and includes the closing second, so from a start in
// [17:00:00, 17:00:01) on a workday it calls the instant work time and
// WorkHoursInRange counts the overshoot as negative work (e.g. -0.5 s from
// 17:00:00.5), whereas an interval's end is excluded here. Such starts are
// redrawn (and counted, to keep the exclusion honest); at 17:00:00 exactly,
// which is drawn, only IsWorkTime disagrees, and InBusinessHours is checked
// to be false.
func TestCalendarDifferentialRickar(t *testing.T) {
	const cases = 100_000
	mine := calTestDesk(t)
	workdays := calRickarWorkdays(2019, 2033)
	var quirks [calDiffShards]int
	t.Run("shards", func(t *testing.T) {
		for shard := range calDiffShards {
			t.Run(fmt.Sprint(shard), func(t *testing.T) {
				t.Parallel()
				n := cases / calDiffShards
				if shard < cases%calDiffShards {
					n++
				}
				quirks[shard] = calDiffShard(t, mine, workdays.desk(), uint64(shard), n)
			})
		}
	})
	total := 0
	for _, q := range quirks {
		total += q
	}
	t.Logf("%d cases in %d shards, each for Add, Between, InBusinessHours and NextOpen (outside hours); %d starts redrawn for rickar/cal's closing-second quirk",
		cases, calDiffShards, total)
}

// calDiffShards is how many parallel subtests share the differential
// test's cases.
const calDiffShards = 4

// calDiffShard runs n cases of the differential test from the seed of
// shard and returns how many starts it redrew.
func calDiffShard(t *testing.T, mine *Calendar, rk *cal.BusinessCalendar, shard uint64, n int) int {
	rng := rand.New(rand.NewPCG(20261120, 1500+shard))
	lo := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	hi := time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	instant := func() time.Time {
		u := time.Unix(0, lo+rng.Int64N(hi-lo)).UTC()
		switch rng.IntN(10) {
		case 0:
			u = u.Truncate(24 * time.Hour)
		case 1:
			u = u.Truncate(24 * time.Hour).Add(9 * time.Hour)
		case 2:
			u = u.Truncate(24 * time.Hour).Add(17 * time.Hour)
		case 3:
			u = u.Truncate(time.Second)
		}
		if rng.IntN(20) == 0 {
			u = u.Add(time.Duration(rng.IntN(3) - 1))
		}
		return u
	}
	span := func() time.Duration {
		var d time.Duration
		switch r := rng.IntN(100); {
		case r < 50:
			d = time.Duration(rng.Int64N(int64(12 * time.Hour)))
		case r < 90:
			d = time.Duration(rng.Int64N(int64(10 * 24 * time.Hour)))
		default:
			d = time.Duration(rng.Int64N(int64(60 * 24 * time.Hour)))
		}
		if rng.IntN(4) == 0 {
			d = d.Truncate(time.Hour)
		}
		return max(d, 1)
	}
	rickarQuirk := func(a time.Time) bool { // on a workday, in [17:00:00, 17:00:01)
		h, m, s := a.Clock()
		return h == 17 && m == 0 && s == 0 && a.Nanosecond() != 0 && rk.IsWorkday(a)
	}

	quirks := 0
	for i := range n {
		a := instant()
		for rickarQuirk(a) {
			quirks++
			a = instant()
		}
		open := mine.InBusinessHours(a)
		if h, m, s := a.Clock(); h == 17 && m == 0 && s == 0 && rk.IsWorkday(a) {
			// 17:00:00 exactly: rickar/cal's closing second is work time,
			// the end of an interval is not.
			if open {
				t.Fatalf("shard %d case %d: InBusinessHours(%s) at closing time", shard, i, a)
			}
		} else if want := rk.IsWorkTime(a); open != want {
			t.Fatalf("shard %d case %d: InBusinessHours(%s): itsm %v, rickar IsWorkTime %v", shard, i, a, open, want)
		}
		if got := mine.NextOpen(a); open {
			if !got.Equal(a) {
				t.Fatalf("shard %d case %d: NextOpen(%s) inside business hours = %s, want the instant itself", shard, i, a, got)
			}
		} else if want := rk.NextWorkdayStart(a); !got.Equal(want) {
			t.Fatalf("shard %d case %d: NextOpen(%s): itsm %s, rickar NextWorkdayStart %s", shard, i, a, got, want)
		}
		d := span()
		want := rk.AddWorkHours(a, d)
		got := mine.Add(a, d)
		if !got.Equal(want) {
			t.Fatalf("shard %d case %d: Add(%s, %v): itsm %s, rickar %s", shard, i, a, d, got, want)
		}
		b := a.Add(span())
		if rng.IntN(8) == 0 {
			b = got // land exactly where Add ended
		}
		if got, want := mine.Between(a, b), rk.WorkHoursInRange(a, b); got != want {
			t.Fatalf("shard %d case %d: Between(%s, %s): itsm %v, rickar %v", shard, i, a, b, got, want)
		}
	}
	return quirks
}

// calWorkdays is rickar/cal's own IsWorkday answer for the benchmark desk,
// computed once per day of the years [from, to]: rickar/cal's cache holds
// three years and thrashes over a wider range, recomputing every holiday
// rule each day. The holiday logic under test is still rickar/cal's.
type calWorkdays struct {
	first int64 // Unix day of from-01-01
	days  []bool
	from  int
	to    int
}

func calRickarWorkdays(from, to int) *calWorkdays {
	src := calRickarDesk()
	w := &calWorkdays{first: time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / calDaySec, from: from, to: to}
	for d := time.Date(from, 1, 1, 12, 0, 0, 0, time.UTC); d.Year() <= to; d = d.AddDate(0, 0, 1) {
		w.days = append(w.days, src.IsWorkday(d))
	}
	return w
}

// desk returns a rickar/cal BusinessCalendar (default hours, 09:00–17:00)
// whose workdays are w's. Calendars are not safe for concurrent use, so
// each shard takes its own; they share w, which is read-only.
func (w *calWorkdays) desk() *cal.BusinessCalendar {
	rk := cal.NewBusinessCalendar()
	rk.WorkdayFunc = func(t time.Time) bool {
		_, off := t.Zone()
		i := (t.Unix()+int64(off))/calDaySec - w.first
		if i < 0 || i >= int64(len(w.days)) {
			panic(fmt.Sprintf("calWorkdays: %s outside %d–%d", t, w.from, w.to))
		}
		return w.days[i]
	}
	return rk
}

// TestRickarClosingSecondQuirk documents why the differential test avoids
// starts in the closing second.
func TestCalendarRickarClosingSecondQuirk(t *testing.T) {
	rk := calRickarDesk()
	a := time.Date(2026, 11, 23, 17, 0, 0, 500_000_000, time.UTC)
	b := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	require.Equal(t, time.Hour-500*time.Millisecond, rk.WorkHoursInRange(a, b))
	require.Equal(t, time.Hour, calTestDesk(t).Between(a, b))
}
