package change_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestEraseKeepsTheReplay: erasing the values of every history record of
// a change whose type changed leaves the types, so its export still
// replays on the machines it took.
func TestEraseKeepsTheReplay(t *testing.T) {
	s, _, _ := newService(t, nil)
	c := createNormal(t, s, "web-1")
	c, err := s.Do(ctx, alice, change.SetType{ID: c.ID, Type: change.Emergency})
	require.NoError(t, err)
	whole, err := s.Export(ctx, c.ID)
	require.NoError(t, err)
	var entries []lifecycle.Redaction
	for _, r := range whole.History {
		entries = append(entries, lifecycle.Redaction{Log: lifecycle.LogHistory, Seq: r.Seq, Fields: []string{"actor", "note", "changes"}})
	}
	dpo := lifecycle.Actor{ID: "dpo", Roles: []string{lifecycle.RoleDataProtection}}
	_, err = s.Erase(ctx, dpo, lifecycle.Erase{ID: c.ID, Reason: "erasure request ER-9", Entries: entries})
	require.NoError(t, err)

	after, err := s.Export(ctx, c.ID)
	require.NoError(t, err)
	types := map[string]string{}
	for _, r := range after.History[:len(whole.History)] {
		assert.Empty(t, r.Actor)
		for _, ch := range r.Changes {
			if ch.Field == change.FieldType {
				types[r.Event] = ch.New
			} else {
				assert.Empty(t, ch.Old+ch.New, "%s %s", r.Event, ch.Field)
			}
		}
	}
	assert.Equal(t, map[string]string{"create": "normal", "set_type": "emergency"}, types)
	b, err := json.Marshal(after)
	require.NoError(t, err)
	_, err = change.DecodeExport(b)
	assert.NoError(t, err, "the erased export still replays")
}
