// Package lifecycletest provides test doubles shared by every process: a
// fake [Clock] that moves only when told, a [Recorder] notifier that keeps
// every event for assertions, and in-memory stores for the service portfolio
// and the improvement register with their conformance suites
// ([TestPortfolioStore], [TestImprovementStore]). Like net/http/httptest, it
// is meant for tests and demos, never for production.
package lifecycletest
