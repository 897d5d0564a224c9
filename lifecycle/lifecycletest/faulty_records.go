package lifecycletest

import (
	"context"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
)

// FaultyRecords passes the calls every process store shares (Get, Guard
// and Commit) to Inner under the faults of Faults, named
// "<Process>.<Method>": Get and Guard are reads ([Faults.ReadContext]),
// Commit a write ([Faults.Write]), so that a Commit drawn FaultAfterWrite
// is stored in Inner and then reported as failed, the ambiguous commit.
// Each process's FaultyStore embeds one and adds its own queries.
type FaultyRecords[T any] struct {
	Inner   lifecycle.RecordStore[T]
	Faults  *Faults
	Process string
}

// Get draws a read fault, then reads from Inner.
func (s FaultyRecords[T]) Get(ctx context.Context, id string) (T, error) {
	if err := s.Faults.ReadContext(ctx, s.Process+".Get"); err != nil {
		var zero T
		return zero, err
	}
	return s.Inner.Get(ctx, id)
}

// Guard draws a read fault, then reads the guard from Inner; an Inner
// that is not a lifecycle.GuardReader keeps no guards, which is an error.
func (s FaultyRecords[T]) Guard(ctx context.Context, key string) (int64, error) {
	if err := s.Faults.ReadContext(ctx, s.Process+".Guard"); err != nil {
		return 0, err
	}
	g, ok := s.Inner.(lifecycle.GuardReader)
	if !ok {
		return 0, fmt.Errorf("%s store keeps no guards (guard %q)", s.Process, key)
	}
	return g.Guard(ctx, key)
}

// Commit draws a write fault around Inner's Commit.
func (s FaultyRecords[T]) Commit(ctx context.Context, w lifecycle.Write[T]) error {
	return s.Faults.Write(ctx, s.Process+".Commit", func(ctx context.Context) error { return s.Inner.Commit(ctx, w) })
}

// Read draws a read fault for the query method of the process's store
// ("<Process>.<method>"), for the FaultyStore that embeds s.
func (s FaultyRecords[T]) Read(ctx context.Context, method string) error {
	return s.Faults.ReadContext(ctx, s.Process+"."+method)
}

// FaultyQuery is a query method of the FaultyStore that embeds s: it
// draws a read fault for "<Process>.<method>" ([FaultyRecords.Read]) and
// returns it, or, if none, what call answers.
func FaultyQuery[T, R any](ctx context.Context, s FaultyRecords[T], method string, call func() (R, error)) (R, error) {
	if err := s.Read(ctx, method); err != nil {
		var zero R
		return zero, err
	}
	return call()
}

// StoresEvents answers for Inner (see lifecycle.Outbox), so that a
// process still hands an outbox store its events through the wrapper.
func (s FaultyRecords[T]) StoresEvents() bool { return lifecycle.StoresEvents(s.Inner) }

// FaultyHistory is FaultyRecords for the store of a process that keeps
// its records' history apart ([lifecycle.HistoryReader]): History is a
// read too. Inner must read the history.
type FaultyHistory[T any] struct {
	FaultyRecords[T]
}

// History draws a read fault, then pages Inner's history.
func (s FaultyHistory[T]) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	if err := s.Read(ctx, "History"); err != nil {
		return nil, err
	}
	h, ok := s.Inner.(lifecycle.HistoryReader)
	if !ok {
		return nil, fmt.Errorf("%s store keeps no history apart from its records", s.Process)
	}
	return h.History(ctx, id, after, limit)
}

// FaultyLogs is FaultyHistory for a process that keeps a journal too
// ([lifecycle.JournalReader]): Journal is a read. Inner must read both.
type FaultyLogs[T any] struct {
	FaultyHistory[T]
}

// Journal draws a read fault, then pages Inner's journal.
func (s FaultyLogs[T]) Journal(ctx context.Context, id string, after, limit int) ([]lifecycle.Entry, error) {
	if err := s.Read(ctx, "Journal"); err != nil {
		return nil, err
	}
	j, ok := s.Inner.(lifecycle.JournalReader)
	if !ok {
		return nil, fmt.Errorf("%s store keeps no journal apart from its records", s.Process)
	}
	return j.Journal(ctx, id, after, limit)
}
