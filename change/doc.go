// Package change is change enablement (ITIL change management): change
// requests of three types with their own paths, change authorities and
// approvals, risk assessment, planned windows checked against the forward
// schedule of change, implementation and review.
//
// # Types and states
//
// A change is standard, normal or emergency, and each type has its own
// state machine over the states new, assess, authorize, scheduled,
// implement, review, closed and canceled:
//
//   - standard (pre-authorized, made from a [Template]):
//     new → scheduled → implement → review → closed;
//   - normal: new → assess → authorize → scheduled → implement → review →
//     closed;
//   - emergency: new → authorize → scheduled → implement → review → closed.
//
// A change can be canceled from any state before review. A rejection
// returns it to new and clears its approvals, and so does a revert (from
// assess, authorize or scheduled), which is how a scheduled change is
// re-planned. Its type can change only in new, while it has no approvals.
// Details are edited in new (normal changes also in assess). [Allowed],
// [TypeStates] and [Diagram] describe the machines; the README shows the
// diagrams (kept equal to Diagram by a golden test).
//
// # Rules
//
// The host's change policy is a [Rules] value (embedded in [Config]):
//
//   - Plans: implementation, backout and test plans are required before
//     assessment (normal) or before authorization is requested
//     (emergency); a standard change takes them from its template.
//   - Risk: low, moderate, high or very high. A rule-based calculator (Go
//     predicates over the change, [DefaultRiskRules] by default) and an
//     optional weighted [Questionnaire] each give a level; the higher wins
//     and is recorded with its reasons when the change is assessed and
//     again when approval is requested.
//   - Approvals: when approval is requested the [Authority] covering the
//     change's type and risk is resolved and recorded on the change. Its
//     members (named approvers or a role) decide once each; the policy
//     (any, all, quorum N) says when their approvals authorize the change,
//     and a single rejection rejects it. As in ServiceNow, the requester
//     is never an approver of their own change, and neither is the actor
//     who opened it ([Change.OpenedBy]; a change opened in someone else's
//     name does not let its opener approve it): both are recorded in
//     [Authority.Excluded], decide nothing (lifecycle.ErrForbidden) and
//     do not count toward the policy ([Authority.Eligible],
//     [Authority.Needed]). A request for approval that the eligible
//     approvers cannot meet (policy all with none of them, quorum N with
//     fewer than N named and no role) is refused with a validation error
//     naming the authority. Every decision, with who, when and comment, is
//     in [Change.Approvals] and in the history. A change cannot be
//     scheduled or implemented without the approvals its type and risk
//     require.
//   - Priority: impact and urgency (optional at creation; the matrix's
//     lowest levels by default, 3 and 3, which is priority 5, planning, in
//     lifecycle.DefaultMatrix) give the priority through [Rules.Matrix],
//     as for incidents and problems. It is in the change's
//     lifecycle.Snapshot, so SLA agreements with per-priority goals can
//     follow changes.
//   - Schedule: the planned window [start, end) must end after it starts.
//     [Conflicts] reports every conflict with the forward schedule: another
//     booked change on the same configuration item in an overlapping
//     window, a blackout window, an item outside its maintenance windows;
//     with [Config].Relations, also a booked change on a related item
//     (see [ConflictsWith]).
//     Windows are host data ([Window], from a [WindowSource]): weekly or
//     one-off, in an IANA time zone. Scheduling a change with conflicts
//     needs an explicit override with a reason, by a holder of
//     [RoleChangeManager], recorded on the change and in its history.
//   - Review: implementing records the actual start (now by default,
//     never after now); review records the actual end (now by default,
//     neither after now nor before the start) and the [Outcome]; an
//     emergency change needs a post-implementation review (notes) before
//     it closes. "Now" is the time the command is applied: the Service's
//     clock.
//   - Links: changes link to the problems they fix and the incidents they
//     caused. The "opened" event names those given at creation and the
//     "linked" event those linked later (Data "problems" and "incidents",
//     comma-separated); the "closed" event names every problem the change
//     fixes, so that the incident and problem reactors can act on them.
//
// # Layers and contract
//
// [Change.Apply] and [Rules.Apply] are the pure layer: they validate,
// fire the machine (guards included), change the change, append exactly
// one history record, increment the version and return the events to emit;
// on error the change is unchanged. [Rules.New] makes a new change. The
// pure layer does no I/O, so the conflicts a command records (Assess,
// RequestApproval, Schedule) are an input it trusts; the [Service] fills
// them from its [Store] and [WindowSource], for a command given as a value
// or as a pointer alike: each of these commands reads what its own rules
// need, and the Service asks nothing of a command's concrete type.
//
// The [Service] loads, applies, commits with the version it read
// (optimistic concurrency: of two writers of the same version one gets
// lifecycle.ErrConflict) and only then notifies. A notifier failure never
// undoes a stored change: the operation returns the stored change with a
// *lifecycle.NotifyError. When an approval authorizes a change whose
// window has no conflicts, the Service schedules it at once (as
// lifecycle.System, a second stored version); otherwise the change waits
// in authorize for a Schedule with an override.
//
// # Concurrency
//
// The Service commits each change with the read set of its rules
// (lifecycle.Write, through the Store's Commit), so that a rule that
// reads other changes holds under concurrency without locks. The schedule
// rule, that no other change holds this configuration item in this
// window, is about changes that may not exist yet, which no version can
// name; it reads a guard per item instead. Assess, RequestApproval and
// Schedule (and the scheduling after an approval) take the guard
// "ci/<item>" of each of the change's items before the schedule query,
// and their commit bumps those guards. Writes that check one item's
// schedule therefore serialize: of two schedules racing on an item, the
// later to commit is refused for its stale guard, runs again from a fresh
// read (lifecycle.Retry) and sees the other's booking, so it is refused
// with a *ScheduleConflictError or, with an override, books the conflict
// on the record. No other command books a change or moves a booked one
// (the items and the window are edited only in new and assess), and the
// commands that take a change off the schedule (Revert, Cancel, Review)
// can leave a recorded conflict stale but never hide one, so they take no
// guard. A Store checks and bumps the guards in the transaction of the
// write; changetest.TestStore checks that it does.
//
// Errors: bad input is a *lifecycle.ValidationError (matching
// lifecycle.ErrValidation), including an unknown change type, missing
// plans, windows ending before they start, actual times after now and an
// authority whose eligible approvers cannot meet its policy; a refused
// event is a *lifecycle.TransitionError (lifecycle.ErrInvalidTransition,
// and also its guard's reason); a decision by the requester, the opener or
// a non-approver, or an override without the role, is a
// *lifecycle.ForbiddenError (lifecycle.ErrForbidden); unresolved conflicts
// are a *ScheduleConflictError ([ErrScheduleConflict], and
// ErrValidation). In every case nothing changes.
//
// Roles: [RoleChangeManager] (default normal change authority, conflict
// overrides) and [RoleECAB] (default emergency change authority);
// lifecycle.System holds every role. The commands gate approvals and
// overrides, which depend on the change; the Service's access policy,
// asked before every command, gates the events ([AccessRules], which a
// host extends or replaces through Config.Access).
//
// Package changetest has an in-memory Store, a recording notifier, the
// Store conformance suite and a fault-injecting Store wrapper.
package change
