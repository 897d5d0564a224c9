package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

func TestProblemToKnownErrorAndFix(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		alice, bob := e.as("alice"), e.as("bob")

		// An incident waits on a problem.
		x := e.openIncident(map[string]any{"title": "VPN drops", "service": "remote-access"})
		ipath := "/incidents/" + x.ID
		alice.post(ipath+"/assign", map[string]any{"group": "network"}).expect(http.StatusOK)

		p := into[problem.Problem](alice.post("/problems", map[string]any{
			"title": "VPN gateway drops idle tunnels", "service": "remote-access", "config_item": "vpn-gw-1",
			"symptom": "Tunnels drop after 10 s idle", "incidents": []string{x.ID},
		}), http.StatusCreated)
		path := "/problems/" + p.ID
		alice.post(ipath+"/hold", map[string]any{"reason": "awaiting_problem", "problem": p.ID}).expect(http.StatusOK)

		// A guard refuses assessing without a group: 422, naming the field.
		r := alice.post(path+"/assess", nil).expect(http.StatusUnprocessableEntity)
		assert.Equal(t, "group", r.apiError().Field)
		alice.post(path+"/assess", map[string]any{"group": "network"}).expect(http.StatusOK)
		alice.post(path+"/confirm", map[string]any{"assignee": "bob"}).expect(http.StatusOK)

		// Recording the root cause and workaround makes it a known error,
		// which the desk finds by the caller's words.
		p = into[problem.Problem](bob.post(path+"/known-error", map[string]any{
			"root_cause": "Keep-alive timer of 10 s", "workaround": "Reconnect the VPN client",
		}), http.StatusOK)
		assert.True(t, p.IsKnownError())
		found := into[page[*problem.Problem]](e.anonymous().get("/known-errors?q=vpn+idle&service=remote-access"), http.StatusOK)
		require.Len(t, found.Items, 1)
		assert.Equal(t, p.ID, found.Items[0].ID)
		none := into[page[*problem.Problem]](e.anonymous().get("/known-errors?q=printer"), http.StatusOK)
		assert.Empty(t, none.Items)
		list := into[page[*problem.Problem]](e.anonymous().get("/problems?known_error=true&incident="+x.ID), http.StatusOK)
		assert.Len(t, list.Items, 1)

		// Fixing the problem resolves the incident waiting on it.
		bob.post(path+"/start-fix", map[string]any{"changes": []string{"CHG1"}}).expect(http.StatusOK)
		p = into[problem.Problem](bob.post(path+"/resolve", map[string]any{"notes": "Keep-alive raised to 60 s"}), http.StatusOK)
		assert.Equal(t, problem.StateResolved, p.State)
		got := into[incident.Incident](alice.get(ipath), http.StatusOK)
		assert.Equal(t, incident.StateResolved, got.State)
		assert.Equal(t, incident.CodeResolvedByProblem, got.ResolutionCode)

		// Reanalyzing needs the problem manager.
		bob.post(path+"/reanalyze", map[string]any{"notes": "It is back"}).expect(http.StatusForbidden)
		e.as("pat", problem.RoleProblemManager).post(path+"/reanalyze", map[string]any{"notes": "It is back"}).expect(http.StatusOK)
	})
}

func TestServicePortfolio(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		olga := e.as("olga")
		s := into[lifecycle.ITService](olga.post("/services", map[string]any{
			"name": "Remote access", "owner": "olga", "criticality": "high", "config_items": []string{"vpn-gw-1"},
		}), http.StatusCreated)
		path := "/services/" + s.ID
		assert.Equal(t, lifecycle.StatusRequirements, s.Status)

		for s.Status != lifecycle.StatusReleased {
			s = into[lifecycle.ITService](olga.ifMatch(s.Version).post(path+"/advance", nil), http.StatusOK)
		}
		// Going live needs an agreement.
		r := olga.post(path+"/advance", nil).expect(http.StatusUnprocessableEntity)
		assert.Equal(t, "agreements", r.apiError().Field)
		olga.post(path+"/agreements", map[string]any{"agreement": agreementResolution}).expect(http.StatusOK)
		s = into[lifecycle.ITService](olga.post(path+"/advance", map[string]any{"note": "Go live"}), http.StatusOK)
		assert.Equal(t, lifecycle.StatusOperational, s.Status)
		live := into[page[*lifecycle.ITService]](e.anonymous().get("/services?part=catalogue"), http.StatusOK)
		require.Len(t, live.Items, 1)

		// It cannot retire while an incident is open against it.
		x := e.openIncident(map[string]any{"title": "VPN slow", "service": s.ID})
		olga.post(path+"/phase-out", nil).expect(http.StatusOK)
		r = olga.post(path+"/retire", nil).expect(http.StatusUnprocessableEntity)
		assert.Equal(t, "invalid_transition", r.apiError().Code)
		e.as("alice").post("/incidents/"+x.ID+"/cancel", map[string]any{"reason": "wrong service"}).expect(http.StatusOK)
		e.as("eve").post(path+"/retire", nil).expect(http.StatusForbidden)
		s = into[lifecycle.ITService](olga.post(path+"/retire", nil), http.StatusOK)
		assert.Equal(t, lifecycle.StatusRetired, s.Status)

		// The improvement register works on services.
		s2 := into[lifecycle.ITService](olga.post("/services", map[string]any{"name": "E-mail"}), http.StatusCreated)
		imp := into[lifecycle.Improvement](olga.post("/improvements", map[string]any{
			"service_id": s2.ID, "title": "Faster restores", "measure": "mean time to restore", "baseline": "4h", "target": "2h",
		}), http.StatusCreated)
		olga.post("/improvements/"+imp.ID+"/approve", nil).expect(http.StatusOK)
		h := into[historyView](e.anonymous().get("/improvements/"+imp.ID+"/history"), http.StatusOK)
		assert.Len(t, h.History, 2)
	})
}
