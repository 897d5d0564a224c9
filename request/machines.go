package request

import (
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// The process names of the three records of service request management,
// as they appear in events ([lifecycle.Notification].Process), IDs and
// errors.
const (
	ProcessRequest = "request"      // an order: one requester, one or more items
	ProcessItem    = "request_item" // a requested item: a catalogue item ordered
	ProcessTask    = "request_task" // a fulfilment task of an item
)

// ItemState is where a requested item stands (see [ItemDiagram]).
type ItemState string

// The requested item's states.
const (
	ItemSubmitted         ItemState = "submitted"
	ItemAwaitingApproval  ItemState = "awaiting_approval"
	ItemApproved          ItemState = "approved"
	ItemInFulfilment      ItemState = "in_fulfilment"
	ItemAwaitingRequester ItemState = "awaiting_requester" // more information required
	ItemClosedComplete    ItemState = "closed_complete"    // final
	ItemClosedIncomplete  ItemState = "closed_incomplete"  // final
	ItemClosedSkipped     ItemState = "closed_skipped"     // final
	ItemRejected          ItemState = "rejected"           // final
	ItemCancelled         ItemState = "cancelled"          // final
)

var itemStates = []ItemState{
	ItemSubmitted, ItemAwaitingApproval, ItemApproved, ItemInFulfilment, ItemAwaitingRequester,
	ItemClosedComplete, ItemClosedIncomplete, ItemClosedSkipped, ItemRejected, ItemCancelled,
}

// ItemStates returns every requested item state, in display order.
func ItemStates() []ItemState { return slices.Clone(itemStates) }

// Valid reports whether s is one of [ItemStates].
func (s ItemState) Valid() bool { return slices.Contains(itemStates, s) }

// Final reports whether no event leaves s: the item is closed.
func (s ItemState) Final() bool { return itemMachine.Final(s) }

// MarshalText returns the state's spelling, or a *lifecycle.ValidationError
// for an unknown state.
func (s ItemState) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("state", itemStates, s)
}

// UnmarshalText parses a state, refusing unknown spellings with a
// *lifecycle.ValidationError.
func (s *ItemState) UnmarshalText(b []byte) (err error) {
	*s, err = lifecycle.ParseEnum("state", itemStates, string(b))
	return err
}

// ItemEvent is an event of the requested item's machine.
type ItemEvent string

// The requested item's events. More information can be asked for while
// the item awaits approval or is in fulfilment; the requester's answer
// returns it to where it was, each way through its own event.
const (
	ItemAskApproval      ItemEvent = "ask_approval"      // submitted → awaiting_approval
	ItemSkipApproval     ItemEvent = "skip_approval"     // submitted → approved: the item's approval policy is none
	ItemApprove          ItemEvent = "approve"           // awaiting_approval → approved: the approvers decided so
	ItemFulfil           ItemEvent = "fulfil"            // approved → in_fulfilment: its first stage's tasks open
	ItemComplete         ItemEvent = "complete"          // in_fulfilment, or approved with no task → closed_complete
	ItemCloseIncomplete  ItemEvent = "close_incomplete"  // in_fulfilment → closed_incomplete
	ItemSkip             ItemEvent = "skip"              // in_fulfilment → closed_skipped
	ItemAskRequester     ItemEvent = "ask_requester"     // awaiting_approval or in_fulfilment → awaiting_requester
	ItemAnswerApproval   ItemEvent = "answer_approval"   // awaiting_requester → awaiting_approval
	ItemAnswerFulfilment ItemEvent = "answer_fulfilment" // awaiting_requester → in_fulfilment
	ItemReject           ItemEvent = "reject"            // any open state → rejected
	ItemCancel           ItemEvent = "cancel"            // any open state → cancelled
)

var itemEvents = []ItemEvent{
	ItemAskApproval, ItemSkipApproval, ItemApprove, ItemFulfil, ItemComplete, ItemCloseIncomplete, ItemSkip,
	ItemAskRequester, ItemAnswerApproval, ItemAnswerFulfilment, ItemReject, ItemCancel,
}

// itemOpen are the states an item can be rejected or cancelled from.
var itemOpen = []ItemState{ItemSubmitted, ItemAwaitingApproval, ItemApproved, ItemInFulfilment, ItemAwaitingRequester}

var itemMachine = lifecycle.NewMachine(lifecycle.Definition[ItemState, ItemEvent, struct{}]{
	Process: ProcessItem,
	Initial: ItemSubmitted,
	States:  itemStates,
	Events:  itemEvents,
	Transitions: []lifecycle.Transition[ItemState, ItemEvent, struct{}]{
		{Event: ItemAskApproval, From: []ItemState{ItemSubmitted}, To: ItemAwaitingApproval},
		{Event: ItemSkipApproval, From: []ItemState{ItemSubmitted}, To: ItemApproved},
		{Event: ItemApprove, From: []ItemState{ItemAwaitingApproval}, To: ItemApproved},
		{Event: ItemFulfil, From: []ItemState{ItemApproved}, To: ItemInFulfilment},
		{Event: ItemComplete, From: []ItemState{ItemApproved, ItemInFulfilment}, To: ItemClosedComplete},
		{Event: ItemCloseIncomplete, From: []ItemState{ItemInFulfilment}, To: ItemClosedIncomplete},
		{Event: ItemSkip, From: []ItemState{ItemInFulfilment}, To: ItemClosedSkipped},
		{Event: ItemAskRequester, From: []ItemState{ItemAwaitingApproval, ItemInFulfilment}, To: ItemAwaitingRequester},
		{Event: ItemAnswerApproval, From: []ItemState{ItemAwaitingRequester}, To: ItemAwaitingApproval},
		{Event: ItemAnswerFulfilment, From: []ItemState{ItemAwaitingRequester}, To: ItemInFulfilment},
		{Event: ItemReject, From: itemOpen, To: ItemRejected},
		{Event: ItemCancel, From: itemOpen, To: ItemCancelled},
	},
})

// ItemDiagram returns the requested item's machine as a Mermaid state
// diagram.
func ItemDiagram() string { return itemMachine.Mermaid() }

// TaskState is where a fulfilment task stands (see [TaskDiagram]).
type TaskState string

// The fulfilment task's states.
const (
	TaskPending          TaskState = "pending"
	TaskAssigned         TaskState = "assigned"
	TaskWorkInProgress   TaskState = "work_in_progress"
	TaskClosedComplete   TaskState = "closed_complete"   // final
	TaskClosedIncomplete TaskState = "closed_incomplete" // final
	TaskClosedSkipped    TaskState = "closed_skipped"    // final
)

var taskStates = []TaskState{TaskPending, TaskAssigned, TaskWorkInProgress, TaskClosedComplete, TaskClosedIncomplete, TaskClosedSkipped}

// TaskStates returns every fulfilment task state, in display order.
func TaskStates() []TaskState { return slices.Clone(taskStates) }

// Valid reports whether s is one of [TaskStates].
func (s TaskState) Valid() bool { return slices.Contains(taskStates, s) }

// Final reports whether no event leaves s: the task is closed.
func (s TaskState) Final() bool { return taskMachine.Final(s) }

// MarshalText returns the state's spelling, or a *lifecycle.ValidationError
// for an unknown state.
func (s TaskState) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("state", taskStates, s)
}

// UnmarshalText parses a state, refusing unknown spellings with a
// *lifecycle.ValidationError.
func (s *TaskState) UnmarshalText(b []byte) (err error) {
	*s, err = lifecycle.ParseEnum("state", taskStates, string(b))
	return err
}

// TaskEvent is an event of the fulfilment task's machine.
type TaskEvent string

// The fulfilment task's events. A task of a stage that is not yet open
// takes none of them but skip (when its item closes first).
const (
	TaskAssign          TaskEvent = "assign"           // pending or assigned → assigned
	TaskStart           TaskEvent = "start"            // assigned → work_in_progress
	TaskComplete        TaskEvent = "complete"         // assigned or work_in_progress → closed_complete
	TaskCloseIncomplete TaskEvent = "close_incomplete" // assigned or work_in_progress → closed_incomplete
	TaskSkip            TaskEvent = "skip"             // any open state → closed_skipped
)

var taskEvents = []TaskEvent{TaskAssign, TaskStart, TaskComplete, TaskCloseIncomplete, TaskSkip}

var taskOpen = []TaskState{TaskPending, TaskAssigned, TaskWorkInProgress}

var taskMachine = lifecycle.NewMachine(lifecycle.Definition[TaskState, TaskEvent, struct{}]{
	Process: ProcessTask,
	Initial: TaskPending,
	States:  taskStates,
	Events:  taskEvents,
	Transitions: []lifecycle.Transition[TaskState, TaskEvent, struct{}]{
		{Event: TaskAssign, From: []TaskState{TaskPending, TaskAssigned}, To: TaskAssigned},
		{Event: TaskStart, From: []TaskState{TaskAssigned}, To: TaskWorkInProgress},
		{Event: TaskComplete, From: []TaskState{TaskAssigned, TaskWorkInProgress}, To: TaskClosedComplete},
		{Event: TaskCloseIncomplete, From: []TaskState{TaskAssigned, TaskWorkInProgress}, To: TaskClosedIncomplete},
		{Event: TaskSkip, From: taskOpen, To: TaskClosedSkipped},
	},
})

// TaskDiagram returns the fulfilment task's machine as a Mermaid state
// diagram.
func TaskDiagram() string { return taskMachine.Mermaid() }

// RequestState is where a request (an order) stands: open until its last
// item closes, then closed by the roll-up of its items ([RequestOutcome]).
type RequestState string

// The request's states.
const (
	RequestOpen             RequestState = "open"
	RequestClosedComplete   RequestState = "closed_complete"   // final
	RequestClosedIncomplete RequestState = "closed_incomplete" // final
	RequestClosedSkipped    RequestState = "closed_skipped"    // final
	RequestCancelled        RequestState = "cancelled"         // final
)

var requestStates = []RequestState{RequestOpen, RequestClosedComplete, RequestClosedIncomplete, RequestClosedSkipped, RequestCancelled}

// RequestStates returns every request state, in display order.
func RequestStates() []RequestState { return slices.Clone(requestStates) }

// Valid reports whether s is one of [RequestStates].
func (s RequestState) Valid() bool { return slices.Contains(requestStates, s) }

// Final reports whether s is a closed state.
func (s RequestState) Final() bool { return requestMachine.Final(s) }

// MarshalText returns the state's spelling, or a *lifecycle.ValidationError
// for an unknown state.
func (s RequestState) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("state", requestStates, s)
}

// UnmarshalText parses a state, refusing unknown spellings with a
// *lifecycle.ValidationError.
func (s *RequestState) UnmarshalText(b []byte) (err error) {
	*s, err = lifecycle.ParseEnum("state", requestStates, string(b))
	return err
}

// RequestEvent is an event of the request's machine.
type RequestEvent string

// The request's events: the roll-up of its items closes it, and cancelling
// it cancels its open items first.
const (
	RequestComplete        RequestEvent = "complete"         // open → closed_complete
	RequestCloseIncomplete RequestEvent = "close_incomplete" // open → closed_incomplete
	RequestSkip            RequestEvent = "skip"             // open → closed_skipped
	RequestCancel          RequestEvent = "cancel"           // open → cancelled
)

var requestEvents = []RequestEvent{RequestComplete, RequestCloseIncomplete, RequestSkip, RequestCancel}

var requestMachine = lifecycle.NewMachine(lifecycle.Definition[RequestState, RequestEvent, struct{}]{
	Process: ProcessRequest,
	Initial: RequestOpen,
	States:  requestStates,
	Events:  requestEvents,
	Transitions: []lifecycle.Transition[RequestState, RequestEvent, struct{}]{
		{Event: RequestComplete, From: []RequestState{RequestOpen}, To: RequestClosedComplete},
		{Event: RequestCloseIncomplete, From: []RequestState{RequestOpen}, To: RequestClosedIncomplete},
		{Event: RequestSkip, From: []RequestState{RequestOpen}, To: RequestClosedSkipped},
		{Event: RequestCancel, From: []RequestState{RequestOpen}, To: RequestCancelled},
	},
})

// RequestDiagram returns the request's machine as a Mermaid state diagram.
func RequestDiagram() string { return requestMachine.Mermaid() }
