// Package lifecycle is the shared kernel of the itsm library and the home of
// the ITIL service lifecycle.
//
// # The service lifecycle
//
// An [ITService] is an IT service in the portfolio. Its [Status] moves through
// the pipeline (requirements, defined, analysed, approved, chartered,
// designed, developed, built, tested, released), the catalogue (operational)
// and retirement (retiring, retired); each status belongs to an ITIL [Stage]
// (strategy, design, transition, operation), and continual improvement spans
// them through the register of [Improvement] initiatives. [Portfolio] is the
// orchestrator (named so it never clashes with the Service entity). A
// service links to its agreements by typed [AgreementLink]s (ID and
// [AgreementKind]: SLA, OLA or underpinning contract, spelled as the sla
// package's agreement types), which an optional [AgreementLookup] checks
// against the host's agreements. A service cannot go live without an owner
// and an SLA (an OLA or underpinning contract does not count), and cannot
// retire while the host's [Dependents] reports open incidents or scheduled
// changes. A Portfolio configured without Dependents refuses to phase out
// or retire (a *[ConfigError] matching [ErrNotConfigured]); a host with no
// incidents or changes to check says so explicitly with [NoDependents].
// Phasing out, reinstating and retiring need the service's owner or
// [RoleServiceOwner], and so does handing the service to another owner.
// See ServiceDiagram and ImprovementDiagram for the machines.
//
// The kernel gives every process (incident, problem, change, sla) the same
// parts:
//
//   - [Machine]: a state machine defined once as a package-level
//     [Definition], checked when it is built (unknown names, duplicate
//     pairs and unreachable states panic at start-up), fired on a
//     github.com/looplab/fsm FSM built at the record's state, and rendered
//     as a Mermaid diagram.
//   - [Record]: one entry of a record's audit history.
//   - [Event]: the notification envelope of a stored change, with a stable
//     unique ID for idempotent delivery and a process-neutral [Snapshot].
//   - [Notifier]: one method; [NotifierFunc], [Fanout] and [Discard].
//   - [Clock], [Actor], [IDFunc], and the errors [ErrNotFound],
//     [ErrConflict], [ErrInvalidTransition], [ErrValidation] and
//     [ErrForbidden] with their detailed types.
//   - [Commit]: store a [Write], then notify; the optional [Outbox]
//     ability for hosts with a transactional outbox. docs/store-contract.md
//     gives the Store contract and its extension points (a visibility
//     scope, a tenant on every record, rows committed with the record).
//   - [Erase]: the one change ever made to stored history and journal
//     entries, a recorded, role-gated redaction for erasure requests.
//
// # Actors and the trust boundary
//
// Every operation takes the [Actor] performing it, and the library believes
// it: authentication is the host's job. [System], the actor the library
// uses for its own automated work (auto-close, reactions to other
// processes' events), is the only actor that holds every role, and an
// [AccessPolicy] lets it fire only the events its rules say System may
// fire. No actor built outside this package, and none decoded from JSON,
// is System, whatever ID or roles it carries; a host still refuses
// requests that claim to be it, for instance with [Actor.ClaimsSystem].
//
// # Contract shared by every process
//
// A service operation loads the record, applies a pure transition to a copy,
// stores it with the version it read (optimistic concurrency) and only then
// notifies. On any error before the store succeeds nothing is written and
// nothing is notified. A notifier failure never undoes a stored change: the
// operation returns the stored record together with a *[NotifyError].
package lifecycle
