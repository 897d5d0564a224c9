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

var updateEvents = flag.Bool("update-events", false, "rewrite testdata/events-v2.json from the code under test")

// eventsV1 holds warnings and breaches as schema version 1 encodes them in
// an outbox row (encoding/json of the lifecycle.Notification), one row a
// line: written by the code before lifecycle.NotificationSchema, when the
// details were a Data map. It is never rewritten.
const eventsV1 = "testdata/events-v1.json"

// eventsV2 holds the same events as schema version 2 encodes them, their
// details a sla.Details payload.
const eventsV2 = "testdata/events-v2.json"

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

// checkStored checks that stored, events decoded from rows, are events,
// as the code fires them today, field by field: the details decoded into
// Data read as the payload's, and DetailsOf gives the same typed details.
func checkStored(t *testing.T, stored, events []lifecycle.Notification) {
	t.Helper()
	require.Len(t, stored, 7, "4 of the SLA, 1 of the first OLA cycle, 2 of the second")
	require.Len(t, events, len(stored))
	for i := range stored {
		want, got := events[i], stored[i]
		assert.Equal(t, want.ID, got.ID)
		assert.True(t, got.Time.Equal(want.Time), "%s: time %v, want %v", got.ID, got.Time, want.Time)
		require.NotNil(t, want.Payload, want.ID)
		assert.Nil(t, want.Data, want.ID)
		assert.Nil(t, got.Payload, "%s: a decoded event's details are in Data", got.ID)
		assert.Equal(t, want.Payload.Data(), got.Data, got.ID)
		for _, k := range []string{sla.DataRecord, sla.DataAgreement, sla.DataAgreementType, sla.DataTarget, sla.DataPercent, sla.DataCycle, sla.DataGoal, sla.DataDue} {
			assert.Equal(t, want.Value(k), got.Value(k), "%s: %s", got.ID, k)
		}
		wd, ok := sla.DetailsOf(want)
		require.True(t, ok, want.ID)
		gd, ok := sla.DetailsOf(got)
		require.True(t, ok, "%s: the stored row's details parse", got.ID)
		assert.Equal(t, wd, gd, got.ID)
		got.Time, want.Time = time.Time{}, time.Time{}
		got.Snapshot.OpenedAt, want.Snapshot.OpenedAt = time.Time{}, time.Time{}
		got.Data, want.Payload = nil, nil
		assert.Equal(t, want, got)
	}
}

// TestEventsV1Decode decodes outbox rows written by schema version 1 and
// checks that they are the events the code fires today: rows stored
// before a change of the engine still mean the same thing.
func TestEventsV1Decode(t *testing.T) {
	checkStored(t, readRows(t, eventsV1), schemaEvents(t))
}

// TestEventsV2Decode checks the rows schema version 2 writes: they are
// the checked-in rows byte for byte, each a version 1 row with the field
// "schema": 2 added; they decode to the events fired; and code that reads
// the envelope by its fields alone, as version 1 code does (the type
// plain, without Notification's methods), reads them as their version 1
// rows.
func TestEventsV2Decode(t *testing.T) {
	events := schemaEvents(t)
	rows := encodeRows(t, events)
	if *updateEvents {
		require.NoError(t, os.MkdirAll(filepath.Dir(eventsV2), 0o755))
		require.NoError(t, os.WriteFile(eventsV2, rows, 0o644))
	}
	v2, err := os.ReadFile(eventsV2)
	require.NoError(t, err)
	assert.Equal(t, string(v2), string(rows), "the code writes the checked-in rows")
	v1, err := os.ReadFile(eventsV1)
	require.NoError(t, err)
	lines1 := bytes.Split(bytes.TrimSpace(v1), []byte("\n"))
	lines2 := bytes.Split(bytes.TrimSpace(v2), []byte("\n"))
	require.Len(t, lines2, len(lines1))
	type plain lifecycle.Notification
	for i := range lines1 {
		want := string(bytes.TrimSuffix(lines1[i], []byte("}"))) + `,"schema":2}`
		assert.Equal(t, want, string(lines2[i]), "row %d is its version 1 row with the schema", i)
		var old, cur plain
		require.NoError(t, json.Unmarshal(lines1[i], &old))
		require.NoError(t, json.Unmarshal(lines2[i], &cur))
		assert.Equal(t, old, cur, "row %d read by its fields", i)
	}
	checkStored(t, readRows(t, eventsV2), events)
}

// TestEventsNewerSchemaRefused: a row of a schema version newer than this
// code's is refused, naming the field, rather than read as if it meant
// what version 2 means.
func TestEventsNewerSchemaRefused(t *testing.T) {
	row := bytes.TrimSuffix(bytes.TrimSpace(encodeRows(t, schemaEvents(t)[:1])), []byte(`"schema":2}`))
	row = append(row, `"schema":3}`...)
	var e lifecycle.Notification
	err := json.Unmarshal(row, &e)
	var v *lifecycle.ValidationError
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "schema", v.Field)
}

// TestDetailsOfRefuses: DetailsOf reports false for an event that is not
// an SLA warning or breach, and for one whose Data does not parse.
func TestDetailsOfRefuses(t *testing.T) {
	good := readRows(t, eventsV1)[0]
	_, ok := sla.DetailsOf(good)
	require.True(t, ok, "the fixture's row parses")
	other := good
	other.Process = "incident"
	_, ok = sla.DetailsOf(other)
	assert.False(t, ok, "another process's event")
	other = good
	other.Type = "sla.started"
	_, ok = sla.DetailsOf(other)
	assert.False(t, ok, "another type of event")
	for _, k := range []string{sla.DataPercent, sla.DataCycle, sla.DataGoal, sla.DataDue} {
		broken := good.Clone()
		broken.Data[k] = "not " + k
		_, ok := sla.DetailsOf(broken)
		assert.False(t, ok, "%s does not parse", k)
	}
}
