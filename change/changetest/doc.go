// Package changetest is the test kit for package change, in the spirit of
// net/http/httptest and testing/fstest:
//
//   - [NewStore]: an in-memory change.Store, for tests and development
//     only (it keeps everything in one process's memory and loses it on
//     exit);
//   - [Recorder]: a recording lifecycle.Notifier;
//   - [TestStore]: the conformance suite any change.Store implementation
//     runs to prove it honours the Store contract.
//
// It imports only package change, lifecycle and lifecycletest, and uses
// only the standard testing package, so hosts carry no extra dependency.
package changetest
