// Package slatest is the test kit of package sla, in the spirit of
// net/http/httptest and testing/fstest: an in-memory timer [Store] (for
// tests and development only), a recording notifier ([Recorder]), and
// [TestStore], the conformance suite a host's sla.Store implementation runs
// to prove it honours the contract: lifecycletest.TestRecords over [Kit],
// then the timers' own queries. The fake clock is lifecycletest.Clock.
//
// It imports only sla, lifecycle and lifecycle/lifecycletest, and its suite
// uses only package testing, so hosts carry no extra test dependency.
package slatest
