package problem_test

import (
	"context"
	"sync"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// testingT is what the helpers need: *testing.T, *testing.B and *rapid.T
// all satisfy it.
type testingT interface {
	require.TestingT
	Helper()
}

var (
	t0      = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	alice   = lifecycle.Actor{ID: "alice"}
	manager = lifecycle.Actor{ID: "mona", Roles: []string{problem.RoleProblemManager}}
)

// opened returns a new problem PRB1 with two linked incidents, built by the
// pure layer.
func opened(t testingT) *problem.Problem {
	t.Helper()
	p, _, err := problem.NewProblem("PRB1", lifecycle.DefaultMatrix, alice, t0, problem.Open{
		Title:      "Mail relay drops messages",
		Impact:     2,
		Urgency:    1,
		Service:    "email",
		ConfigItem: "mx1",
		Symptom:    "SMTP 452 errors",
		Incidents:  []string{"INC1", "INC2"},
	})
	require.NoError(t, err)
	return p
}

// pathTo lists the commands that take a new problem to each state.
var pathTo = map[problem.State][]problem.Command{
	problem.StateNew:    nil,
	problem.StateAssess: {problem.Assess{Group: "messaging"}},
	problem.StateRootCauseAnalysis: {
		problem.Assess{Group: "messaging"}, problem.Confirm{Assignee: "ann"},
	},
	problem.StateFixInProgress: {
		problem.Assess{Group: "messaging"}, problem.Confirm{Assignee: "ann"},
		problem.StartFix{Changes: []string{"CHG1"}, RootCause: "Spool disk full"},
	},
	problem.StateResolved: {
		problem.Assess{Group: "messaging"}, problem.Confirm{Assignee: "ann"},
		problem.StartFix{Changes: []string{"CHG1"}, RootCause: "Spool disk full"},
		problem.Resolve{Notes: "Spool volume grown"},
	},
	problem.StateClosed: {
		problem.Assess{Group: "messaging"}, problem.Confirm{Assignee: "ann"},
		problem.StartFix{Changes: []string{"CHG1"}, RootCause: "Spool disk full"},
		problem.Resolve{Notes: "Spool volume grown"}, problem.Complete{},
	},
	problem.StateCanceled: {problem.Cancel{Notes: "Not a problem after all"}},
}

// inState returns PRB1 brought to state through the pure layer.
func inState(t testingT, state problem.State) *problem.Problem {
	t.Helper()
	p := opened(t)
	cmds, ok := pathTo[state]
	require.True(t, ok, "no path to %s", state)
	for i, c := range cmds {
		_, err := p.Apply(manager, t0.Add(time.Duration(i+1)*time.Hour), c)
		require.NoError(t, err)
	}
	require.Equal(t, state, p.State)
	return p
}

// validCommand returns a command for event that passes its input checks
// and guards on any problem from inState (when the machine allows it).
func validCommand(ev problem.Event) problem.Command {
	switch ev {
	case problem.EventAssess:
		return problem.Assess{Group: "messaging"}
	case problem.EventConfirm:
		return problem.Confirm{Assignee: "ann"}
	case problem.EventMarkDuplicate:
		return problem.MarkDuplicate{Original: "PRB0"}
	case problem.EventCancel:
		return problem.Cancel{Notes: "dropped"}
	case problem.EventStartFix:
		return problem.StartFix{Changes: []string{"CHG9"}, RootCause: "Spool disk full"}
	case problem.EventAcceptRisk:
		return problem.AcceptRisk{Notes: "Too costly to fix"}
	case problem.EventResolve:
		return problem.Resolve{Notes: "Fixed"}
	case problem.EventComplete:
		return problem.Complete{}
	case problem.EventReanalyze:
		return problem.Reanalyze{Notes: "It came back"}
	case problem.EventAssign:
		return problem.Assign{Group: "platform"}
	case problem.EventUpdate:
		return problem.Update{Title: new("Mail relay drops some messages")}
	case problem.EventWorkNote:
		return problem.AddWorkNote{Text: "Checked the logs"}
	case problem.EventLinkIncident:
		return problem.LinkIncident{Incidents: []string{"INC9"}}
	case problem.EventUnlinkIncident:
		return problem.UnlinkIncident{Incidents: []string{"INC1"}}
	case problem.EventLinkChange:
		return problem.LinkChange{Changes: []string{"CHG9"}}
	case problem.EventRecordKnownError:
		return problem.RecordKnownError{Workaround: "Purge the deferred queue"}
	}
	panic("no command for " + ev)
}

// fakeIncidents records the calls of the problem Service (resolve and
// resume in calls, moves in moves) and fails for the incidents in fail.
type fakeIncidents struct {
	mu    sync.Mutex
	calls []incidentCall
	moves []incidentMove
	fail  map[string]error
}

// incidentCall is one ResolveForProblem (Op "resolve") or
// ResumeForProblem (Op "resume") call.
type incidentCall struct {
	Op, Actor, Incident, Problem, Notes string
}

// incidentMove is one MoveToProblem call.
type incidentMove struct {
	Actor, Incident, From, To string
}

// call records c and returns the failure set for its incident.
func (f *fakeIncidents) call(c incidentCall) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	return f.fail[c.Incident]
}

func (f *fakeIncidents) ResolveForProblem(_ context.Context, actor lifecycle.Actor, incidentID, problemID, notes string) error {
	return f.call(incidentCall{"resolve", actor.ID, incidentID, problemID, notes})
}

func (f *fakeIncidents) ResumeForProblem(_ context.Context, actor lifecycle.Actor, incidentID, problemID, note string) error {
	return f.call(incidentCall{"resume", actor.ID, incidentID, problemID, note})
}

func (f *fakeIncidents) MoveToProblem(_ context.Context, actor lifecycle.Actor, incidentID, from, to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.moves = append(f.moves, incidentMove{actor.ID, incidentID, from, to})
	return f.fail[incidentID]
}

func (f *fakeIncidents) Calls() []incidentCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]incidentCall(nil), f.calls...)
}

func (f *fakeIncidents) Moves() []incidentMove {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]incidentMove(nil), f.moves...)
}

func (f *fakeIncidents) Incidents() []string {
	var out []string
	for _, c := range f.Calls() {
		out = append(out, c.Incident)
	}
	return out
}

// hookStore wraps a Store and lets a test fail or intercept the
// Commits that update a problem.
type hookStore struct {
	problem.Store
	update func(ctx context.Context, w lifecycle.Write[*problem.Problem]) error
}

func (h *hookStore) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	if h.update != nil && w.Expected != 0 {
		return h.update(ctx, w)
	}
	return h.Store.Commit(ctx, w)
}

// storeCreate stores a new problem p in s, its history and work notes
// apart from it, as the Service does.
func storeCreate(ctx context.Context, s lifecycle.Committer[*problem.Problem], p *problem.Problem) error {
	return s.Commit(ctx, writeOf(p, 0))
}

// storeUpdate stores p in s over version expected, as the Service does:
// p was read from s, so its history and work notes are those it appends.
func storeUpdate(ctx context.Context, s lifecycle.Committer[*problem.Problem], p *problem.Problem, expected int64) error {
	return s.Commit(ctx, writeOf(p, expected))
}

// writeOf is the write of p over version expected: p without its history
// and work notes, which the write appends.
func writeOf(p *problem.Problem, expected int64) lifecycle.Write[*problem.Problem] {
	w := lifecycle.Write[*problem.Problem]{Record: bare(p), Expected: expected, History: lifecycle.CloneHistory(p.History)}
	for _, n := range p.WorkNotes {
		w.Journal = append(w.Journal, lifecycle.Entry{Version: p.Version, Kind: lifecycle.EntryWorkNote, Time: n.Time, Author: n.Author, Text: n.Text})
	}
	return w
}

// bare returns a copy of p without its history and work notes: the
// problem as the Store keeps it.
func bare(p *problem.Problem) *problem.Problem {
	if p == nil {
		return nil
	}
	c := p.Clone()
	c.History, c.WorkNotes = nil, nil
	return c
}

// export reads problem id whole from s, its history and work notes
// included.
func export(t require.TestingT, s problem.Store, id string) *problem.Problem {
	p, err := problem.ExportFrom(context.Background(), s, id)
	require.NoError(t, err)
	return p
}

type fixture struct {
	svc       *problem.Service
	store     *problemtest.Store
	hook      *hookStore
	rec       *problemtest.Recorder
	clock     *lifecycletest.Clock
	incidents *fakeIncidents
}

func newFixture(t testingT, mod ...func(*problem.Config)) *fixture {
	t.Helper()
	f := &fixture{
		store:     problemtest.NewStore(),
		rec:       &problemtest.Recorder{},
		clock:     lifecycletest.NewClock(t0),
		incidents: &fakeIncidents{},
	}
	f.hook = &hookStore{Store: f.store}
	cfg := problem.Config{
		Store:     f.hook,
		Notifier:  f.rec,
		Clock:     f.clock,
		IDs:       lifecycle.Sequence("PRB", 4),
		Incidents: f.incidents,
	}
	for _, m := range mod {
		m(&cfg)
	}
	svc, err := problem.New(cfg)
	require.NoError(t, err)
	f.svc = svc
	return f
}

// open logs a problem through the service with incidents linked.
func (f *fixture) open(t testingT, incidents ...string) *problem.Problem {
	t.Helper()
	p, err := f.svc.Open(context.Background(), alice, problem.Open{
		Title: "Mail relay drops messages", Impact: 2, Urgency: 2,
		Service: "email", ConfigItem: "mx1", Incidents: incidents,
	})
	require.NoError(t, err)
	return p
}

// drive applies commands to problem id through the service, in order.
func (f *fixture) drive(t testingT, id string, cmds ...problem.Command) *problem.Problem {
	t.Helper()
	var p *problem.Problem
	for _, c := range cmds {
		var err error
		p, err = f.svc.Do(context.Background(), manager, withID(c, id))
		require.NoError(t, err)
	}
	return p
}

// withID returns c addressed to id.
func withID(c problem.Command, id string) problem.Command {
	switch c := c.(type) {
	case problem.Assess:
		c.ID = id
		return c
	case problem.Confirm:
		c.ID = id
		return c
	case problem.MarkDuplicate:
		c.ID = id
		return c
	case problem.Cancel:
		c.ID = id
		return c
	case problem.StartFix:
		c.ID = id
		return c
	case problem.AcceptRisk:
		c.ID = id
		return c
	case problem.Resolve:
		c.ID = id
		return c
	case problem.Complete:
		c.ID = id
		return c
	case problem.Reanalyze:
		c.ID = id
		return c
	case problem.Assign:
		c.ID = id
		return c
	case problem.Update:
		c.ID = id
		return c
	case problem.AddWorkNote:
		c.ID = id
		return c
	case problem.LinkIncident:
		c.ID = id
		return c
	case problem.UnlinkIncident:
		c.ID = id
		return c
	case problem.LinkChange:
		c.ID = id
		return c
	case problem.RecordKnownError:
		c.ID = id
		return c
	}
	panic("unknown command")
}
