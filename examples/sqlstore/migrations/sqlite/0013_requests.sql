-- Service requests: one row per request, its items and tasks inside its
-- document, with the columns the desk's queues filter on, and two side
-- tables kept by every write: the approvers an item awaits
-- (Filter.Approver) and the groups with an open task of an item's open
-- stage (Filter.TaskGroup).
CREATE TABLE requests (
	id         TEXT   PRIMARY KEY,
	version    BIGINT NOT NULL,
	doc        TEXT   NOT NULL, -- as JSON
	state      TEXT   NOT NULL,
	requester  TEXT   NOT NULL DEFAULT '',
	for_whom   TEXT   NOT NULL DEFAULT '', -- requested_for, or the requester
	tenant     TEXT   NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL
);
CREATE INDEX requests_state ON requests (state, id);
CREATE INDEX requests_requester ON requests (requester, id);
CREATE INDEX requests_for_whom ON requests (for_whom, id);
CREATE INDEX requests_tenant ON requests (tenant, id);

CREATE TABLE request_approvers (
	owner_id  TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
	linked_id TEXT NOT NULL,
	PRIMARY KEY (owner_id, linked_id)
);
CREATE INDEX request_approvers_linked ON request_approvers (linked_id);

CREATE TABLE request_task_groups (
	owner_id  TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
	linked_id TEXT NOT NULL,
	PRIMARY KEY (owner_id, linked_id)
);
CREATE INDEX request_task_groups_linked ON request_task_groups (linked_id);
