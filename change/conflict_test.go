package change_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
)

func planned(id string, st change.State, start time.Time, d time.Duration, cis ...string) *change.Change {
	return &change.Change{ID: id, Type: change.Normal, State: st, ConfigItems: cis, PlannedStart: start, PlannedEnd: start.Add(d)}
}

// both runs Conflicts and ForwardSchedule.Conflicts and checks they agree.
func both(t *testing.T, c *change.Change, others []*change.Change, windows []change.Window) []change.Conflict {
	t.Helper()
	got, err := change.Conflicts(c, others, windows)
	require.NoError(t, err)
	fs, err := change.NewForwardSchedule(others, windows)
	require.NoError(t, err)
	indexed, err := fs.Conflicts(c)
	require.NoError(t, err)
	require.Equal(t, got, indexed, "Conflicts and ForwardSchedule.Conflicts must agree")
	return got
}

func TestConflictsWithOtherChanges(t *testing.T) {
	h := time.Hour
	c := planned("CHG-me", change.StateAuthorize, t0, 2*h, "db", "web")
	others := []*change.Change{
		planned("CHG-a", change.StateScheduled, t0.Add(h), 2*h, "db", "web"), // both items
		planned("CHG-b", change.StateImplement, t0.Add(-h), 2*h, "web"),      // overlaps the start
		planned("CHG-c", change.StateScheduled, t0.Add(-2*h), 2*h, "db"),     // ends at our start
		planned("CHG-d", change.StateScheduled, t0.Add(2*h), h, "db"),        // starts at our end
		planned("CHG-e", change.StateAuthorize, t0, 2*h, "db"),               // not booked
		planned("CHG-f", change.StateCanceled, t0, 2*h, "db"),                // not booked
		planned("CHG-g", change.StateScheduled, t0, 2*h, "dns"),              // another item
		planned("CHG-me", change.StateScheduled, t0, 2*h, "db"),              // itself
	}
	got := both(t, c, others, nil)
	type key struct{ ci, other string }
	var keys []key
	for _, x := range got {
		assert.Equal(t, change.ConflictChange, x.Kind)
		assert.Contains(t, x.Reason, x.Change)
		keys = append(keys, key{x.ConfigItem, x.Change})
	}
	assert.Equal(t, []key{{"db", "CHG-a"}, {"web", "CHG-b"}, {"web", "CHG-a"}}, keys, "one conflict per (item, change), sorted by item then start")
	assert.Equal(t, t0.Add(-h), got[1].Start)
}

func TestBlackoutWindows(t *testing.T) {
	// 2026-06-06 is a Saturday.
	sat := time.Date(2026, 6, 6, 10, 0, 0, 0, time.UTC)
	windows := []change.Window{
		{Name: "weekend-freeze", Kind: change.Blackout, Weekly: &change.Weekly{Days: []time.Weekday{time.Saturday, time.Sunday}, Start: change.Clock(0, 0), End: change.Clock(24, 0)}},
		{Name: "db-freeze", Kind: change.Blackout, ConfigItems: []string{"db"}, Zone: "Europe/Berlin",
			Once: &change.Once{Start: change.Date(2026, 6, 6, 11, 0), End: change.Date(2026, 6, 6, 13, 0)}},
		{Name: "dns-freeze", Kind: change.Blackout, ConfigItems: []string{"dns"}, Once: &change.Once{Start: change.Date(2026, 6, 6, 0, 0), End: change.Date(2026, 6, 7, 0, 0)}},
	}
	c := planned("CHG-1", change.StateAuthorize, sat, time.Hour, "db", "web")
	got := both(t, c, nil, windows)
	require.Len(t, got, 2)
	assert.Equal(t, change.Conflict{Kind: change.ConflictBlackout, Window: "weekend-freeze",
		Start: time.Date(2026, 6, 6, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 7, 0, 0, 0, 0, time.UTC),
		Reason: "blackout window weekend-freeze on every configuration item from 2026-06-06T00:00:00Z to 2026-06-07T00:00:00Z"}, got[0])
	assert.Equal(t, "db", got[1].ConfigItem)
	assert.Equal(t, "db-freeze", got[1].Window)
	assert.True(t, got[1].Start.Equal(time.Date(2026, 6, 6, 9, 0, 0, 0, time.UTC)), "11:00 in Berlin is 09:00 UTC in summer")

	// A weekday change has no weekend conflict, and 13:00 Berlin ends the
	// db freeze at 11:00 UTC: a change from 11:00 UTC does not overlap it.
	mon := planned("CHG-2", change.StateAuthorize, time.Date(2026, 6, 8, 11, 0, 0, 0, time.UTC), time.Hour, "db")
	assert.Empty(t, both(t, mon, nil, windows))
}

func TestMaintenanceWindows(t *testing.T) {
	// db may be changed on weeknights 22:00-02:00 Berlin time.
	windows := []change.Window{
		{Name: "db-nights", Kind: change.Maintenance, ConfigItems: []string{"db"}, Zone: "Europe/Berlin",
			Weekly: &change.Weekly{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: change.Clock(22, 0), End: change.Clock(2, 0)}},
		{Name: "db-sunday", Kind: change.Maintenance, ConfigItems: []string{"db"}, Zone: "Europe/Berlin",
			Weekly: &change.Weekly{Days: []time.Weekday{time.Sunday}, Start: change.Clock(0, 0), End: change.Clock(24, 0)}},
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	at := func(d, hh, mm int) time.Time { return time.Date(2026, 6, d, hh, mm, 0, 0, berlin) }

	// Tuesday 23:00 to Wednesday 01:30: inside the Tuesday night window.
	assert.Empty(t, both(t, planned("CHG-1", change.StateNew, at(2, 23, 0), 150*time.Minute, "db", "web"), nil, windows))
	// web has no maintenance windows: any time is fine for it.
	assert.Empty(t, both(t, planned("CHG-2", change.StateNew, at(2, 12, 0), time.Hour, "web"), nil, windows))
	// Wednesday 01:00 to 03:00 runs an hour past the window.
	got := both(t, planned("CHG-3", change.StateNew, at(3, 1, 0), 2*time.Hour, "db"), nil, windows)
	require.Len(t, got, 1)
	assert.Equal(t, change.ConflictMaintenance, got[0].Kind)
	assert.Equal(t, "db", got[0].ConfigItem)
	assert.True(t, got[0].Start.Equal(at(3, 2, 0)))
	assert.True(t, got[0].End.Equal(at(3, 3, 0)))
	assert.Contains(t, got[0].Reason, "db-nights, db-sunday")
	// Saturday 23:00 to Sunday 01:00 starts outside (Saturday is not a
	// maintenance day) and then enters the Sunday window.
	got = both(t, planned("CHG-4", change.StateNew, at(6, 23, 0), 2*time.Hour, "db"), nil, windows)
	require.Len(t, got, 1)
	assert.True(t, got[0].Start.Equal(at(6, 23, 0)))
	assert.True(t, got[0].End.Equal(at(7, 0, 0)))
	// Friday 22:00 to Monday 02:00 is covered by Friday night, Sunday
	// and... not Saturday: the gap is Saturday 02:00 to Sunday 00:00.
	got = both(t, planned("CHG-5", change.StateNew, at(5, 22, 0), 52*time.Hour, "db"), nil, windows)
	require.Len(t, got, 1)
	assert.True(t, got[0].Start.Equal(at(6, 2, 0)))
	assert.True(t, got[0].End.Equal(at(7, 0, 0)))
}

func TestEveryConflictIsReported(t *testing.T) {
	sat := time.Date(2026, 6, 6, 10, 0, 0, 0, time.UTC)
	windows := []change.Window{
		{Name: "freeze", Kind: change.Blackout, Once: &change.Once{Start: change.Date(2026, 6, 6, 0, 0), End: change.Date(2026, 6, 8, 0, 0)}},
		{Name: "db-maint", Kind: change.Maintenance, ConfigItems: []string{"db"}, Weekly: &change.Weekly{Days: []time.Weekday{time.Monday}, Start: change.Clock(1, 0), End: change.Clock(3, 0)}},
		{Name: "web-maint", Kind: change.Maintenance, ConfigItems: []string{"web"}, Weekly: &change.Weekly{Days: []time.Weekday{time.Tuesday}, Start: change.Clock(1, 0), End: change.Clock(3, 0)}},
	}
	others := []*change.Change{
		planned("CHG-a", change.StateScheduled, sat, time.Hour, "db"),
		planned("CHG-b", change.StateScheduled, sat, time.Hour, "web", "db"),
	}
	got := both(t, planned("CHG-1", change.StateNew, sat, time.Hour, "web", "db"), others, windows)
	var kinds []string
	for _, x := range got {
		kinds = append(kinds, string(x.Kind)+" "+x.ConfigItem+" "+x.Change+x.Window)
	}
	assert.Equal(t, []string{
		"config_item_booked db CHG-a",
		"config_item_booked db CHG-b",
		"config_item_booked web CHG-b",
		"blackout  freeze",
		"outside_maintenance db db-maint",
		"outside_maintenance web web-maint",
	}, kinds)
}

func TestWeeklyWindowsFollowDaylightSaving(t *testing.T) {
	w := change.Window{Name: "evening", Kind: change.Blackout, Zone: "America/New_York",
		Weekly: &change.Weekly{Days: []time.Weekday{time.Saturday}, Start: change.Clock(22, 0), End: change.Clock(23, 0)}}
	// Saturdays 2026-03-07 (EST, UTC-5) and 2026-03-14 (EDT, UTC-4).
	occ, err := w.Occurrences(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, occ, 2)
	assert.True(t, occ[0][0].Equal(time.Date(2026, 3, 8, 3, 0, 0, 0, time.UTC)))
	assert.True(t, occ[1][0].Equal(time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)), "22:00 local stays 22:00 local after the switch")

	// A 01:00-03:00 window on the spring-forward night lasts one hour.
	night := change.Window{Name: "night", Kind: change.Blackout, Zone: "America/New_York",
		Weekly: &change.Weekly{Days: []time.Weekday{time.Sunday}, Start: change.Clock(1, 0), End: change.Clock(3, 0)}}
	occ, err = night.Occurrences(time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, occ, 1)
	assert.Equal(t, time.Hour, occ[0][1].Sub(occ[0][0]))

	// A window wrapping midnight that began the day before is found.
	wrap := change.Window{Name: "wrap", Kind: change.Blackout,
		Weekly: &change.Weekly{Days: []time.Weekday{time.Friday}, Start: change.Clock(23, 0), End: change.Clock(1, 0)}}
	occ, err = wrap.Occurrences(time.Date(2026, 6, 6, 0, 30, 0, 0, time.UTC), time.Date(2026, 6, 6, 0, 45, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, occ, 1)
	assert.True(t, occ[0][0].Equal(time.Date(2026, 6, 5, 23, 0, 0, 0, time.UTC)))
}

func TestWindowValidation(t *testing.T) {
	wk := &change.Weekly{Days: []time.Weekday{time.Monday}, Start: change.Clock(1, 0), End: change.Clock(2, 0)}
	once := &change.Once{Start: change.Date(2026, 1, 2, 0, 0), End: change.Date(2026, 1, 3, 0, 0)}
	bad := map[string]change.Window{
		"no name":          {Kind: change.Blackout, Weekly: wk},
		"unknown kind":     {Name: "w", Kind: "holiday", Weekly: wk},
		"unknown zone":     {Name: "w", Kind: change.Blackout, Zone: "Mars/Olympus", Weekly: wk},
		"local zone":       {Name: "w", Kind: change.Blackout, Zone: "Local", Weekly: wk},
		"neither":          {Name: "w", Kind: change.Blackout},
		"both":             {Name: "w", Kind: change.Blackout, Weekly: wk, Once: once},
		"maint without CI": {Name: "w", Kind: change.Maintenance, Weekly: wk},
		"blank CI":         {Name: "w", Kind: change.Blackout, ConfigItems: []string{""}, Weekly: wk},
		"no days":          {Name: "w", Kind: change.Blackout, Weekly: &change.Weekly{Start: 60, End: 120}},
		"bad day":          {Name: "w", Kind: change.Blackout, Weekly: &change.Weekly{Days: []time.Weekday{7}, Start: 60, End: 120}},
		"repeated day":     {Name: "w", Kind: change.Blackout, Weekly: &change.Weekly{Days: []time.Weekday{1, 1}, Start: 60, End: 120}},
		"empty weekly":     {Name: "w", Kind: change.Blackout, Weekly: &change.Weekly{Days: []time.Weekday{1}, Start: 60, End: 60}},
		"start 24:00":      {Name: "w", Kind: change.Blackout, Weekly: &change.Weekly{Days: []time.Weekday{1}, Start: 1440, End: 60}},
		"end past 24:00":   {Name: "w", Kind: change.Blackout, Weekly: &change.Weekly{Days: []time.Weekday{1}, Start: 0, End: 1441}},
		"once ends early":  {Name: "w", Kind: change.Blackout, Once: &change.Once{Start: change.Date(2026, 1, 3, 0, 0), End: change.Date(2026, 1, 2, 0, 0)}},
		"once no length":   {Name: "w", Kind: change.Blackout, Once: &change.Once{Start: change.Date(2026, 1, 3, 0, 0), End: change.Date(2026, 1, 3, 0, 0)}},
		"once bad date":    {Name: "w", Kind: change.Blackout, Once: &change.Once{Start: change.Date(2026, 2, 30, 0, 0), End: change.Date(2026, 3, 3, 0, 0)}},
	}
	c := planned("CHG-1", change.StateNew, t0, time.Hour, "db")
	for name, w := range bad {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, w.Validate(), lifecycle.ErrValidation)
			_, err := change.Conflicts(c, nil, []change.Window{w})
			require.ErrorIs(t, err, lifecycle.ErrValidation)
			_, err = change.NewForwardSchedule(nil, []change.Window{w})
			require.ErrorIs(t, err, lifecycle.ErrValidation)
			_, err = change.New(change.Config{Store: nopStore{}, Windows: change.WindowList{w}})
			require.ErrorIs(t, err, lifecycle.ErrValidation)
		})
	}
	_, err := change.New(change.Config{Store: nopStore{}, Windows: change.WindowList{
		{Name: "w", Kind: change.Blackout, Weekly: wk}, {Name: "w", Kind: change.Blackout, Once: once}}})
	require.ErrorIs(t, err, lifecycle.ErrValidation, "repeated window names")

	// The change's own window is checked too.
	for _, bad := range []*change.Change{
		{ID: "x"},
		{ID: "x", PlannedStart: t0},
		planned("x", change.StateNew, t0, -time.Hour),
		planned("x", change.StateNew, t0, 0),
	} {
		_, err := change.Conflicts(bad, nil, nil)
		require.ErrorIs(t, err, lifecycle.ErrValidation)
		fs, _ := change.NewForwardSchedule(nil, nil)
		_, err = fs.Conflicts(bad)
		require.ErrorIs(t, err, lifecycle.ErrValidation)
	}
}

func TestWindowJSON(t *testing.T) {
	w := change.Window{Name: "w", Kind: change.Maintenance, ConfigItems: []string{"db"}, Zone: "Europe/Berlin",
		Weekly: &change.Weekly{Days: []time.Weekday{time.Saturday}, Start: change.Clock(22, 30), End: change.Clock(24, 0)}}
	b, err := json.Marshal(w)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"w","kind":"maintenance","config_items":["db"],"zone":"Europe/Berlin","weekly":{"days":[6],"start":"22:30","end":"24:00"}}`, string(b))
	var back change.Window
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, w, back)

	o := change.Window{Name: "o", Kind: change.Blackout, Once: &change.Once{Start: change.Date(2026, 12, 24, 0, 0), End: change.Date(2026, 12, 27, 6, 0)}}
	b, err = json.Marshal(o)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"once":{"start":"2026-12-24T00:00","end":"2026-12-27T06:00"}`)
	require.NoError(t, json.Unmarshal([]byte(`{"name":"o","kind":"blackout","once":{"start":"2026-12-24","end":"2026-12-27"}}`), &back))
	assert.Equal(t, change.Date(2026, 12, 27, 0, 0), back.Once.End)

	for _, in := range []string{
		`{"kind":"holiday"}`,
		`{"weekly":{"start":"25:00"}}`,
		`{"weekly":{"start":"24:30"}}`,
		`{"weekly":{"start":"9:00"}}`,
		`{"once":{"start":"2026-13-01"}}`,
		`{"once":{"start":"yesterday"}}`,
	} {
		assert.Error(t, json.Unmarshal([]byte(in), &back), in)
	}
	_, err = json.Marshal(change.Window{Name: "x", Kind: change.Blackout, Weekly: &change.Weekly{Start: 2000}})
	assert.Error(t, err)
}

// TestForwardScheduleAgreesWithConflicts checks the index against the
// one-shot function on random schedules.
func TestForwardScheduleAgreesWithConflicts(t *testing.T) {
	zones := []string{"", "Europe/Berlin", "America/New_York", "Asia/Kolkata"}
	cis := []string{"a", "b", "c", "d"}
	states := []change.State{change.StateScheduled, change.StateImplement, change.StateAuthorize, change.StateClosed}
	rapid.Check(t, func(t *rapid.T) {
		base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		genChange := func(label string) *change.Change {
			start := base.Add(time.Duration(rapid.IntRange(0, 30*24*4).Draw(t, label+"start")) * 15 * time.Minute)
			d := time.Duration(rapid.IntRange(1, 4*24*4).Draw(t, label+"dur")) * 15 * time.Minute
			return planned(label, rapid.SampledFrom(states).Draw(t, label+"state"), start, d,
				rapid.SliceOfNDistinct(rapid.SampledFrom(cis), 1, 3, rapid.ID[string]).Draw(t, label+"cis")...)
		}
		n := rapid.IntRange(0, 20).Draw(t, "n")
		others := make([]*change.Change, n)
		for i := range others {
			others[i] = genChange(fmt.Sprintf("CHG-%02d", i))
		}
		var windows []change.Window
		for i := range rapid.IntRange(0, 8).Draw(t, "windows") {
			w := change.Window{Name: fmt.Sprintf("w%d", i), Zone: rapid.SampledFrom(zones).Draw(t, "zone"),
				Kind: rapid.SampledFrom([]change.WindowKind{change.Blackout, change.Maintenance}).Draw(t, "kind")}
			if w.Kind == change.Maintenance || rapid.Bool().Draw(t, "scoped") {
				w.ConfigItems = rapid.SliceOfNDistinct(rapid.SampledFrom(cis), 1, 2, rapid.ID[string]).Draw(t, "wcis")
			}
			if rapid.Bool().Draw(t, "weekly") {
				start := change.TimeOfDay(rapid.IntRange(0, 23*4).Draw(t, "ws") * 15)
				end := change.TimeOfDay(rapid.IntRange(1, 24*4).Draw(t, "we") * 15)
				if end == start {
					end = start + 15
				}
				days := rapid.SliceOfNDistinct(rapid.IntRange(0, 6), 1, 7, rapid.ID[int]).Draw(t, "days")
				w.Weekly = &change.Weekly{Days: toWeekdays(days), Start: start, End: end}
			} else {
				d := rapid.IntRange(1, 27).Draw(t, "day")
				w.Once = &change.Once{Start: change.Date(2026, 3, d, rapid.IntRange(0, 23).Draw(t, "h"), 0),
					End: change.Date(2026, 3, d+rapid.IntRange(0, 3).Draw(t, "len"), 23, 59)}
			}
			windows = append(windows, w)
		}
		c := genChange("CHG-me")
		got, err := change.Conflicts(c, others, windows)
		require.NoError(t, err)
		fs, err := change.NewForwardSchedule(others, windows)
		require.NoError(t, err)
		requireConflictsAgree(t, fs, c, got)
	})
}

// requireConflictsAgree checks got, the conflicts change.Conflicts finds
// for c, against fs, the forward schedule of the same changes and
// windows: the index finds the same conflicts, and each overlaps c's
// planned window for a positive period and says why.
func requireConflictsAgree(t require.TestingT, fs *change.ForwardSchedule, c *change.Change, got []change.Conflict) {
	indexed, err := fs.Conflicts(c)
	require.NoError(t, err)
	require.Equal(t, got, indexed)
	for _, x := range got {
		require.True(t, x.End.After(x.Start), "a conflict has a positive period: %+v", x)
		require.True(t, x.Start.Before(c.PlannedEnd) && x.End.After(c.PlannedStart), "a conflict overlaps the window: %+v", x)
		require.NotEmpty(t, x.Reason, "%+v", x)
	}
}

func toWeekdays[T ~int](ds []T) []time.Weekday {
	out := make([]time.Weekday, len(ds))
	for i, d := range ds {
		out[i] = time.Weekday(d)
	}
	return out
}

// benchSchedule builds 10,000 booked changes over 2,000 configuration items
// across a year and 1,000 windows in several zones, and the change to
// check.
func benchSchedule() ([]*change.Change, []change.Window, *change.Change) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ci := func(i int) string { return fmt.Sprintf("ci-%04d", i) }
	others := make([]*change.Change, 10_000)
	for i := range others {
		cis := []string{ci(rng.IntN(2000))}
		for range rng.IntN(3) {
			cis = append(cis, ci(rng.IntN(2000)))
		}
		start := base.Add(time.Duration(rng.IntN(365*24)) * time.Hour)
		others[i] = planned(fmt.Sprintf("CHG%05d", i), change.StateScheduled, start, time.Duration(1+rng.IntN(8))*time.Hour, cis...)
	}
	zones := []string{"", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"}
	windows := make([]change.Window, 1000)
	for i := range windows {
		w := change.Window{Name: fmt.Sprintf("w%04d", i), Zone: zones[i%len(zones)]}
		switch {
		case i < 10: // global freezes
			d := 1 + rng.IntN(360)
			w.Kind = change.Blackout
			start := base.AddDate(0, 0, d)
			end := start.AddDate(0, 0, 2)
			w.Once = &change.Once{Start: change.Date(start.Year(), start.Month(), start.Day(), 0, 0), End: change.Date(end.Year(), end.Month(), end.Day(), 0, 0)}
		case i < 50: // item freezes
			w.Kind = change.Blackout
			w.ConfigItems = []string{ci(rng.IntN(2000))}
			w.Weekly = &change.Weekly{Days: []time.Weekday{time.Friday}, Start: change.Clock(16, 0), End: change.Clock(20, 0)}
		default: // maintenance nights and weekends
			w.Kind = change.Maintenance
			w.ConfigItems = []string{ci(rng.IntN(2000)), ci(rng.IntN(2000))}
			if i%2 == 0 {
				w.Weekly = &change.Weekly{Days: []time.Weekday{1, 2, 3, 4, 5}, Start: change.Clock(22, 0), End: change.Clock(2, 0)}
			} else {
				w.Weekly = &change.Weekly{Days: []time.Weekday{0, 6}, Start: change.Clock(0, 0), End: change.Clock(24, 0)}
			}
		}
		windows[i] = w
	}
	// The checked change touches the busiest items of three bookings and a
	// maintained item.
	c := planned("CHG-me", change.StateAuthorize, others[0].PlannedStart.Add(-time.Hour), 4*time.Hour,
		append(append([]string{}, others[0].ConfigItems...), windows[100].ConfigItems[0], others[1].ConfigItems[0])...)
	return others, windows, c
}

// BenchmarkConflicts checks one change against 10,000 booked changes and
// 1,000 windows: with a ForwardSchedule built once (the index), and with
// the one-shot Conflicts function, which scans everything.
func BenchmarkConflicts(b *testing.B) {
	others, windows, c := benchSchedule()
	want, err := change.Conflicts(c, others, windows)
	if err != nil || len(want) == 0 {
		b.Fatalf("setup: %d conflicts, %v", len(want), err)
	}
	b.Run("ForwardSchedule", func(b *testing.B) {
		fs, err := change.NewForwardSchedule(others, windows)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			got, err := fs.Conflicts(c)
			if err != nil || len(got) != len(want) {
				b.Fatalf("got %d conflicts, want %d (%v)", len(got), len(want), err)
			}
		}
		b.ReportMetric(float64(len(want)), "conflicts")
	})
	b.Run("Conflicts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, err := change.Conflicts(c, others, windows)
			if err != nil || len(got) != len(want) {
				b.Fatalf("got %d conflicts, want %d (%v)", len(got), len(want), err)
			}
		}
	})
	b.Run("NewForwardSchedule", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := change.NewForwardSchedule(others, windows); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzConflicts feeds arbitrary window JSON and planned windows to the
// conflict check: it must never panic, must fail only with a validation
// error, and the index must agree with the one-shot function.
func FuzzConflicts(f *testing.F) {
	f.Add(`{"name":"w","kind":"blackout","weekly":{"days":[6],"start":"22:00","end":"02:00"}}`, int64(0), int64(120), int64(30))
	f.Add(`{"name":"m","kind":"maintenance","config_items":["a"],"zone":"Europe/Berlin","weekly":{"days":[1,2,3],"start":"00:00","end":"24:00"}}`, int64(-600), int64(3000), int64(0))
	f.Add(`{"name":"o","kind":"blackout","config_items":["b"],"zone":"America/New_York","once":{"start":"2026-03-08T01:00","end":"2026-03-08T03:00"}}`, int64(7*24*60), int64(60), int64(-60))
	f.Add(`{"name":"bad","kind":"blackout","zone":"Nowhere/City","weekly":{"days":[9]}}`, int64(0), int64(-5), int64(0))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, windowJSON string, startMin, durMin, otherMin int64) {
		var w change.Window
		if err := json.Unmarshal([]byte(windowJSON), &w); err != nil {
			return
		}
		clamp := func(v, lim int64) int64 { return max(-lim, min(lim, v)) }
		start := base.Add(time.Duration(clamp(startMin, 60*24*400)) * time.Minute)
		c := planned("CHG-me", change.StateNew, start, time.Duration(clamp(durMin, 60*24*40))*time.Minute, "a", "b")
		other := planned("CHG-o", change.StateScheduled, start.Add(time.Duration(clamp(otherMin, 60*24*40))*time.Minute), time.Hour, "a")
		got, err := change.Conflicts(c, []*change.Change{other}, []change.Window{w})
		fs, ferr := change.NewForwardSchedule([]*change.Change{other}, []change.Window{w})
		if err != nil {
			require.ErrorIs(t, err, lifecycle.ErrValidation)
			var ve *lifecycle.ValidationError
			require.ErrorAs(t, err, &ve)
			if ferr == nil {
				_, ierr := fs.Conflicts(c)
				require.ErrorIs(t, ierr, lifecycle.ErrValidation)
			}
			return
		}
		require.NoError(t, ferr)
		requireConflictsAgree(t, fs, c, got)
	})
}
