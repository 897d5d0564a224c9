-- The problems' history and work notes, and the changes' history, leave
-- their documents for the history and journal tables (see 0010), as the
-- incidents' did: an operation then reads and writes only the record row,
-- whatever its age.
INSERT INTO history (process, record_id, seq, doc)
	SELECT 'problem', p.id, (h.value ->> 'seq')::integer, h.value::json
	FROM problems AS p, jsonb_array_elements(p.doc::jsonb -> 'history') AS h(value)
	WHERE jsonb_typeof(p.doc::jsonb -> 'history') = 'array';

INSERT INTO history (process, record_id, seq, doc)
	SELECT 'change', c.id, (h.value ->> 'seq')::integer, h.value::json
	FROM changes AS c, jsonb_array_elements(c.doc::jsonb -> 'history') AS h(value)
	WHERE jsonb_typeof(c.doc::jsonb -> 'history') = 'array';

-- A problem's journal is its work notes, in order. An entry's version is
-- that of the change that wrote it: the first work_note history record at
-- the note's time with the note's text, or the problem's version when no
-- record matches (problem.ImportTo applies the same rule).
INSERT INTO journal (process, record_id, seq, doc)
	SELECT 'problem', p.id, w.idx,
		json_build_object(
			'seq', w.idx,
			'version', COALESCE((SELECT MIN((h.value ->> 'seq')::bigint)
				FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.doc::jsonb -> 'history') = 'array' THEN p.doc::jsonb -> 'history' ELSE '[]'::jsonb END) AS h(value)
				WHERE h.value ->> 'event' = 'work_note'
					AND h.value -> 'time' = w.value -> 'time'
					AND h.value -> 'note' = w.value -> 'text'), p.version),
			'kind', 'work_note',
			'time', w.value ->> 'time',
			'author', COALESCE(w.value ->> 'author', ''),
			'text', COALESCE(w.value ->> 'text', ''))
	FROM problems AS p, jsonb_array_elements(CASE WHEN jsonb_typeof(p.doc::jsonb -> 'work_notes') = 'array' THEN p.doc::jsonb -> 'work_notes' ELSE '[]'::jsonb END) WITH ORDINALITY AS w(value, idx);

UPDATE problems SET doc = (doc::jsonb - 'history' - 'work_notes')::json;
UPDATE changes SET doc = (doc::jsonb - 'history')::json;
