package lifecycletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Contract clauses of lifecycle.HistoryReader and lifecycle.JournalReader
// over a Committer, quoted by [TestCommitter].
const (
	clauseHistoryAppend   = "Commit appends w.History after the stored records; History returns them oldest first, as written"
	clauseHistoryFollows  = "Commit refuses history records whose Seq do not follow on from the stored ones (a gap, or a rewrite of a stored Seq), and stores nothing: neither the record nor any entry"
	clauseHistoryPaging   = "History(after, limit) returns the records with Seq above after, oldest first, at most limit"
	clauseHistoryCopies   = "History returns copies: changing a returned page changes nothing stored"
	clauseHistoryAtomic   = "A write refused for its version or read set appends no history and no journal entry"
	clauseHistoryNotFound = "History and Journal of an unknown record are errors matching ErrNotFound"
	clauseRedact          = "Commit blanks the named fields of the stored entries that w.Redactions names, in place, and changes nothing else of them"
	clauseRedactMissing   = "Commit refuses a write whose redaction names an entry that is not stored, and stores nothing of it"
	clauseJournalAppend   = "Commit appends w.Journal after the stored entries, numbering them 1, 2, 3... in order; Journal pages them as History does"
)

// testLogs checks the history and journal clauses on a store that reads
// them back (see [TestCommitter]).
func testLogs[T any](t *testing.T, k CommitterKit[T]) {
	ctx := context.Background()
	const id, other = "LOG-A", "LOG-B"
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rec := func(seq int) lifecycle.Record {
		return lifecycle.Record{Seq: seq, Time: t0.Add(time.Duration(seq) * time.Minute), Actor: fmt.Sprintf("actor-%d", seq),
			Event: "update", From: "s", To: "s", Note: fmt.Sprintf("note %d", seq),
			Changes: []lifecycle.FieldChange{{Field: "title", Old: fmt.Sprintf("t%d", seq-1), New: fmt.Sprintf("t%d", seq)}}}
	}
	entry := func(i int, version int64) lifecycle.Entry {
		kind := lifecycle.EntryComment
		if i%2 == 1 {
			kind = lifecycle.EntryWorkNote
		}
		return lifecycle.Entry{Version: version, Kind: kind, Time: t0.Add(time.Duration(i) * time.Second),
			Author: fmt.Sprintf("author-%d", i), Text: fmt.Sprintf("text %d", i), FromCaller: i == 2}
	}
	history := func(t *testing.T, s lifecycle.Committer[T], id string, after, limit int) []lifecycle.Record {
		t.Helper()
		h, err := s.(lifecycle.HistoryReader).History(ctx, id, after, limit)
		if err != nil {
			Breach(t, clauseHistoryAppend, "History(%s, %d, %d): %v", id, after, limit, err)
			t.FailNow()
		}
		return h
	}
	seqs := func(h []lifecycle.Record) []int {
		out := make([]int, len(h))
		for i, r := range h {
			out[i] = r.Seq
		}
		return out
	}
	commit := func(t *testing.T, s lifecycle.Committer[T], w lifecycle.Write[T], clause string) {
		t.Helper()
		if err := s.Commit(ctx, w); err != nil {
			Breach(t, clause, "commit %s at version %d: %v", id, w.Expected+1, err)
			t.FailNow()
		}
	}

	t.Run("History", func(t *testing.T) {
		s := k.New(t)
		commit(t, s, lifecycle.Write[T]{Record: k.Record(id, 1), History: []lifecycle.Record{rec(1)}}, clauseHistoryAppend)
		commit(t, s, lifecycle.Write[T]{Record: k.Record(other, 1), History: []lifecycle.Record{rec(1)}}, clauseHistoryAppend)
		commit(t, s, lifecycle.Write[T]{Record: k.Record(id, 2), Expected: 1, History: []lifecycle.Record{rec(2), rec(3)}}, clauseHistoryAppend)
		want := []lifecycle.Record{rec(1), rec(2), rec(3)}
		if got := history(t, s, id, 0, 0); !equalJSON(got, want) {
			Breach(t, clauseHistoryAppend, "history %+v, want %+v", got, want)
		}
		if got := history(t, s, other, 0, 0); !equalJSON(got, want[:1]) {
			Breach(t, clauseHistoryAppend, "history of %s %+v, want its own record only", other, got)
		}

		for name, h := range map[string][]lifecycle.Record{
			"a gap":                {rec(5)},
			"a rewrite":            {rec(3)},
			"a rewrite, then more": {rec(2), rec(3), rec(4)},
		} {
			err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(id, 3), Expected: 2, History: h})
			if err == nil {
				Breach(t, clauseHistoryFollows, "%s was stored", name)
				continue
			}
			if v, err := k.Get(ctx, s, id); err != nil || v != 2 {
				Breach(t, clauseHistoryFollows, "after %s the record is at version %d (%v), want 2", name, v, err)
			}
		}
		if got := history(t, s, id, 0, 0); !equalJSON(got, want) {
			Breach(t, clauseHistoryFollows, "history after refused writes %+v, want %+v", got, want)
		}

		stale := lifecycle.Write[T]{Record: k.Record(id, 2), Expected: 1, History: []lifecycle.Record{rec(4)},
			Journal: []lifecycle.Entry{entry(1, 2)}}
		if err := s.Commit(ctx, stale); !errors.Is(err, lifecycle.ErrConflict) {
			Breach(t, clauseHistoryAtomic, "a stale write: %v, want ErrConflict", err)
		}
		readStale := lifecycle.Write[T]{Record: k.Record(id, 3), Expected: 2, History: []lifecycle.Record{rec(4)},
			Journal: []lifecycle.Entry{entry(1, 3)}}
		readStale.Reads.Record(other, 7)
		if err := s.Commit(ctx, readStale); !lifecycle.IsReadConflict(err) {
			Breach(t, clauseHistoryAtomic, "a write over a changed read set: %v, want a read conflict", err)
		}
		if got := history(t, s, id, 0, 0); len(got) != 3 {
			Breach(t, clauseHistoryAtomic, "history has %d records after refused writes, want 3", len(got))
		}
		if j, ok := s.(lifecycle.JournalReader); ok {
			if got, err := j.Journal(ctx, id, 0, 0); err != nil || len(got) != 0 {
				Breach(t, clauseHistoryAtomic, "journal %+v (%v) after refused writes, want none", got, err)
			}
		}

		if got := seqs(history(t, s, id, 1, 1)); !equalJSON(got, []int{2}) {
			Breach(t, clauseHistoryPaging, "History(after 1, limit 1) gives seqs %v, want [2]", got)
		}
		if got := seqs(history(t, s, id, 1, 10)); !equalJSON(got, []int{2, 3}) {
			Breach(t, clauseHistoryPaging, "History(after 1, limit 10) gives seqs %v, want [2 3]", got)
		}
		if got := history(t, s, id, 3, 0); len(got) != 0 {
			Breach(t, clauseHistoryPaging, "History(after 3) gives %v, want an empty page", seqs(got))
		}

		page := history(t, s, id, 0, 0)
		page[0].Actor = "mallory"
		page[0].Changes[0].New = "mallory"
		if got := history(t, s, id, 0, 0); !equalJSON(got, want) {
			Breach(t, clauseHistoryCopies, "history after changing a returned page: %+v", got)
		}

		for _, read := range []func() error{
			func() error { _, err := s.(lifecycle.HistoryReader).History(ctx, "LOG-NONE", 0, 0); return err },
			func() error {
				j, ok := s.(lifecycle.JournalReader)
				if !ok {
					return lifecycle.NotFound("", "LOG-NONE")
				}
				_, err := j.Journal(ctx, "LOG-NONE", 0, 0)
				return err
			},
		} {
			if err := read(); !errors.Is(err, lifecycle.ErrNotFound) {
				Breach(t, clauseHistoryNotFound, "got %v", err)
			}
		}
	})

	t.Run("Redactions", func(t *testing.T) {
		s := k.New(t)
		w := lifecycle.Write[T]{Record: k.Record(id, 1), History: []lifecycle.Record{rec(1)}}
		_, journals := s.(lifecycle.JournalReader)
		if journals {
			w.Journal = []lifecycle.Entry{entry(0, 1), entry(1, 1)}
		}
		commit(t, s, w, clauseRedact)
		commit(t, s, lifecycle.Write[T]{Record: k.Record(id, 2), Expected: 1, History: []lifecycle.Record{rec(2)}}, clauseRedact)
		missing := lifecycle.Write[T]{Record: k.Record(id, 3), Expected: 2, History: []lifecycle.Record{rec(3)},
			Redactions: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"note"}}, {Log: lifecycle.LogHistory, Seq: 9, Fields: []string{"note"}}}}
		if err := s.Commit(ctx, missing); !errors.Is(err, lifecycle.ErrValidation) {
			Breach(t, clauseRedactMissing, "got %v, want an error matching ErrValidation", err)
		}
		if got := history(t, s, id, 0, 0); !equalJSON(got, []lifecycle.Record{rec(1), rec(2)}) {
			Breach(t, clauseRedactMissing, "history after the refused write: %+v", got)
		}
		red := lifecycle.Write[T]{Record: k.Record(id, 3), Expected: 2, History: []lifecycle.Record{rec(3)},
			Redactions: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"note", "changes"}}}}
		if journals {
			red.Redactions = append(red.Redactions, lifecycle.Redaction{Log: lifecycle.LogJournal, Seq: 2, Fields: []string{"text"}})
		}
		commit(t, s, red, clauseRedact)
		want := []lifecycle.Record{lifecycle.RedactRecord(rec(1), lifecycle.Redaction{Fields: []string{"note", "changes"}}), rec(2), rec(3)}
		if got := history(t, s, id, 0, 0); !equalJSON(got, want) {
			Breach(t, clauseRedact, "history %+v, want %+v", got, want)
		}
		if journals {
			e0, e1 := entry(0, 1), lifecycle.RedactEntry(entry(1, 1), lifecycle.Redaction{Fields: []string{"text"}})
			e0.Seq, e1.Seq = 1, 2
			if got, err := s.(lifecycle.JournalReader).Journal(ctx, id, 0, 0); err != nil || !equalJSON(got, []lifecycle.Entry{e0, e1}) {
				Breach(t, clauseRedact, "journal %+v (%v), want %+v", got, err, []lifecycle.Entry{e0, e1})
			}
		}
	})

	if _, ok := k.New(t).(lifecycle.JournalReader); !ok {
		return
	}
	t.Run("Journal", func(t *testing.T) {
		s := k.New(t)
		j := s.(lifecycle.JournalReader)
		commit(t, s, lifecycle.Write[T]{Record: k.Record(id, 1), History: []lifecycle.Record{rec(1)},
			Journal: []lifecycle.Entry{entry(0, 1), entry(1, 1)}}, clauseJournalAppend)
		commit(t, s, lifecycle.Write[T]{Record: k.Record(id, 2), Expected: 1, History: []lifecycle.Record{rec(2)},
			Journal: []lifecycle.Entry{entry(2, 2)}}, clauseJournalAppend)
		var want []lifecycle.Entry
		for i, v := range []int64{1, 1, 2} {
			e := entry(i, v)
			e.Seq = i + 1
			want = append(want, e)
		}
		got, err := j.Journal(ctx, id, 0, 0)
		if err != nil || !equalJSON(got, want) {
			Breach(t, clauseJournalAppend, "journal %+v (%v), want %+v", got, err, want)
		}
		if got, err := j.Journal(ctx, id, 1, 1); err != nil || !equalJSON(got, want[1:2]) {
			Breach(t, clauseJournalAppend, "Journal(after 1, limit 1) %+v (%v), want %+v", got, err, want[1:2])
		}
		if len(got) > 0 {
			got[0].Text = "mallory"
			if again, _ := j.Journal(ctx, id, 0, 0); !equalJSON(again, want) {
				Breach(t, clauseHistoryCopies, "journal after changing a returned page: %+v", again)
			}
		}
	})
}

// equalJSON reports whether a and b encode to the same JSON: entries read
// back from a database compare by what they say, not by their times'
// locations.
func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
