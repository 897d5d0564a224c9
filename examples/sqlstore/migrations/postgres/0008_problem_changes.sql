-- The changes that fix each problem, for problem.Filter.Change (the problem
-- reactor finds the problems a closed change fixes without a scan).
CREATE TABLE problem_changes (
	owner_id  TEXT COLLATE "C" NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
	linked_id TEXT NOT NULL,
	PRIMARY KEY (owner_id, linked_id)
);
CREATE INDEX problem_changes_linked ON problem_changes (linked_id);
INSERT INTO problem_changes (owner_id, linked_id)
	SELECT id, jsonb_array_elements_text(doc::jsonb -> 'changes') FROM problems
	ON CONFLICT DO NOTHING;
