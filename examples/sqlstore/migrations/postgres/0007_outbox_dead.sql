-- Dead events: the relay parks an event that failed Relay.MaxAttempts
-- deliveries (or whose document does not decode), so that it no longer
-- holds up the queue. It stays here, with its last error, until requeued.
ALTER TABLE outbox ADD COLUMN dead_at BIGINT; -- Unix nanoseconds; NULL unless dead
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_dead ON outbox (seq) WHERE dead_at IS NOT NULL;
