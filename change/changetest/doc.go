// Package changetest is the test kit for package change, in the spirit of
// net/http/httptest and testing/fstest:
//
//   - [NewStore]: an in-memory change.Store, for tests and development
//     only (it keeps everything in one process's memory and loses it on
//     exit);
//   - [Recorder]: a recording lifecycle.Notifier;
//   - [TestStore]: the conformance suite any change.Store implementation
//     runs to prove it honours the Store contract: lifecycletest.TestRecords
//     over [Kit] (the clauses every store shares, Commit's read set and
//     guards included), then the change's own queries; each failure
//     quotes the broken clause;
//   - [Equal]: change equality as the suite checks it (times as instants,
//     nil and empty alike);
//   - the fault-injection kit: [FaultyStore] wraps any change.Store
//     (keeping its lifecycle.Outbox) so that its reads and writes fail,
//     time out, report conflicts or commit ambiguously at seeded random,
//     under a lifecycletest.Faults plan; with lifecycletest.FaultyNotifier
//     it lets a host check that its workflows leave no half-applied
//     change, no event for a change that was not stored, and retry
//     cleanly.
//
// It imports only package change, lifecycle and lifecycletest, and uses
// only the standard testing package, so hosts carry no extra dependency.
package changetest
