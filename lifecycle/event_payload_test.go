package lifecycle_test

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

// fixedPayload is a Payload of fixed details.
type fixedPayload map[string]string

func (p fixedPayload) Value(key string) (string, bool) { v, ok := p[key]; return v, ok }
func (p fixedPayload) Data() map[string]string         { return maps.Clone(p) }

// TestNotificationPayload: Value reads the payload before Data; the JSON
// holds both in "data" (the payload's winning), with the schema; the
// decoded event has the details in Data and no payload; Clone shares the
// payload.
func TestNotificationPayload(t *testing.T) {
	e := lifecycle.Notification{
		ID: "sla/T1/1/0", Process: "sla", Subject: "T1", Type: "sla.warning",
		Payload: fixedPayload{"percent": "50", "shared": "payload"},
		Data:    map[string]string{"note": "n", "shared": "data"},
	}
	assert.Equal(t, "50", e.Value("percent"))
	assert.Equal(t, "payload", e.Value("shared"))
	assert.Equal(t, "n", e.Value("note"))
	assert.Equal(t, "", e.Value("absent"))
	assert.Equal(t, "", lifecycle.Notification{}.Value("absent"))

	c := e.Clone()
	assert.Equal(t, e.Payload, c.Payload)

	b, err := json.Marshal(e)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, map[string]any{"percent": "50", "shared": "payload", "note": "n"}, doc["data"])
	assert.Equal(t, float64(lifecycle.NotificationSchema), doc["schema"])
	assert.Equal(t, map[string]string{"note": "n", "shared": "data"}, e.Data, "marshalling leaves the event alone")

	back := lifecycle.Notification{Payload: fixedPayload{"stale": "x"}}
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Nil(t, back.Payload, "a decoded event carries no payload")
	assert.Equal(t, map[string]string{"percent": "50", "shared": "payload", "note": "n"}, back.Data)
	for _, k := range []string{"percent", "shared", "note"} {
		assert.Equal(t, e.Value(k), back.Value(k), k)
	}
	assert.Equal(t, "", back.Value("stale"))

	require.NoError(t, json.Unmarshal([]byte(`null`), &back))
	assert.Equal(t, "sla/T1/1/0", back.ID, "null leaves the event as it was")

	var v1 lifecycle.Notification
	require.NoError(t, json.Unmarshal([]byte(`{"id":"x","data":{"k":"v"}}`), &v1), "a version 1 row, without the schema")
	assert.Equal(t, "v", v1.Value("k"))
	var v *lifecycle.ValidationError
	require.ErrorAs(t, json.Unmarshal([]byte(`{"id":"x","schema":3}`), &v1), &v)
	assert.Equal(t, "schema", v.Field)
}
