package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/stretchr/testify/assert"
)

// TestQueryMalformed: a query that does not decode is a 400 naming the
// parameter on every list endpoint, never a listing that ignores the
// filter, and an error quotes only a prefix of a long value.
func TestQueryMalformed(t *testing.T) {
	e := newEnv(t, testdb.SQLite)
	alice := e.as("alice")
	lists := map[string]string{
		"/incidents":    "group",
		"/changes":      "assignee",
		"/problems":     "group",
		"/known-errors": "q",
		"/services":     "owner",
		"/improvements": "service_id",
	}
	r := alice.get("/agreements?bogus=%")
	assert.Equal(t, http.StatusBadRequest, r.Status, "/agreements takes no parameters: %s", r.Body)
	for path, param := range lists {
		for _, tc := range []struct{ query, field string }{
			{param + "=%", param},
			{param + "=a%b", param},
			{param + "=%zz", param},
			{param + "=a;b", param},
			{"bogus=%", "bogus"},
			{"bogus=1", "bogus"},
			{"%=1", "query"},
			{"a;b=1", "query"},
			{"state=%", "state"},
		} {
			r := alice.get(path + "?" + tc.query)
			if !assert.Equal(t, http.StatusBadRequest, r.Status, "%s?%s: %s", path, tc.query, r.Body) {
				continue
			}
			assert.Equal(t, tc.field, r.apiError().Field, "%s?%s: %s", path, tc.query, r.Body)
		}
		long := strings.Repeat("x", 500_000)
		r := alice.get(path + "?" + param + "=%" + long)
		assert.Equal(t, http.StatusBadRequest, r.Status, path)
		assert.Less(t, len(r.Body), 1000, "%s: the error quotes a prefix of the value", path)
		r = alice.get(path + "?bogus" + long + "=1")
		assert.Equal(t, http.StatusBadRequest, r.Status, path)
		assert.Less(t, len(r.Body), 1000, "%s: the error quotes a prefix of the name", path)
		assert.Equal(t, http.StatusOK, alice.get(path+"?"+param+"=%25").Status, "%s: an escaped %% is a value like any other", path)
	}
}
