package problem_test

import (
	"context"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// BenchmarkProblemLifecycle runs one problem through its whole life via the
// Service, on the in-memory store with a discarding notifier: open (with an
// incident), assess, confirm, record the known error, start the fix,
// resolve (resolving the incident through Incidents) and complete.
func BenchmarkProblemLifecycle(b *testing.B) {
	ctx := context.Background()
	svc, err := problem.New(problem.Config{
		Store:     problemtest.NewStore(),
		IDs:       lifecycle.Sequence("PRB", 9),
		Clock:     lifecycle.SystemClock{},
		Incidents: noopIncidents{},
	})
	if err != nil {
		b.Fatal(err)
	}
	actor := lifecycle.Actor{ID: "ann"}
	open := problem.Open{Title: "Mail relay drops messages", Impact: 2, Urgency: 2, Incidents: []string{"INC1"}}
	b.ReportAllocs()
	for b.Loop() {
		p, err := svc.Open(ctx, actor, open)
		if err != nil {
			b.Fatal(err)
		}
		for _, cmd := range []problem.Command{
			problem.Assess{ID: p.ID, Group: "messaging"},
			problem.Confirm{ID: p.ID, Assignee: "ann"},
			problem.RecordKnownError{ID: p.ID, RootCause: "Spool disk full", Workaround: "Purge the queue"},
			problem.StartFix{ID: p.ID, Changes: []string{"CHG1"}},
			problem.Resolve{ID: p.ID, Notes: "Spool grown"},
			problem.Complete{ID: p.ID},
		} {
			if _, err := svc.Do(ctx, actor, cmd); err != nil {
				b.Fatal(err)
			}
		}
	}
}

type noopIncidents struct{}

func (noopIncidents) ResolveForProblem(context.Context, lifecycle.Actor, string, string, string) error {
	return nil
}

func (noopIncidents) ResumeForProblem(context.Context, lifecycle.Actor, string, string, string) error {
	return nil
}

func (noopIncidents) MoveToProblem(context.Context, lifecycle.Actor, string, string, string) error {
	return nil
}
