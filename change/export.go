package change

import (
	"context"
	"encoding/json"

	"github.com/itsmkit/itsm/lifecycle"
)

// detach splits c, as a command changed it, into the change to store and
// the history records the command appended: c was loaded without them,
// so all it holds are new. A change keeps no journal.
func detach(c *Change) (*Change, []lifecycle.Record, []lifecycle.Entry) {
	stored := *c
	stored.History = nil
	return &stored, c.History, nil
}

// History returns a page of change id's history: the records with Seq
// above after, oldest first, at most limit (lifecycle.DefaultListLimit
// when limit <= 0). An unknown change is an error matching
// lifecycle.ErrNotFound.
func (s *Service) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	return s.store.History(ctx, id, after, limit)
}

// Export returns change id whole: the change with its History, read page
// by page. Its cost grows with the change's age, as an audit's does;
// operations never pay it. Its JSON is the change's export, which
// [DecodeExport] reads back.
func (s *Service) Export(ctx context.Context, id string) (*Change, error) {
	return ExportFrom(ctx, s.store, id)
}

// ExportFrom reads change id whole from store, as [Service.Export] does.
func ExportFrom(ctx context.Context, store Store, id string) (*Change, error) {
	c, err := store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.History, err = lifecycle.ReadAll(ctx, id, store.History); err != nil {
		return nil, err
	}
	return c, nil
}

// ImportTo stores c, a change read whole ([ExportFrom], [DecodeExport]),
// as a new change of store, with its history: a restore or a move between
// stores. Its history must replay (see [DecodeExport]); an ID already
// stored is an error matching lifecycle.ErrConflict.
func ImportTo(ctx context.Context, store Store, c *Change) error {
	if err := checkExport(c); err != nil {
		return err
	}
	w := lifecycle.Write[*Change]{}
	w.Record, w.History, _ = detach(c)
	return store.Commit(ctx, w)
}

// DecodeExport decodes a change's export (what [Service.Export] returns,
// encoded with encoding/json) as [Change.UnmarshalJSON] does, and replays
// its history, which it requires: a change without history, or whose
// version is not its number of history records, is a
// *lifecycle.HistoryError.
func DecodeExport(b []byte) (*Change, error) {
	var c Change
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if err := checkExport(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkExport replays the history of c, a change read whole, which it
// requires: an export without history (every stored change has at least
// its creation record), or with a version other than its number of
// records, is a *lifecycle.HistoryError.
func checkExport(c *Change) error {
	return checkHistory(c.History, c.Type, c.State, c.Version)
}

// Erase redacts the named fields of entries of change cmd.ID's history,
// for an erasure request (see lifecycle.Erase): the actor needs
// lifecycle.RoleDataProtection, the change gets a history record of the
// redaction (who, when, which entries, why) and a lifecycle.TypeRedacted
// event, and the entries are blanked in the same atomic step, in any
// state. An entry the change does not have is a
// *lifecycle.ValidationError, and nothing is stored.
func (s *Service) Erase(ctx context.Context, actor lifecycle.Actor, cmd lifecycle.Erase) (*Change, error) {
	return s.kernel.Erase(ctx, actor, cmd, s.clock.Now())
}
