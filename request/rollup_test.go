package request_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
)

const (
	done    = request.TaskClosedComplete
	failed  = request.TaskClosedIncomplete
	skipped = request.TaskClosedSkipped
	open    = request.TaskWorkInProgress
)

func TestItemOutcome(t *testing.T) {
	for _, c := range []struct {
		name   string
		tasks  []request.TaskState
		want   request.ItemState
		closed bool
	}{
		{"no task", nil, request.ItemClosedComplete, true},
		{"all complete", []request.TaskState{done, done}, request.ItemClosedComplete, true},
		{"complete and skipped", []request.TaskState{done, skipped}, request.ItemClosedComplete, true},
		{"any incomplete", []request.TaskState{done, failed, skipped}, request.ItemClosedIncomplete, true},
		{"all skipped", []request.TaskState{skipped, skipped}, request.ItemClosedSkipped, true},
		{"one open", []request.TaskState{done, open}, "", false},
		{"one pending", []request.TaskState{request.TaskPending}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, closed := request.ItemOutcome(c.tasks)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.closed, closed)
		})
	}
}

func TestProgress(t *testing.T) {
	for _, c := range []struct {
		name   string
		stages [][]request.TaskState
		open   int
		want   request.ItemState
		closed bool
	}{
		{"empty plan", nil, 0, request.ItemClosedComplete, true},
		{"first stage open", [][]request.TaskState{{done, open}, {request.TaskPending}}, 0, "", false},
		{"second stage open", [][]request.TaskState{{done, skipped}, {request.TaskPending}}, 1, "", false},
		{"incomplete stage ends it", [][]request.TaskState{{failed, done}, {request.TaskPending}}, 0, request.ItemClosedIncomplete, true},
		{"all stages done", [][]request.TaskState{{done}, {skipped}, {done}}, 3, request.ItemClosedComplete, true},
		{"all skipped", [][]request.TaskState{{skipped}, {skipped}}, 2, request.ItemClosedSkipped, true},
		{"a stage with no task", [][]request.TaskState{{done}, {}, {open}}, 2, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			open, got, closed := request.Progress(c.stages)
			assert.Equal(t, c.open, open)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.closed, closed)
		})
	}
}

func TestRequestOutcome(t *testing.T) {
	for _, c := range []struct {
		name   string
		items  []request.ItemState
		want   request.RequestState
		closed bool
	}{
		{"no item", nil, "", false},
		{"an item open", []request.ItemState{request.ItemClosedComplete, request.ItemInFulfilment}, "", false},
		{"all complete", []request.ItemState{request.ItemClosedComplete, request.ItemClosedComplete}, request.RequestClosedComplete, true},
		{"complete and skipped", []request.ItemState{request.ItemClosedComplete, request.ItemClosedSkipped}, request.RequestClosedComplete, true},
		{"all skipped", []request.ItemState{request.ItemClosedSkipped}, request.RequestClosedSkipped, true},
		{"an item incomplete", []request.ItemState{request.ItemClosedComplete, request.ItemClosedIncomplete}, request.RequestClosedIncomplete, true},
		{"a cancelled item counts as incomplete", []request.ItemState{request.ItemClosedComplete, request.ItemCancelled}, request.RequestClosedIncomplete, true},
		{"a rejected item counts as incomplete", []request.ItemState{request.ItemRejected}, request.RequestClosedIncomplete, true},
		{"every item cancelled", []request.ItemState{request.ItemCancelled, request.ItemCancelled}, request.RequestCancelled, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, closed := request.RequestOutcome(c.items)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.closed, closed)
		})
	}
}

// TestPropertyRollUp: the roll-up is the documented function of the
// states alone: it does not depend on their order, it closes exactly when
// every record is closed, and its result follows the rules' counting.
func TestPropertyRollUp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tasks := rapid.SliceOf(rapid.SampledFrom(request.TaskStates())).Draw(t, "tasks")
		got, closed := request.ItemOutcome(tasks)
		shuffled := slices.Clone(tasks)
		slices.Reverse(shuffled)
		g2, c2 := request.ItemOutcome(shuffled)
		if g2 != got || c2 != closed {
			t.Fatalf("order matters: %v gives %s/%v, reversed %s/%v", tasks, got, closed, g2, c2)
		}
		allClosed := !slices.ContainsFunc(tasks, func(s request.TaskState) bool { return !s.Final() })
		if closed != allClosed {
			t.Fatalf("%v: closed %v", tasks, closed)
		}
		if !closed {
			return
		}
		var want request.ItemState
		switch {
		case slices.Contains(tasks, failed):
			want = request.ItemClosedIncomplete
		case len(tasks) > 0 && !slices.ContainsFunc(tasks, func(s request.TaskState) bool { return s != skipped }):
			want = request.ItemClosedSkipped
		default:
			want = request.ItemClosedComplete
		}
		if got != want {
			t.Fatalf("%v closes %s, want %s", tasks, got, want)
		}
		if !got.Final() {
			t.Fatalf("%v rolls up to %s, an open state", tasks, got)
		}
	})
}

// TestMachinesDrawn: each machine draws its states and events.
func TestMachinesDrawn(t *testing.T) {
	for _, d := range []string{request.ItemDiagram(), request.TaskDiagram(), request.RequestDiagram()} {
		assert.Contains(t, d, "stateDiagram-v2")
	}
	for _, s := range request.ItemStates() {
		assert.Contains(t, request.ItemDiagram(), string(s))
	}
	for _, s := range request.TaskStates() {
		assert.Contains(t, request.TaskDiagram(), string(s))
	}
	for _, s := range request.RequestStates() {
		assert.Contains(t, request.RequestDiagram(), string(s))
	}
	assert.True(t, request.ItemCancelled.Final())
	assert.False(t, request.ItemAwaitingRequester.Final())
	assert.True(t, request.TaskClosedSkipped.Final())
	assert.False(t, request.RequestOpen.Final())
}

// TestReadmeDiagrams: the README shows the three machines as they are.
func TestReadmeDiagrams(t *testing.T) {
	for marker, want := range map[string]string{
		"<!-- request-item-diagram -->": request.ItemDiagram(),
		"<!-- request-task-diagram -->": request.TaskDiagram(),
		"<!-- request-diagram -->":      request.RequestDiagram(),
	} {
		lifecycletest.ReadmeDiagram(t, "../README.md", marker, want)
	}
}
