-- Guards of the stores' read sets (lifecycle.ReadSet): named counters that
-- a write bumps when its rules read them. Every process shares the table;
-- a key starts with its process ("incident/...") so processes never meet.
CREATE TABLE guards (
	key     TEXT COLLATE "C" PRIMARY KEY,
	version BIGINT NOT NULL
);
