// Package incident is ITIL incident management: restoring normal service as
// quickly as possible after an unplanned interruption, with every step
// checked by a state machine and recorded.
//
// # States
//
// An incident is opened in new, is worked on in in_progress, may wait in
// on_hold for a [HoldReason], is resolved with a [ResolutionCode] and
// notes, and is closed when the caller confirms or after
// [Config].AutoCloseAfter without any update ([Service.AutoClose]). A
// resolved incident may be reopened (counted in ReopenCount). An open
// incident may be canceled (a duplicate, unnecessary, not an incident).
// closed and canceled are final. The machine, without the events that keep
// the state (see [Allowed]):
//
//	stateDiagram-v2
//	    [*] --> new
//	    new --> in_progress : assign
//	    new --> resolved : resolve
//	    new --> canceled : cancel
//	    in_progress --> on_hold : hold
//	    in_progress --> resolved : resolve
//	    in_progress --> canceled : cancel
//	    on_hold --> in_progress : resume
//	    on_hold --> resolved : resolve
//	    on_hold --> canceled : cancel
//	    resolved --> in_progress : reopen
//	    resolved --> closed : close
//	    closed --> [*]
//	    canceled --> [*]
//
// [Diagram] renders it; README.md shows it.
//
// # Rules
//
//   - Priority is impact × urgency through a host-configurable
//     [lifecycle.Matrix] (ServiceNow's 3 × 3 by default), recomputed whenever
//     either changes; it always equals the matrix's value.
//   - Hold needs a reason. Awaiting the caller needs a comment to the caller,
//     and a [CallerUpdate] resumes the incident. Awaiting a problem or a
//     change needs a linked problem or change. Problem management reaches
//     incidents through [Service.ResolveForProblem] (a fixed problem
//     resolves the incidents awaiting it), [Service.ResumeForProblem] (a
//     problem closed without a fix sends them back to work) and
//     [Service.MoveToProblem] (a duplicate problem's incidents follow the
//     original).
//   - Resolve needs a code and notes. Reopen needs a reason and counts.
//   - Assignment: group and assignee ([Assign]); functional escalation to
//     another group and hierarchical escalation up to
//     [Config].EscalationLevels, both with a recorded reason.
//   - Major incidents: anyone proposes a candidate ([ProposeMajor]); a holder
//     of [RoleMajorIncidentManager] accepts or rejects it. Only an accepted
//     major incident is major in the [lifecycle.Snapshot], and it is never
//     auto-closed.
//   - Parent and child incidents, one level deep: resolving (or closing) a
//     parent resolves its open children with the parent's code and notes,
//     each as its own stored change after the parent's. A child cannot be
//     reopened, or attached, under a resolved or closed parent. Because the
//     children are separate changes, a failure between the parent's change
//     and theirs (a canceled context, a store error) can leave a child open
//     under a resolved parent for a while: the operation then returns a
//     *[lifecycle.FollowUpError], and closing the parent, by hand or by
//     [Service.AutoClose], resolves the stragglers. Canceling a parent
//     leaves its children alone.
//   - Links to problem and change records; comments (visible to the caller)
//     and work notes (internal).
//   - Affected services: with [Config].ConfigItems (the host's CMDB, read
//     through that small interface), an incident records the business
//     services a failure of its configuration item affects whenever the
//     item is set or changes; with [Config].ImpactFromServices the most
//     critical of them raises the impact.
//
// # Contract
//
// The pure layer, [Incident.Apply] and [Rules.Apply], validates the actor,
// the version, the machine and the input, then changes the
// incident: its fields, exactly one new [lifecycle.Record] in History,
// Version+1, UpdatedAt. On any error the incident is unchanged. It returns
// the events to emit, whose IDs ("incident/<id>/<version>/<n>") are stable,
// so hosts can deliver them at least once and deduplicate.
//
// The [Service] loads, applies, stores with the loaded version (optimistic
// concurrency: [Store].Update fails with lifecycle.ErrConflict when
// somebody else stored first, and nothing happens), and only then notifies.
// A notifier's failure never undoes a stored change; its error reaches the
// caller together with the stored incident. Effects on other incidents
// (children resolved with their parent) are separate stored changes made
// after the primary one; their failures come back as *[lifecycle.FollowUpError]. A
// Service keeps no state between calls and is safe for concurrent use.
//
// Errors match lifecycle.ErrNotFound, ErrConflict, ErrInvalidTransition
// (with a *lifecycle.TransitionError saying what is allowed),
// ErrValidation (a *lifecycle.ValidationError naming the field) and
// ErrForbidden.
//
// Incidents and their enums marshal to and from JSON; unknown state, hold
// reason, resolution code and major status names, and histories that this
// package could not have written, are rejected on decoding.
//
// # Access
//
// The [Service] asks its access policy before every command, on the
// incident as stored, so that a refused actor gets a
// *lifecycle.ForbiddenError and learns nothing of the incident's state.
// The default rules ([AccessRules]) let [RoleMajorIncidentManager] accept
// and reject major incidents and anyone fire the other events, and say
// which events [lifecycle.System], which the reactors and a scheduled
// [Service.AutoClose] act as, may fire.
//
// The test kit incident/incidenttest has an in-memory [Store], a recording
// notifier and TestStore, the conformance suite for host stores.
package incident
