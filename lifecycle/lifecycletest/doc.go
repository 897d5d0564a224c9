// Package lifecycletest provides the test doubles shared by every process,
// and the kit their fault-injection tests are built from. Like
// net/http/httptest, it is meant for tests and demos, never for production.
//
// # Doubles
//
//   - [Clock]: a fake lifecycle.Clock that stands still until the test
//     moves it ([Clock.Advance], [Clock.Set]), so a whole day of work runs
//     in an instant with known times.
//   - [Recorder]: a lifecycle.Notifier that keeps a copy of every event, in
//     order, and can be told to fail.
//   - [PortfolioStore] and [ImprovementStore]: in-memory stores for the
//     service portfolio and the continual-improvement register, honouring
//     the whole contract, with the conformance suites any host store runs
//     to prove it does too ([TestPortfolioStore], [TestImprovementStore]).
//   - [Walker]: builds a fixture's history through a process's machine, so
//     that a store which replays histories on decoding takes the fixture
//     back; [TestHistoryRefusals] checks that a process's decoder refuses
//     each [HistoryBreak] of a record's export with the history error it
//     should.
//   - [TestRecords]: the Store contract every process shares, written
//     once over the record type: creates, gets, versions, conflicts and
//     not-found, copies in and out ([Scribble]), concurrent writers, List's
//     order and paging, and [TestCommitter] (read sets, guards, and
//     history, journal and redactions for a store that keeps them). Each
//     process's TestStore fills in one [RecordKit] (its Kit) and adds its
//     own queries; [Equal] compares records as a store gives them back,
//     and [Breach] quotes a broken clause. [TestOutbox] checks, over the
//     same kit, a store that is a transactional outbox. [Break] gives a
//     store one [Breakage] of that contract and [CatchesBroken] proves a
//     suite fails each. [Table], [FaultyRecords] and [FaultyLogs] are the
//     in-memory table and fault wrappers every kit is built from.
//   - [CheckRegistry]: fails a test unless a process's command registry
//     lists exactly the command types of its source: [TypesWithMethod]
//     reads them (the types with the sealed Command interface's method)
//     and [RegistryMismatch] compares them with the registry.
//
// # Fault injection
//
// A fault-injection test wraps the real store and notifier of a service in
// faulty ones that share one seeded [Faults], runs random operations
// (typically with pgregory.net/rapid), and then judges every outcome
// against what the real store holds:
//
//   - [Faults] draws, per wrapped call and at the configured [Rates], one
//     [Fault]: an error, a timeout (which blocks until the caller's context
//     is done or [Faults.TimeoutDelay] has passed), a conflict, or the
//     ambiguous commit that takes effect but reports failure. The same
//     seed and calls give the same faults, so a failing run replays; every
//     injection is logged ([Faults.Injected]) and its error is an
//     *[InjectedError] matching [ErrInjected].
//   - [FaultyNotifier], [FaultyPortfolioStore] and [FaultyImprovementStore]
//     wrap the lifecycle interfaces (keeping an Outbox when the inner store
//     has one); each process's own kit (incidenttest, problemtest,
//     changetest, slatest) wraps its Store with the same Faults, through
//     [Faults.ReadContext] and [Faults.Write].
//   - [Ledger] remembers every version a store really accepted, with its
//     snapshot, so that [Ledger.CheckEvents] can prove that no event was
//     delivered for a change that was not stored.
//   - [CheckHistory] proves a stored record is not half-applied: its
//     history accounts for its version and replays to its state.
//   - [Classify] names the sentinel an error matches, so a test can insist
//     that every failure is a typed one; [PinVersion] builds the safe retry
//     of a command (pinned to the version read before the failed attempt);
//     [AppliedWrites] lists the failed calls that took effect anyway;
//     [SnapshotDiff] compares snapshots read back from any store.
//
// Everything here is safe for concurrent use.
package lifecycletest
