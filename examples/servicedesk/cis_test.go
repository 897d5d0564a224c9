package main

import (
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/lifecycle"
)

// roleConfigManager is the role testdata/policy.json lets retire CIs
// (besides their owner).
const roleConfigManager = "configuration-manager"

// sqliteEnv is a desk on a private in-memory SQLite database: the CIs
// live in the desk's memory whatever the database.
func sqliteEnv(t *testing.T) *env {
	return newEnv(t, backend{Name: "sqlite", DSN: func(testing.TB) string { return ":memory:" }})
}

// newCI records a CI through the API and returns it as stored.
func newCI(t *testing.T, c *client, body map[string]any) *cmdb.CI {
	t.Helper()
	res := c.post("/cis", body).expect(http.StatusCreated)
	var x cmdb.CI
	res.decode(&x)
	assert.Equal(t, "/cis/"+url.PathEscape(x.ID), res.Header.Get("Location"))
	assert.Equal(t, `"1"`, res.Header.Get("ETag"))
	return &x
}

// operational is the body of a CI in service.
func operational(class, name string, crit cmdb.Criticality) map[string]any {
	return map[string]any{"class": class, "name": name, "status": "operational", "criticality": string(crit), "group": "ops"}
}

// mailCMDB is the tests' configuration: the business services Mail
// (critical) and Calendar (high); mail-app runs on the VM mx-1, which
// runs on host-7; cal-app depends on mail-app (it sends the invitations)
// and runs on cal-1, also on host-7; mail-app keeps its mailboxes in
// mail-db.
type mailCMDB struct {
	mail, calendar, mailApp, calApp, mailDB, mx1, cal1, host7 *cmdb.CI
}

func buildMailCMDB(t *testing.T, c *client) mailCMDB {
	t.Helper()
	var m mailCMDB
	m.mail = newCI(t, c, operational("business_service", "Mail", cmdb.CriticalityCritical))
	m.calendar = newCI(t, c, operational("business_service", "Calendar", cmdb.CriticalityHigh))
	m.mailApp = newCI(t, c, operational("application", "mail-app", cmdb.CriticalityHigh))
	m.calApp = newCI(t, c, operational("application", "cal-app", cmdb.CriticalityMedium))
	m.mailDB = newCI(t, c, operational("database", "mail-db", cmdb.CriticalityHigh))
	m.mx1 = newCI(t, c, operational("vm", "mx-1", cmdb.CriticalityMedium))
	m.cal1 = newCI(t, c, operational("vm", "cal-1", cmdb.CriticalityLow))
	m.host7 = newCI(t, c, operational("server", "host-7", cmdb.CriticalityMedium))
	for _, r := range []struct {
		parent *cmdb.CI
		typ    string
		child  *cmdb.CI
	}{
		{m.mail, cmdb.TypeDependsOn, m.mailApp},
		{m.calendar, cmdb.TypeDependsOn, m.calApp},
		{m.mailApp, cmdb.TypeRunsOn, m.mx1},
		{m.mailApp, cmdb.TypeDependsOn, m.mailDB},
		{m.calApp, cmdb.TypeDependsOn, m.mailApp},
		{m.calApp, cmdb.TypeRunsOn, m.cal1},
		{m.mx1, cmdb.TypeRunsOn, m.host7},
		{m.cal1, cmdb.TypeRunsOn, m.host7},
		{m.mailDB, cmdb.TypeRunsOn, m.host7},
	} {
		c.post("/cis/"+r.parent.ID+"/relationships", map[string]any{"type": r.typ, "child": r.child.ID}).expect(http.StatusOK)
	}
	return m
}

// ids returns the IDs of affected CIs, in order.
func ids(as []cmdb.Affected) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func TestCIRecordsAndCommands(t *testing.T) {
	e := sqliteEnv(t)
	carl := e.as("carl")

	vm := newCI(t, carl, map[string]any{"class": "vm", "name": "mx-1", "group": "messaging", "attributes": map[string]string{"ip": "10.0.0.7"}})
	assert.Equal(t, cmdb.StatusPlanned, vm.Status)
	path := "/cis/" + vm.ID
	res := carl.get(path).expect(http.StatusOK)
	assert.Equal(t, `"1"`, res.Header.Get("ETag"))
	got := into[cmdb.CI](carl.get(path), http.StatusOK)
	assert.Equal(t, "10.0.0.7", got.Attributes["ip"])

	// Update, then every status command, each a version.
	got = into[cmdb.CI](carl.ifMatch(1).patch(path, map[string]any{"owner": "gina", "criticality": "high"}), http.StatusOK)
	assert.Equal(t, int64(2), got.Version)
	assert.Equal(t, "gina", got.Owner)
	assert.Equal(t, cmdb.CriticalityHigh, got.Criticality)
	for _, s := range []struct {
		action string
		body   any
		want   cmdb.Status
	}{
		{"install", nil, cmdb.StatusInstalled},
		{"operate", nil, cmdb.StatusOperational},
		{"maintain", map[string]any{"reason": "patching"}, cmdb.StatusMaintenance},
		{"restore", nil, cmdb.StatusOperational},
		{"degrade", map[string]any{"reason": "one disk lost"}, cmdb.StatusDegraded},
		{"restore", nil, cmdb.StatusOperational},
	} {
		before := got.Version
		got = into[cmdb.CI](carl.ifMatch(before).post(path+"/"+s.action, s.body), http.StatusOK)
		assert.Equal(t, s.want, got.Status, s.action)
		assert.Equal(t, before+1, got.Version, s.action)
	}
	// The owner may retire it (the policy's cmdb.retire row).
	got = into[cmdb.CI](e.as("gina").post(path+"/retire", map[string]any{"reason": "replaced by mx-2"}), http.StatusOK)
	assert.Equal(t, cmdb.StatusRetired, got.Status)

	// The audit trail, paged.
	h := into[struct {
		ID      string             `json:"id"`
		Version int64              `json:"version"`
		History []lifecycle.Record `json:"history"`
		Next    int                `json:"next"`
	}](carl.get(path+"/history?limit=3"), http.StatusOK)
	assert.Equal(t, got.Version, h.Version)
	require.Len(t, h.History, 3)
	assert.Equal(t, []string{"create", "update", "install"}, []string{h.History[0].Event, h.History[1].Event, h.History[2].Event})
	assert.Equal(t, 3, h.Next)
	rest := into[struct {
		History []lifecycle.Record `json:"history"`
	}](carl.get(path+"/history?after=3"), http.StatusOK)
	require.Len(t, rest.History, int(got.Version)-3)
	assert.Equal(t, "retire", rest.History[len(rest.History)-1].Event)
	assert.Equal(t, "gina", rest.History[len(rest.History)-1].Actor)

	// The desk's notifier heard each change.
	e.delivered(vm.ID, "created")
	e.delivered(vm.ID, "retire")
}

func TestCIList(t *testing.T) {
	e := sqliteEnv(t)
	carl := e.as("carl")
	m := buildMailCMDB(t, carl)
	planned := newCI(t, carl, map[string]any{"class": "server", "name": "host-8", "group": "dc"})
	list := func(q string) []string {
		t.Helper()
		p := into[page[*cmdb.CI]](carl.get("/cis?"+q), http.StatusOK)
		out := []string{}
		for _, x := range p.Items {
			out = append(out, x.Name)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"mx-1", "cal-1"}, list("class=vm"))
	assert.ElementsMatch(t, []string{"Mail", "Calendar"}, list("class=business_service&status=operational"))
	assert.Equal(t, []string{"host-8"}, list("status=planned"))
	assert.Equal(t, []string{"host-8"}, list("group=dc"))
	assert.Empty(t, list("class=firewall"), "a class of the tree that no CI has")
	assert.Len(t, list("status=operational,planned"), 9)

	// Pages of two, in ID order, to the end.
	var seen []string
	next := ""
	for {
		p := into[page[*cmdb.CI]](carl.get("/cis?limit=2&cursor="+url.QueryEscape(next)), http.StatusOK)
		require.LessOrEqual(t, len(p.Items), 2)
		for _, x := range p.Items {
			seen = append(seen, x.ID)
		}
		if next = p.Next; next == "" {
			break
		}
	}
	assert.Len(t, seen, 9)
	assert.IsIncreasing(t, seen)
	assert.Contains(t, seen, planned.ID)
	assert.Contains(t, seen, m.host7.ID)
}

func TestCIRelationships(t *testing.T) {
	e := sqliteEnv(t)
	carl := e.as("carl")
	m := buildMailCMDB(t, carl)

	type view struct {
		ID            string `json:"id"`
		Version       int64  `json:"version"`
		Relationships []struct {
			Parent    string `json:"parent"`
			Type      string `json:"type"`
			Child     string `json:"child"`
			By        string `json:"by"`
			Direction string `json:"direction"`
			Reads     string `json:"reads"`
		} `json:"relationships"`
	}
	rels := func(q string) []string {
		t.Helper()
		v := into[view](carl.get("/cis/"+m.mx1.ID+"/relationships"+q), http.StatusOK)
		assert.Equal(t, m.mx1.ID, v.ID)
		out := []string{}
		for _, r := range v.Relationships {
			assert.Equal(t, "carl", r.By)
			out = append(out, r.Direction+" "+r.Reads+" "+r.Parent+">"+r.Child)
		}
		return out
	}
	assert.ElementsMatch(t, []string{
		"incoming hosts " + m.mailApp.ID + ">" + m.mx1.ID,
		"outgoing runs_on " + m.mx1.ID + ">" + m.host7.ID,
	}, rels(""))
	assert.Equal(t, []string{"incoming hosts " + m.mailApp.ID + ">" + m.mx1.ID}, rels("?direction=incoming"))
	assert.Equal(t, []string{"outgoing runs_on " + m.mx1.ID + ">" + m.host7.ID}, rels("?direction=outgoing&type=runs_on"))
	assert.Empty(t, rels("?type=depends_on"))

	// A type of the policy, on a class of the policy.
	fw := newCI(t, carl, operational("firewall", "fw-1", cmdb.CriticalityHigh))
	x := into[cmdb.CI](carl.post("/cis/"+m.mailApp.ID+"/relationships", map[string]any{"type": "protected_by", "child": fw.ID}), http.StatusOK)
	_, ok := x.Relationship("protected_by", fw.ID)
	assert.True(t, ok)

	// Unrelating, then relating again.
	relPath := "/cis/" + m.mailApp.ID + "/relationships/runs_on/" + url.PathEscape(m.mx1.ID)
	x = into[cmdb.CI](carl.do(http.MethodDelete, relPath, map[string]any{"reason": "moved to mx-2"}), http.StatusOK)
	_, ok = x.Relationship(cmdb.TypeRunsOn, m.mx1.ID)
	assert.False(t, ok)
	assert.Equal(t, []string{"outgoing runs_on " + m.mx1.ID + ">" + m.host7.ID}, rels(""))
	carl.do(http.MethodDelete, relPath, nil).expect(http.StatusNotFound)
	carl.post("/cis/"+m.mailApp.ID+"/relationships", map[string]any{"type": "runs_on", "child": m.mx1.ID}).expect(http.StatusOK)
	assert.Len(t, rels(""), 2)
}

func TestCIImpact(t *testing.T) {
	e := sqliteEnv(t)
	carl := e.as("carl")
	m := buildMailCMDB(t, carl)
	impact := func(id, q string) *impactView {
		t.Helper()
		return into[impactView](carl.get("/cis/"+id+q), http.StatusOK)
	}

	// mx-1 failing: mail-app, then Mail and cal-app, then Calendar.
	im := impact(m.mx1.ID, "/impact")
	assert.Equal(t, m.mx1.ID, im.ID)
	assert.Equal(t, cmdb.DefaultDepth, im.Depth)
	assert.Equal(t, []string{m.mailApp.ID}, ids(im.CIs[:1]))
	assert.ElementsMatch(t, []string{m.mail.ID, m.calApp.ID}, ids(im.CIs[1:3]))
	assert.Equal(t, []string{m.calendar.ID}, ids(im.CIs[3:]))
	require.Len(t, im.Services, 2)
	byID := map[string]cmdb.Affected{}
	for _, s := range im.Services {
		byID[s.ID] = s
	}
	mail, calendar := byID[m.mail.ID], byID[m.calendar.ID]
	assert.Equal(t, "Mail", mail.Name)
	assert.Equal(t, cmdb.CriticalityCritical, mail.Criticality)
	assert.Equal(t, 2, mail.Depth)
	assert.Equal(t, []string{m.mx1.ID, m.mailApp.ID, m.mail.ID}, mail.Path)
	assert.Equal(t, cmdb.CriticalityHigh, calendar.Criticality)
	assert.Equal(t, 3, calendar.Depth)
	assert.Equal(t, []string{m.mx1.ID, m.mailApp.ID, m.calApp.ID, m.calendar.ID}, calendar.Path)

	// One step only: no business service yet.
	im = impact(m.mx1.ID, "/impact?depth=1")
	assert.Equal(t, 1, im.Depth)
	assert.Equal(t, []string{m.mailApp.ID}, ids(im.CIs))
	assert.Empty(t, im.Services)
	assert.NotNil(t, im.Services, "an empty list, not null")

	// host-7 failing takes everything with it.
	im = impact(m.host7.ID, "/impact")
	assert.Len(t, im.CIs, 7)
	assert.ElementsMatch(t, []string{m.mail.ID, m.calendar.ID}, ids(im.Services))

	// What Mail depends on, down to host-7.
	im = impact(m.mail.ID, "/dependencies")
	assert.Equal(t, []string{m.mailApp.ID}, ids(im.CIs[:1]))
	assert.ElementsMatch(t, []string{m.mx1.ID, m.mailDB.ID}, ids(im.CIs[1:3]))
	assert.Equal(t, []string{m.host7.ID}, ids(im.CIs[3:]))
	assert.Empty(t, im.Services)
	im = impact(m.mail.ID, "/dependencies?depth=2")
	assert.Len(t, im.CIs, 3)
}

func TestCIRetireInUse(t *testing.T) {
	e := sqliteEnv(t)
	carl, boss := e.as("carl"), e.as("carl", roleConfigManager)
	m := buildMailCMDB(t, carl)
	path := "/cis/" + m.mx1.ID

	// Only a configuration manager or the owner may retire (the policy).
	r := carl.post(path+"/retire", map[string]any{"reason": "old"}).expect(http.StatusForbidden)
	assert.Contains(t, r.apiError().Error, "cmdb.retire")

	// mail-app, in service, runs on it: 409 with the dependents.
	apiErr := boss.post(path+"/retire", map[string]any{"reason": "old"}).expect(http.StatusConflict).apiError()
	assert.Equal(t, "in_use", apiErr.Code)
	assert.Equal(t, []string{m.mailApp.ID}, apiErr.Dependents)
	assert.Equal(t, cmdb.StatusOperational, into[cmdb.CI](carl.get(path), http.StatusOK).Status)

	// Moved off it, it retires.
	carl.do(http.MethodDelete, "/cis/"+m.mailApp.ID+"/relationships/runs_on/"+m.mx1.ID, nil).expect(http.StatusOK)
	got := into[cmdb.CI](boss.post(path+"/retire", map[string]any{"reason": "old"}), http.StatusOK)
	assert.Equal(t, cmdb.StatusRetired, got.Status)
	// A retired CI takes no new dependents.
	assert.Equal(t, "child", carl.post("/cis/"+m.mailApp.ID+"/relationships", map[string]any{"type": "runs_on", "child": m.mx1.ID}).
		expect(http.StatusBadRequest).apiError().Field)
}

func TestCIRefusals(t *testing.T) {
	e := sqliteEnv(t)
	carl := e.as("carl")
	m := buildMailCMDB(t, carl)
	mx, app := "/cis/"+m.mx1.ID, "/cis/"+m.mailApp.ID
	relate := func(typ, child string) map[string]any { return map[string]any{"type": typ, "child": child} }
	before := versionsOf(t, carl)
	require.Len(t, before, 8)
	for _, tc := range []badCall{
		{"unknown class", carl, "POST", "/cis", map[string]any{"class": "unicorn", "name": "x"}, 400, "class"},
		{"no class", carl, "POST", "/cis", map[string]any{"name": "x"}, 400, "class"},
		{"no name", carl, "POST", "/cis", map[string]any{"class": "vm"}, 400, "name"},
		{"unknown criticality", carl, "POST", "/cis", map[string]any{"class": "vm", "name": "x", "criticality": "huge"}, 400, "criticality"},
		{"unknown status", carl, "POST", "/cis", map[string]any{"class": "vm", "name": "x", "status": "broken"}, 400, "status"},
		{"recorded retired", carl, "POST", "/cis", map[string]any{"class": "vm", "name": "x", "status": "retired"}, 400, "status"},
		{"unknown key", carl, "POST", "/cis", map[string]any{"class": "vm", "name": "x", "colour": "red"}, 400, "colour"},
		{"attributes not text", carl, "POST", "/cis", map[string]any{"class": "vm", "name": "x", "attributes": map[string]int{"cpus": 4}}, 400, "attributes"},
		{"no actor", e.anonymous(), "POST", "/cis", map[string]any{"class": "vm", "name": "x"}, 401, "X-Actor"},

		{"unknown class filter", carl, "GET", "/cis?class=unicorn", nil, 400, "class"},
		{"two classes", carl, "GET", "/cis?class=vm,server", nil, 400, "class"},
		{"unknown status filter", carl, "GET", "/cis?status=broken", nil, 400, "status"},
		{"unknown query parameter", carl, "GET", "/cis?colour=red", nil, 400, "colour"},
		{"bad limit", carl, "GET", "/cis?limit=x", nil, 400, "limit"},
		{"malformed query", carl, "GET", "/cis?group=%", nil, 400, "group"},
		{"read without actor", e.anonymous(), "GET", mx, nil, 401, "X-Actor"},

		{"unknown CI", carl, "GET", "/cis/CI404", nil, 404, ""},
		{"history of an unknown CI", carl, "GET", "/cis/CI404/history", nil, 404, ""},
		{"relationships of an unknown CI", carl, "GET", "/cis/CI404/relationships", nil, 404, ""},
		{"impact of an unknown CI", carl, "GET", "/cis/CI404/impact", nil, 404, ""},
		{"dependencies of an unknown CI", carl, "GET", "/cis/CI404/dependencies", nil, 404, ""},
		{"command on an unknown CI", carl, "POST", "/cis/CI404/install", nil, 404, ""},
		{"update of an unknown CI", carl, "PATCH", "/cis/CI404", map[string]any{"name": "x"}, 404, ""},

		{"unknown criticality in an update", carl, "PATCH", mx, map[string]any{"criticality": "huge"}, 400, "criticality"},
		{"other id in body", carl, "POST", mx + "/maintain", map[string]any{"id": m.host7.ID}, 400, "id"},
		{"bad If-Match", carl.with("If-Match", "yesterday"), "POST", mx + "/maintain", nil, 400, "If-Match"},
		{"install an operational CI", carl, "POST", mx + "/install", nil, 422, ""},

		{"unknown relationship type", carl, "POST", app + "/relationships", relate("feeds", m.mx1.ID), 400, "type"},
		{"no child", carl, "POST", app + "/relationships", relate("runs_on", ""), 400, "child"},
		{"unknown child", carl, "POST", app + "/relationships", relate("runs_on", "CI404"), 400, "child"},
		{"self-relationship", carl, "POST", app + "/relationships", relate("runs_on", m.mailApp.ID), 400, "child"},
		{"relationship to an unknown CI", carl, "POST", "/cis/CI404/relationships", relate("runs_on", m.mx1.ID), 404, ""},
		{"unrelate an unknown type", carl, "DELETE", app + "/relationships/feeds/" + m.mx1.ID, nil, 400, "type"},
		{"unrelate what is not related", carl, "DELETE", app + "/relationships/runs_on/" + m.host7.ID, nil, 404, ""},
		{"other child in body", carl, "DELETE", app + "/relationships/runs_on/" + m.mx1.ID, map[string]any{"child": m.host7.ID}, 400, "child"},
		{"unknown relationships direction", carl, "GET", mx + "/relationships?direction=sideways", nil, 400, "direction"},
		{"unknown relationships type", carl, "GET", mx + "/relationships?type=feeds", nil, 400, "type"},
		{"relationships query", carl, "GET", mx + "/relationships?depth=1", nil, 400, "depth"},

		{"depth 0", carl, "GET", mx + "/impact?depth=0", nil, 400, "depth"},
		{"depth too deep", carl, "GET", mx + "/impact?depth=51", nil, 400, "depth"},
		{"depth not a number", carl, "GET", mx + "/impact?depth=deep", nil, 400, "depth"},
		{"negative depth", carl, "GET", mx + "/dependencies?depth=-1", nil, 400, "depth"},
		{"two depths", carl, "GET", mx + "/impact?depth=1&depth=2", nil, 400, "depth"},
		{"impact query", carl, "GET", mx + "/impact?direction=down", nil, 400, "direction"},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.send(t) })
	}

	// A relationship the CI holds already is a 409 of its own.
	dup := badCall{"duplicate", carl, "POST", app + "/relationships", relate("runs_on", m.mx1.ID), 409, ""}.send(t)
	assert.Equal(t, "duplicate", dup.Code)
	// A stale If-Match is the plain conflict.
	stale := badCall{"stale", carl.ifMatch(1), "POST", mx + "/maintain", nil, 409, ""}.send(t)
	assert.Equal(t, "conflict", stale.Code)

	// None of it was stored: every CI stands at its version, and no CI
	// was added.
	assert.Equal(t, before, versionsOf(t, carl))
}

// versionsOf returns the version of every CI, by ID.
func versionsOf(t *testing.T, c *client) map[string]int64 {
	t.Helper()
	v := map[string]int64{}
	for _, x := range into[page[*cmdb.CI]](c.get("/cis"), http.StatusOK).Items {
		v[x.ID] = x.Version
	}
	return v
}

// TestBadCMDBPolicyFailsStartUp: a class tree, type or access rule the
// library refuses stops the desk from starting, named in the error.
func TestBadCMDBPolicyFailsStartUp(t *testing.T) {
	for name, tc := range map[string]struct {
		spoil func(p *cmdbPolicy)
		want  string
	}{
		"unknown parent":    {func(p *cmdbPolicy) { p.Classes = append(p.Classes, ciClass{Name: "rack", Parent: "room"}) }, `"room"`},
		"duplicate class":   {func(p *cmdbPolicy) { p.Classes = append(p.Classes, ciClass{Name: "vm"}) }, `"vm"`},
		"unknown flow":      {func(p *cmdbPolicy) { p.Types = append(p.Types, ciType{Name: "feeds", Flow: "sideways"}) }, "sideways"},
		"built-in type":     {func(p *cmdbPolicy) { p.Types = append(p.Types, ciType{Name: "runs_on", Flow: cmdb.FlowUp}) }, "runs_on"},
		"service class":     {func(p *cmdbPolicy) { p.ServiceClass = "unicorn" }, "unicorn"},
		"other process":     {func(p *cmdbPolicy) { p.Access[0].Process = "incident" }, "cmdb.access[0]"},
		"unknown event":     {func(p *cmdbPolicy) { p.Access[0].Event = "demolish" }, "demolish"},
		"rule without role": {nil, ""},
	} {
		t.Run(name, func(t *testing.T) {
			p := testPolicy(t)
			if tc.spoil == nil {
				p.CMDB.Access = append(p.CMDB.Access, lifecycle.Rule{Event: "relate", Roles: []string{"architect"}})
				d, err := newDesk(t.Context(), options{DSN: ":memory:", Policy: p, Log: slog.New(slog.DiscardHandler)})
				require.NoError(t, err, "a valid rule")
				require.NoError(t, d.Close())
				return
			}
			tc.spoil(&p.CMDB)
			_, err := newDesk(t.Context(), options{DSN: ":memory:", Policy: p, Log: slog.New(slog.DiscardHandler)})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "policy cmdb")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestZeroCMDBPolicy: without a cmdb part the desk has the default class
// tree and rules: anyone may retire a CI nothing depends on, and the
// policy file's firewall class is unknown.
func TestZeroCMDBPolicy(t *testing.T) {
	d, err := newDesk(t.Context(), options{DSN: ":memory:", Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer d.Close()
	w := &walker{t: t, h: d.handler()}
	id := w.must("carl", "POST", "/cis", map[string]any{"class": "server", "name": "host-9", "status": "operational"})
	status, _, _ := w.send("carl", "POST", "/cis/"+id+"/retire", nil)
	assert.Equal(t, http.StatusOK, status)
	status, apiErr, _ := w.send("carl", "POST", "/cis", map[string]any{"class": "firewall", "name": "fw-1"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "class", apiErr.Field)
}

func TestClassifyCMDB(t *testing.T) {
	inUse := &lifecycle.TransitionError{Process: cmdb.Process, From: "operational", Event: "retire",
		Reason: &cmdb.InUseError{CI: "mx-1", Dependents: []string{"mail-app"}}}
	status, body := classify(inUse)
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "in_use", body.Code)
	assert.Equal(t, []string{"mail-app"}, body.Dependents)

	status, body = classify(&duplicateError{err: lifecycle.Invalid("relationship", "exists already")})
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "duplicate", body.Code)

	// The same validation error, not known to be a duplicate, stays a 400.
	status, _ = classify(lifecycle.Invalid("relationship", "exists already"))
	assert.Equal(t, http.StatusBadRequest, status)
}

// ciFixtures are CIs for the walk of fields_test.go, in the statuses the
// commands act on, owned by the walk's actor (so that the policy lets it
// retire them); "related" runs on another CI.
func ciFixtures() []fixture {
	ci := func(status string) map[string]any {
		return map[string]any{"class": "vm", "name": "walk", "status": status, "owner": "root"}
	}
	return []fixture{
		steps("planned", "cis", ci("planned")),
		steps("installed", "cis", ci("installed")),
		steps("degraded", "cis", ci("operational"), step("degrade", map[string]any{"reason": "r"})),
		{"related", func(w *walker) string {
			w.built++
			host := w.must("root", "POST", "/cis", map[string]any{"class": "server", "name": "walk-host", "status": "operational"})
			id := w.must("alice", "POST", "/cis", ci("operational"))
			w.must("root", "POST", "/cis/"+id+"/relationships", map[string]any{"type": "runs_on", "child": host})
			return id
		}},
	}
}
