package sla_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

// The bounds of Calendar.Add's search.
var (
	calendarStart = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	calendarEnd   = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// FuzzCalendarConfig decodes a CalendarConfig from JSON and builds it with
// NewCalendar. A rejected configuration is a *lifecycle.ValidationError
// naming a field; an accepted one gives a working calendar: Add and
// Between agree, NextOpen finds an open instant at or after the one asked
// (the instant itself exactly when it is open), and the calendar rebuilt
// from its own Config, through JSON, answers the same.
func FuzzCalendarConfig(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"location":"America/New_York","hours":{"monday":[{"start":"09:00","end":"17:00"}]},"closed_dates":["2026-12-25"]}`,
		`{"location":"Australia/Lord_Howe","hours":{"sunday":[{"start":"01:30:00.5","end":"02:15"},{"start":"02:15","end":"24:00"}]}}`,
		`{"location":"Europe/London","hours":{"friday":[{"start":"22:00","end":"24:00"}],"saturday":[{"start":"00:00","end":"06:00"}]}}`,
		`{"hours":{"tuesday":[{"start":"09:00","end":"12:00"},{"start":"11:00","end":"13:00"}]}}`,
		`{"hours":{"tuesday":[{"start":"17:00","end":"09:00"}]}}`,
		`{"hours":{"tuesday":[{"start":"9:00","end":"24:01"}]}}`,
		`{"location":"Local"}`,
		`{"location":"Mars/Olympus_Mons"}`,
		`{"closed_dates":["2026-02-30","0000-01-01"]}`,
		`{"location":"UTC","hours":{"wednesday":[{"start":"00:00","end":"00:00:00.000000001"}]},"closed_dates":["9999-12-31"]}`,
	} {
		f.Add([]byte(s), int64(0), int64(8*time.Hour))
	}
	f.Add([]byte(`{"location":"America/New_York","hours":{"sunday":[{"start":"01:00","end":"03:00"}]}}`),
		time.Date(2026, 3, 8, 5, 30, 0, 0, time.UTC).UnixNano(), int64(-90*time.Minute))
	const span = 200 * 365 * 24 * time.Hour // instants from 1950 to 2150
	from := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, at, d int64) {
		var cfg sla.CalendarConfig
		if json.Unmarshal(data, &cfg) != nil {
			return
		}
		c, err := sla.NewCalendar(cfg)
		if err != nil {
			var ve *lifecycle.ValidationError
			if !errors.Is(err, lifecycle.ErrValidation) || !errors.As(err, &ve) || ve.Field == "" {
				t.Fatalf("NewCalendar(%s): %v is not a *lifecycle.ValidationError naming a field", data, err)
			}
			if c != nil {
				t.Fatalf("NewCalendar(%s) returned a calendar with its error", data)
			}
			return
		}
		base := from.Add(time.Duration(uint64(at) % uint64(span)))
		dur := time.Duration(d % int64(2*365*24*time.Hour))

		u := c.Add(base, dur)
		switch got := c.Between(base, u); {
		case got == dur:
		case dur > 0 && got < dur && u.Equal(calendarEnd): // an absurd calendar: cut at the bound
		case dur < 0 && got > dur && u.Equal(calendarStart):
		default:
			t.Fatalf("%s: Between(%v, Add(%v, %v) = %v) = %v", data, base, base, dur, u, got)
		}
		n := c.NextOpen(base)
		if n.Before(base) || !c.InBusinessHours(n) {
			t.Fatalf("%s: NextOpen(%v) = %v, not an open instant at or after it", data, base, n)
		}
		if c.InBusinessHours(base) != n.Equal(base) {
			t.Fatalf("%s: InBusinessHours(%v) = %v, NextOpen = %v", data, base, c.InBusinessHours(base), n)
		}

		b, err := json.Marshal(c.Config())
		if err != nil {
			t.Fatalf("%s: Config does not encode: %v", data, err)
		}
		var back sla.CalendarConfig
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: re-decoding %s: %v", data, b, err)
		}
		c2, err := sla.NewCalendar(back)
		if err != nil {
			t.Fatalf("%s: the calendar's own config %s is refused: %v", data, b, err)
		}
		if u2 := c2.Add(base, dur); !u2.Equal(u) || c2.Between(base, u) != c.Between(base, u) || !c2.NextOpen(base).Equal(n) {
			t.Fatalf("%s: rebuilt from %s, the calendar answers otherwise", data, b)
		}
	})
}

// FuzzAgreementValidate checks agreement definitions: Validate either
// refuses one with a *lifecycle.ValidationError naming a field, and then
// Attach, NewTimer and Replay refuse it the same way, or accepts it, and
// then a timer attached under it has its deadlines in threshold order, the
// breach last at exactly the goal, every threshold exact, and fires each
// deadline once.
func FuzzAgreementValidate(f *testing.F) {
	f.Add("resolution", "sla", "resolution", 2, int64(8*time.Hour), 0, int64(24*time.Hour), uint8(3), 50.0, 75.0, 90.0, true, true)
	f.Add("r", "ola", "response", 1, int64(-time.Hour), 2, int64(time.Hour), uint8(1), 150.0, 0.0, 0.0, true, true)
	f.Add("", "contract", "update", -1, int64(0), 0, int64(0), uint8(4), math.NaN(), 0.0, 100.0, false, false)
	f.Add("uc", "underpinning_contract", "resolution", 5, int64(1<<53+1), 0, int64(math.MaxInt64), uint8(2), 33.3, 33.3, 1e-300, true, true)
	f.Fuzz(func(t *testing.T, id, typ, target string, p1 int, d1 int64, p2 int, d2 int64, nw uint8, w1, w2, w3 float64, start, stop bool) {
		a := &sla.Agreement{
			ID: id, Type: sla.AgreementType(typ), Target: sla.Target(target),
			Durations: map[int]time.Duration{p1: time.Duration(d1), p2: time.Duration(d2)},
		}
		if nw < 4 {
			a.Warnings = []float64{w1, w2, w3}[:nw]
		}
		if start {
			a.Start = func(lifecycle.Snapshot) bool { return true }
		}
		if stop {
			a.Stop = func(s lifecycle.Snapshot) bool { return s.State == "resolved" }
		}
		s := lifecycle.Snapshot{State: "in_progress", Priority: p1}
		err := a.Validate()
		if err != nil {
			var ve *lifecycle.ValidationError
			if !errors.As(err, &ve) || ve.Field == "" {
				t.Fatalf("Validate: %v is not a *lifecycle.ValidationError naming a field", err)
			}
			tm, ok, aerr := sla.Attach(a, "INC1", s, t0)
			if tm != nil || ok || aerr == nil || aerr.Error() != err.Error() {
				t.Fatalf("Attach of an invalid agreement: %v, %v, %v; Validate: %v", tm, ok, aerr, err)
			}
			if _, nerr := sla.NewTimer(a, "INC1"); nerr == nil || nerr.Error() != err.Error() {
				t.Fatalf("NewTimer of an invalid agreement: %v; Validate: %v", nerr, err)
			}
			if _, _, rerr := sla.Replay(a, "INC1", s, nil); rerr == nil || rerr.Error() != err.Error() {
				t.Fatalf("Replay of an invalid agreement: %v; Validate: %v", rerr, err)
			}
			return
		}
		tm, ok, err := sla.Attach(a, "INC1", s, t0)
		if err != nil || !ok {
			t.Fatalf("Attach of a valid agreement: %v, %v", ok, err)
		}
		goal, _ := a.Goal(p1)
		if tm.Goal != goal {
			t.Fatalf("goal %v, want %v", tm.Goal, goal)
		}
		dl := tm.Deadlines
		last := dl[len(dl)-1]
		if !last.Breach || last.Threshold != goal || !last.At.Equal(t0.Add(goal)) {
			t.Fatalf("the breach deadline is %+v, want the last, at the goal %v", last, goal)
		}
		for i, d := range dl[:len(dl)-1] {
			if d.Breach || d.Threshold != bigThreshold(goal, d.Percent) || (i > 0 && d.Threshold < dl[i-1].Threshold) {
				t.Fatalf("deadline %d %+v: out of order or inexact (want %v)", i, d, bigThreshold(goal, d.Percent))
			}
			if !d.At.Equal(t0.Add(d.Threshold)) {
				t.Fatalf("deadline %d at %v, want %v", i, d.At, t0.Add(d.Threshold))
			}
		}
		evs := tm.Evaluate(t0.Add(goal))
		if len(evs) != len(dl) || !tm.Breached {
			t.Fatalf("at the goal, %d events for %d deadlines (breached %v)", len(evs), len(dl), tm.Breached)
		}
		if again := tm.Evaluate(t0.Add(goal)); again != nil {
			t.Fatalf("%d events fired twice", len(again))
		}
	})
}
