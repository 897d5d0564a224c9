package incident_test

import (
	"context"
	"testing"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// filterFixture opens 24 incidents of varied state, group, assignee,
// priority, major status and parent.
func filterFixture(f *testing.F) []*incident.Incident {
	ctx := context.Background()
	store := incidenttest.NewStore()
	svc, err := incident.New(incident.Config{Store: store, IDs: lifecycle.Sequence("INC", 3)})
	if err != nil {
		f.Fatal(err)
	}
	a := lifecycle.Actor{ID: "ann", Roles: []string{incident.RoleMajorIncidentManager}}
	var all []*incident.Incident
	for i := range 24 {
		o := incident.Open{Title: "t", Impact: lifecycle.Impact(1 + i%3), Urgency: lifecycle.Urgency(1 + i/3%3)}
		if i > 0 && i%5 == 0 {
			o.Parent = all[0].ID
		}
		x, err := svc.Open(ctx, a, o)
		if err != nil {
			f.Fatal(err)
		}
		steps := []incident.Command{}
		if i%2 == 0 {
			steps = append(steps, incident.Assign{ID: x.ID, Group: []string{"net", "desk"}[i%4/2], Assignee: []string{"bob", "eve", ""}[i%3]})
		}
		if i%7 == 1 {
			steps = append(steps, incident.ProposeMajor{ID: x.ID, Reason: "r"})
		}
		if i%14 == 1 {
			steps = append(steps, incident.AcceptMajor{ID: x.ID})
		}
		if i%4 == 0 && i%5 != 0 {
			steps = append(steps, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "n"})
		}
		for _, c := range steps {
			if x, err = svc.Do(ctx, a, c); err != nil {
				f.Fatalf("%T: %v", c, err)
			}
		}
		all = append(all, x)
	}
	return all
}

// FuzzIncidentFilter decodes a filter from the fuzzer's bytes and checks the
// in-memory store's List against a brute-force scan with Filter.Matches:
// the same incidents, in ascending ID order, each page within its size, no
// repeats across pages.
func FuzzIncidentFilter(f *testing.F) {
	all := filterFixture(f)
	store := incidenttest.NewStore()
	for _, x := range all {
		if err := store.Commit(context.Background(), lifecycle.Write[*incident.Incident]{Record: x}); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(uint8(0), "", "", uint8(0), uint8(0), "", 0, "")
	f.Add(uint8(0b0100), "bob", "net", uint8(0b011), uint8(0b100), "", 2, "")
	f.Add(uint8(0xff), "", "desk", uint8(0xff), uint8(0b001), "INC001", 1, "INC005")
	f.Fuzz(func(t *testing.T, states uint8, assignee, group string, prios, major uint8, parent string, limit int, after string) {
		flt := incident.Filter{
			States:     lifecycletest.Pick(uint64(states), incident.States()),
			Priorities: lifecycletest.Pick(uint64(prios), []lifecycle.Priority{1, 2, 3, 4, 5}),
			Major:      lifecycletest.Pick(uint64(major), append([]incident.MajorStatus{""}, incident.MajorStatuses()...)),
			Assignee:   assignee, Group: group, Parent: parent, Limit: limit % 30, After: after,
		}
		want := lifecycletest.CheckScan(t, all, func(x *incident.Incident) string { return x.ID }, after, flt.Matches)
		lifecycletest.CheckPaging(t, func(after string) ([]string, string, error) {
			flt.After = after
			page, err := store.List(context.Background(), flt)
			var ids []string
			for _, x := range page.Incidents {
				if !flt.Matches(x) {
					t.Fatalf("%s does not match %+v", x.ID, flt)
				}
				ids = append(ids, x.ID)
			}
			return ids, page.Next, err
		}, after, flt.PageSize(), len(all)+1, want)
	})
}
