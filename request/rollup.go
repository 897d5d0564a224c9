package request

// The roll-up rules, as ServiceNow documents them: closed records roll up
// into the state of what holds them, a requested item from its tasks and
// a request from its items.

// outcome is how one closed record counts in a roll-up.
type outcome int

const (
	outcomeComplete outcome = iota
	outcomeIncomplete
	outcomeSkipped
)

// rollUp folds the outcomes of n closed records: all complete, or a mix of
// complete and skipped, is complete; any incomplete is incomplete; all
// skipped is skipped. No record at all is complete.
func rollUp(n int, of func(i int) outcome) outcome {
	if n == 0 {
		return outcomeComplete
	}
	skipped := 0
	for i := range n {
		switch of(i) {
		case outcomeIncomplete:
			return outcomeIncomplete
		case outcomeSkipped:
			skipped++
		}
	}
	if skipped == n {
		return outcomeSkipped
	}
	return outcomeComplete
}

// taskOutcome is how a closed task counts.
func taskOutcome(s TaskState) outcome {
	switch s {
	case TaskClosedIncomplete:
		return outcomeIncomplete
	case TaskClosedSkipped:
		return outcomeSkipped
	}
	return outcomeComplete
}

// ItemOutcome is the state a requested item closes in once tasks, all of
// its fulfilment tasks, are closed: closed complete when every task is
// complete, or complete and skipped; closed incomplete when any is
// incomplete; closed skipped when every task is skipped. An item with no
// task closes complete. closed is false while a task is still open.
func ItemOutcome(tasks []TaskState) (state ItemState, closed bool) {
	for _, t := range tasks {
		if !t.Final() {
			return "", false
		}
	}
	switch rollUp(len(tasks), func(i int) outcome { return taskOutcome(tasks[i]) }) {
	case outcomeIncomplete:
		return ItemClosedIncomplete, true
	case outcomeSkipped:
		return ItemClosedSkipped, true
	}
	return ItemClosedComplete, true
}

// Progress is where fulfilment stands given the states of an item's tasks,
// stage by stage in plan order: the stage whose tasks are open (the first
// one with an open task), or, when the item is done, the state it closes
// in. A stage that closes with an incomplete task ends the fulfilment:
// the item closes incomplete and the later stages' tasks are skipped.
// Stages with no task count as closed.
func Progress(stages [][]TaskState) (open int, state ItemState, closed bool) {
	var all []TaskState
	for i, tasks := range stages {
		st, done := ItemOutcome(tasks)
		if !done {
			return i, "", false
		}
		if st == ItemClosedIncomplete {
			return i, ItemClosedIncomplete, true
		}
		all = append(all, tasks...)
	}
	st, _ := ItemOutcome(all)
	return len(stages), st, true
}

// itemOutcome is how a closed item counts in its request's roll-up:
// rejected and cancelled items count as incomplete.
func itemOutcome(s ItemState) outcome {
	switch s {
	case ItemClosedComplete:
		return outcomeComplete
	case ItemClosedSkipped:
		return outcomeSkipped
	}
	return outcomeIncomplete
}

// RequestOutcome is the state a request closes in once items, all of its
// requested items, are closed: by the rules of [ItemOutcome] over the
// items, rejected and cancelled items counting as incomplete, except that
// a request whose every item was cancelled is cancelled. closed is false
// while an item is still open, and for a request with no item.
func RequestOutcome(items []ItemState) (state RequestState, closed bool) {
	if len(items) == 0 {
		return "", false
	}
	cancelled := 0
	for _, s := range items {
		if !s.Final() {
			return "", false
		}
		if s == ItemCancelled {
			cancelled++
		}
	}
	if cancelled == len(items) {
		return RequestCancelled, true
	}
	switch rollUp(len(items), func(i int) outcome { return itemOutcome(items[i]) }) {
	case outcomeIncomplete:
		return RequestClosedIncomplete, true
	case outcomeSkipped:
		return RequestClosedSkipped, true
	}
	return RequestClosedComplete, true
}
