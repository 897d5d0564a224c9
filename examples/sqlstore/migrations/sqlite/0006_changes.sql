CREATE TABLE changes (
	id            TEXT    PRIMARY KEY,
	version       BIGINT  NOT NULL,
	doc           TEXT    NOT NULL, -- as JSON
	state         TEXT    NOT NULL,
	type          TEXT    NOT NULL,
	requester     TEXT    NOT NULL DEFAULT '',
	assignee      TEXT    NOT NULL DEFAULT '',
	booked        BOOLEAN NOT NULL DEFAULT 0, -- state scheduled or implement
	planned_start BIGINT  NOT NULL,            -- Unix nanoseconds (the zero time sorts first)
	planned_end   BIGINT  NOT NULL,
	updated_at    BIGINT  NOT NULL
);
CREATE INDEX changes_state ON changes (state, id);
CREATE INDEX changes_requester ON changes (requester, id);
CREATE INDEX changes_assignee ON changes (assignee, id);
CREATE INDEX changes_booked ON changes (planned_start, planned_end) WHERE booked;

CREATE TABLE change_config_items (
	owner_id  TEXT NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
	linked_id TEXT NOT NULL,
	PRIMARY KEY (owner_id, linked_id)
);
CREATE INDEX change_config_items_linked ON change_config_items (linked_id);
