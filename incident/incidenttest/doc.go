// Package incidenttest is the incident process's test kit, in the spirit of
// net/http/httptest and testing/fstest: an in-memory [Store] (for tests,
// demos and development only: it keeps everything in one process's memory
// and loses it on exit), a recording notifier ([Recorder]), and
// [TestStore], the conformance suite that a host's incident.Store runs to
// prove it honours the contract documented on incident.Store
// (lifecycletest.TestRecords over [Kit], then the incident's own
// queries).
//
// [FaultyStore] wraps any incident.Store with the seeded faults of a
// lifecycletest.Faults (errors, timeouts, conflicts, and writes that are
// stored but reported as failed), so that a host can check its workflow
// code against a flaky database; lifecycletest's Ledger and CheckHistory
// then tell whether anything was half-applied or notified without being
// stored.
//
// TestStore uses only the standard testing package, so hosts take on no
// extra dependency.
package incidenttest
