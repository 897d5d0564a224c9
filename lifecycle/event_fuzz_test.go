package lifecycle_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// FuzzEventJSON checks the notification envelope's JSON, which hosts read
// back from outboxes and queues: decoding never panics; what decodes
// re-encodes, and that encoding decodes to an equal event and re-encodes to
// the same bytes; Clone is deep (changing the clone's maps leaves the
// original alone); and NotificationID of the decoded event's process, subject and
// version gives an ID that starts with "process/subject/version/".
func FuzzEventJSON(f *testing.F) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	full := lifecycle.Notification{
		ID: lifecycle.NotificationID("incident", "INC1", 3, 0), Process: "incident", Subject: "INC1", Type: "assigned",
		From: "new", To: "in_progress", Actor: "ann", Time: t0, Version: 3,
		Snapshot: lifecycle.Snapshot{
			State: "in_progress", Title: "Mail down", Priority: 2, Group: "mail", Assignee: "ann", HoldReason: "caller",
			Major: true, Service: "SVC1", ConfigItem: "CI1", OpenedAt: t0.Add(-time.Hour), Attributes: map[string]string{"k": "v"},
		},
		Data: map[string]string{"linked": "PRB1"},
	}
	seed, err := json.Marshal(full)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	for _, s := range []string{
		`{}`, `{"id":"x","time":"2026-01-01T00:00:00+01:00"}`, `{"snapshot":{"attributes":{}}}`, `{"data":{"a":null}}`,
		`{"version":-1,"snapshot":{"priority":1e3}}`, `{"time":"not a time"}`, `{"data":{"\u0000":"\ud800"}}`, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e lifecycle.Notification
		if err := json.Unmarshal(data, &e); err != nil {
			return
		}
		b1, err := json.Marshal(e)
		if err != nil {
			// Only a time outside what RFC 3339 can write may fail.
			if !strings.Contains(err.Error(), "Time.MarshalJSON") {
				t.Fatalf("marshal of a decoded event: %v", err)
			}
			return
		}
		var back lifecycle.Notification
		if err := json.Unmarshal(b1, &back); err != nil {
			t.Fatalf("re-decoding our own output %s: %v", b1, err)
		}
		b2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("round trip changed the encoding (%v):\n%s\n%s", err, b1, b2)
		}
		if !back.Time.Equal(e.Time) || !back.Snapshot.OpenedAt.Equal(e.Snapshot.OpenedAt) {
			t.Fatalf("round trip changed a time")
		}
		c := back.Clone()
		if !reflect.DeepEqual(c, back) {
			t.Fatalf("Clone differs: %+v vs %+v", c, back)
		}
		if c.Data != nil {
			c.Data["fuzz-added"] = "x"
			if _, ok := back.Data["fuzz-added"]; ok {
				t.Fatalf("Clone shares Data")
			}
		}
		if c.Snapshot.Attributes != nil {
			c.Snapshot.Attributes["fuzz-added"] = "x"
			if _, ok := back.Snapshot.Attributes["fuzz-added"]; ok {
				t.Fatalf("Clone shares Snapshot.Attributes")
			}
		}
		id := lifecycle.NotificationID(e.Process, e.Subject, e.Version, 0)
		if want := e.Process + "/" + e.Subject + "/" + strconv.FormatInt(e.Version, 10) + "/0"; id != want {
			t.Fatalf("NotificationID = %q, want %q", id, want)
		}
	})
}
