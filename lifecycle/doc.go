// Package lifecycle is the shared kernel of the itsm library and the home of
// the ITIL service lifecycle.
//
// The kernel gives every process (incident, problem, change, sla) the same
// parts:
//
//   - [Machine]: a state machine defined once as a package-level
//     [Definition], checked when it is built (unknown names, duplicate
//     pairs, unreachable states and disagreement with
//     github.com/looplab/fsm all panic at start-up), compiled to a table for
//     the hot path, and rendered as a Mermaid diagram.
//   - [Record]: one entry of a record's audit history.
//   - [Event]: the notification envelope of a stored change, with a stable
//     unique ID for idempotent delivery and a process-neutral [Snapshot].
//   - [Notifier]: one method; [NotifierFunc], [Fanout] and [Discard].
//   - [Clock], [Actor], [IDFunc], and the errors [ErrNotFound],
//     [ErrConflict], [ErrInvalidTransition], [ErrValidation] and
//     [ErrForbidden] with their detailed types.
//   - [CommitCreate] and [CommitUpdate]: store, then notify; the optional
//     [Outbox] ability for hosts with a transactional outbox.
//
// # Contract shared by every process
//
// A service operation loads the record, applies a pure transition to a copy,
// stores it with the version it read (optimistic concurrency) and only then
// notifies. On any error before the store succeeds nothing is written and
// nothing is notified. A notifier failure never undoes a stored change: the
// operation returns the stored record together with a *[NotifyError].
package lifecycle
