package sla

import (
	"math"
	"slices"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// AgreementType says who an agreement is with.
type AgreementType string

// The agreement types.
const (
	// TypeSLA is a service level agreement, with the customer.
	TypeSLA AgreementType = "sla"
	// TypeOLA is an operational level agreement, between internal teams.
	TypeOLA AgreementType = "ola"
	// TypeUnderpinningContract is an underpinning contract, with a supplier.
	TypeUnderpinningContract AgreementType = "underpinning_contract"
)

var agreementTypes = []AgreementType{TypeSLA, TypeOLA, TypeUnderpinningContract}

// AgreementTypes returns every agreement type.
func AgreementTypes() []AgreementType { return slices.Clone(agreementTypes) }

// String returns the type's spelling, e.g. "ola".
func (t AgreementType) String() string { return string(t) }

// MarshalText returns the type's spelling, or a *lifecycle.ValidationError
// for an unknown type.
func (t AgreementType) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("type", agreementTypes, t)
}

// UnmarshalText parses a type, rejecting unknown spellings with a
// *lifecycle.ValidationError.
func (t *AgreementType) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("type", agreementTypes, string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Target is what an agreement measures. A response target and a resolution
// target on the same record are two agreements and two independent timers,
// never one timer serving both (the confusion of Zammad #5177).
type Target string

// The targets.
const (
	// TargetResponse measures the time to respond: typically from opening
	// until someone is assigned or starts work.
	TargetResponse Target = "response"
	// TargetResolution measures the time to resolve.
	TargetResolution Target = "resolution"
)

var targets = []Target{TargetResponse, TargetResolution}

// Targets returns every target.
func Targets() []Target { return slices.Clone(targets) }

// String returns the target's spelling, e.g. "resolution".
func (t Target) String() string { return string(t) }

// MarshalText returns the target's spelling, or a *lifecycle.ValidationError
// for an unknown target.
func (t Target) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("target", targets, t) }

// UnmarshalText parses a target, rejecting unknown spellings with a
// *lifecycle.ValidationError.
func (t *Target) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("target", targets, string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Condition is a predicate over a record's process-neutral snapshot: "the
// incident is on hold awaiting the caller", "the change is in Implement".
// Conditions must be pure and fast: they run on every observed change of
// every record an agreement applies to.
type Condition func(lifecycle.Snapshot) bool

// ChangeCondition is a predicate over a record's change, from the snapshot
// last observed to the new one: "the assignment group changed". Agreements
// use it for Reset, which must react to a change rather than to a state
// (a state-based reset would restart the timer on every observation).
type ChangeCondition func(prev, next lifecycle.Snapshot) bool

// Never is a Condition that never holds. Use it as an agreement's Cancel to
// say "never cancel" (ServiceNow's "when to cancel: never").
func Never(lifecycle.Snapshot) bool { return false }

// DefaultWarnings are the warning thresholds, in percent of the target
// duration, that an agreement uses when its Warnings is nil.
var DefaultWarnings = []float64{50, 75, 90}

// Agreement defines a service level target and when its timers run: a
// service level agreement with a customer, an operational level agreement
// between teams or an underpinning contract with a supplier. It works on
// process-neutral [lifecycle.Snapshot]s, so the same definition style serves
// incidents, problems and changes.
//
// An Agreement is a definition: build it once, check it with
// [Agreement.Validate] (or let [New] do it), and do not modify it while
// timers use it. It is then safe for concurrent use.
//
// # Conditions
//
// On every observed change of a record, a timer evaluates its agreement's
// conditions in ServiceNow's order: attach (start), complete (stop), pause,
// resume, reset (reattach), cancel.
//
//   - Start (required) attaches a timer, when Stop and the cancel rule do
//     not also hold and the record's priority has a target duration.
//   - Stop (required) completes the running cycle.
//   - Pause (optional: nil never pauses) pauses a running timer.
//   - Resume (optional) resumes a paused timer; nil means "when Pause no
//     longer holds".
//   - Reset (optional) ends the running cycle (cancelled, kept in
//     [Timer.Cycles]) and starts a new one if Start holds.
//   - Cancel (optional) cancels the running cycle; nil means "when Start no
//     longer holds" (ServiceNow's default), [Never] means never.
//
// A completed or cancelled timer starts a new cycle when the record again
// satisfies the start rule (Jira's multi-cycle SLAs: a reopened incident
// gets a fresh resolution cycle), unless SingleCycle is set; Reset restarts
// it either way.
type Agreement struct {
	// ID identifies the agreement; timers refer to it. Required.
	ID string
	// Name is for people, e.g. "P1 resolution, 24×7".
	Name string
	// Type says who the agreement is with. Required.
	Type AgreementType
	// Target says what is measured: response or resolution. Required.
	Target Target
	// Process limits the agreement to one process's records ("incident",
	// "problem", "change"); empty means every process. Only [Engine] looks
	// at it: the conditions see a snapshot, which does not name its process.
	Process string
	// Tenants limits the agreement to the records of these tenants
	// ([lifecycle.Snapshot].Tenant; "" is the records with no tenant);
	// empty means every tenant. A host that agrees targets per customer
	// gives each customer's agreements its tenant.
	Tenants []string
	// Durations is the target duration per priority (1 critical ...
	// 5 planning), counted in business time on Calendar. Key 0 is the
	// default for priorities without an entry (and for records without a
	// priority). A record whose priority has no duration and no default
	// never attaches a timer; a running timer whose record moves to such a
	// priority keeps its current target. Required; every duration must be
	// positive.
	Durations map[int]time.Duration
	// Calendar counts business time; nil is 24×7 in UTC.
	Calendar *Calendar
	// Warnings are the thresholds, in percent of the target duration, at
	// which warning events fire, each in (0, 100]. Nil means
	// [DefaultWarnings] (50, 75, 90); an empty non-nil slice means no
	// warnings. The breach itself (100 %) always fires, as its own event.
	Warnings []float64

	// Start attaches a timer. Required.
	Start Condition
	// Stop completes the running cycle. Required.
	Stop Condition
	// Pause pauses the timer; nil never pauses.
	Pause Condition
	// Resume resumes a paused timer; nil resumes when Pause no longer
	// holds. With an explicit Resume, a timer resumed while Pause still
	// holds pauses again at the next observed change.
	Resume Condition
	// Cancel cancels the running cycle; nil cancels when Start no longer
	// holds, [Never] never cancels.
	Cancel Condition
	// Reset ends the running cycle as cancelled and starts a new cycle when
	// the start rule holds. It sees the snapshot last observed and the new
	// one; nil never resets.
	Reset ChangeCondition
	// StartAt, when set, makes the first cycle start retroactively: at the
	// instant it returns (e.g. the record's OpenedAt) instead of the
	// instant the start condition was observed. A zero instant, or one
	// after the observation, means the observation. Later cycles (after a
	// reset or a restart) start when they are observed.
	StartAt func(lifecycle.Snapshot) time.Time
	// KeepHistory, when set, makes a timer that starts after its record
	// was opened keep the record's time before: a record that moves to
	// this agreement from another (a priority, service or agreement
	// change) carries its elapsed and paused business time over. While
	// the timer waits for its start rule it counts, on Calendar, the time
	// from StartAt (or its first observation) as this agreement counts a
	// cycle: paused while Pause holds, not at all while Stop holds,
	// elapsed otherwise; its first cycle then starts there, with those
	// counters. When the agreement the record leaves has the same
	// calendar and pause and stop rules, the new timer inherits exactly the
	// old one's elapsed and paused time, and a hold before the move stays
	// paused time (without KeepHistory, a StartAt counts it as elapsed).
	// Thresholds the carried time has passed are reached, dated when it
	// crossed them. Only timers that observe the record before they start
	// keep it: [Engine] stores one for every record it sees with
	// versioned events, [Replay] and [NewTimer] followed by observations
	// do too, [Attach] sees a single snapshot. Later cycles start afresh.
	// False (the zero value) starts the timer when its start rule holds.
	KeepHistory bool
	// SingleCycle, when set, keeps a completed or cancelled timer stopped
	// even when the start rule holds again; only Reset restarts it.
	SingleCycle bool
}

// covers reports whether a applies to the records of process in tenant.
func (a *Agreement) covers(process, tenant string) bool {
	return (a.Process == "" || a.Process == process) && (len(a.Tenants) == 0 || slices.Contains(a.Tenants, tenant))
}

// Validate reports the first problem with the definition as a
// *lifecycle.ValidationError naming the field: a missing ID, type, target,
// start or stop condition, an unknown type or target, no target durations,
// a negative or zero duration or a negative priority, or a warning
// threshold outside (0, 100] (or not a number, or listed twice).
func (a *Agreement) Validate() error {
	if a == nil {
		return lifecycle.Invalid("agreement", "is nil")
	}
	if a.ID == "" {
		return lifecycle.Invalid("id", "an agreement ID is required")
	}
	if !slices.Contains(agreementTypes, a.Type) {
		_, err := a.Type.MarshalText()
		return err
	}
	if !slices.Contains(targets, a.Target) {
		_, err := a.Target.MarshalText()
		return err
	}
	if len(a.Durations) == 0 {
		return lifecycle.Invalid("durations", "agreement %s: at least one target duration is required", a.ID)
	}
	bad := false
	for p, d := range a.Durations {
		bad = bad || p < 0 || d <= 0
	}
	if bad { // report the lowest bad priority, whatever the map's order
		for _, p := range sortedKeys(a.Durations) {
			d := a.Durations[p]
			if p < 0 {
				return lifecycle.Invalid("durations", "agreement %s: priority %d is negative", a.ID, p)
			}
			if d <= 0 {
				return lifecycle.Invalid("durations", "agreement %s: priority %d: target %v is not positive", a.ID, p, d)
			}
		}
	}
	for i, w := range a.Warnings {
		if math.IsNaN(w) || w <= 0 || w > 100 {
			return lifecycle.Invalid("warnings", "agreement %s: threshold %v%% is outside (0, 100]", a.ID, w)
		}
		if slices.Contains(a.Warnings[:i], w) {
			return lifecycle.Invalid("warnings", "agreement %s: threshold %v%% is listed twice", a.ID, w)
		}
	}
	if a.Start == nil {
		return lifecycle.Invalid("start", "agreement %s: a start condition is required", a.ID)
	}
	if a.Stop == nil {
		return lifecycle.Invalid("stop", "agreement %s: a stop condition is required", a.ID)
	}
	return nil
}

// Goal returns the target duration for priority: its own entry in
// Durations, else the default (key 0). It reports false when neither
// exists.
func (a *Agreement) Goal(priority int) (time.Duration, bool) {
	if d, ok := a.Durations[priority]; ok {
		return d, true
	}
	d, ok := a.Durations[0]
	return d, ok
}

func sortedKeys(m map[int]time.Duration) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// warnings returns the thresholds in effect, sorted.
func (a *Agreement) warnings() []float64 {
	w := a.Warnings
	if w == nil {
		w = DefaultWarnings
	}
	w = slices.Clone(w)
	slices.Sort(w)
	return w
}

// deadlines returns a fresh deadline list: the warnings, then the breach.
func (a *Agreement) deadlines() []Deadline {
	w := a.warnings()
	out := make([]Deadline, 0, len(w)+1)
	for _, p := range w {
		out = append(out, Deadline{Percent: p})
	}
	return append(out, Deadline{Percent: 100, Breach: true})
}

func (a *Agreement) pauses(s lifecycle.Snapshot) bool { return a.Pause != nil && a.Pause(s) }

func (a *Agreement) resumes(s lifecycle.Snapshot) bool {
	if a.Resume != nil {
		return a.Resume(s)
	}
	return !a.pauses(s)
}

func (a *Agreement) cancels(s lifecycle.Snapshot) bool {
	if a.Cancel != nil {
		return a.Cancel(s)
	}
	return !a.Start(s)
}

func (a *Agreement) resets(prev, next lifecycle.Snapshot) bool {
	return a.Reset != nil && a.Reset(prev, next)
}

// startable reports whether a timer may start on s: Start holds, Stop and
// the cancel rule do not, and s's priority has a target duration.
func (a *Agreement) startable(s lifecycle.Snapshot) bool {
	if !a.Start(s) || a.Stop(s) || a.cancels(s) {
		return false
	}
	_, ok := a.Goal(s.Priority)
	return ok
}
