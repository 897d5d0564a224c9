package request

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Request is one order: a requester asking, possibly for someone else,
// for one or more catalogue items. It holds its requested items and
// their fulfilment tasks, so that the roll-up from tasks to items to the
// request is part of the same stored change as the task's close: it
// happens exactly once, and no task is ever open under a closed item.
// Each item and each task moves under its own machine; the request's
// history records every change, naming the item or task it changed.
type Request struct {
	ID      string       `json:"id"`      // unique, from Config.IDs
	Version int64        `json:"version"` // 1 when created, +1 per stored change
	State   RequestState `json:"state"`   // open until its last item closes

	Requester    string `json:"requester"`               // who ordered
	RequestedFor string `json:"requested_for,omitempty"` // for whom; the requester when empty
	Tenant       string `json:"tenant,omitempty"`        // the tenant it belongs to; never changes
	Incident     string `json:"incident,omitempty"`      // the incident it was raised from, if any

	Items []Item `json:"items"` // the requested items, in order

	History   []lifecycle.Record `json:"history,omitempty"` // one record per stored change
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// Item is a requested item: a catalogue item at the version it was
// ordered at, with the requester's values, moving under the item machine
// ([ItemDiagram]).
type Item struct {
	ID      string      `json:"id"`      // the request's ID, "-", its position from 1
	State   ItemState   `json:"state"`   // where it stands
	Catalog CatalogItem `json:"catalog"` // the catalogue item as ordered
	Values  Values      `json:"values,omitempty"`

	// Approvers are who may decide on the item, found when it was
	// submitted (never its requester nor the person it is for).
	Approvers []string `json:"approvers,omitempty"`
	// Verdicts are the approvers' decisions, in order.
	Verdicts []lifecycle.Vote `json:"verdicts,omitempty"`
	// ReturnTo is the state the requester's answer returns the item to,
	// while it awaits the requester.
	ReturnTo ItemState `json:"return_to,omitempty"`
	// Question is what the requester was asked, while the item awaits
	// them.
	Question string `json:"question,omitempty"`
	// Stage is the index of the fulfilment stage whose tasks are open.
	Stage int `json:"stage"`
	// Tasks are the fulfilment tasks of every stage, in plan order.
	Tasks []Task `json:"tasks,omitempty"`
}

// AttributeAgreements is the snapshot attribute of a requested item and of
// its tasks that lists, comma-separated, the SLA agreements its catalogue
// item names (see [CatalogItem].Agreements).
const AttributeAgreements = "agreements"

// AttributeStageOpen is the snapshot attribute of a task that says
// whether its stage is the open one ("true" or "false"): an agreement that
// measures a team's work on a task starts when it turns "true". The
// task's event "ready" carries it when the stage before has closed.
const AttributeStageOpen = "stage_open"

// Applies reports whether the snapshot s, of a requested item or a task,
// comes from a catalogue item that names agreement: the test an sla
// agreement's Start condition makes so that it measures only the items
// that list it, e.g.
//
//	Start: func(s lifecycle.Snapshot) bool {
//		return request.Applies(s, "laptop-fulfilment") && !request.ItemState(s.State).Final()
//	},
func Applies(s lifecycle.Snapshot, agreement string) bool {
	for id := range strings.SplitSeq(s.Attributes[AttributeAgreements], ",") {
		if id != "" && id == agreement {
			return true
		}
	}
	return false
}

// panel is who decides on item it of r, and how, as the kernel counts
// it: the approvers found when it was ordered, under its approval
// policy's consent (one approval for a manager), never the requester nor
// the person the request is for.
func (r *Request) panel(it *Item) lifecycle.Panel {
	a := it.Catalog.Approval
	p := lifecycle.Panel{Approvers: it.Approvers, Consent: a.Decide, Quorum: a.Quorum}
	if p.Consent == "" {
		p.Consent = lifecycle.ConsentAny
	}
	return p.Exclude(r.Requester, r.For())
}

// Task is a fulfilment task of an item, moving under the task machine
// ([TaskDiagram]). The tasks of a stage open once the stage before it has
// closed.
type Task struct {
	ID       string    `json:"id"`    // the item's ID, "-", its position from 1
	Stage    int       `json:"stage"` // the index of its stage
	Name     string    `json:"name"`
	Group    string    `json:"group"`
	Assignee string    `json:"assignee,omitempty"`
	State    TaskState `json:"state"`
	Notes    string    `json:"notes,omitempty"` // the closing notes
}

// Clone returns a deep copy of r (nil stays nil).
func (r *Request) Clone() *Request {
	if r == nil {
		return nil
	}
	c := *r
	c.Items = slices.Clone(r.Items)
	for i := range c.Items {
		it := &c.Items[i]
		it.Catalog = it.Catalog.Clone()
		it.Values = maps.Clone(it.Values)
		it.Approvers = slices.Clone(it.Approvers)
		it.Verdicts = slices.Clone(it.Verdicts)
		it.Tasks = slices.Clone(it.Tasks)
	}
	c.History = lifecycle.CloneHistory(r.History)
	return &c
}

// For is whom the request is for: RequestedFor, or the requester.
func (r *Request) For() string {
	if r.RequestedFor != "" {
		return r.RequestedFor
	}
	return r.Requester
}

// Item returns the requested item with the given ID.
func (r *Request) Item(id string) (*Item, bool) {
	for i := range r.Items {
		if r.Items[i].ID == id {
			return &r.Items[i], true
		}
	}
	return nil, false
}

// Task returns the fulfilment task with the given ID and its item.
func (r *Request) Task(id string) (*Item, *Task, bool) {
	for i := range r.Items {
		it := &r.Items[i]
		for j := range it.Tasks {
			if it.Tasks[j].ID == id {
				return it, &it.Tasks[j], true
			}
		}
	}
	return nil, nil, false
}

// Snapshot returns the process-neutral view of the request: its state,
// the requester as Caller, the person it is for as the "requested_for"
// attribute, its tenant and when it was opened.
func (r *Request) Snapshot() lifecycle.Snapshot {
	return lifecycle.Snapshot{
		State:      string(r.State),
		Caller:     r.Requester,
		Tenant:     r.Tenant,
		OpenedAt:   r.CreatedAt,
		Attributes: map[string]string{"requested_for": r.For(), "items": strconv.Itoa(len(r.Items))},
	}
}

// itemSnapshot is the view of item it that its events carry, for
// notifiers and the SLA engine: its state, its catalogue item's name as
// Title and ID as the "catalog_item" attribute, the person it is for as
// Caller.
func (r *Request) itemSnapshot(it *Item) lifecycle.Snapshot {
	return lifecycle.Snapshot{
		State:    string(it.State),
		Title:    it.Catalog.Name,
		Caller:   r.For(),
		Tenant:   r.Tenant,
		OpenedAt: r.CreatedAt,
		Attributes: map[string]string{
			"request":              r.ID,
			"catalog_item":         it.Catalog.ID,
			"catalog_item_version": strconv.Itoa(it.Catalog.Version),
			AttributeAgreements:    strings.Join(it.Catalog.Agreements, ","),
		},
	}
}

// taskSnapshot is the view of task t of item it that its events carry.
func (r *Request) taskSnapshot(it *Item, t *Task) lifecycle.Snapshot {
	return lifecycle.Snapshot{
		State:    string(t.State),
		Title:    t.Name,
		Group:    t.Group,
		Assignee: t.Assignee,
		Caller:   r.For(),
		Tenant:   r.Tenant,
		OpenedAt: r.CreatedAt,
		Attributes: map[string]string{"request": r.ID, "item": it.ID, "stage": strconv.Itoa(t.Stage),
			AttributeAgreements: strings.Join(it.Catalog.Agreements, ","),
			AttributeStageOpen:  strconv.FormatBool(it.State == ItemInFulfilment && t.Stage == it.Stage)},
	}
}
