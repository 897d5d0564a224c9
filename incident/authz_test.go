package incident_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestAuthorizationTable is the who-may-do-what table of the major
// incident: anyone may propose a candidate; only holders of
// RoleMajorIncidentManager may accept or reject it; the library's System
// actor may do none of these, as no follow-up of the library does. Roles
// match exactly (no case folding). A refusal is
// ErrForbidden through the Service, stores nothing and notifies nothing; an
// actor without an ID is ErrValidation.
func TestAuthorizationTable(t *testing.T) {
	actors := []lifecycle.Actor{
		{ID: "ann"},
		{ID: "caller"},
		{ID: "mim", Roles: []string{incident.RoleMajorIncidentManager}},
		{ID: "other", Roles: []string{"change-manager", "problem-manager"}},
		{ID: "shouty", Roles: []string{"Major-Incident-Manager"}},
		lifecycle.System,
		{ID: ""},
	}
	mayDecide := map[string]bool{"mim": true}
	ops := map[string]func(id string) incident.Command{
		"propose": func(id string) incident.Command { return incident.ProposeMajor{ID: id, Reason: "whole site down"} },
		"accept":  func(id string) incident.Command { return incident.AcceptMajor{ID: id, Note: "agreed"} },
		"reject":  func(id string) incident.Command { return incident.RejectMajor{ID: id, Reason: "one user only"} },
	}
	for opName, op := range ops {
		for _, actor := range actors {
			t.Run(opName+"/"+actor.ID, func(t *testing.T) {
				ctx := context.Background()
				rec := &incidenttest.Recorder{}
				svc, err := incident.New(incident.Config{Store: incidenttest.NewStore(), Notifier: rec})
				require.NoError(t, err)
				inc, err := svc.Open(ctx, lifecycle.Actor{ID: "ann"}, incident.Open{Title: "Site down", Impact: 1, Urgency: 1})
				require.NoError(t, err)
				if opName != "propose" {
					inc, err = svc.ProposeMajor(ctx, lifecycle.Actor{ID: "ann"}, incident.ProposeMajor{ID: inc.ID, Reason: "whole site down"})
					require.NoError(t, err)
				}
				rec.Reset()
				before, err := svc.Get(ctx, inc.ID)
				require.NoError(t, err)

				got, err := svc.Do(ctx, actor, op(inc.ID))
				stored, gerr := svc.Get(ctx, inc.ID)
				require.NoError(t, gerr)
				switch {
				case actor.ID == "":
					assert.ErrorIs(t, err, lifecycle.ErrValidation)
				case opName == "propose" && !actor.IsSystem() || mayDecide[actor.ID]:
					require.NoError(t, err)
					assert.Equal(t, inc.Version+1, got.Version)
					assert.Len(t, rec.Events(), 1)
					return
				default:
					assert.True(t, errors.Is(err, lifecycle.ErrForbidden), "%v", err)
				}
				assert.Nil(t, got)
				assert.Equal(t, before, stored, "a refused operation changes nothing")
				assert.Empty(t, rec.Events(), "and notifies nothing")
			})
		}
	}
}
