package incident_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// replayedIncident returns a closed incident built through the Service,
// with a caller update that resumed it from on hold in the same record.
func replayedIncident(t *testing.T) *incident.Incident {
	t.Helper()
	e := newEnv(t)
	x := e.open(t, incident.Open{Title: "VPN drops", Caller: "carol", Impact: 2, Urgency: 2, Group: "net"})
	e.do(t, ann, incident.Assign{ID: x.ID, Assignee: "ann"})
	e.do(t, ann, incident.Comment{ID: x.ID, Text: "which client version?"})
	e.do(t, ann, incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingCaller, Comment: "send us your logs"})
	e.do(t, carol, incident.CallerUpdate{ID: x.ID, Text: "logs attached"})
	e.do(t, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "new client"})
	e.do(t, carol, incident.Reopen{ID: x.ID, Reason: "drops again"})
	e.do(t, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "MTU fixed"})
	e.do(t, carol, incident.Close{ID: x.ID})
	x = e.get(t, x.ID)
	require.Equal(t, incident.StateClosed, x.State)
	return x
}

func TestReplayRoundTrip(t *testing.T) {
	x := replayedIncident(t)
	resumed := x.History[4]
	require.Equal(t, "caller_update", resumed.Event)
	require.Equal(t, [2]string{"on_hold", "in_progress"}, [2]string{resumed.From, resumed.To},
		"the caller update resumed the incident in its own record")
	lifecycletest.CheckRoundTrip(t, x, []func([]byte) (*incident.Incident, error){incident.DecodeExport})
}

// TestReplayLeavesAnIncidentWithoutHistory decodes a closed incident whose
// JSON has no history, the form a store that keeps history apart from its
// records returns: there is nothing to replay.
func TestReplayLeavesAnIncidentWithoutHistory(t *testing.T) {
	x := replayedIncident(t)
	x.History = nil
	lifecycletest.CheckRoundTrip(t, x, nil)
}

func TestReplayRefusesImpossibleHistories(t *testing.T) {
	sentinel := newEnv(t).open(t, incident.Open{Title: "the incident decoded into", Impact: 3, Urgency: 3})
	rec := lifecycletest.HistoryEntry
	lifecycletest.TestHistoryRefusals(t, incident.Process, replayedIncident(t), sentinel, (*incident.Incident).Clone, map[string]lifecycletest.HistoryBreak{
		"a close from new": {Edit: func(doc map[string]any, h []any) {
			r := rec(h, 1)
			r["event"], r["from"], r["to"] = "close", "new", "closed"
			doc["history"], doc["version"] = h[:2], 2
		}, Index: 1, Field: "event"},
		"a history that stops short":                lifecycletest.BreakShort(3), // ends in in_progress; the incident is closed
		"a version that does not match the history": lifecycletest.BreakVersion(1),
		// The comment's From; the assign before it ends in in_progress.
		"a From that does not chain":                         lifecycletest.BreakRecord(2, "from", "on_hold"),
		"an event the machine does not have from that state": lifecycletest.BreakRecord(2, "event", "reopen"), // from in_progress
		"a self-loop that moves":                             lifecycletest.BreakRecord(2, "to", "resolved"),  // a comment never resolves
		"a caller update that resumes to the wrong state":    lifecycletest.BreakRecord(4, "to", "resolved"),
	})
}

// TestReplayAcceptsWhatTheServiceStores drives random commands through the
// Service: every incident it stores, caller updates that resume included,
// decodes from its JSON to itself.
func TestReplayAcceptsWhatTheServiceStores(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		e := newEnv(t) // the helpers take a testing.TB, which *rapid.T is not
		x := e.open(t, incident.Open{Title: "VPN drops", Caller: "carol", Impact: 2, Urgency: 2})
		m := &model{ids: []string{x.ID, e.open(t, incident.Open{}).ID}}
		for range rapid.IntRange(1, 40).Draw(rt, "steps") {
			cmd, actor := m.command(rt, x.ID, 0)
			if cmd == nil {
				continue
			}
			got, err := e.svc.Do(ctx, actor, cmd)
			if err != nil {
				continue
			}
			x = e.get(t, got.ID)
			lifecycletest.CheckRoundTrip(rt, x, nil, "version %d, last event %s", x.Version, x.History[len(x.History)-1].Event)
		}
	})
}
