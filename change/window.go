package change

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// WindowKind says what a [Window] means for changes.
type WindowKind string

// The window kinds.
const (
	// Blackout is a period in which no change may be made (a trading peak,
	// a release freeze) to the window's configuration items, or to every
	// item when it names none.
	Blackout WindowKind = "blackout"
	// Maintenance is a period in which its configuration items may be
	// changed. An item with maintenance windows must be changed inside them;
	// an item with none may be changed at any time outside blackouts.
	Maintenance WindowKind = "maintenance"
)

var allWindowKinds = []WindowKind{Blackout, Maintenance}

// String returns the kind's name.
func (k WindowKind) String() string { return string(k) }

// MarshalText writes the kind's name; an unknown kind is an error.
func (k WindowKind) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("kind", allWindowKinds, k)
}

// UnmarshalText reads a kind's name, rejecting unknown ones.
func (k *WindowKind) UnmarshalText(b []byte) error { return parseInto(k, "kind", allWindowKinds, b) }

// Window is a blackout or maintenance window: host data, either recurring
// weekly or a one-off period, in wall-clock time of an IANA time zone (so a
// "Saturday 22:00" window stays at 22:00 local time across daylight-saving
// changes). Exactly one of Weekly and Once is set.
type Window struct {
	// Name identifies the window in conflicts.
	Name string `json:"name"`
	// Kind is blackout or maintenance.
	Kind WindowKind `json:"kind"`
	// ConfigItems are the items the window applies to. A blackout with none
	// applies to every item; a maintenance window needs at least one.
	ConfigItems []string `json:"config_items,omitempty"`
	// Zone is the IANA time zone the times are in ("Europe/Berlin"); empty
	// means UTC.
	Zone string `json:"zone,omitempty"`
	// Weekly, when set, makes the window recur every week.
	Weekly *Weekly `json:"weekly,omitempty"`
	// Once, when set, makes it a one-off period.
	Once *Once `json:"once,omitempty"`
}

// Weekly recurs on each of Days from Start to End wall-clock time. An End
// at or before Start ends on the next day (Saturday 22:00 to 02:00); a
// whole day is 00:00 to 24:00. In JSON, days are numbers as in
// time.Weekday (0 Sunday ... 6 Saturday) and times are "HH:MM".
type Weekly struct {
	// Days are the weekdays the window starts on.
	Days []time.Weekday `json:"days"`
	// Start is the wall-clock time it starts.
	Start TimeOfDay `json:"start"`
	// End is the wall-clock time it ends (the next day when not after
	// Start).
	End TimeOfDay `json:"end"`
}

// Once is a one-off period [Start, End) in wall-clock time; End must be
// after Start.
type Once struct {
	// Start is the wall-clock start.
	Start LocalTime `json:"start"`
	// End is the wall-clock end, after Start.
	End LocalTime `json:"end"`
}

// TimeOfDay is a wall-clock time in minutes after midnight, from 00:00 (0)
// to 24:00 (1440), written as "HH:MM".
type TimeOfDay int

// Clock returns the TimeOfDay hh:mm.
func Clock(hh, mm int) TimeOfDay { return TimeOfDay(hh*60 + mm) }

// Valid reports whether t is between 00:00 and 24:00.
func (t TimeOfDay) Valid() bool { return t >= 0 && t <= 24*60 }

// String renders "HH:MM".
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// MarshalText renders "HH:MM"; an out-of-range time is an error.
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, lifecycle.Invalid("time", "%d minutes is outside 00:00..24:00", int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads "HH:MM" (00:00 to 24:00).
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	digit := func(i int) (int, bool) { return int(b[i] - '0'), b[i] >= '0' && b[i] <= '9' }
	if len(b) == 5 && b[2] == ':' {
		h1, ok1 := digit(0)
		h2, ok2 := digit(1)
		m1, ok3 := digit(3)
		m2, ok4 := digit(4)
		h, m := h1*10+h2, m1*10+m2
		if ok1 && ok2 && ok3 && ok4 && m < 60 && (h < 24 || h == 24 && m == 0) {
			*t = Clock(h, m)
			return nil
		}
	}
	return lifecycle.Invalid("time", "%q is not a time HH:MM between 00:00 and 24:00", string(b))
}

// LocalTime is a wall-clock date and time without a zone, written
// "2006-01-02T15:04" (or "2006-01-02" for midnight).
type LocalTime struct {
	// Year is the year, e.g. 2026.
	Year int
	// Month is the month of the year.
	Month time.Month
	// Day is the day of the month, from 1.
	Day int
	// Hour is the hour, 0 to 23.
	Hour int
	// Minute is the minute, 0 to 59.
	Minute int
}

// Date returns the LocalTime of the given wall-clock date and time.
func Date(year int, month time.Month, day, hour, minute int) LocalTime {
	return LocalTime{year, month, day, hour, minute}
}

// In returns the instant l names in loc. Like time.Date, a wall-clock time
// skipped or repeated by a daylight-saving change is normalized.
func (l LocalTime) In(loc *time.Location) time.Time {
	return time.Date(l.Year, l.Month, l.Day, l.Hour, l.Minute, 0, 0, loc)
}

// Valid reports whether l is a real calendar date and time.
func (l LocalTime) Valid() bool {
	t := l.In(time.UTC)
	return l.Year >= 1 && l.Year <= 9999 && l.Hour >= 0 && l.Hour < 24 && l.Minute >= 0 && l.Minute < 60 &&
		t.Year() == l.Year && t.Month() == l.Month && t.Day() == l.Day
}

// String renders "2006-01-02T15:04".
func (l LocalTime) String() string {
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d", l.Year, int(l.Month), l.Day, l.Hour, l.Minute)
}

// MarshalText renders "2006-01-02T15:04"; an invalid date is an error.
func (l LocalTime) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, lifecycle.Invalid("time", "%s is not a valid date and time", l)
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads "2006-01-02T15:04" or "2006-01-02".
func (l *LocalTime) UnmarshalText(b []byte) error {
	s := string(b)
	layout := "2006-01-02T15:04"
	if len(s) == len("2006-01-02") {
		layout = "2006-01-02"
	}
	t, err := time.ParseInLocation(layout, s, time.UTC)
	if err != nil {
		return lifecycle.Invalid("time", "%q is not 2006-01-02T15:04 or 2006-01-02", s)
	}
	*l = Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
	return nil
}

// zones caches loaded locations: an immutable map replaced on each new
// zone (there are few), so lookups take no lock.
var (
	zones   atomic.Pointer[map[string]*time.Location]
	zonesMu sync.Mutex
)

// loadZone returns the location named name ("" is UTC), cached.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if m := zones.Load(); m != nil {
		if loc, ok := (*m)[name]; ok {
			return loc, nil
		}
	}
	if name == "Local" || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("%q is not an IANA time zone name", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zonesMu.Lock()
	defer zonesMu.Unlock()
	next := map[string]*time.Location{name: loc}
	if m := zones.Load(); m != nil {
		for k, v := range *m {
			next[k] = v
		}
	}
	zones.Store(&next)
	return loc, nil
}

// Validate checks the window and returns a *lifecycle.ValidationError
// whose field starts with "window <name>": a name, a known kind, a loadable
// IANA zone, exactly one of Weekly and Once, days 0..6 without repeats,
// times in 00:00..24:00 and not equal, a one-off end after its start, and
// configuration items for a maintenance window.
func (w *Window) Validate() error {
	_, err := w.location()
	return err
}

// location validates w and returns its location.
func (w *Window) location() (*time.Location, error) {
	if strings.TrimSpace(w.Name) == "" {
		return nil, lifecycle.Invalid("window.name", "a name is required")
	}
	field := func(f string) string { return "window " + w.Name + ": " + f }
	if !slices.Contains(allWindowKinds, w.Kind) {
		return nil, lifecycle.Invalid(field("kind"), "unknown kind %q (valid: blackout, maintenance)", w.Kind)
	}
	loc, err := loadZone(w.Zone)
	if err != nil {
		return nil, lifecycle.Invalid(field("zone"), "unknown time zone %q", w.Zone)
	}
	for _, ci := range w.ConfigItems {
		if ci == "" || (ci[0] <= ' ' || ci[len(ci)-1] <= ' ') && strings.TrimSpace(ci) == "" {
			return nil, lifecycle.Invalid(field("config_items"), "an empty ID is not allowed")
		}
	}
	if w.Kind == Maintenance && len(w.ConfigItems) == 0 {
		return nil, lifecycle.Invalid(field("config_items"), "a maintenance window needs configuration items")
	}
	switch {
	case (w.Weekly == nil) == (w.Once == nil):
		return nil, lifecycle.Invalid(field("weekly"), "exactly one of weekly and once is required")
	case w.Weekly != nil:
		wk := w.Weekly
		if len(wk.Days) == 0 {
			return nil, lifecycle.Invalid(field("weekly.days"), "at least one day is required")
		}
		var seen [7]bool
		for _, d := range wk.Days {
			if d < time.Sunday || d > time.Saturday || seen[d] {
				return nil, lifecycle.Invalid(field("weekly.days"), "day %d is out of range 0..6 or repeated", int(d))
			}
			seen[d] = true
		}
		if !wk.Start.Valid() || wk.Start == 24*60 {
			return nil, lifecycle.Invalid(field("weekly.start"), "%d minutes is outside 00:00..23:59", int(wk.Start))
		}
		if !wk.End.Valid() || wk.End == wk.Start {
			return nil, lifecycle.Invalid(field("weekly.end"), "must be a time in 00:00..24:00 other than the start")
		}
	default:
		if !w.Once.Start.Valid() {
			return nil, lifecycle.Invalid(field("once.start"), "%s is not a valid date and time", w.Once.Start)
		}
		if !w.Once.End.Valid() {
			return nil, lifecycle.Invalid(field("once.end"), "%s is not a valid date and time", w.Once.End)
		}
		if !w.Once.End.In(loc).After(w.Once.Start.In(loc)) {
			return nil, lifecycle.Invalid(field("once.end"), "the window ends (%s) before it starts (%s)", w.Once.End, w.Once.Start)
		}
	}
	return loc, nil
}

// Occurrences returns the periods of w that overlap [from, to), in order,
// each as [start, end) instants. An invalid window returns its validation
// error.
func (w *Window) Occurrences(from, to time.Time) ([][2]time.Time, error) {
	cw, err := compileWindow(w)
	if err != nil {
		return nil, err
	}
	var out [][2]time.Time
	cw.each(from, to, func(s, e time.Time) bool {
		out = append(out, [2]time.Time{s, e})
		return true
	})
	return out, nil
}

// compiled is a validated window with its location resolved.
type compiled struct {
	w     *Window
	loc   *time.Location
	days  [7]bool
	wrap  bool
	start time.Time // Once
	end   time.Time // Once
}

func compileWindow(w *Window) (*compiled, error) {
	loc, err := w.location()
	if err != nil {
		return nil, err
	}
	return compileIn(w, loc), nil
}

// compileIn compiles w, already validated, in loc.
func compileIn(w *Window, loc *time.Location) *compiled {
	cw := &compiled{w: w, loc: loc}
	if w.Weekly != nil {
		for _, d := range w.Weekly.Days {
			cw.days[d] = true
		}
		cw.wrap = w.Weekly.End <= w.Weekly.Start
	} else {
		cw.start, cw.end = w.Once.Start.In(loc), w.Once.End.In(loc)
	}
	return cw
}

// each calls fn with every occurrence overlapping [from, to), in order,
// until fn returns false.
func (cw *compiled) each(from, to time.Time, fn func(s, e time.Time) bool) {
	if !to.After(from) {
		return
	}
	if cw.w.Once != nil {
		if cw.start.Before(to) && cw.end.After(from) {
			fn(cw.start, cw.end)
		}
		return
	}
	wk := cw.w.Weekly
	f := from.In(cw.loc)
	y, m, d := f.Date()
	sh, sm := int(wk.Start)/60, int(wk.Start)%60
	eh, em := int(wk.End)/60, int(wk.End)%60
	// Start a day early: an occurrence that wraps past midnight may have
	// begun the day before from.
	for i := -1; ; i++ {
		s := time.Date(y, m, d+i, sh, sm, 0, 0, cw.loc)
		if !s.Before(to) {
			return
		}
		// time.Date normalizes the day, so the weekday of s is the day's.
		if !cw.days[s.Weekday()] {
			continue
		}
		ed := d + i
		if cw.wrap {
			ed++
		}
		e := time.Date(y, m, ed, eh, em, 0, 0, cw.loc)
		if e.After(from) && e.After(s) {
			if !fn(s, e) {
				return
			}
		}
	}
}

// WindowSource gives the blackout and maintenance windows that may affect
// changes to cis between from and to. It is a host interface: the windows
// are the host's data (a table, a configuration file). The Service asks
// for them whenever it checks conflicts. A source may return more windows
// than asked for; the conflict check filters them.
//
// Implementations must be safe for concurrent use and should honour ctx.
// Returned windows are not modified.
type WindowSource interface {
	// Windows returns every window that may affect changes to cis
	// between from and to (a blackout without items affects every item):
	// it may return more, never fewer.
	Windows(ctx context.Context, cis []string, from, to time.Time) ([]Window, error)
}

// WindowList is a static [WindowSource]: it returns all of its windows.
type WindowList []Window

// Windows returns every window of l.
func (l WindowList) Windows(context.Context, []string, time.Time, time.Time) ([]Window, error) {
	return l, nil
}

// Validate checks every window of l and that names are unique.
func (l WindowList) Validate() error {
	seen := map[string]bool{}
	for i := range l {
		if err := l[i].Validate(); err != nil {
			return err
		}
		if seen[l[i].Name] {
			return lifecycle.Invalid("window "+l[i].Name+": name", "two windows have this name")
		}
		seen[l[i].Name] = true
	}
	return nil
}
