package lifecycle_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

func improvementFixture(t testing.TB) *lifecycle.Improvement {
	t.Helper()
	x, _, err := lifecycle.ProposeImprovement{
		ServiceID: "SVC-1",
		Title:     "Restore mail faster",
		Measure:   "mean time to restore",
		Baseline:  "4h",
		Target:    "2h",
	}.New(ownerAlice, svcT0, "CSI-1")
	require.NoError(t, err)
	return x
}

var wantImprovementMachine = map[lifecycle.ImprovementStatus]map[lifecycle.ImprovementEvent]lifecycle.ImprovementStatus{
	"proposed":    {"approve": "approved", "reject": "rejected"},
	"approved":    {"start": "in_progress", "reject": "rejected"},
	"in_progress": {"complete": "completed", "reject": "rejected"},
	"completed":   {},
	"rejected":    {},
}

func improvementCommandFor(x *lifecycle.Improvement, ev lifecycle.ImprovementEvent) lifecycle.ImprovementCommand {
	switch ev {
	case lifecycle.ImprovementApprove:
		return lifecycle.ApproveImprovement{ID: x.ID, Version: x.Version}
	case lifecycle.ImprovementStart:
		return lifecycle.StartImprovement{ID: x.ID, Version: x.Version}
	case lifecycle.ImprovementComplete:
		return lifecycle.CompleteImprovement{ID: x.ID, Version: x.Version, Result: "1h50m"}
	case lifecycle.ImprovementReject:
		return lifecycle.RejectImprovement{ID: x.ID, Version: x.Version, Reason: "no budget"}
	}
	panic("unknown event " + ev)
}

func TestImprovementMatrix(t *testing.T) {
	require.Len(t, wantImprovementMachine, len(lifecycle.ImprovementStatuses()))
	for _, st := range lifecycle.ImprovementStatuses() {
		var allowed []lifecycle.ImprovementEvent
		for ev := range wantImprovementMachine[st] {
			allowed = append(allowed, ev)
		}
		slices.Sort(allowed)
		assert.Equal(t, allowed, st.Allowed())
		assert.Equal(t, len(allowed) == 0, st.Final())
		for _, ev := range lifecycle.ImprovementEvents() {
			t.Run(fmt.Sprintf("%s/%s", st, ev), func(t *testing.T) {
				x := improvementFixture(t)
				x.Status = st
				before := x.Clone()
				now := svcT0.Add(time.Hour)
				evs, err := x.Apply(ownerAlice, now, improvementCommandFor(x, ev))
				to, ok := wantImprovementMachine[st][ev]
				if !ok {
					require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
					assert.Equal(t, before, x)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, to, x.Status)
				assert.Equal(t, int64(2), x.Version)
				assert.Equal(t, now, x.UpdatedAt)
				require.Len(t, x.History, 2)
				assert.Equal(t, lifecycle.Record{
					Seq: 2, Time: now, Actor: "alice", Event: string(ev), From: string(st), To: string(to),
					Note: x.History[1].Note, Changes: x.History[1].Changes,
				}, x.History[1])
				c, _ := x.History[1].Changed(lifecycle.FieldState)
				assert.Equal(t, string(to), c.New)
				require.Len(t, evs, 1)
				assert.Equal(t, "improvement/CSI-1/2/0", evs[0].ID)
				assert.Equal(t, "improvement", evs[0].Process)
				assert.Equal(t, string(to), evs[0].Snapshot.State)
				assert.Equal(t, "SVC-1", evs[0].Snapshot.Service)
			})
		}
	}
}

func TestImprovementCompletionNeedsResult(t *testing.T) {
	x := improvementFixture(t)
	x.Status = lifecycle.ImprovementInProgress
	before := x.Clone()
	for _, r := range []string{"", "  "} {
		_, err := x.Apply(ownerAlice, svcT0, lifecycle.CompleteImprovement{ID: x.ID, Result: r})
		require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
		require.ErrorIs(t, err, lifecycle.ErrValidation)
		assert.EqualError(t, err, "improvement CSI-1: cannot complete from in_progress: invalid result: a completed improvement needs a result")
		assert.Equal(t, before, x)
	}
	evs, err := x.Apply(ownerAlice, svcT0, lifecycle.CompleteImprovement{ID: x.ID, Version: 1, Result: "1h50m", Note: "new runbook"})
	require.NoError(t, err)
	assert.Equal(t, "1h50m", x.Result)
	assert.Equal(t, "completed", evs[0].Type)
	assert.Equal(t, map[string]string{"result": "1h50m"}, evs[0].Data)
	assert.Equal(t, "1h50m", evs[0].Snapshot.Attributes["result"])
	assert.Equal(t, []lifecycle.FieldChange{
		{Field: "state", Old: "in_progress", New: "completed"},
		{Field: "result", New: "1h50m"},
	}, x.History[1].Changes)
	assert.Equal(t, "new runbook", x.History[1].Note)
}

func TestImprovementValidation(t *testing.T) {
	full := lifecycle.ProposeImprovement{ServiceID: "S", Title: "t", Measure: "m", Baseline: "b", Target: "g"}
	for field, blank := range map[string]func(p *lifecycle.ProposeImprovement){
		"service_id": func(p *lifecycle.ProposeImprovement) { p.ServiceID = "" },
		"title":      func(p *lifecycle.ProposeImprovement) { p.Title = " " },
		"measure":    func(p *lifecycle.ProposeImprovement) { p.Measure = "" },
		"baseline":   func(p *lifecycle.ProposeImprovement) { p.Baseline = "" },
		"target":     func(p *lifecycle.ProposeImprovement) { p.Target = "" },
	} {
		p := full
		blank(&p)
		_, _, err := p.New(ownerAlice, svcT0, "CSI-1")
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve, field)
		assert.Equal(t, field, ve.Field)
	}
	_, _, err := full.New(ownerAlice, svcT0, "")
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, _, err = full.New(lifecycle.Actor{}, svcT0, "CSI-1")
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	x, evs, err := full.New(ownerAlice, svcT0, "CSI-1")
	require.NoError(t, err)
	assert.Equal(t, lifecycle.ImprovementProposed, x.Status)
	assert.Equal(t, "proposed", evs[0].Type)
	assert.Equal(t, "improvement/CSI-1/1/0", evs[0].ID)
	assert.Equal(t, "propose", x.History[0].Event)

	before := x.Clone()
	for _, bad := range []lifecycle.ImprovementCommand{
		nil,
		lifecycle.RejectImprovement{ID: x.ID},
		lifecycle.ApproveImprovement{ID: "CSI-2"},
		lifecycle.ApproveImprovement{ID: x.ID, Version: 3},
	} {
		_, err := x.Apply(ownerAlice, svcT0, bad)
		assert.Error(t, err)
		assert.Equal(t, before, x)
	}
	_, err = x.Apply(ownerAlice, svcT0, lifecycle.ApproveImprovement{ID: x.ID, Version: 3})
	assert.ErrorIs(t, err, lifecycle.ErrConflict)
	_, err = x.Apply(lifecycle.Actor{}, svcT0, lifecycle.ApproveImprovement{ID: x.ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	evs, err = x.Apply(ownerAlice, svcT0, lifecycle.RejectImprovement{ID: x.ID, Reason: "duplicate of CSI-0"})
	require.NoError(t, err)
	assert.Equal(t, "rejected", evs[0].Type)
	assert.Equal(t, "duplicate of CSI-0", x.History[1].Note)
	assert.Equal(t, map[string]string{"reason": "duplicate of CSI-0"}, evs[0].Data)
}
