// Package sla is service level management: business calendars, agreements
// (SLA, OLA, underpinning contract), targets and timers that follow any
// process's records and fire warnings and breaches exactly once.
//
// # Agreements
//
// An [Agreement] says what is measured ([TargetResponse] or
// [TargetResolution]), with whom ([TypeSLA], [TypeOLA],
// [TypeUnderpinningContract]), the target duration per priority, the
// [Calendar] that counts business time (nil is 24×7 in UTC), the warning
// thresholds (50, 75 and 90 % by default) and, as Go predicates over a
// process-neutral [lifecycle.Snapshot], when a timer starts, stops, pauses,
// resumes, resets and is cancelled. Because conditions see only a snapshot
// (state, priority, group, assignee, hold reason, attributes), one engine
// serves incidents, problems and changes without importing them:
//
//	resolution := &sla.Agreement{
//		ID: "incident-resolution", Type: sla.TypeSLA, Target: sla.TargetResolution,
//		Process:   "incident",
//		Durations: map[int]time.Duration{1: 4 * time.Hour, 2: 8 * time.Hour, 0: 24 * time.Hour},
//		Start:     func(s lifecycle.Snapshot) bool { return s.State != "canceled" },
//		Stop:      func(s lifecycle.Snapshot) bool { return s.State == "resolved" || s.State == "closed" },
//		Pause:     func(s lifecycle.Snapshot) bool { return s.HoldReason == "awaiting_caller" },
//	}
//
// # Calendars
//
// A [Calendar] ([NewCalendar] with a [CalendarConfig]) counts business
// time: weekly hours with any number of intervals a day, read on the wall
// clock of an IANA time zone (09:00 stays 09:00 when daylight saving starts
// or ends), minus closed dates and holiday sets from
// github.com/rickar/cal/v2. A nil Calendar is 24×7. Timers only use its
// Add and Between, so changing an agreement's calendar and repairing its
// timers recomputes them.
//
// # Timers
//
// A [Timer] tracks one agreement on one record. Its current [Cycle] has a
// [Stage] (in progress, paused, completed, cancelled) and a Breached flag,
// business and wall-clock elapsed and paused time, the due time and the
// original due time, and its deadlines: one per warning threshold and the
// breach, each reached and fired at most once. A reset, or the start rule
// holding again after a stop (a reopened incident), opens a new cycle; the
// earlier ones are kept.
//
// Timers are driven by a record's changes:
//
//   - [Attach] starts a timer when the start rule holds, retroactively if
//     the agreement has a StartAt (e.g. the record's opening time).
//     [NewTimer] makes one that waits for the start rule.
//   - [Timer.Observe] feeds it a new snapshot: conditions are evaluated in
//     ServiceNow's order (complete, pause, resume, reset, cancel), the time
//     since the last observation is counted in the stage the timer was in,
//     and a priority change replaces the target while keeping elapsed and
//     paused time. The cycle's PausedSince says when the current pause
//     began.
//   - [Timer.ObserveVersion] does the same for a numbered version of the
//     record, as relays deliver them: more than once, and out of order. A
//     redelivered version changes nothing; one that arrives after newer
//     ones is counted where it belongs (the timer keeps a [Journal] of the
//     versions after a gap, at most [ReorderWindow], and rebuilds itself in
//     version order), so a pause delivered late is never lost. What was
//     notified stays notified; a breach that the late change disproves is
//     withdrawn from the cycle, as ServiceNow's SLA repair does.
//   - [Replay] rebuilds a timer from a record's audit history (its
//     [lifecycle.Record] entries, applied with [lifecycle.Snapshot.Apply]). It
//     always gives the timer that observing the same changes one by one
//     gives, so a timer can be recomputed at any time and never drifts.
//   - [Timer.Evaluate] returns the warning ([EventWarning]) and breach
//     ([EventBreached]) events reached since it last ran, each exactly once
//     and with an ID derived from the deadline, so redelivery is
//     harmless. It compares one stored instant when nothing is due, and
//     [Timer.NextDeadline] says when something will be.
//   - [Timer.Status] gives the counters at any instant: elapsed, paused,
//     percent, time left, due.
//
// # Thresholds a change puts behind
//
// A change can make a target already exceeded: a priority raise shortens
// the target below the business time already elapsed. The warnings and
// the breach of the new target are then reached, each dated at the instant
// the business elapsed time crossed it (on the agreement's calendar, across
// the pauses in between: the cycle keeps when it resumed, in
// [Cycle.Resumed]), not at the instant of the change. They are notified
// once, at the change (the [Engine] evaluates the timer as it stores the
// change); the events' Time and the cycle's Due carry the crossing
// instants. A threshold reached under the target in force before the
// change keeps the instant it was reached then.
//
// Computations are exact to the nanosecond: a timer breaches when its
// business elapsed time reaches the target, never through rounding (99.951 %
// is not a breach, unlike ServiceNow's two-decimal percentage), and warning
// thresholds are computed in integers from the exact value of their
// percentage, however long the target.
//
// Every operation checks its input: an invalid agreement, an agreement
// other than the timer's, a missing instant or record, a malformed history
// are a *lifecycle.ValidationError (errors.Is lifecycle.ErrValidation),
// and nothing changes.
//
// # Engine and storage
//
// [Engine] ([New] with a [Config]) runs agreements for a host. It is a
// [lifecycle.Notifier]: fan the events of the incident, problem or change
// services out to it and it attaches, observes ([Timer.ObserveVersion]) and
// stores timers (one per record and agreement, with optimistic versions;
// timers that have not started are stored too, so that no change is lost
// to reordering, and [Engine.Timers] leaves them out). A scheduler calls
// [Engine.EvaluateDue], which loads the timers whose next deadline has come
// ([Store.Due]), evaluates them, stores them and only then notifies;
// [Engine.NextDeadline] says when to call it next. [Engine.Repair]
// recomputes a record's timers from its history, for example after a
// calendar changed, without notifying anything twice.
//
// The host implements [Store] (five methods, contract documented on each)
// and optionally [Claimer], which lets replicas share the due timers
// (SELECT … FOR UPDATE SKIP LOCKED). Package slatest has an in-memory Store
// for tests and the TestStore conformance suite for host implementations.
package sla
