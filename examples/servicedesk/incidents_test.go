package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// openIncident opens an incident as alice and returns it.
func (e *env) openIncident(body map[string]any) *incident.Incident {
	e.t.Helper()
	return into[incident.Incident](e.as("alice", "service-desk").post("/incidents", body), http.StatusCreated)
}

func TestIncidentLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice, bob, carol := e.as("alice", "service-desk"), e.as("bob", "network"), e.as("carol")

		res := alice.post("/incidents", map[string]any{
			"title": "VPN drops every few minutes", "caller": "carol", "service": "remote-access",
			"config_item": "vpn-gw-1", "impact": 1, "urgency": 2, "attributes": map[string]string{"site": "Lyon"},
		}).expect(http.StatusCreated)
		var x incident.Incident
		res.decode(&x)
		id := x.ID
		assert.Equal(t, "/incidents/"+id, res.Header.Get("Location"))
		assert.Equal(t, `"1"`, res.Header.Get("ETag"))
		assert.Equal(t, incident.StateNew, x.State)
		assert.Equal(t, lifecycle.PriorityHigh, x.Priority, "impact 1 × urgency 2")
		assert.Equal(t, "alice", x.OpenedBy)

		got := into[incident.Incident](e.anonymous().get("/incidents/"+id), http.StatusOK)
		assert.Equal(t, id, got.ID)
		assert.Equal(t, "Lyon", got.Attributes["site"])

		// Lists filter by state, group, priority.
		list := func(q string) []string {
			p := into[page[*incident.Incident]](e.anonymous().get("/incidents?"+q), http.StatusOK)
			var ids []string
			for _, x := range p.Items {
				ids = append(ids, x.ID)
			}
			return ids
		}
		other := e.openIncident(map[string]any{"title": "Printer jam", "impact": 3, "urgency": 3})
		assert.ElementsMatch(t, []string{id, other.ID}, list("state=new"))
		assert.Equal(t, []string{id}, list("priority=1,2"))
		assert.Empty(t, list("group=network"))

		step := func(c *client, version int64, path string, body any) *incident.Incident {
			t.Helper()
			e.clock.Advance(5 * time.Minute)
			r := c.ifMatch(version).post("/incidents/"+id+"/"+path, body).expect(http.StatusOK)
			x := new(incident.Incident)
			r.decode(x)
			require.Equal(t, version+1, x.Version, path)
			require.Equal(t, etag(x.Version), r.Header.Get("ETag"))
			return x
		}
		x1 := step(alice, 1, "assign", map[string]any{"group": "network", "assignee": "bob"})
		assert.Equal(t, incident.StateInProgress, x1.State)
		assert.Equal(t, []string{id}, list("group=network&state=in_progress"))
		step(bob, 2, "comments", map[string]any{"text": "Looking into it"})
		step(bob, 3, "work-notes", map[string]any{"text": "Keep-alive at 10 s on vpn-gw-1"})
		x4 := step(bob, 4, "hold", map[string]any{"reason": "awaiting_caller", "comment": "Which client version?"})
		assert.Equal(t, incident.StateOnHold, x4.State)
		assert.Equal(t, incident.HoldAwaitingCaller, x4.HoldReason)
		x5 := step(carol, 5, "caller-updates", map[string]any{"text": "Client 5.2 on macOS"})
		assert.Equal(t, incident.StateInProgress, x5.State, "a caller update resumes an incident awaiting the caller")
		step(bob, 6, "hold", map[string]any{"reason": "awaiting_vendor"})
		step(bob, 7, "resume", map[string]any{"note": "Vendor sent a fix"})
		x8 := step(bob, 8, "resolve", map[string]any{"code": "solution_provided", "notes": "Keep-alive raised to 60 s"})
		assert.Equal(t, incident.StateResolved, x8.State)
		assert.Equal(t, "bob", x8.ResolvedBy)
		x9 := step(carol, 9, "close", map[string]any{"note": "Works, thanks"})
		assert.Equal(t, incident.StateClosed, x9.State)

		// The audit trail: one record per stored change, with its actor.
		h := into[historyView](e.anonymous().get("/incidents/"+id+"/history"), http.StatusOK)
		assert.Equal(t, int64(10), h.Version)
		var trail []string
		for _, r := range h.History {
			trail = append(trail, r.Actor+":"+r.Event+":"+r.To)
		}
		assert.Equal(t, []string{
			"alice:open:new", "alice:assign:in_progress", "bob:comment:in_progress", "bob:work_note:in_progress",
			"bob:hold:on_hold", "carol:caller_update:in_progress", "bob:hold:on_hold", "bob:resume:in_progress",
			"bob:resolve:resolved", "carol:close:closed",
		}, trail)
		assert.Equal(t, []string{id}, list("state=closed"))

		// Cancel and update the other one; a PATCH edits fields.
		up := into[incident.Incident](alice.patch("/incidents/"+other.ID, map[string]any{"urgency": 1, "note": "Blocks payroll"}), http.StatusOK)
		assert.Equal(t, lifecycle.PriorityModerate, up.Priority, "impact 3 × urgency 1")
		c := into[incident.Incident](alice.post("/incidents/"+other.ID+"/cancel", map[string]any{"reason": "duplicate of a ticket by phone"}), http.StatusOK)
		assert.Equal(t, incident.StateCanceled, c.State)

		// Every stored change reaches the host's notifier through the outbox.
		e.delivered(id, incident.TypeClosed)
		assert.Equal(t, []string{
			incident.TypeOpened, incident.TypeAssigned, incident.TypeCommented, incident.TypeWorkNoteAdded,
			incident.TypePutOnHold, incident.TypeCallerUpdated, incident.TypeResumed, incident.TypePutOnHold,
			incident.TypeResumed, incident.TypeResolved, incident.TypeClosed,
		}, e.eventTypes(id))
	})
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, backend{Name: "sqlite", DSN: func(t testing.TB) string { return ":memory:" }})
	x := e.openIncident(map[string]any{"title": "Mail is slow"})
	alice := e.as("alice")
	path := "/incidents/" + x.ID
	for _, tc := range []badCall{
		{"missing title", alice, "POST", "/incidents", map[string]any{"impact": 1}, 400, "title"},
		{"unknown field", alice, "POST", "/incidents", map[string]any{"title": "x", "colour": "red"}, 400, "colour"},
		{"wrong type", alice, "POST", "/incidents", map[string]any{"title": "x", "impact": "high"}, 400, "impact"},
		{"out of range", alice, "POST", "/incidents", map[string]any{"title": "x", "impact": 7}, 400, "impact"},
		{"Go field name", alice, "POST", "/incidents", map[string]any{"title": "x", "ConfigItem": "db1"}, 400, "ConfigItem"},
		{"unknown enum", alice, "POST", path + "/hold", map[string]any{"reason": "sleeping"}, 400, "reason"},
		{"missing reason", alice, "POST", path + "/cancel", map[string]any{}, 400, "reason"},
		{"notes, not resolution_notes", alice, "POST", path + "/resolve", map[string]any{"code": "solution_provided"}, 400, "notes"},
		{"code, not resolution_code", alice, "POST", path + "/resolve", map[string]any{"notes": "done"}, 400, "code"},
		{"other id in body", alice, "POST", path + "/assign", map[string]any{"id": "INC1", "group": "g"}, 400, "id"},
		{"version disagrees with If-Match", alice.ifMatch(1), "POST", path + "/assign", map[string]any{"version": 2, "group": "g"}, 400, "version"},
		{"bad If-Match", alice.with("If-Match", "yesterday"), "POST", path + "/assign", map[string]any{"group": "g"}, 400, "If-Match"},
		{"malformed JSON", alice, "POST", "/incidents", `{"title": `, 400, ""},
		{"not an object", alice, "POST", "/incidents", `["title"]`, 400, ""},
		{"two objects", alice, "POST", "/incidents", `{"title":"a"} {"title":"b"}`, 400, ""},
		{"stray bracket after the object", alice, "POST", "/incidents", `{"title":"a"}]`, 400, ""},
		{"text after the object", alice, "POST", "/incidents", `{"title":"a"} x`, 400, ""},
		{"unknown query parameter", alice, "GET", "/incidents?colour=red", nil, 400, "colour"},
		{"bad state filter", alice, "GET", "/incidents?state=open", nil, 400, "state"},
		{"bad limit", alice, "GET", "/incidents?limit=-1", nil, 400, "limit"},
		{"no actor", e.anonymous(), "POST", path + "/assign", map[string]any{"group": "g"}, 401, "X-Actor"},
		{"too large", alice, "POST", "/incidents", `{"title": "` + strings.Repeat("x", maxBody) + `"}`, 413, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.send(t) })
	}
	e.nothingWritten(path)
}

func TestNotFound(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice := e.as("alice", "change-manager")
		for _, r := range []*response{
			alice.get("/incidents/INC404"),
			alice.get("/incidents/INC404/history"),
			alice.get("/incidents/INC404/sla"),
			alice.post("/incidents/INC404/assign", map[string]any{"group": "g"}),
			alice.patch("/incidents/INC404", map[string]any{"title": "t"}),
			alice.get("/problems/PRB404"),
			alice.post("/problems/PRB404/assess", map[string]any{"group": "g"}),
			alice.get("/changes/CHG404"),
			alice.get("/changes/CHG404/conflicts"),
			alice.post("/changes/CHG404/approve", nil),
			alice.get("/services/SVC404"),
			alice.post("/services/SVC404/advance", nil),
			alice.get("/nowhere"),
		} {
			assert.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", r.method, r.path, r.Body)
			assert.NotEmpty(t, r.apiError().Code)
		}
		assert.Equal(t, http.StatusMethodNotAllowed, alice.do("DELETE", "/incidents", nil).Status)
	})
}

func TestStaleVersion(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		x := e.openIncident(map[string]any{"title": "Disk full on db1"})
		path := "/incidents/" + x.ID
		alice := e.as("alice")
		alice.ifMatch(1).post(path+"/assign", map[string]any{"group": "dba"}).expect(http.StatusOK)

		// Somebody read version 1 and acts on it: 409, and nothing changes.
		r := alice.ifMatch(1).post(path+"/hold", map[string]any{"reason": "awaiting_vendor"}).expect(http.StatusConflict)
		assert.Equal(t, "conflict", r.apiError().Code)
		r = alice.post(path+"/hold", map[string]any{"reason": "awaiting_vendor", "version": 1}).expect(http.StatusConflict)
		got := into[incident.Incident](alice.get(path), http.StatusOK)
		assert.Equal(t, int64(2), got.Version)
		assert.Equal(t, incident.StateInProgress, got.State)
		assert.Len(t, into[historyView](alice.get(path+"/history"), http.StatusOK).History, 2)

		// Writers racing on one version: exactly one wins.
		const writers = 6
		var wg sync.WaitGroup
		statuses := make([]int, writers)
		for i := range writers {
			wg.Go(func() {
				statuses[i] = alice.ifMatch(2).post(path+"/work-notes", map[string]any{"text": "note"}).Status
			})
		}
		wg.Wait()
		won := 0
		for _, s := range statuses {
			require.Contains(t, []int{http.StatusOK, http.StatusConflict}, s)
			if s == http.StatusOK {
				won++
			}
		}
		assert.Equal(t, 1, won, "statuses %v", statuses)
		got = into[incident.Incident](alice.get(path), http.StatusOK)
		assert.Equal(t, int64(3), got.Version)
		assert.Len(t, into[journalView](alice.get(path+"/journal"), http.StatusOK).Journal, 1)

		// "*" means any version, as 0 does in a command.
		alice.with("If-Match", "*").post(path+"/work-notes", map[string]any{"text": "again"}).expect(http.StatusOK)
	})
}

func TestForbiddenAndInvalidTransition(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		x := e.openIncident(map[string]any{"title": "Core switch down", "impact": 1, "urgency": 1})
		path := "/incidents/" + x.ID

		// Closing a new incident is not a move the machine has: 422, with
		// what is allowed.
		r := e.as("alice").post(path+"/close", nil).expect(http.StatusUnprocessableEntity)
		apiErr := r.apiError()
		assert.Equal(t, "invalid_transition", apiErr.Code)
		assert.Equal(t, "new", apiErr.From)
		assert.Equal(t, "close", apiErr.Event)
		assert.Contains(t, apiErr.Allowed, "assign")

		e.as("alice").post(path+"/propose-major", map[string]any{"reason": "whole site offline"}).expect(http.StatusOK)
		r = e.as("alice", "service-desk").post(path+"/accept-major", nil).expect(http.StatusForbidden)
		assert.Equal(t, "forbidden", r.apiError().Code)
		// Nobody may claim to be the library itself.
		e.as("mallory", "system").post(path+"/accept-major", nil).expect(http.StatusForbidden)
		e.as("system").post(path+"/accept-major", nil).expect(http.StatusForbidden)

		got := into[incident.Incident](e.as("maria", incident.RoleMajorIncidentManager).post(path+"/accept-major", nil), http.StatusOK)
		assert.Equal(t, incident.MajorAccepted, got.Major)
	})
}

// journalView is the answer of GET /incidents/{id}/journal.
type journalView struct {
	ID      string            `json:"id"`
	Version int64             `json:"version"`
	Journal []lifecycle.Entry `json:"journal"`
	Next    int               `json:"next"`
}

// badCall is a request that the desk refuses with status, in an error
// naming field ("" when it names none).
type badCall struct {
	name   string
	c      *client
	method string
	path   string
	body   any
	status int
	field  string
}

// send sends the call and checks that it is refused as it must be, with a
// JSON error, which it returns.
func (tc badCall) send(t *testing.T) apiError {
	t.Helper()
	r := tc.c.do(tc.method, tc.path, tc.body).expect(tc.status)
	apiErr := r.apiError()
	assert.Equal(t, tc.field, apiErr.Field, "field of %s", r.Body)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	return apiErr
}

// nothingWritten checks that the incident at path is still at version 1
// and the only one: the requests refused since it was opened wrote
// nothing.
func (e *env) nothingWritten(path string) {
	e.t.Helper()
	got := into[incident.Incident](e.anonymous().get(path), http.StatusOK)
	assert.Equal(e.t, int64(1), got.Version, "nothing was written")
	p := into[page[*incident.Incident]](e.anonymous().get("/incidents"), http.StatusOK)
	assert.Len(e.t, p.Items, 1)
}

// checkLogPages adds the work notes one, two and three to the new record
// at path (version 1), then pages through its journal (two notes, then the
// last one, with the query rest) and its history (?after=1&limit=2).
func checkLogPages(t *testing.T, c *client, path, rest string) {
	t.Helper()
	for _, text := range []string{"one", "two", "three"} {
		c.post(path+"/work-notes", map[string]any{"text": text}).expect(http.StatusOK)
	}
	first := into[journalView](c.get(path+"/journal?limit=2"), http.StatusOK)
	require.Len(t, first.Journal, 2)
	assert.Equal(t, 2, first.Next)
	last := into[journalView](c.get(path+"/journal?"+rest), http.StatusOK)
	require.Len(t, last.Journal, 1)
	assert.Equal(t, "three", last.Journal[0].Text)
	assert.Equal(t, int64(4), last.Journal[0].Version, "the version of the change that wrote it")
	assert.Zero(t, last.Next, "the last page has no next")

	h := into[historyView](c.get(path+"/history?after=1&limit=2"), http.StatusOK)
	require.Len(t, h.History, 2)
	assert.Equal(t, []int{2, 3}, []int{h.History[0].Seq, h.History[1].Seq})
	assert.Equal(t, int64(4), h.Version)
}

// TestIncidentLogPages: the history and journal endpoints page through
// the logs with ?after and ?limit, and refuse a malformed one by name.
func TestIncidentLogPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice := e.as("alice", "service-desk")
		x := into[incident.Incident](alice.post("/incidents", map[string]any{"title": "VPN down", "impact": 2, "urgency": 2}), http.StatusCreated)
		path := "/incidents/" + x.ID
		checkLogPages(t, alice, path, "limit=2&after=2")

		r := alice.get(path + "/history?after=-1").expect(http.StatusBadRequest)
		assert.Equal(t, "after", r.apiError().Field)
		alice.get(path + "/journal?bogus=1").expect(http.StatusBadRequest)
		alice.get("/incidents/INC-NONE/history").expect(http.StatusNotFound)
	})
}

// TestIncidentErase: POST /incidents/{id}/erase redacts journal and
// history fields for a data-protection officer, and is a 403 for anyone
// else and a 400 naming the entry that does not exist.
func TestIncidentErase(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice, dpo := e.as("alice", "service-desk"), e.as("dpo", lifecycle.RoleDataProtection)
		x := into[incident.Incident](alice.post("/incidents", map[string]any{"title": "VPN down", "impact": 2, "urgency": 2}), http.StatusCreated)
		path := "/incidents/" + x.ID
		alice.post(path+"/work-notes", map[string]any{"text": "caller's home address: 1 Main St"}).expect(http.StatusOK)
		body := map[string]any{"reason": "erasure request ER-1", "entries": []map[string]any{{"log": "journal", "seq": 1, "fields": []string{"text"}}}}

		alice.post(path+"/erase", body).expect(http.StatusForbidden)
		r := dpo.post(path+"/erase", map[string]any{"reason": "r", "entries": []map[string]any{{"log": "journal", "seq": 5, "fields": []string{"text"}}}}).expect(http.StatusBadRequest)
		assert.Equal(t, "entries", r.apiError().Field)
		dpo.post(path+"/erase", body).expect(http.StatusOK)

		j := into[journalView](alice.get(path+"/journal"), http.StatusOK)
		require.Len(t, j.Journal, 1)
		assert.Empty(t, j.Journal[0].Text)
		h := into[historyView](alice.get(path+"/history"), http.StatusOK)
		last := h.History[len(h.History)-1]
		assert.Equal(t, []string{lifecycle.EventRedact, "dpo", "erasure request ER-1"}, []string{last.Event, last.Actor, last.Note})
	})
}
