package incident_test

import (
	"errors"
	"fmt"
	"time"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var itopMatrix = func() lifecycle.Matrix {
	m, err := lifecycle.NewMatrix([][]lifecycle.Priority{{1, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 4}})
	if err != nil {
		panic(err)
	}
	return m
}()

// model is the property test's world: a service over an in-memory store,
// and what the test saw of each incident last time it looked.
type model struct {
	svc    *incident.Service
	store  *incidenttest.Store
	rec    *incidenttest.Recorder
	clock  *lifecycletest.Clock
	matrix lifecycle.Matrix
	ids    []string
	seen   map[string]*incident.Incident
	// tries and stored count commands run and commands that stored a
	// change, to check that the generator is not mostly refused.
	tries, stored int
	storedKinds   map[string]bool
}

var (
	pickText   = rapid.SampledFrom([]string{"", "the printer is on fire", "works again", "see KB42", " "})
	pickGroup  = rapid.SampledFrom([]string{"", "desk", "network"})
	pickPerson = rapid.SampledFrom([]string{"", "ann", "bob"})
	pickProb   = rapid.SampledFrom([]string{"", "PRB1", "PRB2"})
	pickChange = rapid.SampledFrom([]string{"", "CHG1"})
	pickHold   = rapid.SampledFrom(append(incident.HoldReasons(), "", "awaiting_godot"))
	pickCode   = rapid.SampledFrom(append(incident.ResolutionCodes(), "", "magic"))
	pickLevel  = rapid.SampledFrom([]int{0, 1, 2, 3, 2, 3, 4, -1}) // impact and urgency, mostly in range
)

func (m *model) all(t *rapid.T) []*incident.Incident {
	var out []*incident.Incident
	f := incident.Filter{Limit: incident.MaxLimit}
	for {
		page, err := m.store.List(ctx, f)
		require.NoError(t, err)
		for _, x := range page.Incidents {
			whole, err := incident.ExportFrom(ctx, m.store, x.ID)
			require.NoError(t, err)
			out = append(out, whole)
		}
		if page.Next == "" {
			return out
		}
		f.After = page.Next
	}
}

// command draws a random command (often invalid) for id.
func (m *model) command(t *rapid.T, id string, version int64) (incident.Command, lifecycle.Actor) {
	actor := rapid.SampledFrom([]lifecycle.Actor{ann, carol, manager, manager}).Draw(t, "actor")
	text := pickText.Draw(t, "text")
	var cmd incident.Command
	switch kind := rapid.IntRange(0, 21).Draw(t, "kind"); kind {
	case 0:
		cmd = incident.Assign{ID: id, Version: version, Group: pickGroup.Draw(t, "group"), Assignee: pickPerson.Draw(t, "assignee")}
	case 1:
		cmd = incident.EscalateFunctional{ID: id, Version: version, Group: pickGroup.Draw(t, "group"), Assignee: pickPerson.Draw(t, "assignee"), Reason: text}
	case 2:
		cmd = incident.EscalateHierarchical{ID: id, Version: version, Level: rapid.IntRange(0, 4).Draw(t, "level"), Reason: text}
	case 3:
		cmd = incident.Hold{ID: id, Version: version, Reason: pickHold.Draw(t, "reason"), Comment: text, Problem: pickProb.Draw(t, "problem"), Change: pickChange.Draw(t, "change")}
	case 4:
		cmd = incident.Resume{ID: id, Version: version}
	case 5:
		cmd = incident.Resolve{ID: id, Version: version, Code: pickCode.Draw(t, "code"), Notes: text}
	case 6:
		cmd = incident.Reopen{ID: id, Version: version, Reason: text}
	case 7:
		cmd = incident.Close{ID: id, Version: version}
	case 8:
		cmd = incident.Cancel{ID: id, Version: version, Reason: text}
	case 9:
		u := incident.Update{ID: id, Version: version,
			Impact:  lifecycle.Impact(pickLevel.Draw(t, "impact")),
			Urgency: lifecycle.Urgency(pickLevel.Draw(t, "urgency"))}
		if rapid.Bool().Draw(t, "retitle") {
			u.Title = &text
		}
		cmd = u
	case 10:
		cmd = incident.Comment{ID: id, Version: version, Text: text}
	case 11:
		cmd = incident.WorkNote{ID: id, Version: version, Text: text}
	case 12:
		cmd = incident.CallerUpdate{ID: id, Version: version, Text: text}
	case 13:
		cmd = incident.ProposeMajor{ID: id, Version: version, Reason: text}
	case 14:
		cmd = incident.AcceptMajor{ID: id, Version: version}
	case 15:
		cmd = incident.RejectMajor{ID: id, Version: version, Reason: text}
	case 16:
		parent := ""
		if rapid.Bool().Draw(t, "attach") {
			parent = rapid.SampledFrom(m.ids).Draw(t, "parent")
		}
		cmd = incident.SetParent{ID: id, Version: version, Parent: parent}
	case 17:
		cmd = incident.LinkProblem{ID: id, Version: version, Problem: pickProb.Draw(t, "problem")}
	case 18:
		cmd = incident.UnlinkProblem{ID: id, Version: version, Problem: pickProb.Draw(t, "problem")}
	case 19:
		cmd = incident.LinkChange{ID: id, Version: version, Change: pickChange.Draw(t, "change")}
	case 20:
		cmd = incident.UnlinkChange{ID: id, Version: version, Change: pickChange.Draw(t, "change")}
	default:
		cmd = nil // ResolveForProblem
	}
	return cmd, actor
}

func typed(err error) bool {
	for _, s := range []error{lifecycle.ErrNotFound, lifecycle.ErrConflict, lifecycle.ErrInvalidTransition, lifecycle.ErrValidation, lifecycle.ErrForbidden} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// TestPropertyRandomOperations runs random operation sequences through the
// Service and checks the invariants after every step.
func TestPropertyRandomOperations(t *testing.T) {
	var tries, stored int
	kinds := map[string]bool{}
	defer func() {
		t.Logf("%d commands, %d stored", tries, stored)
		assert.Greater(t, stored*5, tries, "at least a fifth of the random commands store a change")
		t.Logf("command types that stored a change: %d of 21", len(kinds))
	}()
	rapid.Check(t, func(t *rapid.T) {
		m := &model{
			store: incidenttest.NewStore(), rec: &incidenttest.Recorder{},
			clock: lifecycletest.NewClock(start), seen: map[string]*incident.Incident{}, storedKinds: kinds,
			matrix: rapid.SampledFrom([]lifecycle.Matrix{lifecycle.DefaultMatrix, itopMatrix}).Draw(t, "matrix"),
		}
		var err error
		m.svc, err = incident.New(incident.Config{Store: m.store, Notifier: m.rec, Clock: m.clock, Matrix: m.matrix, IDs: lifecycle.Sequence("INC", 4)})
		require.NoError(t, err)

		actions := map[string]func(*rapid.T){
			"open": func(t *rapid.T) {
				cmd := incident.Open{
					Title:   rapid.SampledFrom([]string{"", "mail down", "vpn down", "printer"}).Draw(t, "title"),
					Impact:  lifecycle.Impact(pickLevel.Draw(t, "impact")),
					Urgency: lifecycle.Urgency(pickLevel.Draw(t, "urgency")),
					Group:   pickGroup.Draw(t, "group"),
				}
				if len(m.ids) > 0 && rapid.Bool().Draw(t, "child") {
					cmd.Parent = rapid.SampledFrom(m.ids).Draw(t, "parent")
				}
				before := m.all(t)
				x, err := m.svc.Open(ctx, ann, cmd)
				if err != nil {
					require.True(t, typed(err), "untyped error %v", err)
					require.Nil(t, x)
					require.Equal(t, before, m.all(t), "a failed open changes nothing")
					return
				}
				require.Equal(t, int64(1), x.Version)
				m.ids = append(m.ids, x.ID)
			},
			"command0": func(t *rapid.T) {
				if len(m.ids) == 0 {
					t.Skip("nothing opened yet")
				}
				id := rapid.SampledFrom(m.ids).Draw(t, "id")
				cur, err := m.store.Get(ctx, id)
				require.NoError(t, err)
				version := rapid.SampledFrom([]int64{0, 0, 0, cur.Version, cur.Version, cur.Version - 1}).Draw(t, "version")
				cmd, actor := m.command(t, id, version)
				m.tries++
				before := m.all(t)
				var got *incident.Incident
				if cmd == nil {
					err = m.svc.ResolveForProblem(ctx, actor, id, pickProb.Draw(t, "problem"), "")
				} else {
					got, err = m.svc.Do(ctx, actor, cmd)
				}
				if err != nil {
					require.True(t, typed(err), "untyped error %v", err)
					require.Nil(t, got)
					require.Equal(t, before, m.all(t), "a failed %T changes nothing", cmd)
					return
				}
				m.stored++
				if cmd != nil {
					m.storedKinds[fmt.Sprintf("%T", cmd)] = true
				}
				if got != nil {
					require.Equal(t, cur.Version+1, got.Version, "%T stores one change", cmd)
					stored, err := m.store.Get(ctx, id)
					require.NoError(t, err)
					require.Equal(t, stored, bare(got), "the result is what is stored, with the entries it appended")
				}
			},
			"advance": func(t *rapid.T) {
				m.clock.Advance(time.Duration(rapid.IntRange(1, 240).Draw(t, "hours")) * time.Hour)
			},
			"autoclose": func(t *rapid.T) {
				_, err := m.svc.AutoClose(ctx, lifecycle.System)
				require.NoError(t, err)
			},
			"": func(t *rapid.T) { m.check(t) },
		}
		// Commands are what the test is about: make them most steps.
		for i := 1; i <= 4; i++ {
			actions[fmt.Sprintf("command%d", i)] = actions["command0"]
		}
		t.Repeat(actions)
		tries += m.tries
		stored += m.stored
	})
}

// check verifies the invariants over every stored incident and event.
func (m *model) check(t *rapid.T) {
	byID := map[string]*incident.Incident{}
	for _, x := range m.all(t) {
		byID[x.ID] = x
	}
	notified := map[string]bool{}
	eventIDs := map[string]bool{}
	for _, ev := range m.rec.Events() {
		require.False(t, eventIDs[ev.ID], "event ID %s is unique", ev.ID)
		eventIDs[ev.ID] = true
		x, ok := byID[ev.Subject]
		require.True(t, ok, "event for a stored incident")
		require.LessOrEqual(t, ev.Version, x.Version, "no event for a change that was not stored")
		notified[fmt.Sprintf("%s/%d", ev.Subject, ev.Version)] = true
	}
	for id, x := range byID {
		// History grows by one per stored change; versions rise by one.
		require.Len(t, x.History, int(x.Version), id)
		for i, r := range x.History {
			require.Equal(t, i+1, r.Seq, id)
			require.True(t, notified[fmt.Sprintf("%s/%d", id, r.Seq)], "%s version %d was notified", id, r.Seq)
		}
		if old, ok := m.seen[id]; ok {
			require.GreaterOrEqual(t, x.Version, old.Version, id)
			require.Equal(t, old.History, x.History[:len(old.History)], "%s: history is append-only", id)
			if old.State.IsFinal() {
				require.Equal(t, old, x, "%s: %s is final", id, old.State)
			}
		}
		m.seen[id] = x

		// Priority is the matrix's.
		p, err := m.matrix.Priority(x.Impact, x.Urgency)
		require.NoError(t, err)
		require.Equal(t, p, x.Priority, id)

		require.Equal(t, x.State == incident.StateOnHold, x.HoldReason != "", "%s: hold reason exactly when on hold", id)
		resolved := x.State == incident.StateResolved || x.State == incident.StateClosed
		require.Equal(t, resolved, x.ResolutionCode != "", "%s: resolution code exactly when resolved or closed", id)
		if x.HoldReason == incident.HoldAwaitingProblem {
			require.NotEmpty(t, x.Problems, "%s awaits a linked problem", id)
		}
		if x.HoldReason == incident.HoldAwaitingChange {
			require.NotEmpty(t, x.Changes, "%s awaits a linked change", id)
		}

		// A child is never open under a resolved or closed parent.
		if p, ok := byID[x.Parent]; ok && x.State.IsOpen() {
			require.NotContains(t, []incident.State{incident.StateResolved, incident.StateClosed}, p.State,
				"%s is %s under %s, which is %s", id, x.State, p.ID, p.State)
		}

		// The history replays to the snapshot.
		var s lifecycle.Snapshot
		for _, r := range x.History {
			s = s.Apply(r)
		}
		want := x.Snapshot()
		want.Title, want.Service, want.ConfigItem, want.OpenedAt, want.Attributes = "", "", "", time.Time{}, nil
		require.Equal(t, want, s, id)
	}
}
