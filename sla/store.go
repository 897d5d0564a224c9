package sla

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Store keeps timers. Hosts implement it on their database; slatest.NewStore
// is an in-memory one for tests, and slatest.TestStore checks any
// implementation against this contract.
//
// Contract shared by every method: ctx comes first and a canceled ctx may
// abort the call; implementations are safe for concurrent use; values are
// copied in and out (a caller never shares memory with stored state, so
// mutating a timer after Commit or after Get changes nothing stored);
// instants come back equal (time.Time.Equal) to what was stored, with at
// least microsecond precision; errors wrap the lifecycle sentinels, built
// with lifecycle.NotFound and lifecycle.Conflict.
type Store interface {
	// Get returns the timer with id, or an error matching
	// lifecycle.ErrNotFound.
	Get(ctx context.Context, id string) (*Timer, error)
	// Committer stores a timer: with Expected 0 a new one (an existing
	// ID is an error matching lifecycle.ErrConflict, and nothing is
	// stored: two replicas attaching the same agreement to the same
	// record, one wins), otherwise over the stored version Expected; see
	// lifecycle.Committer. The engine's writes read no other record.
	lifecycle.Committer[*Timer]
	// ListByRecord returns every timer of recordID (any agreement, any
	// stage), ordered by ID; none is an empty result, not an error.
	ListByRecord(ctx context.Context, recordID string) ([]*Timer, error)
	// Due returns timers whose Next is set (non-zero) and not after at,
	// ordered by Next then ID, at most limit of them (limit <= 0 means no
	// limit). These are the timers with a warning or breach to fire:
	// a cron job or several replicas call it to find work.
	Due(ctx context.Context, at time.Time, limit int) ([]*Timer, error)
}

// Claimer is an optional ability of a [Store]: handing due timers to one
// replica at a time. The SQL reference adapter implements it with
// SELECT … FOR UPDATE SKIP LOCKED and a lease column.
//
// It is an optimisation, not a safety net: without it several replicas
// may evaluate the same due timer, and versions still make exactly one of
// them store it and notify (the others get lifecycle.ErrConflict and
// notify nothing). With it, they rarely try.
type Claimer interface {
	// Claim returns, like Due, timers due at at, skipping those leased to
	// another owner with a lease ending after at, and leases each returned
	// timer to owner until at+lease. A timer's lease ends when it expires;
	// updating the timer does not end it. Timers leased to owner itself
	// are returned again.
	Claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*Timer, error)
}

// ClaimCommitter is an optional ability of a [Claimer]: storing the
// evaluated timers of one claim in one step, instead of one Commit each.
// The SQL reference adapter writes a batch with one UPDATE of the timers
// and one INSERT into its outbox. [Engine.EvaluateDue] uses it when the
// Store has it.
type ClaimCommitter interface {
	// CommitClaimed stores writes, updates of timers claimed by owner,
	// as Commit would store each (with its Events, when the store is a
	// lifecycle.Outbox), in one atomic step. A write is stored only if
	// its timer is at w.Expected and its lease is still owner's (no other
	// owner claimed it since, even after owner's lease ended); otherwise
	// nothing of it is stored and its error matches lifecycle.ErrConflict
	// (lifecycle.ErrNotFound when there is no such timer). Writes create
	// nothing (Expected > 0) and read nothing (an empty Reads).
	//
	// errs[i] is the outcome of writes[i], nil when it is stored. A
	// non-nil err means that nothing was stored, and errs is nil.
	CommitClaimed(ctx context.Context, owner string, writes []lifecycle.Write[*Timer]) (errs []error, err error)
}
