package main

import (
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/sla"
)

// testPolicy is the policy of the tests' desks: testdata/policy.json,
// with the catalogue (a new starter kit needing the manager's approval,
// the finance share a group approves, a mouse nobody approves) and the
// directory of its approvers.
func testPolicy(t testing.TB) policy {
	t.Helper()
	p, err := loadPolicy("testdata/policy.json")
	require.NoError(t, err)
	return p
}

// starterKit is the body of alice's order of a new starter kit.
var starterKit = map[string]any{
	"lines": []map[string]any{{"item": "new-starter-kit", "values": map[string]string{
		"laptop": "developer", "start": "2026-04-01", "accounts": "vpn,email", "floor": "3",
	}}},
	"note": "Sam joins in April",
}

// requestFixtures are requests for the walk of fields_test.go: an item
// awaiting its approver, and one in fulfilment.
func requestFixtures() []fixture {
	mouse := map[string]any{"lines": []map[string]any{{"item": "mouse"}}}
	return []fixture{
		steps("awaiting approval", "requests", starterKit),
		steps("in fulfilment", "requests", mouse),
	}
}

// openTasks returns the IDs of the tasks of item it's open stage that
// are not closed.
func openTasks(it request.Item) []string {
	var ids []string
	for _, t := range it.Tasks {
		if t.Stage == it.Stage && !t.State.Final() {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

func TestRequestLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice, mia, agent := e.as("alice"), e.as("mia"), e.as("ana")

		// The catalogue: what can be ordered, and what it asks.
		cat := into[page[request.CatalogItem]](alice.get("/catalog"), http.StatusOK)
		var ids []string
		for _, it := range cat.Items {
			ids = append(ids, it.ID)
		}
		assert.Equal(t, []string{"finance-share", "mouse", "new-starter-kit"}, ids, "by category, then name")
		kit := into[request.CatalogItem](alice.get("/catalog/new-starter-kit"), http.StatusOK)
		assert.Equal(t, request.ApprovalManager, kit.Approval.Policy)
		require.Len(t, kit.Variables, 4)
		assert.Equal(t, request.VariableChoice, kit.Variables[0].Type)
		assert.Equal(t, "standard", kit.Variables[0].Default)
		assert.Len(t, into[page[request.CatalogItem]](alice.get("/catalog?category=access"), http.StatusOK).Items, 1)

		// Alice orders; her manager Mia is the approver.
		res := alice.post("/requests", starterKit).expect(http.StatusCreated)
		var r request.Request
		res.decode(&r)
		assert.Equal(t, "/requests/"+url.PathEscape(r.ID), res.Header.Get("Location"))
		assert.Equal(t, `"1"`, res.Header.Get("ETag"))
		require.Len(t, r.Items, 1)
		item := r.Items[0]
		assert.Equal(t, request.ItemAwaitingApproval, item.State)
		assert.Equal(t, []string{"mia"}, item.Approvers)
		assert.Equal(t, "email,vpn", item.Values["accounts"], "values in normal form")
		path := "/requests/" + r.ID
		itemPath := path + "/items/" + item.ID

		list := func(c *client, q string) []string {
			t.Helper()
			p := into[page[*request.Request]](c.get("/requests?"+q), http.StatusOK)
			var ids []string
			for _, x := range p.Items {
				ids = append(ids, x.ID)
			}
			return ids
		}
		assert.Equal(t, []string{r.ID}, list(mia, "approver=mia"))
		assert.Empty(t, list(mia, "approver=alice"))
		assert.Equal(t, []string{r.ID}, list(alice, "requester=alice&state=open"))

		// Nobody approves their own request; Mia does.
		alice.post(itemPath+"/approve", nil).expect(http.StatusForbidden)
		got := into[request.Request](mia.ifMatch(1).post(itemPath+"/approve", map[string]any{"comment": "Welcome, Sam"}), http.StatusOK)
		assert.Equal(t, int64(2), got.Version)
		item = got.Items[0]
		assert.Equal(t, request.ItemInFulfilment, item.State)
		require.Len(t, item.Verdicts, 1)
		assert.Equal(t, "mia", item.Verdicts[0].Approver)
		assert.Empty(t, list(mia, "approver=mia"), "decided")
		assert.Equal(t, []string{r.ID}, list(agent, "task_group=procurement"))

		// The SLAs its catalogue item lists run: the item's fulfilment and
		// the open stage's tasks.
		eventually(t, "the request's SLA timers", func() bool {
			v := into[slaView](alice.get(path+"/sla"), http.StatusOK)
			running := map[string]int{}
			for _, tm := range v.Timers {
				if tm.Stage == sla.StageInProgress {
					running[tm.Agreement]++
				}
			}
			return running[agreementFulfilment] == 1 && running[agreementTask] == len(openTasks(item))
		})

		// A task of a stage not yet open, and a stale version, are refused.
		later := item.Tasks[len(item.Tasks)-1]
		require.NotEqual(t, item.Stage, later.Stage)
		assert.Equal(t, "task", agent.post(path+"/tasks/"+later.ID+"/start", nil).expect(http.StatusBadRequest).apiError().Field)
		agent.ifMatch(1).post(path+"/tasks/"+openTasks(item)[0]+"/assign", map[string]any{"assignee": "ana"}).expect(http.StatusConflict)

		// The stages are worked in order, to closed complete.
		version := got.Version
		stages := 0
		for got.State == request.RequestOpen {
			open := openTasks(got.Items[0])
			require.NotEmpty(t, open, "an open request has open tasks: %+v", got.Items[0])
			stages++
			for _, task := range open {
				for _, s := range []struct {
					action string
					body   any
				}{{"assign", map[string]any{"assignee": "ana"}}, {"start", nil}, {"close", map[string]any{"state": "closed_complete", "notes": "done"}}} {
					rs := agent.ifMatch(version).post(path+"/tasks/"+task+"/"+s.action, s.body).expect(http.StatusOK)
					got = new(request.Request)
					rs.decode(got)
					version++
					require.Equal(t, version, got.Version)
					require.Equal(t, etag(version), rs.Header.Get("ETag"))
				}
			}
		}
		assert.Equal(t, 3, stages)
		assert.Equal(t, request.RequestClosedComplete, got.State)
		assert.Equal(t, request.ItemClosedComplete, got.Items[0].State)
		for _, task := range got.Items[0].Tasks {
			assert.Equal(t, request.TaskClosedComplete, task.State, task.Name)
		}

		// The record as read, and its audit trail.
		rs := alice.get(path).expect(http.StatusOK)
		assert.Equal(t, etag(version), rs.Header.Get("ETag"))
		h := into[historyView](alice.get(path+"/history"), http.StatusOK)
		require.Len(t, h.History, int(version))
		assert.Equal(t, []string{"alice:order", "mia:approve"}, []string{
			h.History[0].Actor + ":" + h.History[0].Event, h.History[1].Actor + ":" + h.History[1].Event})
		e.delivered(got.Items[0].ID, "completed")
		e.delivered(r.ID, string(request.RequestClosedComplete))
	})
}

func TestRequestRefusals(t *testing.T) {
	e := newEnv(t, backend{Name: "sqlite", DSN: func(t testing.TB) string { return ":memory:" }})
	alice, mia := e.as("alice"), e.as("mia")
	r := into[request.Request](alice.post("/requests", starterKit), http.StatusCreated)
	path := "/requests/" + r.ID
	itemPath := path + "/items/" + r.Items[0].ID
	line := func(item string, values map[string]string) map[string]any {
		return map[string]any{"lines": []map[string]any{{"item": "mouse"}, {"item": item, "values": values}}}
	}
	kitValues := func(k, v string) map[string]string {
		return map[string]string{"start": "2026-04-01", k: v}
	}
	for _, tc := range []badCall{
		{"no line", alice, "POST", "/requests", map[string]any{}, 400, "lines"},
		{"unknown item", alice, "POST", "/requests", line("unicorn", nil), 400, "lines[1].item"},
		{"number out of range", alice, "POST", "/requests", line("new-starter-kit", kitValues("floor", "99")), 400, "lines[1].values.floor"},
		{"choice not listed", alice, "POST", "/requests", line("new-starter-kit", kitValues("laptop", "tablet")), 400, "lines[1].values.laptop"},
		{"unknown variable", alice, "POST", "/requests", line("new-starter-kit", kitValues("colour", "red")), 400, "lines[1].values.colour"},
		{"required variable", alice, "POST", "/requests", line("new-starter-kit", map[string]string{}), 400, "lines[1].values.start"},
		{"unknown key in a line", alice, "POST", "/requests", map[string]any{"lines": []map[string]any{{"item": "mouse", "qty": 2}}}, 400, "lines.qty"},
		{"no manager in the directory", e.as("nobody"), "POST", "/requests", starterKit, 400, "lines[0]"},
		{"own approval", alice, "POST", itemPath + "/approve", nil, 403, ""},
		{"not an approver", e.as("eve"), "POST", itemPath + "/approve", nil, 403, ""},
		{"rejection without comment", mia, "POST", itemPath + "/reject", nil, 400, "comment"},
		{"other item in body", mia, "POST", itemPath + "/approve", map[string]any{"item": "X-1"}, 400, "item"},
		{"unknown item of the request", mia, "POST", path + "/items/" + r.ID + "-9/approve", nil, 400, "item"},
		{"no task before approval", alice, "POST", path + "/tasks/" + r.Items[0].ID + "-1/start", nil, 400, "task"},
		{"close a task as open", alice, "POST", path + "/tasks/" + r.Items[0].ID + "-1/close", map[string]any{"state": "pending"}, 400, "state"},
		{"unknown task state", alice, "POST", path + "/tasks/" + r.Items[0].ID + "-1/close", map[string]any{"state": "done"}, 400, "state"},
		{"cancel without reason", alice, "POST", path + "/cancel", nil, 400, "reason"},
		{"unknown query parameter", alice, "GET", "/requests?colour=red", nil, 400, "colour"},
		{"bad state filter", alice, "GET", "/requests?state=pending", nil, 400, "state"},
		{"malformed query", alice, "GET", "/requests?approver=%", nil, 400, "approver"},
		{"bad limit", alice, "GET", "/requests?limit=x", nil, 400, "limit"},
		{"catalogue query", alice, "GET", "/catalog?colour=red", nil, 400, "colour"},
		{"read without actor", e.anonymous(), "GET", path, nil, 401, "X-Actor"},
		{"unknown request", alice, "GET", "/requests/REQ404", nil, 404, ""},
		{"unknown catalogue item", alice, "GET", "/catalog/unicorn", nil, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.send(t) })
	}
	got := into[request.Request](alice.get(path), http.StatusOK)
	assert.Equal(t, int64(1), got.Version, "nothing was written")
	assert.Len(t, into[page[*request.Request]](alice.get("/requests"), http.StatusOK).Items, 1, "no refused order was stored")

	// A stale If-Match is a conflict, and changes nothing.
	mia.ifMatch(1).post(itemPath+"/ask", map[string]any{"question": "Which team?"}).expect(http.StatusOK)
	assert.Equal(t, "conflict", mia.ifMatch(1).post(itemPath+"/approve", nil).expect(http.StatusConflict).apiError().Code)
	alice.post(itemPath+"/answer", map[string]any{"text": "Payments"}).expect(http.StatusOK)
	into[request.Request](alice.post(path+"/cancel", map[string]any{"reason": "Sam declined"}), http.StatusOK)
	assert.Equal(t, request.RequestCancelled, into[request.Request](alice.get(path), http.StatusOK).State)
}

// TestBadCatalogItemFailsStartUp: a catalogue item the catalogue refuses
// stops the desk from starting, naming the item and its field.
func TestBadCatalogItemFailsStartUp(t *testing.T) {
	p := testPolicy(t)
	p.Catalog[1].Variables[0].Type = ""
	_, err := newDesk(t.Context(), options{DSN: ":memory:", Policy: p, Log: slog.New(slog.DiscardHandler)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `catalog[1] ("finance-share")`)
	assert.Contains(t, err.Error(), "variables[0].type")

	// So does an agreement the desk does not apply to service requests.
	p = testPolicy(t)
	p.Catalog[0].Agreements = []string{agreementFulfilment, agreementResolution}
	_, err = newDesk(t.Context(), options{DSN: ":memory:", Policy: p, Log: slog.New(slog.DiscardHandler)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "agreements[1]")
}
