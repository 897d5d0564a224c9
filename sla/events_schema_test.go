package sla_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

var updateEvents = flag.Bool("update-events", false, "rewrite testdata/events-v1.json from the code under test")

// eventsV1 holds warnings and breaches as schema version 1 encodes them in
// an outbox row (encoding/json of the lifecycle.Notification), one row a line.
const eventsV1 = "testdata/events-v1.json"

// schemaEvents fires the events of the schema fixture: a P2 resolution SLA
// running to its breach (every warning, a known due), an OLA response
// target with a fractional warning that fires while paused (no due), and a
// second cycle.
func schemaEvents(t *testing.T) []lifecycle.Notification {
	t.Helper()
	var out []lifecycle.Notification
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)
	tm.Version = 3
	out = append(out, tm.Evaluate(t0.Add(9*time.Hour))...)

	o := responseSLA()
	o.ID, o.Type, o.Warnings = "ola-response", sla.TypeOLA, []float64{12.5}
	o.Stop = func(s lifecycle.Snapshot) bool { return s.State == stResolved }
	o.Pause = func(s lifecycle.Snapshot) bool { return s.State == stHold }
	o.Start = func(s lifecycle.Snapshot) bool { return s.State == stNew || s.State == stHold }
	ot := attach(t, o, snap(stNew, 3), t0)
	require.NoError(t, ot.Observe(o, held(3, "awaiting_caller"), t0.Add(30*time.Minute)))
	ot.Version = 2
	out = append(out, ot.Evaluate(t0.Add(31*time.Minute))...)
	require.NoError(t, ot.Observe(o, snap(stResolved, 3), t0.Add(40*time.Minute)))
	require.NoError(t, ot.Observe(o, snap(stNew, 1), t0.Add(50*time.Minute)))
	ot.Version = 4
	out = append(out, ot.Evaluate(t0.Add(3*time.Hour))...)
	return out
}

func encodeRows(t *testing.T, events []lifecycle.Notification) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, e := range events {
		doc, err := json.Marshal(e)
		require.NoError(t, err)
		b.Write(doc)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func readRows(t *testing.T, path string) []lifecycle.Notification {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []lifecycle.Notification
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var e lifecycle.Notification
		require.NoError(t, json.Unmarshal(line, &e), "%s", line)
		out = append(out, e)
	}
	return out
}

// TestEventsV1Decode decodes outbox rows written by schema version 1 and
// checks that they are the events the code fires today, field by field:
// rows stored before a change of the engine still mean the same thing.
func TestEventsV1Decode(t *testing.T) {
	events := schemaEvents(t)
	if *updateEvents {
		require.NoError(t, os.MkdirAll(filepath.Dir(eventsV1), 0o755))
		require.NoError(t, os.WriteFile(eventsV1, encodeRows(t, events), 0o644))
	}
	stored := readRows(t, eventsV1)
	require.Len(t, stored, 7, "4 of the SLA, 1 of the first OLA cycle, 2 of the second")
	require.Len(t, events, len(stored))
	for i := range stored {
		assert.Equal(t, stored[i].ID, events[i].ID)
		assert.True(t, stored[i].Time.Equal(events[i].Time), "%s: time %v, want %v", stored[i].ID, events[i].Time, stored[i].Time)
		stored[i].Time, events[i].Time = time.Time{}, time.Time{}
		stored[i].Snapshot.OpenedAt, events[i].Snapshot.OpenedAt = time.Time{}, time.Time{}
		assert.Equal(t, stored[i], events[i])
	}
}
