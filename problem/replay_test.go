package problem_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// replayedProblem returns a closed problem built through the Service: fixed,
// reanalyzed, then resolved by accepting the risk; read whole, with its
// history and work notes.
func replayedProblem(t *testing.T) *problem.Problem {
	t.Helper()
	f := newFixture(t)
	p := f.open(t)
	p = f.drive(t, p.ID,
		problem.Assess{Group: "messaging"},
		problem.Confirm{Assignee: "ann"},
		problem.AddWorkNote{Text: "spool at 100%"},
		problem.StartFix{Changes: []string{"CHG1"}, RootCause: "Spool disk full"},
		problem.RecordKnownError{Workaround: "Purge the deferred queue"},
		problem.Resolve{Notes: "Volume grown"},
		problem.Reanalyze{Notes: "It came back"},
		problem.AcceptRisk{Notes: "Too costly to fix again"},
		problem.Complete{},
	)
	require.Equal(t, problem.StateClosed, p.State)
	return export(t, f.store, p.ID)
}

func TestReplayRoundTrip(t *testing.T) {
	lifecycletest.CheckRoundTrip(t, replayedProblem(t), []func([]byte) (*problem.Problem, error){problem.DecodeExport})
}

// TestReplayLeavesAProblemWithoutHistory decodes a closed problem whose
// JSON has no history, the form a store that keeps history apart from its
// records returns: there is nothing to replay.
func TestReplayLeavesAProblemWithoutHistory(t *testing.T) {
	p := replayedProblem(t)
	p.History = nil
	lifecycletest.CheckRoundTrip(t, p, nil)
}

func TestReplayRefusesImpossibleHistories(t *testing.T) {
	sentinel := newFixture(t).open(t) // what the refused JSON is decoded into
	rec := lifecycletest.HistoryEntry
	lifecycletest.TestHistoryRefusals(t, problem.Process, replayedProblem(t), sentinel, (*problem.Problem).Clone, map[string]lifecycletest.HistoryBreak{
		"a close from new": {Edit: func(doc map[string]any, h []any) {
			r := rec(h, 1)
			r["event"], r["from"], r["to"] = "complete", "new", "closed"
			doc["history"], doc["version"] = h[:2], 2
		}, Index: 1, Field: "event"},
		"a history that stops short":                lifecycletest.BreakShort(4), // ends in root_cause_analysis; the problem is closed
		"a version that does not match the history": lifecycletest.BreakVersion(-1),
		// The work note's From; the confirm before it ends in root_cause_analysis.
		"a From that does not chain":                         lifecycletest.BreakRecord(3, "from", "assess"),
		"an event the machine does not have from that state": lifecycletest.BreakRecord(3, "event", "link_change"), // only from fix_in_progress
		"an update that moves":                               lifecycletest.BreakRecord(3, "to", "fix_in_progress"),
	})
}

// TestReplayAcceptsWhatTheServiceStores drives random commands through the
// Service: every problem it stores, read whole, decodes from its JSON to
// itself, as a problem and as an export.
func TestReplayAcceptsWhatTheServiceStores(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		f := newFixture(rt)
		p := f.open(rt, "INC1")
		for range rapid.IntRange(1, 40).Draw(rt, "steps") {
			got, err := f.svc.Do(context.Background(), genActor.Draw(rt, "actor"), genCommand(rt, p))
			if err != nil {
				continue
			}
			p = got
			whole := export(rt, f.store, p.ID)
			lifecycletest.CheckRoundTrip(rt, whole, []func([]byte) (*problem.Problem, error){problem.DecodeExport},
				"version %d, last event %s", whole.Version, whole.History[len(whole.History)-1].Event)
		}
	})
}
