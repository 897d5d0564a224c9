package change_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// replayedChange returns a closed change built through the Service: opened
// as a normal change, assessed, reverted, made an emergency change and
// taken through its path to closure. The Service stores the schedule that
// follows the approval as a version of its own. The change is read whole,
// with its history.
func replayedChange(t *testing.T) *change.Change {
	t.Helper()
	s, _, _ := newService(t, nil)
	c, err := s.Create(ctx, alice, change.Create{
		Type: change.Normal, Title: "Patch the load balancer", ConfigItems: []string{"lb-1"}, Plans: fullPlans,
		PlannedStart: t0.Add(time.Hour), PlannedEnd: t0.Add(2 * time.Hour),
	})
	require.NoError(t, err)
	do := func(actor lifecycle.Actor, cmd change.Command) {
		t.Helper()
		var err error
		c, err = s.Do(ctx, actor, cmd)
		require.NoError(t, err)
	}
	do(alice, change.Assess{ID: c.ID})
	do(alice, change.Revert{ID: c.ID, Reason: "it is an emergency after all"})
	do(alice, change.SetType{ID: c.ID, Type: change.Emergency})
	do(alice, change.Assign{ID: c.ID, Group: "net", Assignee: "bob"})
	do(alice, change.RequestApproval{ID: c.ID})
	do(carol, change.Approve{ID: c.ID, Comment: "go"}) // the Service schedules it too, as a version of its own
	require.Equal(t, change.StateScheduled, c.State)
	do(bob, change.Implement{ID: c.ID})
	do(bob, change.Review{ID: c.ID, Outcome: change.OutcomeSuccessful, Notes: "held"})
	do(alice, change.Close{ID: c.ID})
	require.Equal(t, change.StateClosed, c.State)
	require.Equal(t, change.Emergency, c.Type)
	whole, err := s.Export(ctx, c.ID)
	require.NoError(t, err)
	return whole
}

func TestReplayRoundTrip(t *testing.T) {
	lifecycletest.CheckRoundTrip(t, replayedChange(t), []func([]byte) (*change.Change, error){change.DecodeExport})
}

// TestReplayLeavesAChangeWithoutHistory decodes a closed change whose JSON
// has no history, the form a store that keeps history apart from its
// records returns: there is nothing to replay.
func TestReplayLeavesAChangeWithoutHistory(t *testing.T) {
	c := replayedChange(t)
	c.History = nil
	lifecycletest.CheckRoundTrip(t, c, nil)
}

func TestReplayRefusesImpossibleHistories(t *testing.T) {
	built := replayedChange(t)
	var events []string
	for _, r := range built.History {
		events = append(events, r.Event)
	}
	require.Equal(t, []string{"create", "assess", "revert", "set_type", "assign", "request_approval", "approve",
		"schedule", "implement", "review", "close"}, events, "the records the cases below edit")
	s, _, _ := newService(t, nil)
	sentinel, err := s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "the change decoded into", ConfigItems: []string{"db-1"}})
	require.NoError(t, err)
	rec := lifecycletest.HistoryEntry
	lifecycletest.TestHistoryRefusals(t, change.Process, built, sentinel, (*change.Change).Clone, map[string]lifecycletest.HistoryBreak{
		"a close from new": {Edit: func(doc map[string]any, h []any) {
			r := rec(h, 1)
			r["event"], r["from"], r["to"], r["changes"] = "close", "new", "closed", nil
			doc["history"], doc["version"], doc["type"] = h[:2], 2, "normal"
		}, Index: 1, Field: "event"},
		"a history that stops short":                lifecycletest.BreakShort(5),                 // ends in new; the change is closed
		"a version that does not match the history": lifecycletest.BreakVersion(1 - len(events)), // version 1
		// The assign's From; the set_type before it ends in new.
		"a From that does not chain":                         lifecycletest.BreakRecord(4, "from", "assess"),
		"an event the machine does not have from that state": lifecycletest.BreakRecord(7, "event", "implement"), // from authorize
		"an event the type's machine does not have": {Edit: func(_ map[string]any, h []any) {
			// Before the set_type the change is normal: assess is its.
			// After it, emergency changes have no assess.
			r := rec(h, 4)
			r["event"], r["to"] = "assess", "assess"
		}, Index: 4, Field: "event"},
		"a history of another type": {Edit: func(doc map[string]any, _ []any) {
			doc["type"] = "normal" // the set_type made it emergency
		}, Index: 3, Field: "changes"},
		"a set_type to an unknown type": {Edit: func(_ map[string]any, h []any) {
			for _, ch := range rec(h, 3)["changes"].([]any) {
				if ch := ch.(map[string]any); ch["field"] == change.FieldType {
					ch["new"] = "urgent"
				}
			}
		}, Index: 3, Field: "changes"},
	})
}

// TestReplayAcceptsWhatTheServiceStores drives random commands through the
// Service: every change it stores, read whole, set_type records and
// automatic schedules included, decodes from its JSON to itself, as a
// change and as an export.
func TestReplayAcceptsWhatTheServiceStores(t *testing.T) {
	rules := propertyRules()
	actors := []lifecycle.Actor{alice, bob, carol, dave, erin, frank}
	rapid.Check(t, func(rt *rapid.T) {
		s, err := change.New(change.Config{Store: changetest.NewStore(), Clock: lifecycletest.NewClock(t0),
			IDs: lifecycle.Sequence("CHG", 3), Rules: rules, Windows: propertyWindows})
		require.NoError(rt, err)
		start, end := genWindow(rt)
		req := change.Create{
			Type:  rapid.SampledFrom([]change.Type{change.Standard, change.Normal, change.Emergency}).Draw(rt, "type"),
			Title: "Change", ConfigItems: []string{"web"}, Plans: genPlans(rt), PlannedStart: start, PlannedEnd: end,
		}
		if req.Type == change.Standard {
			req.Template, req.Plans = "os-patch", change.Plans{}
		}
		c, err := s.Create(ctx, alice, req)
		if err != nil {
			rt.Skip("not created: ", err)
		}
		for range rapid.IntRange(1, 40).Draw(rt, "steps") {
			got, err := s.Do(ctx, rapid.SampledFrom(actors).Draw(rt, "actor"), genCommand(rt, c))
			if err != nil {
				continue
			}
			c = got
			whole, err := s.Export(ctx, c.ID)
			require.NoError(rt, err)
			lifecycletest.CheckRoundTrip(rt, whole, []func([]byte) (*change.Change, error){change.DecodeExport},
				"version %d, last event %s", whole.Version, whole.History[len(whole.History)-1].Event)
		}
	})
}
