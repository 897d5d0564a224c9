// Package sqlstore is the reference SQL adapter of itsm: every process's
// Store (incidents, problems, changes, SLA timers, the service portfolio
// and the improvement register) over database/sql, on embedded SQLite or on
// PostgreSQL, with a transactional outbox and a relay that delivers it.
//
// It lives in the examples module so that database drivers never enter the
// core module. Use it as is, or read it as a worked example of writing your
// own Store.
//
// # Opening a database
//
// [Open] picks the dialect from the DSN and applies the embedded schema
// migrations the database lacks:
//
//	db, err := sqlstore.Open(ctx, "sqlite:itsm.db")               // embedded, pure Go
//	db, err := sqlstore.Open(ctx, ":memory:")                     // private, for tests and demos
//	db, err := sqlstore.Open(ctx, "postgres://u:p@host/itsm")     // PostgreSQL through pgx
//	defer db.Close()
//
// Migrations are numbered SQL files per dialect (migrations/sqlite,
// migrations/postgres), recorded in schema_migrations and applied in one
// transaction under a lock (a PostgreSQL advisory lock; SQLite's write
// lock), so replicas starting together apply each exactly once.
//
// SQLite runs in WAL mode with a 5 s busy timeout, foreign keys on, BEGIN
// IMMEDIATE transactions, one writer connection and a few read-only
// connections. That suits one machine, which is what SQLite is for; for
// several replicas, use PostgreSQL. On PostgreSQL the pool defaults to 10
// connections ([DB.SQL] tunes it); keep it larger than the number of relays
// running on one DB, since a relay holds a connection while it notifies.
//
// # Stores
//
// [DB.Incidents], [DB.Problems], [DB.Changes], [DB.Timers], [DB.Services]
// and [DB.Improvements] return the stores, cheap views over db to hand to
// the services:
//
//	incidents, err := incident.New(incident.Config{Store: db.Incidents()})
//	engine, err := sla.New(sla.Config{Store: db.Timers(), Agreements: agreements})
//
// Each kind of record has its own table: the fields that queries filter or
// sort on are real, indexed columns (state, group, assignee, priority,
// parent, the SLA timer's next deadline, ...), lists such as a change's
// configuration items live in link tables, and the whole record is kept as
// a JSON document that is read back whole and never parsed by SQL. Every
// query binds its input as parameters; no input is ever spliced into SQL.
// A filter's list of values is one parameter however long it is (an array
// on PostgreSQL, a JSON array unpacked by json_each on SQLite), so no list
// reaches the databases' limits on parameters. Lists order by ID byte-wise
// (COLLATE "C" on PostgreSQL); a cursor the store did not issue pages as a
// byte-wise comparison with it would.
//
// A filter's or a known-error search's Scope (lifecycle.Scope) is part of
// the WHERE clause like any other condition, on the tenant, assignee,
// group and caller columns (a change's caller is its requester; a record
// with no tenant has the empty text, never NULL). The tenant is indexed
// with the ID, so a page under a scope holds a full page of the scope's
// records however few they are. A scope that can hold nothing answers an
// empty page without a query.
//
// # Text the databases cannot hold
//
// PostgreSQL refuses the NUL character and bytes that are not UTF-8 in
// text; SQLite would keep them. Both dialects answer alike, and never with
// a driver error: an ID that no record can have (Get, Update) is
// lifecycle.ErrNotFound without a query, a filter value that no record can
// hold matches nothing, and a record or event whose columns or link tables
// would hold such text, or whose JSON document would hold invalid UTF-8
// (which encoding/json silently replaces), is refused with a
// *lifecycle.ValidationError naming the field ("group", "config_items",
// "event.subject", ...), writing nothing.
//
// Updates are optimistic: UPDATE ... SET version = new ... WHERE id = ? AND
// version = expected. Of concurrent writers of one version exactly one
// matches a row; the others get an error matching lifecycle.ErrConflict (or
// lifecycle.ErrNotFound when the record does not exist), and nothing of
// theirs is written.
//
// # Outbox and relay
//
// Every store is also a lifecycle.Outbox (StoresEvents is true), so the
// services store each change and the events it causes in one transaction,
// in the outbox table, instead of calling their Notifier. A [Relay] then
// delivers the events to the host's Notifier, oldest first, and marks them
// delivered:
//
//	relay := db.Relay(lifecycle.Fanout(engine, mailer))
//	go relay.Run(ctx, time.Second) // also wakes when this DB queues events
//
// Delivery is at least once: a crash between Notify and the mark delivers
// the event again, never not at all. Events carry stable IDs
// (lifecycle.NotificationID) for the receiver to deduplicate. On PostgreSQL
// several relays (in one replica or many) split the pending events with
// SELECT ... FOR UPDATE SKIP LOCKED.
//
// An event that the Notifier refuses [Relay.MaxAttempts] times in a row
// (10 by default) is parked as dead, logged with log/slog, and no longer
// holds up the events queued after it; it stays in the outbox until
// [DB.Requeue] queues it again. [DB.PendingEvents], [DB.DeadEvents],
// [DB.ListDeadEvents] and [DB.PurgeDelivered] help operate the outbox.
//
// # SLA timers across replicas
//
// [TimerStore] implements sla.Claimer and sla.ClaimCommitter: the
// sla.Engine of each replica claims a batch of due timers with one UPDATE
// ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) and a lease column,
// so replicas evaluating at the same moment take different timers, and
// writes the evaluated batch back with one UPDATE of the timers and one
// INSERT of their events into the outbox. The write-back stores a timer
// only at the version claimed and while its lease is still the claimer's:
// a replica that stalls (or dies) past its lease loses the batch to the
// replica that claims it next, and its late write changes nothing.
// Versions remain the safety net: a timer evaluated twice is stored once,
// and only the stored evaluation's warning or breach reaches the outbox, so
// each fires exactly once.
//
// # Writing your own Store
//
// Nothing here is special to the library: a host with another database
// implements the small Store interfaces of the process packages the same
// way, and proves it with their conformance suites, as this package's
// tests do against SQLite and PostgreSQL:
//
//	func TestStore(t *testing.T) {
//		incidenttest.TestStore(t, func(t *testing.T) incident.Store { return newEmptyStore(t) })
//	}
//
// The suites are incidenttest.TestStore, problemtest.TestStore,
// changetest.TestStore, slatest.TestStore (which also checks sla.Claimer
// when the store has it), lifecycletest.TestPortfolioStore and
// lifecycletest.TestImprovementStore. Each subtest asks for an empty store
// and failures quote the clause of the contract that was broken.
//
// The tests of this package run every suite against SQLite always, and
// against PostgreSQL when ITSM_TEST_POSTGRES_URL is set (each test in its
// own schema, dropped afterwards); .ci/postgres.sh starts a local server
// and writes that variable to .ci/postgres.env. With
// ITSM_REQUIRE_POSTGRES=1 (as CI sets it) and no such URL, the tests fail
// at once instead of skipping the PostgreSQL half. FuzzListFilters checks
// the SQL translation of every List filter against the core's in-memory
// stores on the same records.
package sqlstore
