-- The changes that fix each problem, for problem.Filter.Change (the problem
-- reactor finds the problems a closed change fixes without a scan).
CREATE TABLE problem_changes (
	owner_id  TEXT NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
	linked_id TEXT NOT NULL,
	PRIMARY KEY (owner_id, linked_id)
);
CREATE INDEX problem_changes_linked ON problem_changes (linked_id);
INSERT OR IGNORE INTO problem_changes (owner_id, linked_id)
	SELECT problems.id, j.value FROM problems, json_each(problems.doc, '$.changes') AS j;
