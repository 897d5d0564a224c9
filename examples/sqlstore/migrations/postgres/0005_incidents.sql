CREATE TABLE incidents (
	id         TEXT COLLATE "C" PRIMARY KEY,
	version    BIGINT  NOT NULL,
	doc        JSON    NOT NULL,
	state      TEXT    NOT NULL,
	assignee   TEXT    NOT NULL DEFAULT '',
	grp        TEXT    NOT NULL DEFAULT '',
	priority   INTEGER NOT NULL DEFAULT 0,
	major      TEXT    NOT NULL DEFAULT '', -- '', proposed, accepted, rejected
	parent_id  TEXT    NOT NULL DEFAULT '',
	updated_at BIGINT  NOT NULL             -- Unix nanoseconds
);
CREATE INDEX incidents_state ON incidents (state, id);
CREATE INDEX incidents_assignee ON incidents (assignee, id);
CREATE INDEX incidents_grp ON incidents (grp, id);
CREATE INDEX incidents_parent ON incidents (parent_id, id) WHERE parent_id <> '';
CREATE INDEX incidents_major ON incidents (major, id) WHERE major <> '';
CREATE INDEX incidents_resolved ON incidents (updated_at, id) WHERE state = 'resolved';
