-- History and journal leave the records' documents: one row per entry,
-- appended, never rewritten, keyed by process, record and sequence. An
-- operation then reads and writes only the record row, whatever its age.
CREATE TABLE history (
	process   TEXT    NOT NULL,
	record_id TEXT    NOT NULL,
	seq       INTEGER NOT NULL,
	doc       TEXT    NOT NULL, -- a lifecycle.Record as JSON
	PRIMARY KEY (process, record_id, seq)
);
CREATE TABLE journal (
	process   TEXT    NOT NULL,
	record_id TEXT    NOT NULL,
	seq       INTEGER NOT NULL,
	doc       TEXT    NOT NULL, -- a lifecycle.Entry as JSON
	PRIMARY KEY (process, record_id, seq)
);

-- Move the incidents' history, comments and work notes out of their
-- documents. The journal interleaves comments and work notes by time
-- (comments first within one instant, as the incident service writes
-- them); an entry's version is that of the history record written at the
-- same instant, the change that wrote it.
INSERT INTO history (process, record_id, seq, doc)
	SELECT 'incident', i.id, CAST(json_extract(h.value, '$.seq') AS INTEGER), h.value
	FROM incidents AS i, json_each(i.doc, '$.history') AS h;

INSERT INTO journal (process, record_id, seq, doc)
	SELECT 'incident', n.id, n.seq,
		json_object(
			'seq', n.seq,
			'version', COALESCE((SELECT MIN(CAST(json_extract(h.value, '$.seq') AS INTEGER))
				FROM json_each(i.doc, '$.history') AS h
				WHERE json_extract(h.value, '$.time') = json_extract(n.note, '$.time')), 0),
			'kind', n.kind,
			'time', json_extract(n.note, '$.time'),
			'author', COALESCE(json_extract(n.note, '$.author'), ''),
			'text', COALESCE(json_extract(n.note, '$.text'), ''),
			'from_caller', json(CASE WHEN json_extract(n.note, '$.from_caller') THEN 'true' ELSE 'false' END))
	FROM (
		SELECT u.id, u.note, u.kind,
			ROW_NUMBER() OVER (PARTITION BY u.id ORDER BY julianday(json_extract(u.note, '$.time')), u.kind_order, u.idx) AS seq
		FROM (
			SELECT i.id AS id, c.value AS note, 'comment' AS kind, 0 AS kind_order, c.key AS idx
				FROM incidents AS i, json_each(i.doc, '$.comments') AS c
			UNION ALL
			SELECT i.id, w.value, 'work_note', 1, w.key
				FROM incidents AS i, json_each(i.doc, '$.work_notes') AS w
		) AS u
	) AS n JOIN incidents AS i ON i.id = n.id;

UPDATE incidents SET doc = json_remove(doc, '$.history', '$.comments', '$.work_notes');
