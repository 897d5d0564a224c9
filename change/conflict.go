package change

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// ConflictKind is the cause of a scheduling [Conflict].
type ConflictKind string

// The conflict kinds, in the order conflicts are reported.
const (
	// ConflictChange: another change is booked (scheduled or implementing)
	// on the same configuration item in an overlapping window.
	ConflictChange ConflictKind = "config_item_booked"
	// ConflictBlackout: the planned window overlaps a blackout window that
	// applies to the item (or to every item).
	ConflictBlackout ConflictKind = "blackout"
	// ConflictMaintenance: the item has maintenance windows and the planned
	// window is not inside them.
	ConflictMaintenance ConflictKind = "outside_maintenance"
	// ConflictRelated: another change is booked on a configuration item
	// related to one of the change's (see [Relations]) in an overlapping
	// window: a host's patch and a change of a VM it hosts.
	ConflictRelated ConflictKind = "related_config_item_booked"
)

var allConflictKinds = []ConflictKind{ConflictChange, ConflictBlackout, ConflictMaintenance, ConflictRelated}

// String returns the kind's name.
func (k ConflictKind) String() string { return string(k) }

// MarshalText writes the kind's name; an unknown kind is an error.
func (k ConflictKind) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("conflict", allConflictKinds, k)
}

// UnmarshalText reads a kind's name, rejecting unknown ones.
func (k *ConflictKind) UnmarshalText(b []byte) error {
	return parseInto(k, "conflict", allConflictKinds, b)
}

// Conflict is one reason a change's planned window clashes with the
// forward schedule of change.
type Conflict struct {
	// Kind is the cause of the conflict.
	Kind ConflictKind `json:"kind"`
	// ConfigItem is the item concerned; empty for a blackout that applies
	// to every item.
	ConfigItem string `json:"config_item,omitempty"`
	// Related is the item related to ConfigItem that the other change
	// holds (ConflictRelated).
	Related string `json:"related,omitempty"`
	// Change is the other change's ID (ConflictChange, ConflictRelated).
	Change string `json:"change,omitempty"`
	// Window is the window's name (ConflictBlackout, ConflictMaintenance).
	Window string `json:"window,omitempty"`
	// Start is the start of the clashing period: the other change's planned
	// window, the blackout's occurrence, or the first stretch of the planned
	// window outside the item's maintenance windows; in the location of
	// the checked change's PlannedStart, as are the times in Reason.
	Start time.Time `json:"start"`
	// End is the end of the clashing period, in the same location.
	End time.Time `json:"end"`
	// Reason says what clashes, for people.
	Reason string `json:"reason"`
}

func kindRank(k ConflictKind) int { return slices.Index(allConflictKinds, k) }

func compareConflicts(a, b Conflict) int {
	return cmp.Or(
		cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
		cmp.Compare(a.ConfigItem, b.ConfigItem),
		cmp.Compare(a.Related, b.Related),
		a.Start.Compare(b.Start),
		cmp.Compare(a.Change, b.Change),
		cmp.Compare(a.Window, b.Window),
	)
}

// checkPlanned returns a validation error unless c has a planned window
// whose end is after its start.
func checkPlanned(c *Change) error {
	if c.PlannedStart.IsZero() {
		return lifecycle.Invalid("planned_start", "a planned window is required")
	}
	if c.PlannedEnd.IsZero() {
		return lifecycle.Invalid("planned_end", "a planned window is required")
	}
	if !c.PlannedEnd.After(c.PlannedStart) {
		return lifecycle.Invalid("planned_end", "the planned window ends (%s) before it starts (%s)",
			c.PlannedEnd.Format(time.RFC3339), c.PlannedStart.Format(time.RFC3339))
	}
	return nil
}

// Conflicts returns every conflict of c's planned window with the changes
// in scheduled and with windows, sorted by kind, configuration item,
// related item, start, other change and window:
//
//   - one [ConflictChange] per (item, other change) for each other change
//     booked (state scheduled or implement) on one of c's items with an
//     overlapping window; c itself (by ID) and unbooked changes are
//     ignored, so scheduled may be a loose superset;
//   - one [ConflictBlackout] per (blackout, item) whose occurrence overlaps
//     the window (item empty for a blackout on every item);
//   - one [ConflictMaintenance] per item that has maintenance windows and
//     is not covered by them for the whole window.
//
// Windows are half-open: a change ending at 02:00 does not overlap one
// starting at 02:00. A change with no planned window, or an end not after
// its start, gives a *lifecycle.ValidationError, as does an invalid window.
// Conflicts changes nothing and is safe for concurrent use. To check many
// changes against the same schedule, build a [ForwardSchedule] once.
func Conflicts(c *Change, scheduled []*Change, windows []Window) ([]Conflict, error) {
	return ConflictsWith(c, scheduled, windows, nil)
}

// ConflictsWith is [Conflicts] with the configuration items related to
// c's: related maps an item of c to the items related to it (see
// [Relations]). Each other change booked on a related item (not itself
// one of c's) with an overlapping window adds one [ConflictRelated] per
// (item, related item, other change).
func ConflictsWith(c *Change, scheduled []*Change, windows []Window, related map[string][]string) ([]Conflict, error) {
	if err := checkPlanned(c); err != nil {
		return nil, err
	}
	cis := sortedSet(c.ConfigItems)
	var out []Conflict
	for _, o := range scheduled {
		if o == nil || !o.State.Booked() || o.ID == c.ID ||
			!o.PlannedStart.Before(c.PlannedEnd) || !o.PlannedEnd.After(c.PlannedStart) {
			continue
		}
		for _, ci := range o.ConfigItems {
			if contains(cis, ci) {
				out = append(out, changeConflict(ci, o.ID, o.State, o.PlannedStart, o.PlannedEnd, c.PlannedStart.Location()))
			}
		}
		if len(related) == 0 {
			continue
		}
		held := sortedSet(o.ConfigItems)
		for _, ci := range cis {
			for _, rel := range related[ci] {
				if !contains(cis, rel) && contains(held, rel) {
					out = append(out, relatedConflict(ci, rel, o, c.PlannedStart.Location()))
				}
			}
		}
	}
	var maint map[string][]*compiled
	for i := range windows {
		w := &windows[i]
		// Every window is validated; only those that can affect c are
		// compiled.
		loc, err := w.location()
		if err != nil {
			return nil, err
		}
		if w.Kind == Blackout && len(w.ConfigItems) == 0 {
			out = blackoutConflicts(out, compileIn(w, loc), "", c)
			continue
		}
		var cw *compiled
		for _, ci := range w.ConfigItems {
			if !contains(cis, ci) {
				continue
			}
			if cw == nil {
				cw = compileIn(w, loc)
			}
			if w.Kind == Blackout {
				out = blackoutConflicts(out, cw, ci, c)
				continue
			}
			if maint == nil {
				maint = map[string][]*compiled{}
			}
			maint[ci] = append(maint[ci], cw)
		}
	}
	for _, ci := range cis {
		if ws := maint[ci]; len(ws) > 0 {
			out = maintenanceConflicts(out, ws, ci, c)
		}
	}
	slices.SortFunc(out, compareConflicts)
	return slices.CompactFunc(out, func(a, b Conflict) bool { return a == b }), nil
}

// contains reports whether the sorted set has s: a linear scan for the
// few items a change usually has, a binary search beyond.
func contains(set []string, s string) bool {
	if len(set) <= 8 {
		for _, x := range set {
			if x == s {
				return true
			}
		}
		return false
	}
	_, ok := slices.BinarySearch(set, s)
	return ok
}

// sortedSet returns ids sorted without duplicates: ids itself when it
// already is (callers only read it), a new slice otherwise.
func sortedSet(ids []string) []string {
	strict := true
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			strict = false
			break
		}
	}
	if strict {
		return ids
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func changeConflict(ci, id string, st State, start, end time.Time, loc *time.Location) Conflict {
	start, end = start.In(loc), end.In(loc)
	return Conflict{
		Kind: ConflictChange, ConfigItem: ci, Change: id, Start: start, End: end,
		Reason: "configuration item " + ci + " is also changed by " + id + " (" + string(st) + ") from " +
			start.Format(time.RFC3339) + " to " + end.Format(time.RFC3339),
	}
}

func relatedConflict(ci, rel string, o *Change, loc *time.Location) Conflict {
	start, end := o.PlannedStart.In(loc), o.PlannedEnd.In(loc)
	return Conflict{
		Kind: ConflictRelated, ConfigItem: ci, Related: rel, Change: o.ID, Start: start, End: end,
		Reason: "configuration item " + ci + " is related to " + rel + ", which " + o.ID + " (" + string(o.State) + ") changes from " +
			start.Format(time.RFC3339) + " to " + end.Format(time.RFC3339),
	}
}

func blackoutConflicts(out []Conflict, cw *compiled, ci string, c *Change) []Conflict {
	loc := c.PlannedStart.Location()
	cw.each(c.PlannedStart, c.PlannedEnd, func(s, e time.Time) bool {
		s, e = s.In(loc), e.In(loc)
		what := "every configuration item"
		if ci != "" {
			what = "configuration item " + ci
		}
		out = append(out, Conflict{
			Kind: ConflictBlackout, ConfigItem: ci, Window: cw.w.Name, Start: s, End: e,
			Reason: "blackout window " + cw.w.Name + " on " + what + " from " + s.Format(time.RFC3339) + " to " + e.Format(time.RFC3339),
		})
		return false // the first overlapping occurrence is enough
	})
	return out
}

// maintenanceConflicts adds a conflict when the maintenance windows ws of
// ci do not cover c's planned window, naming the first uncovered stretch.
func maintenanceConflicts(out []Conflict, ws []*compiled, ci string, c *Change) []Conflict {
	start, end := c.PlannedStart, c.PlannedEnd
	var occ [][2]time.Time
	for _, cw := range ws {
		cw.each(start, end, func(s, e time.Time) bool {
			occ = append(occ, [2]time.Time{s, e})
			return true
		})
	}
	sort.Slice(occ, func(i, j int) bool { return occ[i][0].Before(occ[j][0]) })
	covered := start // everything before covered is inside a window
	gapStart, gapEnd := time.Time{}, time.Time{}
	for _, o := range occ {
		if o[0].After(covered) {
			gapStart, gapEnd = covered, o[0]
			break
		}
		if o[1].After(covered) {
			covered = o[1]
		}
		if !covered.Before(end) {
			return out
		}
	}
	if gapStart.IsZero() {
		gapStart, gapEnd = covered, end
	}
	if gapEnd.After(end) {
		gapEnd = end
	}
	loc := start.Location()
	gapStart, gapEnd = gapStart.In(loc), gapEnd.In(loc)
	names := make([]string, 0, len(ws))
	for _, cw := range ws {
		names = append(names, cw.w.Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	window := names[0]
	return append(out, Conflict{
		Kind: ConflictMaintenance, ConfigItem: ci, Window: window, Start: gapStart, End: gapEnd,
		Reason: "configuration item " + ci + " is outside its maintenance windows (" + strings.Join(names, ", ") + ") from " +
			gapStart.Format(time.RFC3339) + " to " + gapEnd.Format(time.RFC3339),
	})
}

// ForwardSchedule is an index of booked changes and windows for checking
// many changes quickly: bookings are grouped by configuration item and
// sorted by start, so a check costs a binary search per item of the change
// plus the bookings that actually overlap, and windows are compiled once
// (zones loaded, grouped by item). Build it with [NewForwardSchedule]; it
// is immutable and safe for concurrent use.
type ForwardSchedule struct {
	byCI     map[string]*bookings
	global   []*compiled // blackouts on every item
	blackout map[string][]*compiled
	maint    map[string][]*compiled
}

type booking struct {
	start, end time.Time
	id         string
	state      State
}

type bookings struct {
	list   []booking // sorted by start
	maxDur time.Duration
}

// NewForwardSchedule indexes the booked changes among scheduled (others
// are ignored) and windows. The changes are copied; an invalid window
// gives its *lifecycle.ValidationError.
func NewForwardSchedule(scheduled []*Change, windows []Window) (*ForwardSchedule, error) {
	f := &ForwardSchedule{
		byCI:     map[string]*bookings{},
		blackout: map[string][]*compiled{},
		maint:    map[string][]*compiled{},
	}
	booked := func(o *Change) bool {
		return o != nil && o.State.Booked() && o.PlannedEnd.After(o.PlannedStart)
	}
	// Count first, so that all bookings share one allocation.
	counts := map[string]int{}
	total := 0
	for _, o := range scheduled {
		if booked(o) {
			for _, ci := range sortedSet(o.ConfigItems) {
				counts[ci]++
				total++
			}
		}
	}
	flat := make([]booking, total)
	all := make([]bookings, 0, len(counts))
	for ci, n := range counts {
		all = append(all, bookings{list: flat[:0:n]})
		f.byCI[ci] = &all[len(all)-1]
		flat = flat[n:]
	}
	for _, o := range scheduled {
		if !booked(o) {
			continue
		}
		for _, ci := range sortedSet(o.ConfigItems) {
			b := f.byCI[ci]
			b.list = append(b.list, booking{o.PlannedStart, o.PlannedEnd, o.ID, o.State})
			b.maxDur = max(b.maxDur, o.PlannedEnd.Sub(o.PlannedStart))
		}
	}
	for _, b := range f.byCI {
		slices.SortFunc(b.list, func(x, y booking) int {
			return cmp.Or(x.start.Compare(y.start), cmp.Compare(x.id, y.id))
		})
	}
	ws := slices.Clone(windows)
	for i := range ws {
		w := &ws[i]
		w.ConfigItems = slices.Clone(w.ConfigItems)
		if w.Weekly != nil {
			wk := *w.Weekly
			wk.Days = slices.Clone(wk.Days)
			w.Weekly = &wk
		}
		if w.Once != nil {
			o := *w.Once
			w.Once = &o
		}
		cw, err := compileWindow(w)
		if err != nil {
			return nil, err
		}
		switch {
		case w.Kind == Blackout && len(w.ConfigItems) == 0:
			f.global = append(f.global, cw)
		case w.Kind == Blackout:
			for _, ci := range sortedSet(w.ConfigItems) {
				f.blackout[ci] = append(f.blackout[ci], cw)
			}
		default:
			for _, ci := range sortedSet(w.ConfigItems) {
				f.maint[ci] = append(f.maint[ci], cw)
			}
		}
	}
	return f, nil
}

// Conflicts returns every conflict of c's planned window with the indexed
// changes and windows, exactly as the package-level [Conflicts] does.
func (f *ForwardSchedule) Conflicts(c *Change) ([]Conflict, error) {
	if err := checkPlanned(c); err != nil {
		return nil, err
	}
	start, end := c.PlannedStart, c.PlannedEnd
	var out []Conflict
	for _, cw := range f.global {
		out = blackoutConflicts(out, cw, "", c)
	}
	for _, ci := range sortedSet(c.ConfigItems) {
		if b := f.byCI[ci]; b != nil {
			// Bookings starting before start-maxDur end before start.
			lo, _ := slices.BinarySearchFunc(b.list, start.Add(-b.maxDur), func(x booking, t time.Time) int {
				return x.start.Compare(t)
			})
			for _, x := range b.list[lo:] {
				if !x.start.Before(end) {
					break
				}
				if x.end.After(start) && x.id != c.ID {
					out = append(out, changeConflict(ci, x.id, x.state, x.start, x.end, c.PlannedStart.Location()))
				}
			}
		}
		for _, cw := range f.blackout[ci] {
			out = blackoutConflicts(out, cw, ci, c)
		}
		if ws := f.maint[ci]; len(ws) > 0 {
			out = maintenanceConflicts(out, ws, ci, c)
		}
	}
	slices.SortFunc(out, compareConflicts)
	return slices.CompactFunc(out, func(a, b Conflict) bool { return a == b }), nil
}
