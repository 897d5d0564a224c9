CREATE TABLE problems (
	id          TEXT    PRIMARY KEY,
	version     BIGINT  NOT NULL,
	doc         TEXT    NOT NULL, -- the problem.Problem as JSON
	state       TEXT    NOT NULL,
	grp         TEXT    NOT NULL DEFAULT '',
	assignee    TEXT    NOT NULL DEFAULT '',
	service     TEXT    NOT NULL DEFAULT '',
	config_item TEXT    NOT NULL DEFAULT '',
	priority    INTEGER NOT NULL DEFAULT 0,
	known_error BOOLEAN NOT NULL DEFAULT 0,
	search_text TEXT    NOT NULL DEFAULT '', -- lower-cased title, symptom, root cause, workaround
	updated_at  BIGINT                       -- Unix nanoseconds
);
CREATE INDEX problems_state ON problems (state, id);
CREATE INDEX problems_grp ON problems (grp, id);
CREATE INDEX problems_assignee ON problems (assignee, id);
CREATE INDEX problems_service ON problems (service, id);
CREATE INDEX problems_config_item ON problems (config_item, id);
CREATE INDEX problems_known_error ON problems (id) WHERE known_error;

CREATE TABLE problem_incidents (
	owner_id  TEXT NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
	linked_id TEXT NOT NULL,
	PRIMARY KEY (owner_id, linked_id)
);
CREATE INDEX problem_incidents_linked ON problem_incidents (linked_id);
