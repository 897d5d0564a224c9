-- The columns a read scope (lifecycle.Scope) is applied on, so that a
-- scoped List is a WHERE clause: each record's tenant ('' for none, never
-- NULL), an incident's caller, and a change's assignment group (a
-- change's caller is its requester). Filled from the stored documents.
ALTER TABLE incidents ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN caller TEXT NOT NULL DEFAULT '';
ALTER TABLE problems ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN grp TEXT NOT NULL DEFAULT '';

UPDATE incidents SET
	tenant = COALESCE(doc ->> 'tenant', ''),
	caller = COALESCE(doc ->> 'caller', '');
UPDATE problems SET tenant = COALESCE(doc ->> 'tenant', '');
UPDATE changes SET
	tenant = COALESCE(doc ->> 'tenant', ''),
	grp = COALESCE(doc ->> 'group', '');

CREATE INDEX incidents_tenant ON incidents (tenant, id);
CREATE INDEX incidents_caller ON incidents (caller, id);
CREATE INDEX problems_tenant ON problems (tenant, id);
CREATE INDEX changes_tenant ON changes (tenant, id);
CREATE INDEX changes_grp ON changes (grp, id);
