package incident_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestAccessRulesAreData: the default rules are the Service's policy
// unless the host gives one, which may extend them or replace them.
func TestAccessRulesAreData(t *testing.T) {
	ctx := context.Background()
	ann := lifecycle.Actor{ID: "ann"}
	candidate := func(t *testing.T, access *lifecycle.AccessPolicy) (*incident.Service, *incident.Incident) {
		svc, err := incident.New(incident.Config{Store: incidenttest.NewStore(), Access: access, IDs: lifecycle.Sequence("INC", 3)})
		require.NoError(t, err)
		x, err := svc.Open(ctx, ann, incident.Open{Title: "Site down", Impact: 1, Urgency: 1})
		require.NoError(t, err)
		x, err = svc.ProposeMajor(ctx, ann, incident.ProposeMajor{ID: x.ID, Reason: "all of Lyon"})
		require.NoError(t, err)
		return svc, x
	}

	assert.Len(t, incident.AccessRules(), 2)
	svc, x := candidate(t, nil)
	_, err := svc.AcceptMajor(ctx, ann, incident.AcceptMajor{ID: x.ID})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden, "the default rules")

	svc, x = candidate(t, &lifecycle.AccessPolicy{})
	_, err = svc.AcceptMajor(ctx, ann, incident.AcceptMajor{ID: x.ID})
	assert.NoError(t, err, "a host policy replaces the default rules")

	extended := &lifecycle.AccessPolicy{Rules: append(incident.AccessRules(),
		lifecycle.Rule{Process: incident.Process, Event: string(incident.EventComment), Roles: []string{"agent"}})}
	svc, x = candidate(t, extended)
	_, err = svc.Comment(ctx, ann, incident.Comment{ID: x.ID, Text: "hello"})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden, "the host's rule")
	_, err = svc.AcceptMajor(ctx, ann, incident.AcceptMajor{ID: x.ID})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden, "and the default ones")
	_, err = svc.Comment(ctx, lifecycle.Actor{ID: "bob", Roles: []string{"agent"}}, incident.Comment{ID: x.ID, Text: "hello"})
	assert.NoError(t, err)
}
