package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// TestCommitClaimedRefusesUnstorableText: CommitClaimed refuses what Commit
// refuses, naming the field, and stores nothing of that write, while the
// writes beside it are stored: invalid UTF-8 in the timer's document and
// in an event's, and text a column cannot hold. Text that merely looks
// like what encoding/json writes for invalid UTF-8 (a literal \ufffd, a
// real U+FFFD) is stored as it is.
func TestCommitClaimedRefusesUnstorableText(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := db.Timers()
		at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		recs := []string{"INC-1", "INC-2", "INC-3", "INC-4", "INC-5"}
		for _, r := range recs {
			require.NoError(t, create(ctx, s, slatest.Fixture(r, "resolution", at.Add(-time.Hour))))
		}
		claimed, err := s.Claim(ctx, "replica-a", at, 0, time.Minute)
		require.NoError(t, err)
		require.Len(t, claimed, len(recs))
		event := func(x *sla.Timer) lifecycle.Notification {
			return lifecycle.Notification{ID: x.ID + "/2", Process: sla.Process, Subject: x.ID, Type: sla.EventWarning, Version: 2}
		}
		write := func(i int, change func(x *sla.Timer, e *lifecycle.Notification)) lifecycle.Write[*sla.Timer] {
			x := claimed[i].Clone()
			x.Version = 2
			e := event(x)
			change(x, &e)
			return lifecycle.Write[*sla.Timer]{Record: x, Expected: 1, Events: []lifecycle.Notification{e}}
		}
		writes := []lifecycle.Write[*sla.Timer]{
			write(0, func(x *sla.Timer, _ *lifecycle.Notification) { x.Snapshot.Group = "net\xffwork" }),
			write(1, func(_ *sla.Timer, e *lifecycle.Notification) { e.Data = map[string]string{"note": "bad \xfe"} }),
			write(2, func(x *sla.Timer, _ *lifecycle.Notification) { x.AgreementID = "resolution\x00" }),
			write(3, func(x *sla.Timer, e *lifecycle.Notification) {
				x.Snapshot.Group = `literal \ufffd`
				e.Data = map[string]string{"note": "real \ufffd"}
			}),
			write(4, func(*sla.Timer, *lifecycle.Notification) {}),
		}
		errs, err := s.CommitClaimed(ctx, "replica-a", writes)
		require.NoError(t, err)
		require.Len(t, errs, len(writes))
		requireField(t, errs[0], "snapshot.group")
		requireField(t, errs[1], "event.data.note")
		requireField(t, errs[2], "agreement_id")
		assert.NoError(t, errs[3])
		assert.NoError(t, errs[4])
		for i, want := range []int64{1, 1, 1, 2, 2} {
			got, err := s.Get(ctx, claimed[i].ID)
			require.NoError(t, err)
			assert.Equal(t, want, got.Version, "timer %s", got.ID)
		}
		got, err := s.Get(ctx, claimed[3].ID)
		require.NoError(t, err)
		assert.Equal(t, `literal \ufffd`, got.Snapshot.Group)
		queued, _ := outboxIDs(t, db)
		assert.ElementsMatch(t, []string{claimed[3].ID + "/2", claimed[4].ID + "/2"}, queued, "only the stored writes' events are queued")
	})
}
