package incident_test

import (
	"context"
	"testing"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// BenchmarkPolicy times one work note through the Service in memory,
// without interceptors and with an AccessPolicy of a dozen rules, one of
// which guards the note by group membership: what asking the policy adds
// to an operation (a copy of the record for the policy's view of it as
// stored, the snapshots and the rules).
func BenchmarkPolicy(b *testing.B) {
	events := []string{"assign", "hold", "resume", "resolve", "reopen", "close", "cancel", "update", "comment", "accept_major", "reject_major"}
	var rules []lifecycle.Rule
	for _, e := range events {
		rules = append(rules, lifecycle.Rule{Process: "incident", Event: e, Roles: []string{"agent"}})
	}
	rules = append(rules, lifecycle.Rule{Process: "incident", Event: "work_note", Relations: []lifecycle.Relation{lifecycle.RelationGroupMember}})
	policy := &lifecycle.AccessPolicy{Rules: rules, Members: lifecycle.MembershipFunc(func(_ context.Context, a lifecycle.Actor, group string) (bool, error) {
		return group == "desk" && a.ID == "alice", nil
	})}
	for _, c := range []struct {
		name string
		is   []lifecycle.Interceptor
	}{{"none", nil}, {"policy", []lifecycle.Interceptor{policy}}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			svc, err := incident.New(incident.Config{Store: incidenttest.NewStore(), Interceptors: c.is, IDs: lifecycle.Sequence("INC", 3)})
			if err != nil {
				b.Fatal(err)
			}
			alice := lifecycle.Actor{ID: "alice", Roles: []string{"agent"}}
			x, err := svc.Open(ctx, alice, incident.Open{Title: "VPN down", Group: "desk"})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.WorkNote(ctx, alice, incident.WorkNote{ID: x.ID, Text: "still looking"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
