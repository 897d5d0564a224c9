-- History and journal leave the records' documents: one row per entry,
-- appended, never rewritten, keyed by process, record and sequence. An
-- operation then reads and writes only the record row, whatever its age.
CREATE TABLE history (
	process   TEXT COLLATE "C" NOT NULL,
	record_id TEXT COLLATE "C" NOT NULL,
	seq       INTEGER NOT NULL,
	doc       JSON    NOT NULL, -- a lifecycle.Record
	PRIMARY KEY (process, record_id, seq)
);
CREATE TABLE journal (
	process   TEXT COLLATE "C" NOT NULL,
	record_id TEXT COLLATE "C" NOT NULL,
	seq       INTEGER NOT NULL,
	doc       JSON    NOT NULL, -- a lifecycle.Entry
	PRIMARY KEY (process, record_id, seq)
);

-- Move the incidents' history, comments and work notes out of their
-- documents. The journal interleaves comments and work notes by time
-- (comments first within one instant, as the incident service writes
-- them); an entry's version is that of the history record written at the
-- same instant, the change that wrote it.
INSERT INTO history (process, record_id, seq, doc)
	SELECT 'incident', i.id, (h.value ->> 'seq')::integer, h.value::json
	FROM incidents AS i, jsonb_array_elements(COALESCE(i.doc::jsonb -> 'history', '[]'::jsonb)) AS h(value)
	WHERE jsonb_typeof(i.doc::jsonb -> 'history') = 'array';

INSERT INTO journal (process, record_id, seq, doc)
	SELECT 'incident', n.id, n.seq,
		json_build_object(
			'seq', n.seq,
			'version', COALESCE((SELECT MIN((h.value ->> 'seq')::bigint)
				FROM jsonb_array_elements(CASE WHEN jsonb_typeof(i.doc::jsonb -> 'history') = 'array' THEN i.doc::jsonb -> 'history' ELSE '[]'::jsonb END) AS h(value)
				WHERE h.value -> 'time' = n.note -> 'time'), 0),
			'kind', n.kind,
			'time', n.note ->> 'time',
			'author', COALESCE(n.note ->> 'author', ''),
			'text', COALESCE(n.note ->> 'text', ''),
			'from_caller', COALESCE((n.note ->> 'from_caller')::boolean, false))
	FROM (
		SELECT u.id, u.note, u.kind,
			ROW_NUMBER() OVER (PARTITION BY u.id ORDER BY (u.note ->> 'time')::timestamptz, u.kind_order, u.idx) AS seq
		FROM (
			SELECT i.id, c.value AS note, 'comment' AS kind, 0 AS kind_order, c.idx
				FROM incidents AS i, jsonb_array_elements(CASE WHEN jsonb_typeof(i.doc::jsonb -> 'comments') = 'array' THEN i.doc::jsonb -> 'comments' ELSE '[]'::jsonb END) WITH ORDINALITY AS c(value, idx)
			UNION ALL
			SELECT i.id, w.value, 'work_note', 1, w.idx
				FROM incidents AS i, jsonb_array_elements(CASE WHEN jsonb_typeof(i.doc::jsonb -> 'work_notes') = 'array' THEN i.doc::jsonb -> 'work_notes' ELSE '[]'::jsonb END) WITH ORDINALITY AS w(value, idx)
		) AS u
	) AS n JOIN incidents AS i ON i.id = n.id;

UPDATE incidents SET doc = (doc::jsonb - 'history' - 'comments' - 'work_notes')::json;
