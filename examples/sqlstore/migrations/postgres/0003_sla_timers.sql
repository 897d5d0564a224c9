CREATE TABLE sla_timers (
	id           TEXT COLLATE "C" PRIMARY KEY,
	version      BIGINT  NOT NULL,
	doc          JSON    NOT NULL, -- the sla.Timer
	record_id    TEXT    NOT NULL,
	agreement_id TEXT    NOT NULL,
	stage        TEXT    NOT NULL,
	breached     BOOLEAN NOT NULL DEFAULT false,
	next_at      BIGINT,           -- Timer.Next in Unix nanoseconds; NULL when none is pending
	updated_at   BIGINT,
	lease_owner  TEXT    NOT NULL DEFAULT '', -- sla.Claimer: who holds the timer
	lease_until  BIGINT  NOT NULL DEFAULT 0   -- and until when (Unix nanoseconds)
);
CREATE INDEX sla_timers_record ON sla_timers (record_id, id);
CREATE INDEX sla_timers_due ON sla_timers (next_at, id) WHERE next_at IS NOT NULL;
