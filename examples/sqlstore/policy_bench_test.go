package sqlstore

import (
	"context"
	"testing"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// BenchmarkPolicy times one work note through incident.Service on SQLite
// and PostgreSQL, without interceptors and with an AccessPolicy whose
// rule for the note asks the host's directory: the policy's cost next to
// a store's round trip.
func BenchmarkPolicy(b *testing.B) {
	policy := &lifecycle.AccessPolicy{
		Rules: []lifecycle.Rule{
			{Process: "incident", Event: "resolve", Roles: []string{"agent"}},
			{Process: "incident", Event: "close", Roles: []string{"agent"}},
			{Process: "incident", Event: "work_note", Relations: []lifecycle.Relation{lifecycle.RelationGroupMember}},
		},
		Members: lifecycle.MembershipFunc(func(_ context.Context, a lifecycle.Actor, group string) (bool, error) {
			return group == "desk" && a.ID == "alice", nil
		}),
	}
	for _, be := range testdb.Backends() {
		for _, c := range []struct {
			name string
			is   []lifecycle.Interceptor
		}{{"none", nil}, {"policy", []lifecycle.Interceptor{policy}}} {
			b.Run(be.Name+"/"+c.name, func(b *testing.B) {
				if be.Name == testdb.Postgres.Name && !testdb.HavePostgres() {
					b.Skip("ITSM_TEST_POSTGRES_URL not set")
				}
				ctx := context.Background()
				db := openDB(b, be)
				svc, err := incident.New(incident.Config{Store: db.Incidents(), Interceptors: c.is, IDs: lifecycle.Sequence("INC", 3)})
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
}
