// Package problemtest is the test kit of package problem, in the spirit of
// net/http/httptest and testing/fstest:
//
//   - [NewStore]: an in-memory problem.Store, safe for concurrent use, that
//     copies problems in and out. It is for tests, demos and development
//     only: it keeps everything in memory, scans linearly and never
//     persists.
//   - [Recorder]: a lifecycle.Notifier that records every event.
//   - [TestStore]: the conformance suite that any problem.Store (the
//     host's SQL store, for instance) runs to prove it honours the
//     contract: lifecycletest.TestRecords over [Kit] (not-found,
//     conflicts, versions, copying, atomic updates, paging), then filters
//     and known-error search. [Fixture] is the fully
//     populated problem it stores, for a host's own tests.
//   - [FaultyStore]: the fault-injection kit. It wraps any problem.Store
//     (keeping its transactional outbox, if it has one) so that its calls
//     fail, time out, conflict or commit ambiguously (stored, but reported
//     as failed) at seeded random, under the rates of a
//     lifecycletest.Faults; pair it with lifecycletest.FaultyNotifier to
//     check that a host's workflow copes with a flaky database and bus.
//     With the rates at zero it passes TestStore.
//
// It imports only package problem, the lifecycle kernel and its
// lifecycletest kit, and uses plain testing, so hosts carry no extra
// dependency.
package problemtest

import "github.com/itsmkit/itsm/lifecycle/lifecycletest"

// Recorder is a lifecycle.Notifier that keeps every event for assertions;
// see lifecycletest.Recorder.
type Recorder = lifecycletest.Recorder
