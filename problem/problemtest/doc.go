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
//     contract: not-found, conflicts, versions, copying, atomic updates,
//     filters, paging and known-error search.
//
// It imports only package problem and the lifecycle kernel, and uses plain
// testing, so hosts carry no extra dependency.
package problemtest

import "github.com/itsmkit/itsm/lifecycle/lifecycletest"

// Recorder is a lifecycle.Notifier that keeps every event for assertions;
// see lifecycletest.Recorder.
type Recorder = lifecycletest.Recorder
