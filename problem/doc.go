// Package problem is ITIL problem management: finding and removing the
// causes of incidents, with known errors and their workarounds as
// first-class, searchable data.
//
// # Lifecycle
//
// The states and events follow ServiceNow's problem model:
//
//	new ──assess──▶ assess ──confirm──▶ root_cause_analysis ──start_fix──▶ fix_in_progress ──resolve──▶ resolved ──complete──▶ closed
//	                assess ──mark_duplicate──▶ closed (resolution duplicate)
//	                root_cause_analysis ──accept_risk──▶ resolved (resolution risk_accepted)
//	new, assess, root_cause_analysis, fix_in_progress ──cancel──▶ canceled (final)
//	resolved, closed ──reanalyze──▶ root_cause_analysis (role problem-manager)
//
// [Diagram] renders it as Mermaid. Guards: assess needs an assignment group,
// confirm an assignee, mark_duplicate an original other than the problem
// itself, start_fix a root cause and at least one change, cancel,
// accept_risk, resolve and reanalyze need notes, reanalyze needs
// [RoleProblemManager] and refuses a problem closed as a duplicate.
//
// Besides the lifecycle, updates keep the state: assign, update, work_note,
// link_incident, unlink_incident and record_known_error in every open state
// (assign, work_note and record_known_error also in resolved), and
// link_change while the fix is in progress. [Allowed] lists what a state
// accepts; anything else is refused with a *lifecycle.TransitionError that
// says what is allowed, e.g.
// "problem PRB42: cannot resolve from new (allowed: assess, assign, cancel, ...)".
//
// # Known errors
//
// [KnownError] holds the symptom, root cause, workaround and fix. A problem
// is a known error ([Problem.IsKnownError]) once its root cause and
// workaround are both recorded; at that moment KnownErrorAt is set and a
// [TypeKnownError] event is emitted. Neither field can be cleared
// afterwards, so a known error always has a workaround. A service desk
// matches a new incident to a workaround with [Service.SearchKnownErrors]
// (text over title, symptom, root cause and workaround; affected service;
// configuration item, and with [Config].Dependencies the items it depends
// on).
//
// # Incidents
//
// A problem links any number of incidents. When it is resolved (resolve,
// accept_risk) or closed (complete) it emits one [TypeIncidentNotified]
// event per linked incident so that their owners are told. If the host sets
// [Config.Incidents] (incident.Service satisfies [Incidents]; this package
// never imports incident), the Service then acts on the incidents that wait
// on the problem (on hold, awaiting problem), at the transitions
// [Config.ResolveIncidents] names (default: on resolve):
//
//   - after a fix (resolution fix_applied) it resolves them, or, with
//     [Config.OnFix] set to [FixResumes], resumes them to in progress for
//     their assignees to confirm the fix with the callers;
//   - after accepting the risk (resolution risk_accepted) nothing was
//     fixed: it always resumes them, with the workaround in the note.
//
// Marking a problem as a duplicate moves its incidents to the original: in
// a second stored change on the original, then on each incident
// ([Incidents.MoveToProblem]), so that an incident waiting on the duplicate
// waits on the original and is resolved with it. Every follow-up is
// idempotent and retryable: [Service.MoveDuplicateIncidents] and
// [Service.ResolveWaitingIncidents].
//
// # Following the other processes
//
// [Reactor] is a lifecycle.Notifier that makes problem management follow
// incident and change events: it opens a problem when a major incident is
// resolved (once: the problem's ID is derived from the incident's, see
// [Open].ID), resolves the problems a successfully closed change fixes
// (those listing the change, and those the change lists; with
// [Reactor].Changes, only once every fixing change has ended), and offers
// known errors' workarounds to new incidents. Delivering an event again,
// or concurrently, changes nothing twice and retries what failed.
//
// # Contract
//
// The layers are those of every itsm process:
//
//   - Pure transitions: [NewProblem] and [Problem.Apply] /
//     [Problem.ApplyMatrix] validate, fire the machine, mutate, append one
//     lifecycle.Record, bump Version and return the events to emit. On any
//     error the problem is unchanged.
//   - [Service] (built by [New] from a [Config]): load, check the version
//     (0 = current; otherwise ErrConflict before anything happens), apply,
//     store with the version read, notify. Nothing is stored or notified
//     when an error occurs before the store succeeds. After it succeeds the
//     stored problem is returned even if the Notifier fails
//     (*lifecycle.NotifyError) or a follow-up on other records fails
//     (*[lifecycle.FollowUpError]); stored changes are never undone. Follow-ups run
//     synchronously after the store succeeds; a host with an outbox runs
//     the [Reactor] from its relay.
//   - [Store]: five methods, each with its contract; the host implements it.
//     problem/problemtest provides an in-memory Store for tests and
//     development, and TestStore, the conformance suite every Store must
//     pass.
//
// Errors match the lifecycle sentinels with errors.Is: ErrNotFound,
// ErrConflict, ErrInvalidTransition (a refused event or guard; the guard's
// reason is also reachable), ErrValidation (bad input) and ErrForbidden (a
// missing role).
//
// # Access
//
// The [Service] asks its access policy before every command, on the
// problem as stored. The default rules ([AccessRules]) let
// [RoleProblemManager] ("problem-manager") reanalyze and anyone fire the
// other events, and say which events lifecycle.System, which the
// [Reactor] acts as, may fire.
package problem
