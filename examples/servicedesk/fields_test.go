package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// walker drives the desk's handler in process (no network: the walk sends
// thousands of requests) as an actor holding every role, and as the
// requester of the changes it opens.
type walker struct {
	t     *testing.T
	h     http.Handler
	clock *lifecycletest.Clock
	n     int // requests sent
	built int // fixtures built
}

// walkRoles are every role the library checks, so that a refusal for want
// of a role never hides a validation error.
var walkRoles = strings.Join([]string{
	change.RoleChangeManager, change.RoleECAB, problem.RoleProblemManager,
	incident.RoleMajorIncidentManager, lifecycle.RoleServiceOwner,
}, ",")

// send sends body (JSON-encoded unless a string) and returns the status
// and the decoded error body (zero for a success).
func (w *walker) send(actor, method, path string, body any) (int, apiError, []byte) {
	w.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		buf, err := json.Marshal(b)
		require.NoError(w.t, err)
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set(headerActor, actor)
	req.Header.Set(headerRoles, walkRoles)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	w.n++
	var e apiError
	if rec.Code >= 400 {
		require.NoError(w.t, json.Unmarshal(rec.Body.Bytes(), &e), "%s %s: %s", method, path, rec.Body)
	}
	return rec.Code, e, rec.Body.Bytes()
}

// must sends a request that has to succeed and returns the record's ID.
func (w *walker) must(actor, method, path string, body any) string {
	w.t.Helper()
	status, _, b := w.send(actor, method, path, body)
	require.Less(w.t, status, 300, "%s %s %v: %s", method, path, body, b)
	var rec struct {
		ID string `json:"id"`
	}
	require.NoError(w.t, json.Unmarshal(b, &rec))
	return rec.ID
}

// fixture builds a record of one kind in one state, and builds it again
// (a new record) after a request of the walk changed it.
type fixture struct {
	name  string
	build func(w *walker) string
}

// steps returns a fixture that creates a record with the first request
// and applies the others to it ("{id}" in a path is the new record's ID).
func steps(name, kind string, create any, then ...[2]any) fixture {
	return fixture{name: name, build: func(w *walker) string {
		w.built++
		id := w.must("alice", "POST", "/"+kind, create)
		for _, s := range then {
			path := "/" + kind + "/" + id + "/" + s[0].(string)
			w.must("root", "POST", path, s[1])
		}
		return id
	}}
}

func step(action string, body any) [2]any { return [2]any{action, body} }

var ciSeq int

// walkChange is the body of a change of typ on a configuration item of
// its own (so that no two fixtures conflict), planned in the future.
func walkChange(typ change.Type, at time.Time) map[string]any {
	ciSeq++
	return map[string]any{
		"type": string(typ), "title": "Walk", "config_items": []string{fmt.Sprintf("walk-ci-%d", ciSeq)},
		"plans":         map[string]string{"implementation": "do", "backout": "undo", "test": "check"},
		"planned_start": at.Add(time.Duration(ciSeq) * 24 * time.Hour),
		"planned_end":   at.Add(time.Duration(ciSeq)*24*time.Hour + time.Hour),
	}
}

// normalPath is the way of a normal change to implementation: each step's
// actor (the requester or root) and action.
var normalPath = [][2]string{{"alice", "assess"}, {"alice", "request-approval"}, {"root", "approve"}, {"alice", "implement"}}

// normalSteps returns a fixture that creates a normal change (see
// walkChange) and takes the first n steps of normalPath.
func normalSteps(name string, n int) fixture {
	return fixture{name: name, build: func(w *walker) string {
		w.built++
		id := w.must("alice", "POST", "/changes", walkChange(change.Normal, w.clock.Now()))
		for _, s := range normalPath[:n] {
			w.must(s[0], "POST", "/changes/"+id+"/"+s[1], nil)
		}
		return id
	}}
}

// walkService is the body of a new service.
var walkService = map[string]any{"name": "Walk", "owner": "root"}

// improvement returns a fixture that proposes an improvement of a new
// service and applies actions to it.
func improvement(name string, actions ...string) fixture {
	return fixture{name: name, build: func(w *walker) string {
		w.built++
		s := w.must("root", "POST", "/services", walkService)
		id := w.must("root", "POST", "/improvements", map[string]any{"service_id": s, "title": "t", "measure": "m", "baseline": "b", "target": "t"})
		for _, a := range actions {
			w.must("root", "POST", "/improvements/"+id+"/"+a, nil)
		}
		return id
	}}
}

// fixtures returns, per kind of record, fixtures in the states that the
// commands act on.
func fixtures() map[string][]fixture {
	open := map[string]any{"title": "Walk", "impact": 2, "urgency": 2}
	assign := step("assign", map[string]any{"group": "g", "assignee": "ann"})
	prb := map[string]any{"title": "Walk", "symptom": "s"}
	toFix := [][2]any{ // a problem's way to a fix
		step("assess", map[string]any{"group": "g"}), step("confirm", map[string]any{"assignee": "ann"}),
		step("known-error", map[string]any{"root_cause": "rc", "workaround": "wa"}), step("start-fix", map[string]any{"changes": []string{"CHG1"}}),
	}
	advance := step("advance", nil)
	live := []([2]any){}
	for range 9 {
		live = append(live, advance)
	}
	live = append(live, step("agreements", map[string]any{"agreement": agreementResolution}), advance)
	return map[string][]fixture{
		"incidents": {
			steps("new", "incidents", open),
			steps("in progress", "incidents", open, assign),
			steps("on hold", "incidents", open, assign, step("hold", map[string]any{"reason": "awaiting_vendor"})),
			steps("resolved", "incidents", open, assign, step("resolve", map[string]any{"code": "solution_provided", "notes": "n"})),
			steps("major proposed", "incidents", open, assign, step("propose-major", map[string]any{"reason": "r"})),
		},
		"problems": {
			steps("new", "problems", prb),
			steps("assess", "problems", prb, toFix[:1]...),
			steps("analysis", "problems", prb, toFix[:2]...),
			steps("fix", "problems", prb, toFix...),
			steps("resolved", "problems", prb, append(slices.Clone(toFix), step("resolve", map[string]any{"notes": "n"}))...),
		},
		"changes": {
			normalSteps("normal new", 0),
			normalSteps("normal authorize", 2),
			normalSteps("normal scheduled", 3),
			normalSteps("normal implement", 4),
			{"emergency review", func(w *walker) string {
				id := w.must("alice", "POST", "/changes", walkChange(change.Emergency, w.clock.Now()))
				w.must("alice", "POST", "/changes/"+id+"/request-approval", nil)
				w.must("root", "POST", "/changes/"+id+"/approve", nil)
				if _, _, b := w.send("root", "GET", "/changes/"+id, nil); strings.Contains(string(b), `"state":"authorize"`) {
					w.must("root", "POST", "/changes/"+id+"/schedule", map[string]any{"override": true, "reason": "walk"})
				}
				w.must("alice", "POST", "/changes/"+id+"/implement", nil)
				w.clock.Advance(time.Minute)
				w.must("alice", "POST", "/changes/"+id+"/review", map[string]any{"outcome": "successful"})
				return id
			}},
		},
		"services": {
			steps("requirements", "services", walkService),
			steps("operational", "services", walkService, live...),
			steps("retiring", "services", walkService, append(slices.Clone(live), step("phase-out", nil))...),
		},
		"improvements": {
			improvement("proposed"),
			improvement("approved", "approve"),
		},
		"requests": requestFixtures(),
		"cis":      ciFixtures(),
	}
}

// walkBase are valid bodies of endpoints with required keys: the walk also
// sends each with one key spoiled, so that a later check is reached.
var walkBase = map[string]map[string]any{
	"POST /incidents":                            {"title": "t"},
	"POST /incidents/{id}/assign":                {"group": "g"},
	"POST /incidents/{id}/hold":                  {"reason": "awaiting_vendor"},
	"POST /incidents/{id}/resolve":               {"code": "solution_provided", "notes": "n"},
	"POST /incidents/{id}/escalate-functional":   {"group": "g2", "reason": "r"},
	"POST /incidents/{id}/escalate-hierarchical": {"level": 1, "reason": "r"},
	"POST /problems":                             {"title": "t"},
	"POST /changes/{id}/review":                  {"outcome": "successful"},
	"POST /changes/{id}/reject":                  {"comment": "c"},
	"POST /services":                             {"name": "n"},
	"POST /changes":                              {"type": "normal", "title": "t"},
	"POST /services/{id}/agreements":             {"agreement": agreementResolution},
	"POST /problems/{id}/known-error":            {"root_cause": "rc", "workaround": "wa"},
	"POST /problems/{id}/mark-duplicate":         {"original": "PRB-NONE"},
	"POST /requests":                             {"lines": []map[string]any{{"item": "mouse"}}},
	"POST /cis":                                  {"class": "vm", "name": "n"},
	"POST /cis/{id}/relationships":               {"type": "runs_on", "child": "CI-NONE"},
}

// badValues returns JSON values that a field of type t is likely to
// refuse, or that a command is likely to refuse for it.
func badValues(t reflect.Type) []any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[time.Time]() {
		return []any{"2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"}
	}
	switch t.Kind() {
	case reflect.String:
		return []any{""}
	case reflect.Bool:
		return []any{true}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return []any{99}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return []any{[]string{}, []string{""}}
		}
		return []any{[]any{map[string]any{}}}
	case reflect.Map:
		return []any{map[string]string{"": ""}}
	case reflect.Struct:
		return []any{map[string]any{}}
	}
	return nil
}

// TestErrorFieldsAreRequestKeys walks every endpoint that reads a body,
// on records in the states its command acts on, with an empty body and
// with each of its keys set to values likely to be refused. Every 400
// names a key of that endpoint's request (or a wildcard, a header, or
// nothing), never a field of the record the client did not send; a 422
// names a request key, or a field of the record that no key sets.
func TestErrorFieldsAreRequestKeys(t *testing.T) {
	clock := lifecycletest.NewClock(t0)
	d, err := newDesk(t.Context(), options{DSN: ":memory:", Policy: testPolicy(t), Clock: clock, Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer d.Close()
	w := &walker{t: t, h: d.handler(), clock: clock}

	fixes := fixtures()
	current := map[string][]string{} // kind -> the fixtures' record IDs
	for kind, fs := range fixes {
		for _, f := range fs {
			current[kind] = append(current[kind], f.build(w))
		}
	}
	routes := d.routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].pattern < routes[j].pattern })
	seen := map[string]map[string]bool{} // pattern -> fields named
	walked := 0
	for _, rt := range routes {
		if rt.in == nil {
			continue
		}
		walked++
		method, path, _ := strings.Cut(rt.pattern, " ")
		kind := strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
		keys := jsonFields(rt.in)
		allowed := map[string]bool{"": true, headerActor: true, headerRoles: true, "If-Match": true}
		for k := range keys {
			allowed[k] = true
		}
		for _, name := range rt.wildcards() {
			allowed[name] = true
		}
		bodies := []any{map[string]any{}}
		for _, k := range sortedKeys(keys) {
			for _, v := range badValues(keys[k].typ) {
				bodies = append(bodies, map[string]any{k: v})
				if base, ok := walkBase[rt.pattern]; ok {
					b := maps.Clone(base)
					b[k] = v
					bodies = append(bodies, b)
				}
			}
		}
		targets := []int{-1}
		if strings.Contains(path, "{id}") {
			targets = nil
			for i := range fixes[kind] {
				targets = append(targets, i)
			}
		}
		for _, i := range targets {
			for bi, body := range bodies {
				p := strings.NewReplacer("{agreement}", agreementResolution, "{config_item}", "walk-ci",
					"{item}", "{id}-1", "{task}", "{id}-1-1").Replace(path)
				if i >= 0 {
					p = strings.ReplaceAll(p, "{id}", current[kind][i])
				}
				status, apiErr, raw := w.send("root", method, p, body)
				where := fmt.Sprintf("%s on %v with %s: %s", rt.pattern, fixtureName(fixes, kind, i), mustJSON(body), raw)
				if bi == 0 && apiErr.Code == "invalid_transition" && apiErr.Field == "" &&
					(strings.Contains(apiErr.Error, "(allowed:") || strings.Contains(apiErr.Error, "(final state")) {
					break // the state does not take the command at all: no input is looked at
				}
				switch {
				case status < 300:
					if i >= 0 { // the record moved on: build its state again
						current[kind][i] = fixes[kind][i].build(w)
					}
				case status == http.StatusBadRequest:
					assert.True(t, allowed[fieldHead(apiErr.Field)], "400 names %q, which the client did not send: %s", apiErr.Field, where)
				case status == http.StatusUnprocessableEntity && apiErr.Field != "" && !allowed[apiErr.Field]:
					for k := range keys {
						assert.False(t, strings.HasSuffix(apiErr.Field, "_"+k),
							"422 names the record's %q, which key %q sets: %s", apiErr.Field, k, where)
					}
				case status >= 500:
					t.Errorf("%d: %s", status, where)
				}
				if apiErr.Field != "" {
					if seen[rt.pattern] == nil {
						seen[rt.pattern] = map[string]bool{}
					}
					seen[rt.pattern][apiErr.Field] = true
				}
			}
		}
	}
	t.Logf("%d endpoints, %d requests, %d fixtures built", walked, w.n, w.built)
	// The walk reaches the errors whose library field is the record's.
	for pattern, fields := range map[string][]string{
		"POST /changes/{id}/review":    {"end", "outcome"},
		"POST /changes/{id}/implement": {"start"},
		"POST /changes/{id}/close":     {"notes"},
		"POST /incidents/{id}/resolve": {"code", "notes"},
		"POST /incidents/{id}/hold":    {"reason"},
		"POST /incidents":              {"title", "impact"},
	} {
		for _, f := range fields {
			assert.True(t, seen[pattern][f], "%s never named %q (it named %v)", pattern, f, sortedKeys(seen[pattern]))
		}
	}
}

// fieldHead is the key a field names: "lines" for "lines[0].item",
// "plans" for "plans.test".
func fieldHead(field string) string {
	if i := strings.IndexAny(field, ".["); i >= 0 {
		return field[:i]
	}
	return field
}

func fixtureName(fixes map[string][]fixture, kind string, i int) string {
	if i < 0 {
		return "a new " + strings.TrimSuffix(kind, "s")
	}
	return fixes[kind][i].name + " " + strings.TrimSuffix(kind, "s")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestInputKey(t *testing.T) {
	for _, c := range []struct {
		in    reflect.Type
		field string
		key   string
		ok    bool
	}{
		{reflect.TypeFor[change.Review](), "actual_end", "end", true},
		{reflect.TypeFor[change.Implement](), "actual_start", "start", true},
		{reflect.TypeFor[change.Close](), "review_notes", "notes", true},
		{reflect.TypeFor[change.Approve](), "approver", headerActor, true},
		{reflect.TypeFor[change.Create](), "plans.test", "plans.test", true},
		{reflect.TypeFor[incident.Resolve](), "resolution_notes", "notes", true},
		{reflect.TypeFor[incident.Resolve](), "resolution_code", "code", true},
		{reflect.TypeFor[incident.Hold](), "hold_reason", "reason", true},
		{reflect.TypeFor[incident.Hold](), "reason", "reason", true},
		{reflect.TypeFor[incident.Update](), "update", "", false},
		{reflect.TypeFor[lifecycle.AdvanceService](), "agreements", "", false},
		{reflect.TypeFor[incident.Assign](), "actor", headerActor, true},
		{reflect.TypeFor[incident.Assign](), "", "", false},
	} {
		key, ok := inputKey(c.in, c.field)
		assert.Equal(t, c.key, key, "%v %s", c.in, c.field)
		assert.Equal(t, c.ok, ok, "%v %s", c.in, c.field)
	}
}
