package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestEraseCheck: an erasure needs an actor, a reason, and entries that name a log, an entry from 1 and fields that log may
// blank, each entry once.
func TestEraseCheck(t *testing.T) {
	dpo := lifecycle.Actor{ID: "dpo", Roles: []string{lifecycle.RoleDataProtection}}
	ok := lifecycle.Erase{ID: "R1", Reason: "ER-1", Entries: []lifecycle.Redaction{
		{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"actor", "note", "changes"}},
		{Log: lifecycle.LogJournal, Seq: 1, Fields: []string{"author", "text"}},
	}}
	require.NoError(t, ok.Check(dpo))
	// Who may erase is the access rules' to say: see each process's
	// TestDefaultAccessRules.
	require.NoError(t, ok.Check(lifecycle.Actor{ID: "ann"}))
	assert.ErrorIs(t, ok.Check(lifecycle.Actor{}), lifecycle.ErrValidation)
	for name, c := range map[string]struct {
		cmd   lifecycle.Erase
		field string
	}{
		"no id":         {lifecycle.Erase{Reason: "r", Entries: ok.Entries}, "id"},
		"no reason":     {lifecycle.Erase{ID: "R1", Entries: ok.Entries}, "reason"},
		"no entries":    {lifecycle.Erase{ID: "R1", Reason: "r"}, "entries"},
		"unknown log":   {lifecycle.Erase{ID: "R1", Reason: "r", Entries: []lifecycle.Redaction{{Log: "audit", Seq: 1, Fields: []string{"note"}}}}, "entries[0].log"},
		"seq 0":         {lifecycle.Erase{ID: "R1", Reason: "r", Entries: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Fields: []string{"note"}}}}, "entries[0].seq"},
		"no fields":     {lifecycle.Erase{ID: "R1", Reason: "r", Entries: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 1}}}, "entries[0].fields"},
		"a state field": {lifecycle.Erase{ID: "R1", Reason: "r", Entries: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"to"}}}}, "entries[0].fields"},
		"twice": {lifecycle.Erase{ID: "R1", Reason: "r", Entries: []lifecycle.Redaction{
			{Log: lifecycle.LogJournal, Seq: 2, Fields: []string{"text"}}, {Log: lifecycle.LogJournal, Seq: 2, Fields: []string{"author"}}}}, "entries[1]"},
	} {
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, c.cmd.Check(dpo), &ve, name)
		assert.Equal(t, c.field, ve.Field, name)
	}
}

// TestKernelEraseNeedsStamp: a process whose kernel has no Stamp offers
// no erasure, and says so as a configuration error.
func TestKernelEraseNeedsStamp(t *testing.T) {
	table := &lifecycletest.Table[*kRec]{Process: "test", Key: func(r *kRec) (string, int64) { return r.ID, r.Version },
		Clone: func(r *kRec) *kRec { c := *r; return &c }}
	k := lifecycle.Kernel[*kRec]{Process: "test", Store: table, Version: func(r *kRec) int64 { return r.Version }}
	dpo := lifecycle.Actor{ID: "dpo", Roles: []string{lifecycle.RoleDataProtection}}
	_, err := k.Erase(context.Background(), dpo, lifecycle.Erase{ID: "R1", Reason: "r",
		Entries: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"note"}}}}, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	assert.ErrorIs(t, err, lifecycle.ErrNotConfigured)
}

// kRec is a minimal record for kernel tests.
type kRec struct {
	ID      string
	Version int64
}
