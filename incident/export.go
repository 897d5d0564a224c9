package incident

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// detach splits x, as a command changed it, into the incident to store and
// the history records and journal entries the command appended: x was
// loaded without them, so all it holds are new.
func detach(x *Incident) (*Incident, []lifecycle.Record, []lifecycle.Entry) {
	stored := *x
	stored.History, stored.Comments, stored.WorkNotes = nil, nil, nil
	var journal []lifecycle.Entry
	for _, n := range x.Comments {
		journal = append(journal, n.entry(lifecycle.EntryComment, x.Version))
	}
	for _, n := range x.WorkNotes {
		journal = append(journal, n.entry(lifecycle.EntryWorkNote, x.Version))
	}
	return &stored, x.History, journal
}

// History returns a page of incident id's history: the records with Seq
// above after, oldest first, at most limit (lifecycle.DefaultListLimit
// when limit <= 0). An unknown incident is an error matching
// lifecycle.ErrNotFound.
func (s *Service) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	return s.store.History(ctx, id, after, limit)
}

// Export returns incident id whole: the incident with its History,
// Comments and WorkNotes, read page by page. Its cost grows with the
// incident's age, as an audit's does; operations never pay it. Its JSON
// is the incident's export, which [DecodeExport] reads back.
func (s *Service) Export(ctx context.Context, id string) (*Incident, error) {
	return ExportFrom(ctx, s.store, id)
}

// ExportFrom reads incident id whole from store, as [Service.Export] does.
func ExportFrom(ctx context.Context, store Store, id string) (*Incident, error) {
	x, err := store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if x.History, err = lifecycle.ReadAll(ctx, id, store.History); err != nil {
		return nil, err
	}
	journal, err := lifecycle.ReadAll(ctx, id, store.Journal)
	if err != nil {
		return nil, err
	}
	for _, e := range journal {
		n := Note{Time: e.Time, Author: e.Author, Text: e.Text, FromCaller: e.FromCaller, Version: e.Version}
		if e.Kind == lifecycle.EntryWorkNote {
			x.WorkNotes = append(x.WorkNotes, n)
		} else {
			x.Comments = append(x.Comments, n)
		}
	}
	return x, nil
}

// ImportTo stores x, an incident read whole ([ExportFrom], [DecodeExport]),
// as a new incident of store, with its history and journal: a restore or a
// move between stores. Its history must replay (see [DecodeExport]); an ID
// already stored is an error matching lifecycle.ErrConflict.
func ImportTo(ctx context.Context, store Store, x *Incident) error {
	if err := checkExport(x); err != nil {
		return err
	}
	w := lifecycle.Write[*Incident]{}
	w.Record, w.History, _ = detach(x)
	w.Journal = importedJournal(x)
	return store.Commit(ctx, w)
}

// importedJournal returns the comments and work notes of x, read whole,
// as journal entries in the order they were written: by version, then
// time, comments before work notes within one change (as a command writes
// them), each with the version of the change that wrote it: the note's
// Version, which an export keeps, or for a note without one the first
// history record at its time, or x's version when none is. Migration 0010
// of examples/sqlstore applies the same rule to documents, whose notes
// have no version.
func importedJournal(x *Incident) []lifecycle.Entry {
	version := func(n Note) int64 {
		if n.Version > 0 {
			return n.Version
		}
		for _, r := range x.History {
			if r.Time.Equal(n.Time) {
				return int64(r.Seq)
			}
		}
		return x.Version
	}
	var journal []lifecycle.Entry
	for _, n := range x.Comments {
		journal = append(journal, n.entry(lifecycle.EntryComment, version(n)))
	}
	for _, n := range x.WorkNotes {
		journal = append(journal, n.entry(lifecycle.EntryWorkNote, version(n)))
	}
	slices.SortStableFunc(journal, func(a, b lifecycle.Entry) int {
		return cmp.Or(cmp.Compare(a.Version, b.Version), a.Time.Compare(b.Time))
	})
	return journal
}

// Journal returns a page of incident id's comments and work notes, in the
// order they were written (Kind tells which), as [Service.History] pages.
func (s *Service) Journal(ctx context.Context, id string, after, limit int) ([]lifecycle.Entry, error) {
	return s.store.Journal(ctx, id, after, limit)
}

// entry is n as the journal keeps it: of kind, written by the change that
// stored version.
func (n Note) entry(kind string, version int64) lifecycle.Entry {
	return lifecycle.Entry{Version: version, Kind: kind, Time: n.Time, Author: n.Author, Text: n.Text, FromCaller: n.FromCaller}
}

// DecodeExport decodes an incident's export (what [Service.Export] returns,
// encoded with encoding/json) as [Incident.UnmarshalJSON] does, and
// replays its history, which it requires: an incident without history, or
// whose version is not its number of history records, is a
// *lifecycle.HistoryError.
func DecodeExport(b []byte) (*Incident, error) {
	var x Incident
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, err
	}
	if err := checkExport(&x); err != nil {
		return nil, err
	}
	return &x, nil
}

// checkExport replays the history of x, an incident read whole, which it
// requires: an export without history, or with a version other than its
// number of records, is a *lifecycle.HistoryError.
func checkExport(x *Incident) error {
	return checkHistory(x.History, x.State, x.Version)
}

// Erase redacts the named fields of entries of incident cmd.ID's history
// and journal, for an erasure request (see lifecycle.Erase): the actor
// needs lifecycle.RoleDataProtection, the incident gets a history record
// of the redaction (who, when, which entries, why) and a
// lifecycle.TypeRedacted event, and the entries are blanked in the same
// atomic step. It works in any state, closed included. An entry the
// incident does not have is a *lifecycle.ValidationError, and nothing is
// stored.
func (s *Service) Erase(ctx context.Context, actor lifecycle.Actor, cmd lifecycle.Erase) (*Incident, error) {
	return s.kernel.Erase(ctx, actor, cmd, s.clock.Now())
}
