package problem_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// defaults is the policy of the default rules, as a Service applies it.
var defaults = &lifecycle.AccessPolicy{Rules: problem.AccessRules()}

// defaultRefusal is the default rules' refusal of actor firing cmd on p
// as stored, asked as the Service asks them before the command, or nil.
func defaultRefusal(actor lifecycle.Actor, p *problem.Problem, cmd problem.Command) error {
	return defaults.CheckEvent(context.Background(), lifecycle.Operation{
		Process: problem.Process, Actor: actor, ID: p.ID, Event: string(problem.EventOf(cmd)),
		Before: p, BeforeView: p.Snapshot(), EventChecked: true,
	})
}

// TestDefaultAccessRules runs every default rule of the problem process
// both ways: the actors it lets fire its event, the others are refused
// with the rule's name, and nothing is stored or notified.
func TestDefaultAccessRules(t *testing.T) {
	fire := map[string]lifecycletest.FireAs{
		"open": func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f := newFixture(t)
			_, err := f.svc.Open(ctx, actor, problem.Open{Title: "Mail drops"})
			page, lerr := f.svc.List(ctx, problem.Filter{})
			require.NoError(t, lerr)
			return err, len(page.Problems) > 0 || len(f.rec.Events()) > 0
		},
		lifecycle.EventRedact: func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f := newFixture(t)
			p := f.open(t)
			n := len(f.rec.Events())
			_, err := f.svc.Erase(ctx, actor, lifecycle.Erase{ID: p.ID, Reason: "erasure request ER-1",
				Entries: []lifecycle.Redaction{{Log: lifecycle.LogHistory, Seq: 1, Fields: []string{"actor"}}}})
			after, gerr := f.svc.Get(ctx, p.ID)
			require.NoError(t, gerr)
			return err, after.Version != p.Version || len(f.rec.Events()) > n
		},
	}
	for _, ev := range problem.Events() {
		fire[string(ev)] = func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f := newFixture(t)
			orig := f.open(t)
			f.drive(t, orig.ID, problem.Assess{Group: "messaging"})
			id := f.open(t, "INC1", "INC2").ID
			state := firstStateAllowing(ev)
			f.drive(t, id, pathTo[state]...)
			stored, gerr := f.svc.Get(ctx, id)
			require.NoError(t, gerr)
			cmd := withID(validCommand(ev), stored.ID)
			if md, ok := cmd.(problem.MarkDuplicate); ok {
				md.Original = orig.ID
				cmd = md
			}
			n := len(f.rec.Events())
			_, err := f.svc.Do(ctx, actor, cmd)
			after, gerr := f.svc.Get(ctx, id)
			require.NoError(t, gerr)
			return err, after.Version != stored.Version || len(f.rec.Events()) > n
		}
	}
	events := []string{"open", lifecycle.EventRedact}
	for _, ev := range problem.Events() {
		events = append(events, string(ev))
	}
	lifecycletest.CheckAccessRules(t, problem.AccessRules(), events, fire)
}

// firstStateAllowing is the first state, in the order of States, from
// which the machine allows ev.
func firstStateAllowing(ev problem.Event) problem.State {
	for _, s := range problem.States() {
		for _, a := range problem.Allowed(s) {
			if a == ev {
				return s
			}
		}
	}
	panic("no state allows " + ev)
}
