package problem_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

var (
	genText      = rapid.SampledFrom([]string{"", " ", "Spool disk full", "Purge the queue", "Patch relay", "x", "y", "z"})
	genIncidents = rapid.SliceOfN(rapid.SampledFrom([]string{"INC1", "INC2", "INC3", "INC4", "", " INC5 ", "A,B"}), 0, 3)
	genChanges   = rapid.SliceOfN(rapid.SampledFrom([]string{"CHG1", "CHG2", "CHG3", ""}), 0, 2)
	genActor     = rapid.SampledFrom([]lifecycle.Actor{alice, alice, manager, manager, manager, lifecycle.System, {}})
	// genEvent favours the events that move a problem forward, so that
	// sequences reach every state; cancel is in the list once.
	genEvent = rapid.SampledFrom(append(problem.Events(),
		problem.EventAssess, problem.EventConfirm, problem.EventStartFix, problem.EventStartFix,
		problem.EventResolve, problem.EventResolve, problem.EventComplete, problem.EventComplete,
		problem.EventReanalyze, problem.EventReanalyze, problem.EventAcceptRisk, problem.EventRecordKnownError))
	genLevel = rapid.IntRange(-1, 4)
)

// genCommand draws a command for problem p: mostly a plausible one for an
// event p's state allows, otherwise any command with any inputs.
func genCommand(t *rapid.T, p *problem.Problem) problem.Command {
	if allowed := problem.Allowed(p.State); len(allowed) > 0 && rapid.IntRange(0, 9).Draw(t, "mode") < 6 {
		ev := rapid.SampledFrom(allowed).Draw(t, "allowed")
		if ev != problem.EventCancel || rapid.IntRange(0, 4).Draw(t, "really cancel") == 0 {
			return withID(validCommand(ev), p.ID)
		}
	}
	id := rapid.SampledFrom([]string{p.ID, p.ID, p.ID, p.ID, p.ID, "", "PRB-OTHER"}).Draw(t, "id")
	v := rapid.SampledFrom([]int64{0, 0, 0, 0, 0, p.Version, p.Version - 1, p.Version + 1}).Draw(t, "version")
	text := func(label string) string { return genText.Draw(t, label) }
	switch ev := genEvent.Draw(t, "event"); ev {
	case problem.EventAssess:
		return problem.Assess{ID: id, Version: v, Group: text("group"), Assignee: text("assignee"), Notes: text("notes")}
	case problem.EventConfirm:
		return problem.Confirm{ID: id, Version: v, Assignee: text("assignee"), Notes: text("notes")}
	case problem.EventMarkDuplicate:
		orig := rapid.SampledFrom([]string{"", p.ID, "PRB0", "PRB0"}).Draw(t, "original")
		return problem.MarkDuplicate{ID: id, Version: v, Original: orig, Notes: text("notes")}
	case problem.EventCancel:
		return problem.Cancel{ID: id, Version: v, Notes: text("notes")}
	case problem.EventStartFix:
		return problem.StartFix{ID: id, Version: v, Changes: genChanges.Draw(t, "changes"), RootCause: text("root"), Fix: text("fix"), Notes: text("notes")}
	case problem.EventAcceptRisk:
		return problem.AcceptRisk{ID: id, Version: v, Notes: text("notes")}
	case problem.EventResolve:
		return problem.Resolve{ID: id, Version: v, Notes: text("notes"), Fix: text("fix")}
	case problem.EventComplete:
		return problem.Complete{ID: id, Version: v, Notes: text("notes")}
	case problem.EventReanalyze:
		return problem.Reanalyze{ID: id, Version: v, Notes: text("notes")}
	case problem.EventAssign:
		return problem.Assign{ID: id, Version: v, Group: text("group"), Assignee: text("assignee"), Notes: text("notes")}
	case problem.EventUpdate:
		return problem.Update{ID: id, Version: v, Title: new(text("title")), Description: new(text("description")),
			Impact: lifecycle.Impact(genLevel.Draw(t, "impact")), Urgency: lifecycle.Urgency(genLevel.Draw(t, "urgency")),
			Service: new(text("service")), ConfigItem: new(text("ci")), Notes: text("notes")}
	case problem.EventWorkNote:
		return problem.AddWorkNote{ID: id, Version: v, Text: text("text")}
	case problem.EventLinkIncident:
		return problem.LinkIncident{ID: id, Version: v, Incidents: genIncidents.Draw(t, "incidents"), Notes: text("notes")}
	case problem.EventUnlinkIncident:
		return problem.UnlinkIncident{ID: id, Version: v, Incidents: genIncidents.Draw(t, "incidents"), Notes: text("notes")}
	case problem.EventLinkChange:
		return problem.LinkChange{ID: id, Version: v, Changes: genChanges.Draw(t, "changes"), Notes: text("notes")}
	case problem.EventRecordKnownError:
		return problem.RecordKnownError{ID: id, Version: v, Symptom: text("symptom"), RootCause: text("root"),
			Workaround: text("workaround"), Fix: text("fix"), Notes: text("notes")}
	default:
		panic(fmt.Sprint("no generator for ", ev))
	}
}

// checkInvariants fails t if p breaks one of the problem invariants.
func checkInvariants(t *rapid.T, m lifecycle.Matrix, p *problem.Problem) {
	prio, err := m.Priority(p.Impact, p.Urgency)
	if err != nil || prio != p.Priority {
		t.Fatalf("priority %d, matrix says %d (%v) for impact %d urgency %d", p.Priority, prio, err, p.Impact, p.Urgency)
	}
	if int64(len(p.History)) != p.Version {
		t.Fatalf("history has %d records at version %d", len(p.History), p.Version)
	}
	for i, r := range p.History {
		if r.Seq != i+1 {
			t.Fatalf("record %d has Seq %d", i, r.Seq)
		}
		if i > 0 && r.From != p.History[i-1].To {
			t.Fatalf("record %d starts from %s, previous ended in %s", i, r.From, p.History[i-1].To)
		}
	}
	if last := p.History[len(p.History)-1]; last.To != string(p.State) {
		t.Fatalf("last record ends in %s, problem is %s", last.To, p.State)
	}
	if p.IsKnownError() == p.KnownErrorAt.IsZero() {
		t.Fatalf("known error %v but KnownErrorAt %v", p.IsKnownError(), p.KnownErrorAt)
	}
	if slices.Contains(p.Incidents, "") || len(slices.Compact(slices.Sorted(slices.Values(p.Incidents)))) != len(p.Incidents) {
		t.Fatalf("incidents not unique and non-empty: %q", p.Incidents)
	}
	switch p.State {
	case problem.StateResolved:
		if p.Resolution != problem.ResolutionFixApplied && p.Resolution != problem.ResolutionRiskAccepted {
			t.Fatalf("resolved with resolution %q", p.Resolution)
		}
	case problem.StateClosed:
		if p.Resolution == "" || p.Resolution == problem.ResolutionCanceled || p.ClosedAt.IsZero() {
			t.Fatalf("closed with resolution %q at %v", p.Resolution, p.ClosedAt)
		}
	case problem.StateCanceled:
		if p.Resolution != problem.ResolutionCanceled || p.ClosedAt.IsZero() {
			t.Fatalf("canceled with resolution %q at %v", p.Resolution, p.ClosedAt)
		}
	default:
		if p.Resolution != "" || !p.ResolvedAt.IsZero() || !p.ClosedAt.IsZero() {
			t.Fatalf("open problem with resolution %q, resolved %v, closed %v", p.Resolution, p.ResolvedAt, p.ClosedAt)
		}
	}
	if (p.Resolution == problem.ResolutionFixApplied || p.Resolution == problem.ResolutionRiskAccepted) == p.ResolvedAt.IsZero() {
		t.Fatalf("resolution %q but ResolvedAt %v", p.Resolution, p.ResolvedAt)
	}
	if (p.DuplicateOf != "") != (p.Resolution == problem.ResolutionDuplicate) {
		t.Fatalf("duplicate of %q with resolution %q", p.DuplicateOf, p.Resolution)
	}
	if p.Resolution == problem.ResolutionDuplicate && len(p.Incidents) > 0 {
		t.Fatalf("a duplicate kept incidents %v", p.Incidents)
	}
}

// recorded is the model of what error control has recorded on a problem:
// the last non-blank value each command gave each field, trimmed. No
// command clears a field, so neither does the model.
type recorded struct {
	problem.KnownError
}

// set records v in *dst the way the commands document it: a blank input
// leaves the field as it is.
func (recorded) set(dst *string, v string) {
	if v = strings.TrimSpace(v); v != "" {
		*dst = v
	}
}

// apply updates the model for a command that was stored.
func (m *recorded) apply(cmd problem.Command) {
	switch c := cmd.(type) {
	case problem.RecordKnownError:
		m.set(&m.Symptom, c.Symptom)
		m.set(&m.RootCause, c.RootCause)
		m.set(&m.Workaround, c.Workaround)
		m.set(&m.Fix, c.Fix)
	case problem.StartFix:
		m.set(&m.RootCause, c.RootCause)
		m.set(&m.Fix, c.Fix)
	case problem.Resolve:
		m.set(&m.Fix, c.Fix)
	}
}

// check fails t unless p holds exactly what the commands recorded, and is
// a known error exactly when a root cause and a workaround were recorded:
// so a known error's workaround is the one last recorded, and once
// recorded it is never lost.
func (m *recorded) check(t *rapid.T, p *problem.Problem, after problem.Command) {
	if p.KnownError != m.KnownError {
		t.Fatalf("after %T the known error is %+v; the commands recorded %+v", after, p.KnownError, m.KnownError)
	}
	if want := m.RootCause != "" && m.Workaround != ""; p.IsKnownError() != want {
		t.Fatalf("after %T IsKnownError is %v; recorded root cause %q, workaround %q", after, p.IsKnownError(), m.RootCause, m.Workaround)
	}
}

// TestPropertyPureTransitions applies random command sequences to a problem
// and checks, after every step: a refused command changes nothing and
// emits nothing; a stored one adds exactly one record and one version; the
// invariants hold; the known error holds exactly what Open and the commands
// recorded (a known error's workaround and root cause are the last ones
// recorded, and no sequence clears them); a known error never stops being
// one; canceled is final.
func TestPropertyPureTransitions(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := lifecycle.DefaultMatrix
		symptom := genText.Draw(t, "symptom")
		p, _, err := problem.NewProblem("PRB1", m, alice, t0, problem.Open{
			Title:     "Mail relay drops messages",
			Impact:    lifecycle.Impact(rapid.IntRange(0, 3).Draw(t, "impact")),
			Urgency:   lifecycle.Urgency(rapid.IntRange(0, 3).Draw(t, "urgency")),
			Incidents: rapid.SampledFrom([][]string{nil, {"INC1"}, {"INC1", "INC2"}}).Draw(t, "incidents"),
			Symptom:   symptom,
		})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, m, p)
		model := &recorded{}
		model.set(&model.Symptom, symptom)
		model.check(t, p, nil)
		now := t0
		knownErrorEvents := 0
		steps := rapid.IntRange(1, 60).Draw(t, "steps")
		for range steps {
			now = now.Add(time.Duration(rapid.IntRange(0, 3600).Draw(t, "seconds")) * time.Second)
			before := p.Clone()
			actor := genActor.Draw(t, "actor")
			cmd := genCommand(t, p)
			events, err := p.Apply(actor, now, cmd)
			if err != nil {
				require.Equal(t, before, p, "refused %T changed the problem: %v", cmd, err)
				if events != nil {
					t.Fatalf("refused %T emitted %v", cmd, events)
				}
				continue
			}
			if before.State == problem.StateCanceled {
				t.Fatalf("%T succeeded on a canceled problem", cmd)
			}
			if before.IsKnownError() && !p.IsKnownError() {
				t.Fatalf("%T made a known error stop being one", cmd)
			}
			if p.Version != before.Version+1 || len(p.History) != len(before.History)+1 || !p.UpdatedAt.Equal(now) {
				t.Fatalf("%T: version %d→%d, history %d→%d", cmd, before.Version, p.Version, len(before.History), len(p.History))
			}
			if len(events) == 0 {
				t.Fatalf("%T emitted no event", cmd)
			}
			for i, e := range events {
				if e.ID != lifecycle.NotificationID(problem.Process, p.ID, p.Version, i) || e.Version != p.Version {
					t.Fatalf("event %d of %T: ID %s version %d", i, cmd, e.ID, e.Version)
				}
				if e.Type == problem.TypeKnownError {
					knownErrorEvents++
				}
			}
			checkInvariants(t, m, p)
			model.apply(cmd)
			model.check(t, p, cmd)
		}
		want := 0
		if p.IsKnownError() {
			want = 1
		}
		if knownErrorEvents != want {
			t.Fatalf("%d known_error events for a problem with IsKnownError %v", knownErrorEvents, p.IsKnownError())
		}
	})
}

// TestPropertyService drives random commands through the Service and
// checks that it returns exactly what it stored, that nothing is stored,
// notified or resolved on a refusal, and that resolving resolves every
// linked incident once.
func TestPropertyService(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := newFixture(t)
		p := f.open(t, "INC1")
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for range steps {
			f.clock.Advance(time.Minute)
			before, err := f.svc.Get(ctx, p.ID)
			require.NoError(t, err)
			nEvents, nCalls := len(f.rec.Events()), len(f.incidents.Calls())
			cmd := genCommand(t, before)
			got, err := f.svc.Do(ctx, genActor.Draw(t, "actor"), cmd)
			after, gerr := f.svc.Get(ctx, p.ID)
			require.NoError(t, gerr)
			newEvents := f.rec.Events()[nEvents:]
			newCalls := f.incidents.Calls()[nCalls:]
			if err != nil {
				require.Nil(t, got)
				require.Equal(t, before, after, "refused %T changed the stored problem: %v", cmd, err)
				require.Empty(t, newEvents, "refused %T notified", cmd)
				require.Empty(t, newCalls, "refused %T resolved incidents", cmd)
				continue
			}
			require.Equal(t, after, got)
			require.Equal(t, before.Version+1, after.Version)
			checkInvariants(t, lifecycle.DefaultMatrix, export(t, f.store, p.ID))
			notified := 0
			for _, e := range newEvents {
				require.Equal(t, after.Version, e.Version)
				if e.Type == problem.TypeIncidentNotified {
					notified++
				}
			}
			switch cmd.(type) {
			case problem.Resolve, problem.AcceptRisk:
				require.Equal(t, len(after.Incidents), len(newCalls))
				require.Equal(t, len(after.Incidents), notified)
			case problem.Complete:
				require.Empty(t, newCalls)
				require.Equal(t, len(after.Incidents), notified)
			default:
				require.Empty(t, newCalls)
				require.Zero(t, notified)
			}
		}
	})
}
