package incident

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var update = flag.Bool("update", false, "rewrite testdata/diagram.mmd from Diagram()")

// wantMachine is the whole incident machine, written out: for every state,
// every allowed event and where it leads. Everything not listed must be
// refused.
var wantMachine = map[State]map[Event]State{
	StateNew: keeping(StateNew, map[Event]State{
		EventAssign: StateInProgress, EventResolve: StateResolved, EventCancel: StateCanceled,
	}, openLoops...),
	StateInProgress: keeping(StateInProgress, map[Event]State{
		EventAssign: StateInProgress, EventHold: StateOnHold, EventResolve: StateResolved, EventCancel: StateCanceled,
	}, openLoops...),
	StateOnHold: keeping(StateOnHold, map[Event]State{
		EventAssign: StateOnHold, EventResume: StateInProgress, EventResolve: StateResolved, EventCancel: StateCanceled,
	}, openLoops...),
	StateResolved: keeping(StateResolved, map[Event]State{EventReopen: StateInProgress, EventClose: StateClosed},
		EventComment, EventWorkNote, EventCallerUpdate, EventLinkProblem, EventUnlinkProblem, EventLinkChange, EventUnlinkChange),
	StateClosed:   {},
	StateCanceled: {},
}

// openLoops are the events that keep an open incident (new, in progress,
// on hold) in its state.
var openLoops = []Event{
	EventEscalateFunctional, EventEscalateHierarchical, EventUpdate, EventComment, EventWorkNote, EventCallerUpdate,
	EventProposeMajor, EventAcceptMajor, EventRejectMajor, EventSetParent,
	EventLinkProblem, EventUnlinkProblem, EventLinkChange, EventUnlinkChange,
}

// keeping returns moves, the events that leave or keep state s, with each
// of loops keeping it too.
func keeping(s State, moves map[Event]State, loops ...Event) map[Event]State {
	for _, e := range loops {
		moves[e] = s
	}
	return moves
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fixture returns a plausible stored incident in state s, version 3.
func fixture(s State) *Incident {
	x := &Incident{
		ID: "INC-1", Version: 3, State: s, Title: "Mail down", OpenedBy: "alice", Caller: "carol",
		Impact: 2, Urgency: 2, Priority: 3, Group: "desk", Assignee: "ann",
		Problems: []string{"PRB1"}, Changes: []string{"CHG1"},
		Comments:   []Note{{Time: t0, Author: "ann", Text: "on it"}},
		Attributes: map[string]string{"site": "paris"},
		History: []lifecycle.Record{
			{Seq: 1, Time: t0, Actor: "alice", Event: "open", To: "new", Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "3"}}},
			{Seq: 2, Time: t0, Actor: "ann", Event: "comment", From: "new", To: "new"},
			{Seq: 3, Time: t0, Actor: "ann", Event: "work_note", From: "new", To: "new"},
		},
		CreatedAt: t0, UpdatedAt: t0,
	}
	switch s {
	case StateOnHold:
		x.HoldReason = HoldAwaitingVendor
	case StateResolved, StateClosed:
		x.ResolutionCode, x.ResolutionNotes, x.ResolvedBy, x.ResolvedAt = CodeSolutionProvided, "fixed", "ann", t0
		if s == StateClosed {
			x.ClosedBy, x.ClosedAt = "carol", t0
		}
	case StateCanceled:
		x.CancelReason, x.ClosedBy, x.ClosedAt = "duplicate", "ann", t0
	}
	return x
}

func ptr[T any](v T) *T { return &v }

// validCommand returns, for each event, a command whose input is valid on
// fixture(s) (after prepare), so that only the machine decides.
func validCommand(e Event) Command {
	const id = "INC-1"
	switch e {
	case EventAssign:
		return Assign{ID: id, Assignee: "bob"}
	case EventEscalateFunctional:
		return EscalateFunctional{ID: id, Group: "network", Reason: "needs routing expertise"}
	case EventEscalateHierarchical:
		return EscalateHierarchical{ID: id, Reason: "VIP caller"}
	case EventHold:
		return Hold{ID: id, Reason: HoldAwaitingVendor}
	case EventResume:
		return Resume{ID: id}
	case EventResolve:
		return Resolve{ID: id, Code: CodeWorkaroundProvided, Notes: "restarted"}
	case EventReopen:
		return Reopen{ID: id, Reason: "still broken"}
	case EventClose:
		return Close{ID: id}
	case EventCancel:
		return Cancel{ID: id, Reason: "duplicate of INC-0"}
	case EventUpdate:
		return Update{ID: id, Title: ptr("Mail down in Paris")}
	case EventComment:
		return Comment{ID: id, Text: "we are on it"}
	case EventWorkNote:
		return WorkNote{ID: id, Text: "mx1 queue full"}
	case EventCallerUpdate:
		return CallerUpdate{ID: id, Text: "still broken here"}
	case EventProposeMajor:
		return ProposeMajor{ID: id, Reason: "whole site down"}
	case EventAcceptMajor:
		return AcceptMajor{ID: id}
	case EventRejectMajor:
		return RejectMajor{ID: id, Reason: "one user"}
	case EventSetParent:
		return SetParent{ID: id, Parent: "INC-P"}
	case EventLinkProblem:
		return LinkProblem{ID: id, Problem: "PRB2"}
	case EventUnlinkProblem:
		return UnlinkProblem{ID: id, Problem: "PRB1"}
	case EventLinkChange:
		return LinkChange{ID: id, Change: "CHG2"}
	case EventUnlinkChange:
		return UnlinkChange{ID: id, Change: "CHG1"}
	}
	panic("no command for " + e)
}

// prepare adjusts a fixture so that e's guard passes.
func prepare(x *Incident, e Event) {
	switch e {
	case EventAcceptMajor, EventRejectMajor:
		x.Major = MajorProposed
	}
}

var manager = lifecycle.Actor{ID: "mim", Roles: []string{RoleMajorIncidentManager}}

// wantAllowedNow returns the events a refusal from s lists for an incident
// whose major status is major: every event of wantMachine[s], sorted, less
// the guarded ones whose guard refuses that incident. propose_major is
// refused for a candidate or a major incident (errAlreadyProposed,
// errAlreadyMajor); accept_major and reject_major for anything but a
// candidate (errNotProposed).
func wantAllowedNow(s State, major MajorStatus) []string {
	var out []string
	for e := range wantMachine[s] {
		switch {
		case e == EventProposeMajor && (major == MajorProposed || major == MajorAccepted):
			continue
		case (e == EventAcceptMajor || e == EventRejectMajor) && major != MajorProposed:
			continue
		}
		out = append(out, string(e))
	}
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func TestMachineIsTheDocumentedOne(t *testing.T) {
	got := map[State]map[Event]State{}
	for _, s := range States() {
		got[s] = map[Event]State{}
		for _, e := range Events() {
			if to, ok := Target(s, e); ok {
				got[s][e] = to
			}
		}
	}
	assert.Equal(t, wantMachine, got)
	for _, s := range States() {
		assert.Equal(t, s.IsFinal(), len(Allowed(s)) == 0, "%s: final iff nothing allowed", s)
	}
	assert.Empty(t, Allowed("bogus"))
}

// TestEveryStateEventPair applies every event's command in every state: the
// allowed ones succeed and move the incident where the machine says, with
// one record and one version more; every other one fails with
// ErrInvalidTransition and leaves the incident deep-equal to before.
func TestEveryStateEventPair(t *testing.T) {
	for _, s := range States() {
		for _, e := range Events() {
			t.Run(string(s)+"/"+string(e), func(t *testing.T) {
				x := fixture(s)
				prepare(x, e)
				before := x.Clone()
				evs, err := x.Apply(manager, t0.Add(time.Hour), validCommand(e))
				want, allowed := wantMachine[s][e]
				if !allowed {
					lifecycletest.Applied{Before: before, After: x, Events: evs, Err: err}.CheckNoTransition(t, lifecycle.TransitionError{
						From: string(s), Event: string(e), Allowed: wantAllowedNow(s, before.Major),
					})
					return
				}
				require.NoError(t, err)
				assert.Equal(t, want, x.State)
				assert.Equal(t, before.Version+1, x.Version)
				lifecycletest.CheckAppended(t, before.History, x.History, lifecycle.Record{Event: string(e), From: string(s), To: string(want)})
				lifecycletest.CheckNotified(t, evs, lifecycle.Notification{Process: Process, Subject: "INC-1", Version: x.Version, Snapshot: x.Snapshot()})
			})
		}
	}
}

// TestGuardsRefuseWithReasons checks the guarded events: refusals are
// transition errors with a reason.
func TestGuardsRefuseWithReasons(t *testing.T) {
	for _, c := range []struct {
		major MajorStatus
		cmd   Command
		want  error
	}{
		{MajorProposed, ProposeMajor{ID: "INC-1", Reason: "r"}, errAlreadyProposed},
		{MajorAccepted, ProposeMajor{ID: "INC-1", Reason: "r"}, errAlreadyMajor},
		{"", AcceptMajor{ID: "INC-1"}, errNotProposed},
		{MajorRejected, RejectMajor{ID: "INC-1", Reason: "r"}, errNotProposed},
		{MajorAccepted, AcceptMajor{ID: "INC-1"}, errNotProposed},
	} {
		x := fixture(StateInProgress)
		x.Major = c.major
		before := x.Clone()
		_, err := x.Apply(manager, t0, c.cmd)
		assert.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
		assert.ErrorIs(t, err, c.want)
		assert.Equal(t, before, x)
	}
}

// TestRefusalLeavesOutRefusingGuards: a refusal's Allowed leaves out the
// major-incident events whose guards refuse the incident as it stands, and
// lists those whose guards accept it. Allowed, the static list, has all
// three in every open state.
func TestRefusalLeavesOutRefusingGuards(t *testing.T) {
	major := []string{string(EventAcceptMajor), string(EventProposeMajor), string(EventRejectMajor)}
	for _, c := range []struct {
		major   MajorStatus
		listed  []string // of the three major-incident events
		because string
	}{
		{"", []string{string(EventProposeMajor)}, "accept and reject need a candidate"},
		{MajorRejected, []string{string(EventProposeMajor)}, "accept and reject need a candidate"},
		{MajorProposed, []string{string(EventAcceptMajor), string(EventRejectMajor)}, "a candidate cannot be proposed again"},
		{MajorAccepted, nil, "a major incident is neither proposed again nor a candidate"},
	} {
		x := fixture(StateInProgress)
		x.Major = c.major
		_, err := x.Apply(manager, t0, Reopen{ID: "INC-1", Reason: "again"})
		var te *lifecycle.TransitionError
		require.ErrorAs(t, err, &te, "reopen is not an event from in_progress")
		assert.Nil(t, te.Reason)
		for _, e := range major {
			assert.Equal(t, slices.Contains(c.listed, e), slices.Contains(te.Allowed, e),
				"major %q, %s: %s", c.major, e, c.because)
			assert.Contains(t, Allowed(StateInProgress), Event(e), "the static list has %s", e)
		}
		assert.Contains(t, te.Allowed, string(EventHold), "unguarded events stay listed")
		assert.Equal(t, wantAllowedNow(StateInProgress, c.major), te.Allowed)
	}

	x := fixture(StateNew)
	_, err := x.Apply(manager, t0, Close{ID: "INC-1"})
	assert.EqualError(t, err, "incident INC-1: cannot close from new (allowed: assign, caller_update, cancel, comment, "+
		"escalate_functional, escalate_hierarchical, link_change, link_problem, propose_major, resolve, set_parent, "+
		"unlink_change, unlink_problem, update, work_note)",
		"accept_major and reject_major are left out: the incident is not a major incident candidate")
}

func TestRefusalMessageSaysWhatIsAllowed(t *testing.T) {
	x := fixture(StateClosed)
	_, err := x.Apply(manager, t0, Comment{ID: "INC-1", Text: "hello?"})
	assert.EqualError(t, err, "incident INC-1: cannot comment from closed (final state: no events allowed)")
	x = fixture(StateResolved)
	_, err = x.Apply(manager, t0, Hold{ID: "INC-1", Reason: HoldAwaitingCaller, Comment: "?"})
	assert.EqualError(t, err, "incident INC-1: cannot hold from resolved (allowed: caller_update, close, comment, link_change, link_problem, reopen, unlink_change, unlink_problem, work_note)")
}

func TestDiagramGolden(t *testing.T) {
	path := filepath.Join("testdata", "diagram.mmd")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(Diagram()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestDiagramGolden -update to create it")
	assert.Equal(t, string(want), Diagram(), "testdata/diagram.mmd is stale: run go test -run TestDiagramGolden -update")

	// Every state-changing edge is in the diagram; no self-loop is.
	for s, evs := range wantMachine {
		for e, to := range evs {
			if to != s {
				assert.Contains(t, Diagram(), "    "+string(s)+" --> "+string(to)+" : ", "%s --%s--> %s", s, e, to)
			}
		}
	}
	for _, s := range States() {
		assert.NotContains(t, Diagram(), "    "+string(s)+" --> "+string(s)+" ")
	}
}

// TestDocShowsTheDiagram keeps the package documentation's copy current.
func TestDocShowsTheDiagram(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var b strings.Builder
	for line := range strings.Lines(Diagram()) {
		b.WriteString("//\t" + line)
	}
	assert.Contains(t, string(doc), b.String(), "doc.go's diagram differs from Diagram()")
}

// TestReadmeShowsTheDiagram checks the diagram in ../README.md: the
// ```mermaid block right after the line holding <!-- incident-diagram -->
// must be Diagram().
func TestReadmeShowsTheDiagram(t *testing.T) {
	lifecycletest.ReadmeDiagram(t, filepath.Join("..", "README.md"), "<!-- incident-diagram -->", Diagram())
}
