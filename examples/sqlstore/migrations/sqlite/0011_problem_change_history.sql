-- The problems' history and work notes, and the changes' history, leave
-- their documents for the history and journal tables (see 0010), as the
-- incidents' did: an operation then reads and writes only the record row,
-- whatever its age.
INSERT INTO history (process, record_id, seq, doc)
	SELECT 'problem', p.id, CAST(json_extract(h.value, '$.seq') AS INTEGER), h.value
	FROM problems AS p, json_each(p.doc, '$.history') AS h
	WHERE json_type(p.doc, '$.history') = 'array';

INSERT INTO history (process, record_id, seq, doc)
	SELECT 'change', c.id, CAST(json_extract(h.value, '$.seq') AS INTEGER), h.value
	FROM changes AS c, json_each(c.doc, '$.history') AS h
	WHERE json_type(c.doc, '$.history') = 'array';

-- A problem's journal is its work notes, in order. An entry's version is
-- that of the change that wrote it: the first work_note history record at
-- the note's time with the note's text, or the problem's version when no
-- record matches (problem.ImportTo applies the same rule).
INSERT INTO journal (process, record_id, seq, doc)
	SELECT 'problem', p.id, CAST(w.key AS INTEGER) + 1,
		json_object(
			'seq', CAST(w.key AS INTEGER) + 1,
			'version', COALESCE((SELECT MIN(CAST(json_extract(h.value, '$.seq') AS INTEGER))
				FROM json_each(p.doc, '$.history') AS h
				WHERE json_type(p.doc, '$.history') = 'array'
					AND json_extract(h.value, '$.event') = 'work_note'
					AND json_extract(h.value, '$.time') = json_extract(w.value, '$.time')
					AND json_extract(h.value, '$.note') = json_extract(w.value, '$.text')), p.version),
			'kind', 'work_note',
			'time', json_extract(w.value, '$.time'),
			'author', COALESCE(json_extract(w.value, '$.author'), ''),
			'text', COALESCE(json_extract(w.value, '$.text'), ''))
	FROM problems AS p, json_each(p.doc, '$.work_notes') AS w
	WHERE json_type(p.doc, '$.work_notes') = 'array';

UPDATE problems SET doc = json_remove(doc, '$.history', '$.work_notes');
UPDATE changes SET doc = json_remove(doc, '$.history');
