// Package lifecycletest provides test doubles shared by every process: a
// fake [Clock] that moves only when told, and a [Recorder] notifier that
// keeps every event for assertions. Like net/http/httptest, it is meant for
// tests and demos, never for production.
package lifecycletest
