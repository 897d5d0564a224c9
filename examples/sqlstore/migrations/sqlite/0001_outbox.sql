-- The transactional outbox: events stored in the same transaction as the
-- change that caused them, delivered later by a relay.
CREATE TABLE outbox (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id     TEXT    NOT NULL UNIQUE,
	process      TEXT    NOT NULL,
	subject      TEXT    NOT NULL,
	type         TEXT    NOT NULL,
	version      BIGINT  NOT NULL,
	doc          TEXT    NOT NULL, -- the lifecycle.Event as JSON
	created_at   BIGINT  NOT NULL, -- Unix nanoseconds
	delivered_at BIGINT,           -- NULL while pending
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL;
CREATE INDEX outbox_subject ON outbox (process, subject, version);
