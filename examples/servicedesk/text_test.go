package main

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestBadTextIs400: text that no database column can hold (NUL, bytes that
// are not UTF-8) is refused with 400 naming the wildcard, parameter, header
// or key, wherever it comes from, on both dialects; nothing is written.
func TestBadTextIs400(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		x := e.openIncident(map[string]any{"title": "Mail is slow"})
		s := into[map[string]any](e.as("olga").post("/services", map[string]any{"name": "Mail"}), http.StatusCreated)
		svc := (*s)["id"].(string)
		alice := e.as("alice")
		path := "/incidents/" + x.ID
		for _, tc := range []badCall{
			{"NUL id", alice, "GET", "/incidents/%00", nil, 400, "id"},
			{"non-UTF-8 id", alice, "GET", "/incidents/%FF", nil, 400, "id"},
			{"id of a history", alice, "GET", "/problems/%FF/history", nil, 400, "id"},
			{"id of a command", alice, "POST", "/incidents/%FF/assign", map[string]any{"group": "g"}, 400, "id"},
			{"id of a SLA", alice, "GET", "/sla/%00", nil, 400, "id"},
			{"id of a record's SLA", alice, "GET", "/changes/%00/sla", nil, 400, "id"},
			{"second wildcard", alice, "DELETE", "/services/" + svc + "/config-items/ci%00", nil, 400, "config_item"},
			{"query filter", alice, "GET", "/incidents?assignee=%FF", nil, 400, "assignee"},
			{"query list", alice, "GET", "/incidents?state=new,%00", nil, 400, "state"},
			{"query cursor", alice, "GET", "/problems?cursor=%FF", nil, 400, "cursor"},
			{"search text", alice, "GET", "/known-errors?q=vpn%00", nil, 400, "q"},
			{"body string", alice, "POST", path + "/assign", `{"group":"g\u0000"}`, 400, "group"},
			{"body title", alice, "POST", "/problems", `{"title":"Mail\u0000"}`, 400, "title"},
			{"body list", alice, "POST", "/changes", `{"type":"normal","title":"t","config_items":["db1","\u0000"]}`, 400, "config_items"},
			{"body map", alice, "POST", "/incidents", `{"title":"t","attributes":{"site":"\u0000"}}`, 400, "attributes"},
			{"nested body", alice, "POST", "/changes", `{"type":"normal","title":"t","plans":{"test":"a\u0000"}}`, 400, "plans.test"},
			{"body not UTF-8", alice, "POST", "/problems", "{\"title\":\"caf\xe9\"}", 400, "title"},
			{"nested body not UTF-8", alice, "POST", "/changes", "{\"type\":\"normal\",\"title\":\"t\",\"plans\":{\"test\":\"a\xff\"}}", 400, "plans"},
			{"actor header", e.as("\xffalice"), "POST", path + "/comments", map[string]any{"text": "hi"}, 400, headerActor},
			{"roles header", alice.with(headerRoles, "desk,\xff"), "POST", path + "/comments", map[string]any{"text": "hi"}, 400, headerRoles},
		} {
			t.Run(tc.name, func(t *testing.T) { assert.Equal(t, "bad_request", tc.send(t).Code) })
		}
		e.nothingWritten(path)
	})
}

// TestListParametersAreCapped: a list parameter takes at most
// maxListValues distinct values (400 naming it beyond), and repeats count
// once, so that no request makes a query with thousands of bound values.
func TestListParametersAreCapped(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.openIncident(map[string]any{"title": "Mail is slow", "impact": 1, "urgency": 1})
		alice := e.as("alice")

		// 40,000 times the same priority is one value.
		p := into[page[*incident.Incident]](alice.get("/incidents?priority="+strings.Repeat("1,", 40000)+"1"), http.StatusOK)
		assert.Len(t, p.Items, 1)

		many := make([]string, maxListValues+1)
		for i := range many {
			many[i] = "s" + strings.Repeat("x", i)
		}
		r := alice.get("/incidents?state=" + strings.Join(many, ",")).expect(http.StatusBadRequest)
		assert.Equal(t, "state", r.apiError().Field)
		prios := make([]string, maxListValues+1)
		for i := range prios {
			prios[i] = strconv.Itoa(i + 1)
		}
		r = alice.get("/incidents?priority=" + strings.Join(prios, "&priority=")).expect(http.StatusBadRequest)
		apiErr := r.apiError()
		assert.Equal(t, "priority", apiErr.Field)
		assert.Contains(t, apiErr.Error, "at most 50")

		// Up to the cap, a list is a query like any other.
		ok := prios[:maxListValues]
		require.Equal(t, http.StatusOK, alice.get("/incidents?priority="+strings.Join(ok, ",")).Status)
	})
}

func TestQueryList(t *testing.T) {
	q := newQuery(httptest.NewRequest("GET", "/incidents?state=a,%20b,a&state=c,,b", nil), "state")
	assert.Equal(t, []string{"a", "b", "c"}, q.list("state"))
	assert.NoError(t, q.err)
}

// TestQueryFieldOf: the library's names for a filter's fields become the
// query parameters the client sent.
func TestQueryFieldOf(t *testing.T) {
	q := newQuery(httptest.NewRequest("GET", "/incidents", nil), "state", "priority", "cursor", "limit")
	for field, want := range map[string]string{"states": "state", "priorities": "priority", "priority": "priority",
		"after": "cursor", "limit": "limit", "nonsense": ""} {
		status, body := classify(q.fieldOf(lifecycle.Invalid(field, "bad")))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, want, body.Field, field)
	}
}

// TestCheckValueTextPaths: a NUL anywhere in a decoded value is found, and
// named by its path of object keys as encoding/json spells them (a tag's
// name, else the Go name); a field the tag leaves out is not looked at.
func TestCheckValueTextPaths(t *testing.T) {
	type inner struct {
		Tagged   string `json:"tagged,omitempty"`
		Untagged string
		Hidden   string `json:"-"`
	}
	type outer struct {
		In    *inner            `json:"in"`
		List  []inner           `json:"list"`
		Attrs map[string]string `json:"attrs"`
	}
	for _, c := range []struct {
		v     outer
		field string
	}{
		{outer{In: &inner{Tagged: "a\x00"}}, "k.in.tagged"},
		{outer{In: &inner{Untagged: "\x00"}}, "k.in.Untagged"},
		{outer{List: []inner{{}, {Tagged: "\x00"}}}, "k.list.tagged"},
		{outer{Attrs: map[string]string{"site": "\x00"}}, "k.attrs"},
		{outer{Attrs: map[string]string{"\x00": "x"}}, "k.attrs"},
		{outer{In: &inner{Hidden: "\x00"}}, ""},
		{outer{In: &inner{Tagged: "fine", Untagged: "é"}}, ""},
	} {
		err := checkValueText("k", reflect.ValueOf(c.v))
		if c.field == "" {
			assert.NoError(t, err, "%+v", c.v)
			continue
		}
		var re *requestError
		require.ErrorAs(t, err, &re, "%+v", c.v)
		assert.Equal(t, http.StatusBadRequest, re.Status)
		assert.Equal(t, c.field, re.Field, "%+v", c.v)
	}
}
