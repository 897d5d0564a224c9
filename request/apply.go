package request

import (
	"fmt"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Command is an operation on a stored request: one of [Approve],
// [Reject], [AskRequester], [Answer], [AssignTask], [StartTask],
// [CloseTask], [CloseItem], [CancelItem] and [Cancel]. The set is closed.
// Each names the request (ID) and, where it acts on one, the item or task;
// Version, when not 0, is the version of the request it was read at.
type Command interface {
	target() (id string, version int64)
	event() string // the event of its history record, which the access rules guard
	apply(r *Request, st *step) error
}

// step is one command being applied to a request: the request's own
// change ([lifecycle.Delta]: its history record and request events) and
// the events of the items and tasks it moves, built once the new version
// is known.
type step struct {
	lifecycle.Delta
	subs []subEvent
}

// subEvent is an event about an item or a task of the request.
type subEvent struct {
	process, subject, typ, from string
	data                        map[string]string
	state                       func() string
	snap                        func() lifecycle.Snapshot
}

// item fires ev on it's machine, recording the change and the event typ.
func (st *step) item(r *Request, it *Item, ev ItemEvent, typ string, kv ...string) error {
	to, err := itemMachine.Fire(it.ID, it.State, ev, struct{}{})
	if err != nil {
		return err
	}
	from := it.State
	it.State = to
	st.Diff("items."+it.ID+".state", string(from), string(to))
	st.sub(ProcessItem, it.ID, typ, string(from), func() string { return string(it.State) }, func() lifecycle.Snapshot { return r.itemSnapshot(it) }, kv)
	return nil
}

// task fires ev on t's machine, recording the change and the event typ.
func (st *step) task(r *Request, it *Item, t *Task, ev TaskEvent, typ string, kv ...string) error {
	to, err := taskMachine.Fire(t.ID, t.State, ev, struct{}{})
	if err != nil {
		return err
	}
	from := t.State
	t.State = to
	st.Diff("tasks."+t.ID+".state", string(from), string(to))
	st.sub(ProcessTask, t.ID, typ, string(from), func() string { return string(t.State) }, func() lifecycle.Snapshot { return r.taskSnapshot(it, t) }, kv)
	return nil
}

func (st *step) sub(process, subject, typ, from string, state func() string, snap func() lifecycle.Snapshot, kv []string) {
	var data map[string]string
	if len(kv) > 0 {
		data = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i]] = kv[i+1]
		}
	}
	st.subs = append(st.subs, subEvent{process: process, subject: subject, typ: typ, from: from, data: data, state: state, snap: snap})
}

// finish stamps r with its new version and history record, and returns
// every event of the change: the request's, then its items' and tasks'.
func (st *step) finish(r *Request) []lifecycle.Notification {
	r.Version++
	r.UpdatedAt = st.Now
	r.History = append(r.History, st.Record(r.Version, string(r.State)))
	evs := st.Notifications(ProcessRequest, r.ID, r.Version, string(r.State), r.Snapshot())
	n := map[string]int{}
	for _, s := range st.subs {
		i := n[s.subject]
		n[s.subject]++
		evs = append(evs, lifecycle.Notification{
			ID:       lifecycle.NotificationID(s.process, s.subject, r.Version, i),
			Process:  s.process,
			Subject:  s.subject,
			Type:     s.typ,
			From:     s.from,
			To:       s.state(),
			Actor:    st.Actor.ID,
			Time:     st.Now,
			Version:  r.Version,
			Snapshot: s.snap(),
			Data:     s.data,
		})
	}
	return evs
}

// Apply performs cmd on r on behalf of actor at now: the command's own
// rules, then the roll-up its change sets off (an item whose tasks all
// closed closes, its request once every item has). It returns the events;
// on any error r is left exactly as it was. The [Service] runs it through
// the kernel, which stores the result.
func (r *Request) Apply(actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Notification, error) {
	if err := lifecycle.CheckCommand(actor, cmd); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if err := lifecycle.CheckTarget(ProcessRequest, id, version, r.ID, r.Version); err != nil {
		return nil, err
	}
	c := r.Clone()
	st := &step{Delta: lifecycle.Delta{Actor: actor, Now: now, From: string(r.State)}}
	if err := cmd.apply(c, st); err != nil {
		return nil, err
	}
	if err := st.rollUpRequest(c); err != nil {
		return nil, err
	}
	evs := st.finish(c)
	*r = *c
	return evs, nil
}

// lookup returns item id of r, or a *lifecycle.ValidationError naming
// "item".
func lookup(r *Request, id string) (*Item, error) {
	it, ok := r.Item(strings.TrimSpace(id))
	if !ok {
		return nil, lifecycle.Invalid("item", "request %s has no item %q", r.ID, id)
	}
	return it, nil
}

// openTask returns task id of r with its item, refusing a task whose stage
// is not open (or whose item is not in fulfilment) with a
// *lifecycle.ValidationError naming "task".
func openTask(r *Request, id string) (*Item, *Task, error) {
	it, t, ok := r.Task(strings.TrimSpace(id))
	switch {
	case !ok:
		return nil, nil, lifecycle.Invalid("task", "request %s has no task %q", r.ID, id)
	case it.State != ItemInFulfilment:
		return nil, nil, lifecycle.Invalid("task", "task %s: item %s is %s, not in fulfilment", t.ID, it.ID, it.State)
	case t.Stage != it.Stage:
		return nil, nil, lifecycle.Invalid("task", "task %s is in stage %d, and stage %d is the one open", t.ID, t.Stage+1, it.Stage+1)
	}
	return it, t, nil
}

// decide records actor's decision on item it, which must await approval
// and list actor among its approvers (see [Request.panel]), and moves it
// on when the votes decide it.
func (st *step) decide(r *Request, it *Item, d lifecycle.Decision, comment string) error {
	a := st.Actor.ID
	if it.State != ItemAwaitingApproval {
		ev := ItemApprove
		if d == lifecycle.Rejected {
			ev = ItemReject
		}
		return itemMachine.Refuse(it.ID, it.State, ev, fmt.Errorf("the item is not awaiting approval"))
	}
	p := r.panel(it)
	if err := p.Admit(st.Actor, "decide on item "+it.ID, it.Verdicts); err != nil {
		return err
	}
	it.Verdicts = append(it.Verdicts, lifecycle.Vote{Approver: a, Decision: d, Comment: comment, At: st.Now})
	st.Note = comment
	switch done, approved := p.Decided(it.Verdicts); {
	case done && approved:
		if err := st.item(r, it, ItemApprove, "approved", "approver", a); err != nil {
			return err
		}
		return st.fulfil(r, it)
	case done:
		return st.item(r, it, ItemReject, "rejected", "approver", a)
	}
	st.sub(ProcessItem, it.ID, "verdict", string(it.State), func() string { return string(it.State) }, func() lifecycle.Snapshot { return r.itemSnapshot(it) },
		[]string{"approver", a, "approved", fmt.Sprint(d == lifecycle.Approved)})
	return nil
}

// fulfil starts the fulfilment of approved item it: its tasks, from the
// plan the values select, with the first stage open; an item with no task
// closes complete.
func (st *step) fulfil(r *Request, it *Item) error {
	stages := it.Catalog.Plan.Expand(it.Values)
	if len(stages) == 0 {
		return st.item(r, it, ItemComplete, "completed")
	}
	if err := st.item(r, it, ItemFulfil, "fulfilment_started"); err != nil {
		return err
	}
	it.Stage = 0
	for s, defs := range stages {
		for _, d := range defs {
			t := Task{ID: fmt.Sprintf("%s-%d", it.ID, len(it.Tasks)+1), Stage: s, Name: d.Name, Group: d.Group, State: taskMachine.Initial()}
			it.Tasks = append(it.Tasks, t)
			st.Diff("tasks."+t.ID+".state", "", string(t.State))
		}
	}
	for i := range it.Tasks {
		t := &it.Tasks[i]
		st.sub(ProcessTask, t.ID, "opened", "", func() string { return string(t.State) }, func() lifecycle.Snapshot { return r.taskSnapshot(it, t) }, nil)
	}
	return nil
}

// rollUpItem moves item it on once its open stage's tasks have closed:
// the next stage opens, or the item closes by the roll-up rules
// ([Progress]), its later tasks skipped when a stage ends incomplete.
func (st *step) rollUpItem(r *Request, it *Item) error {
	if it.State != ItemInFulfilment {
		return nil
	}
	var stages [][]TaskState
	for _, t := range it.Tasks {
		for len(stages) <= t.Stage {
			stages = append(stages, nil)
		}
		stages[t.Stage] = append(stages[t.Stage], t.State)
	}
	open, state, closed := Progress(stages)
	if !closed {
		if open != it.Stage {
			st.Diff("items."+it.ID+".stage", fmt.Sprint(it.Stage+1), fmt.Sprint(open+1))
			it.Stage = open
			st.sub(ProcessItem, it.ID, "stage_opened", string(it.State), func() string { return string(it.State) }, func() lifecycle.Snapshot { return r.itemSnapshot(it) },
				[]string{"stage", fmt.Sprint(open + 1)})
			for i := range it.Tasks {
				if t := &it.Tasks[i]; t.Stage == open {
					st.sub(ProcessTask, t.ID, "ready", string(t.State), func() string { return string(t.State) }, func() lifecycle.Snapshot { return r.taskSnapshot(it, t) }, nil)
				}
			}
		}
		return nil
	}
	if err := st.skipOpenTasks(r, it); err != nil {
		return err
	}
	switch state {
	case ItemClosedIncomplete:
		return st.item(r, it, ItemCloseIncomplete, "closed_incomplete")
	case ItemClosedSkipped:
		return st.item(r, it, ItemSkip, "skipped")
	}
	return st.item(r, it, ItemComplete, "completed")
}

// skipOpenTasks closes every open task of it as skipped.
func (st *step) skipOpenTasks(r *Request, it *Item) error {
	for i := range it.Tasks {
		if t := &it.Tasks[i]; !t.State.Final() {
			if err := st.task(r, it, t, TaskSkip, "skipped"); err != nil {
				return err
			}
		}
	}
	return nil
}

// rollUpRequest closes r once every item has closed ([RequestOutcome]).
func (st *step) rollUpRequest(r *Request) error {
	if r.State != RequestOpen {
		return nil
	}
	states := make([]ItemState, len(r.Items))
	for i, it := range r.Items {
		states[i] = it.State
	}
	to, closed := RequestOutcome(states)
	if !closed {
		return nil
	}
	ev := map[RequestState]RequestEvent{
		RequestClosedComplete: RequestComplete, RequestClosedIncomplete: RequestCloseIncomplete,
		RequestClosedSkipped: RequestSkip, RequestCancelled: RequestCancel,
	}[to]
	got, err := requestMachine.Fire(r.ID, r.State, ev, struct{}{})
	if err != nil {
		return err
	}
	st.Diff(lifecycle.FieldState, string(r.State), string(got))
	r.State = got
	st.Emit(string(to))
	if st.Event == "" {
		st.Event = string(ev)
	}
	return nil
}

// Approve records the acting approver's approval of an item awaiting
// approval. The item is approved once its approval policy's decision rule
// is met (any, all, or a quorum of its approvers), and its fulfilment
// starts. Neither the requester nor the person the request is for may
// approve; an approver decides once.
type Approve struct {
	ID      string `json:"id"`                // the request; required
	Version int64  `json:"version,omitempty"` // the version read, or 0
	Item    string `json:"item"`              // the item; required
	Comment string `json:"comment,omitempty"` // recorded with the verdict
}

func (c Approve) target() (string, int64) { return c.ID, c.Version }
func (Approve) event() string             { return "approve" }

func (c Approve) apply(r *Request, st *step) error {
	st.Event = c.event()
	it, err := lookup(r, c.Item)
	if err != nil {
		return err
	}
	return st.decide(r, it, lifecycle.Approved, c.Comment)
}

// Reject records the acting approver's rejection of an item awaiting
// approval: the item is rejected (with a quorum, once the quorum can no
// longer be met). The same approvers as for [Approve] may decide.
type Reject struct {
	ID      string `json:"id"`                // the request; required
	Version int64  `json:"version,omitempty"` // the version read, or 0
	Item    string `json:"item"`              // the item; required
	Comment string `json:"comment,omitempty"` // why; required
}

func (c Reject) target() (string, int64) { return c.ID, c.Version }
func (Reject) event() string             { return "reject" }

func (c Reject) apply(r *Request, st *step) error {
	st.Event = c.event()
	if strings.TrimSpace(c.Comment) == "" {
		return lifecycle.Invalid("comment", "a rejection needs a comment")
	}
	it, err := lookup(r, c.Item)
	if err != nil {
		return err
	}
	return st.decide(r, it, lifecycle.Rejected, c.Comment)
}

// AskRequester asks the requester for more information about an item
// awaiting approval or in fulfilment: it awaits the requester until they
// answer ([Answer]).
type AskRequester struct {
	ID       string `json:"id"`                // the request; required
	Version  int64  `json:"version,omitempty"` // the version read, or 0
	Item     string `json:"item"`              // the item; required
	Question string `json:"question"`          // required
}

func (c AskRequester) target() (string, int64) { return c.ID, c.Version }
func (AskRequester) event() string             { return "ask_requester" }

func (c AskRequester) apply(r *Request, st *step) error {
	st.Event = c.event()
	if strings.TrimSpace(c.Question) == "" {
		return lifecycle.Invalid("question", "required")
	}
	it, err := lookup(r, c.Item)
	if err != nil {
		return err
	}
	back := it.State
	if err := st.item(r, it, ItemAskRequester, "requester_asked", "question", c.Question); err != nil {
		return err
	}
	it.ReturnTo, it.Question = back, c.Question
	st.Note = c.Question
	return nil
}

// Answer is the requester's answer to [AskRequester]: the item returns to
// where it was. Only the requester or the person the request is for may
// answer.
type Answer struct {
	ID      string `json:"id"`                // the request; required
	Version int64  `json:"version,omitempty"` // the version read, or 0
	Item    string `json:"item"`              // the item; required
	Text    string `json:"text"`              // the answer; required
}

func (c Answer) target() (string, int64) { return c.ID, c.Version }
func (Answer) event() string             { return "answer" }

func (c Answer) apply(r *Request, st *step) error {
	st.Event = c.event()
	if a := st.Actor.ID; a != r.Requester && a != r.For() {
		return &lifecycle.ForbiddenError{Actor: a, Action: "answer for request " + r.ID, Reason: "only its requester answers"}
	}
	if strings.TrimSpace(c.Text) == "" {
		return lifecycle.Invalid("text", "required")
	}
	it, err := lookup(r, c.Item)
	if err != nil {
		return err
	}
	ev := ItemAnswerFulfilment
	if it.ReturnTo == ItemAwaitingApproval {
		ev = ItemAnswerApproval
	}
	if err := st.item(r, it, ev, "requester_answered"); err != nil {
		return err
	}
	it.ReturnTo, it.Question = "", ""
	st.Note = c.Text
	return nil
}

// AssignTask assigns an open task (of the item's open stage) to a group
// and, optionally, a person.
type AssignTask struct {
	ID       string `json:"id"`                 // the request; required
	Version  int64  `json:"version,omitempty"`  // the version read, or 0
	Task     string `json:"task"`               // the task; required
	Group    string `json:"group,omitempty"`    // empty keeps the task's group
	Assignee string `json:"assignee,omitempty"` // the person working it
}

func (c AssignTask) target() (string, int64) { return c.ID, c.Version }
func (AssignTask) event() string             { return "assign_task" }

func (c AssignTask) apply(r *Request, st *step) error {
	st.Event = c.event()
	it, t, err := openTask(r, c.Task)
	if err != nil {
		return err
	}
	if g := strings.TrimSpace(c.Group); g != "" {
		st.Diff("tasks."+t.ID+".group", t.Group, g)
		t.Group = g
	}
	st.Diff("tasks."+t.ID+".assignee", t.Assignee, strings.TrimSpace(c.Assignee))
	t.Assignee = strings.TrimSpace(c.Assignee)
	return st.task(r, it, t, TaskAssign, "assigned", "group", t.Group, "assignee", t.Assignee)
}

// StartTask starts work on an assigned task.
type StartTask struct {
	ID      string `json:"id"`                // the request; required
	Version int64  `json:"version,omitempty"` // the version read, or 0
	Task    string `json:"task"`              // the task; required
}

func (c StartTask) target() (string, int64) { return c.ID, c.Version }
func (StartTask) event() string             { return "start_task" }

func (c StartTask) apply(r *Request, st *step) error {
	st.Event = c.event()
	it, t, err := openTask(r, c.Task)
	if err != nil {
		return err
	}
	return st.task(r, it, t, TaskStart, "started")
}

// CloseTask closes an assigned task, or one in progress, as complete or
// incomplete, or skips an open task, with notes; the roll-up then opens
// the next stage or closes the item, and the request with its last item.
type CloseTask struct {
	ID      string    `json:"id"`                // the request; required
	Version int64     `json:"version,omitempty"` // the version read, or 0
	Task    string    `json:"task"`              // the task; required
	State   TaskState `json:"state"`             // closed_complete, closed_incomplete or closed_skipped; required
	Notes   string    `json:"notes,omitempty"`   // the closing notes
}

func (c CloseTask) target() (string, int64) { return c.ID, c.Version }
func (CloseTask) event() string             { return "close_task" }

func (c CloseTask) apply(r *Request, st *step) error {
	st.Event = c.event()
	ev, ok := map[TaskState]TaskEvent{TaskClosedComplete: TaskComplete, TaskClosedIncomplete: TaskCloseIncomplete, TaskClosedSkipped: TaskSkip}[c.State]
	if !ok {
		return lifecycle.Invalid("state", "%q is not a closed state (closed_complete, closed_incomplete, closed_skipped)", c.State)
	}
	it, t, err := openTask(r, c.Task)
	if err != nil {
		return err
	}
	t.Notes = c.Notes
	st.Note = c.Notes
	if err := st.task(r, it, t, ev, map[TaskEvent]string{TaskComplete: "completed", TaskCloseIncomplete: "closed_incomplete", TaskSkip: "skipped"}[ev]); err != nil {
		return err
	}
	return st.rollUpItem(r, it)
}

// CloseItem closes an item in fulfilment by hand, in state (closed
// complete, incomplete or skipped). It is refused while any of the
// item's tasks is open: the roll-up closes an item with its last task,
// and an item with no task once approved.
type CloseItem struct {
	ID      string    `json:"id"`                // the request; required
	Version int64     `json:"version,omitempty"` // the version read, or 0
	Item    string    `json:"item"`              // the item; required
	State   ItemState `json:"state"`             // closed_complete, closed_incomplete or closed_skipped; required
	Notes   string    `json:"notes,omitempty"`
}

func (c CloseItem) target() (string, int64) { return c.ID, c.Version }
func (CloseItem) event() string             { return "close_item" }

func (c CloseItem) apply(r *Request, st *step) error {
	st.Event = c.event()
	ev, ok := map[ItemState]ItemEvent{ItemClosedComplete: ItemComplete, ItemClosedIncomplete: ItemCloseIncomplete, ItemClosedSkipped: ItemSkip}[c.State]
	if !ok {
		return lifecycle.Invalid("state", "%q is not a closed state (closed_complete, closed_incomplete, closed_skipped)", c.State)
	}
	it, err := lookup(r, c.Item)
	if err != nil {
		return err
	}
	for _, t := range it.Tasks {
		if !t.State.Final() {
			return lifecycle.Invalid("item", "item %s has open task %s: close its tasks first", it.ID, t.ID)
		}
	}
	st.Note = c.Notes
	return st.item(r, it, ev, string(c.State))
}

// CancelItem cancels an open item: its open tasks are skipped.
type CancelItem struct {
	ID      string `json:"id"`                // the request; required
	Version int64  `json:"version,omitempty"` // the version read, or 0
	Item    string `json:"item"`              // the item; required
	Reason  string `json:"reason"`            // required
}

func (c CancelItem) target() (string, int64) { return c.ID, c.Version }
func (CancelItem) event() string             { return "cancel_item" }

func (c CancelItem) apply(r *Request, st *step) error {
	st.Event = c.event()
	if strings.TrimSpace(c.Reason) == "" {
		return lifecycle.Invalid("reason", "required")
	}
	it, err := lookup(r, c.Item)
	if err != nil {
		return err
	}
	st.Note = c.Reason
	return st.cancel(r, it, c.Reason)
}

// cancel cancels item it, skipping its open tasks first.
func (st *step) cancel(r *Request, it *Item, reason string) error {
	if _, ok := itemMachine.Target(it.State, ItemCancel); !ok {
		return itemMachine.Refuse(it.ID, it.State, ItemCancel, fmt.Errorf("the item is closed"))
	}
	if err := st.skipOpenTasks(r, it); err != nil {
		return err
	}
	return st.item(r, it, ItemCancel, "cancelled", "reason", reason)
}

// Cancel cancels the whole request: its open items are cancelled and
// their open tasks skipped; the request then closes by the roll-up rules
// (cancelled when no item had closed before).
type Cancel struct {
	ID      string `json:"id"`                // the request; required
	Version int64  `json:"version,omitempty"` // the version read, or 0
	Reason  string `json:"reason"`            // required
}

func (c Cancel) target() (string, int64) { return c.ID, c.Version }
func (Cancel) event() string             { return "cancel" }

func (c Cancel) apply(r *Request, st *step) error {
	st.Event = c.event()
	if strings.TrimSpace(c.Reason) == "" {
		return lifecycle.Invalid("reason", "required")
	}
	if r.State != RequestOpen {
		return requestMachine.Refuse(r.ID, r.State, RequestCancel, fmt.Errorf("the request is closed"))
	}
	st.Note = c.Reason
	for i := range r.Items {
		if it := &r.Items[i]; !it.State.Final() {
			if err := st.cancel(r, it, c.Reason); err != nil {
				return err
			}
		}
	}
	return nil
}
