package problem

import (
	"context"
	"encoding/json"

	"github.com/itsmkit/itsm/lifecycle"
)

// detach splits p, as a command changed it, into the problem to store and
// the history records and journal entries the command appended: p was
// loaded without them, so all it holds are new, written by the change
// that stores p.Version.
func detach(p *Problem) (*Problem, []lifecycle.Record, []lifecycle.Entry) {
	stored := *p
	stored.History, stored.WorkNotes = nil, nil
	var journal []lifecycle.Entry
	for _, n := range p.WorkNotes {
		journal = append(journal, n.entry(p.Version))
	}
	return &stored, p.History, journal
}

// entry is n as the journal keeps it: a work note written by the change
// that stored version.
func (n WorkNote) entry(version int64) lifecycle.Entry {
	return lifecycle.Entry{Version: version, Kind: lifecycle.EntryWorkNote, Time: n.Time, Author: n.Author, Text: n.Text}
}

// History returns a page of problem id's history: the records with Seq
// above after, oldest first, at most limit (lifecycle.DefaultListLimit
// when limit <= 0). An unknown problem is an error matching
// lifecycle.ErrNotFound.
func (s *Service) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	return s.store.History(ctx, id, after, limit)
}

// Journal returns a page of problem id's work notes, oldest first, as
// [Service.History] pages.
func (s *Service) Journal(ctx context.Context, id string, after, limit int) ([]lifecycle.Entry, error) {
	return s.store.Journal(ctx, id, after, limit)
}

// Export returns problem id whole: the problem with its History and
// WorkNotes, read page by page. Its cost grows with the problem's age, as
// an audit's does; operations never pay it. Its JSON is the problem's
// export, which [DecodeExport] reads back.
func (s *Service) Export(ctx context.Context, id string) (*Problem, error) {
	return ExportFrom(ctx, s.store, id)
}

// ExportFrom reads problem id whole from store, as [Service.Export] does.
func ExportFrom(ctx context.Context, store Store, id string) (*Problem, error) {
	p, err := store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.History, err = lifecycle.ReadAll(ctx, id, store.History); err != nil {
		return nil, err
	}
	journal, err := lifecycle.ReadAll(ctx, id, store.Journal)
	if err != nil {
		return nil, err
	}
	for _, e := range journal {
		p.WorkNotes = append(p.WorkNotes, WorkNote{Time: e.Time, Author: e.Author, Text: e.Text})
	}
	return p, nil
}

// ImportTo stores p, a problem read whole ([ExportFrom], [DecodeExport]),
// as a new problem of store, with its history and work notes: a restore
// or a move between stores. Its history must replay (see [DecodeExport]);
// an ID already stored is an error matching lifecycle.ErrConflict. Each
// work note's journal entry gets the version of the change that wrote it
// (see [noteVersion]).
func ImportTo(ctx context.Context, store Store, p *Problem) error {
	if err := checkExport(p); err != nil {
		return err
	}
	w := lifecycle.Write[*Problem]{}
	w.Record, w.History, _ = detach(p)
	for _, n := range p.WorkNotes {
		w.Journal = append(w.Journal, n.entry(noteVersion(p, n)))
	}
	return store.Commit(ctx, w)
}

// noteVersion returns the version of the change of p, read whole, that
// wrote work note n: the first work_note history record at n's time with
// n's text (an export keeps no version per note), or p's version when no
// record matches. Migration 0011 of examples/sqlstore applies the same
// rule.
func noteVersion(p *Problem, n WorkNote) int64 {
	for _, r := range p.History {
		if r.Event == string(EventWorkNote) && r.Time.Equal(n.Time) && r.Note == n.Text {
			return int64(r.Seq)
		}
	}
	return p.Version
}

// DecodeExport decodes a problem's export (what [Service.Export] returns,
// encoded with encoding/json) as [Problem.UnmarshalJSON] does, and
// replays its history, which it requires: a problem without history, or
// whose version is not its number of history records, is a
// *lifecycle.HistoryError.
func DecodeExport(b []byte) (*Problem, error) {
	var p Problem
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	if err := checkExport(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// checkExport replays the history of p, a problem read whole, which it
// requires: an export without history (every stored problem has at least
// its opening record), or with a version other than its number of
// records, is a *lifecycle.HistoryError.
func checkExport(p *Problem) error {
	return checkHistory(p.History, p.State, p.Version)
}

// Erase redacts the named fields of entries of problem cmd.ID's history and journal (work notes),
// for an erasure request (see lifecycle.Erase): the actor needs
// lifecycle.RoleDataProtection, the problem gets a history record of the
// redaction (who, when, which entries, why) and a lifecycle.TypeRedacted
// event, and the entries are blanked in the same atomic step, in any
// state. An entry the problem does not have is a
// *lifecycle.ValidationError, and nothing is stored.
func (s *Service) Erase(ctx context.Context, actor lifecycle.Actor, cmd lifecycle.Erase) (*Problem, error) {
	return s.kernel.Erase(ctx, actor, cmd, s.clock.Now())
}
