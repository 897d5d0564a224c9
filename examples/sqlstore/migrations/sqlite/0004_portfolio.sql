-- The service portfolio (lifecycle.Service) and the continual-improvement
-- register (lifecycle.Improvement).
CREATE TABLE services (
	id         TEXT    PRIMARY KEY,
	version    BIGINT  NOT NULL,
	doc        TEXT    NOT NULL, -- as JSON
	status     TEXT    NOT NULL,
	stage      TEXT    NOT NULL, -- Status.Stage()
	part       TEXT    NOT NULL, -- Status.Part()
	owner      TEXT    NOT NULL DEFAULT '',
	updated_at BIGINT
);
CREATE INDEX services_status ON services (status, id);
CREATE INDEX services_stage ON services (stage, id);
CREATE INDEX services_part ON services (part, id);
CREATE INDEX services_owner ON services (owner, id);

CREATE TABLE service_config_items (
	owner_id  TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	linked_id TEXT NOT NULL,
	PRIMARY KEY (owner_id, linked_id)
);
CREATE INDEX service_config_items_linked ON service_config_items (linked_id);

CREATE TABLE service_agreements (
	owner_id  TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	linked_id TEXT NOT NULL,
	PRIMARY KEY (owner_id, linked_id)
);
CREATE INDEX service_agreements_linked ON service_agreements (linked_id);

CREATE TABLE improvements (
	id         TEXT    PRIMARY KEY,
	version    BIGINT  NOT NULL,
	doc        TEXT    NOT NULL, -- as JSON
	service_id TEXT    NOT NULL,
	status     TEXT    NOT NULL,
	updated_at BIGINT
);
CREATE INDEX improvements_service ON improvements (service_id, id);
CREATE INDEX improvements_status ON improvements (status, id);
