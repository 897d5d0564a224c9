package request

import (
	"fmt"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Order is the input of a new request: what is ordered, and for whom. It
// is not a [Command]: it creates a request instead of changing one.
type Order struct {
	// RequestedFor is the person the request is for; empty is the
	// ordering actor.
	RequestedFor string `json:"requested_for,omitempty"`
	// Tenant is the request's tenant; "" is the actor's only tenant,
	// when it acts in exactly one.
	Tenant string `json:"tenant,omitempty"`
	// Incident is the incident the request is raised from, if any.
	Incident string `json:"incident,omitempty"`
	// Lines are the items ordered; at least one.
	Lines []Line `json:"lines"`
	// Note is recorded in the request's first history record.
	Note string `json:"note,omitempty"`
}

// Line is one item of an [Order]: a catalogue item and the requester's
// values for its variables.
type Line struct {
	Item   string `json:"item"`             // the catalogue item's ID; required
	Values Values `json:"values,omitempty"` // checked against the item's variables
}

// Ordered is a line of an order as the [Service] resolved it: the
// catalogue item at its current version, the values it checked, and the
// approvers its approval policy names. It is the input of [NewRequest].
type Ordered struct {
	Catalog   CatalogItem
	Values    Values
	Approvers []string
}

// NewRequest returns the new request id ordered by actor at now, with its
// items as ordered, and its events. Each item is submitted, then sent for
// approval, or, with no approval policy, approved and put in fulfilment
// at once (closed complete when its plan gives no task). It is the pure
// layer under [Service.Order]: the Service looks up the catalogue and the
// approvers, and stores the request.
func NewRequest(actor lifecycle.Actor, now time.Time, id string, o Order, lines []Ordered) (*Request, []lifecycle.Notification, error) {
	if err := actor.Validate(); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(id) == "" {
		return nil, nil, lifecycle.Invalid("id", "required")
	}
	if len(lines) == 0 {
		return nil, nil, lifecycle.Invalid("lines", "an order needs at least one item")
	}
	r := &Request{
		ID:           id,
		State:        requestMachine.Initial(),
		Requester:    actor.ID,
		RequestedFor: strings.TrimSpace(o.RequestedFor),
		Tenant:       lifecycle.TenantFor(actor, o.Tenant),
		Incident:     strings.TrimSpace(o.Incident),
		CreatedAt:    now,
	}
	if r.RequestedFor == r.Requester {
		r.RequestedFor = ""
	}
	st := &step{Delta: lifecycle.Delta{Actor: actor, Now: now, Event: eventOrder, Note: o.Note}}
	st.Diff(lifecycle.FieldState, "", string(r.State))
	st.Diff("requester", "", r.Requester)
	st.Diff("requested_for", "", r.RequestedFor)
	st.Diff("tenant", "", r.Tenant)
	st.Diff("incident", "", r.Incident)
	for i, l := range lines {
		r.Items = append(r.Items, Item{ID: fmt.Sprintf("%s-%d", id, i+1), State: itemMachine.Initial(), Catalog: l.Catalog.Clone(), Values: l.Values, Approvers: l.Approvers})
	}
	st.Emit("opened")
	for i := range r.Items {
		it := &r.Items[i]
		st.Diff("items."+it.ID+".state", "", string(it.State))
		st.sub(ProcessItem, it.ID, "submitted", "", func() string { return string(it.State) }, func() lifecycle.Snapshot { return r.itemSnapshot(it) },
			[]string{"catalog_item", it.Catalog.ID})
		if err := st.route(r, it); err != nil {
			return nil, nil, err
		}
	}
	if err := st.rollUpRequest(r); err != nil {
		return nil, nil, err
	}
	return r, st.finish(r), nil
}

// route sends a submitted item on: for approval, or, with no approval
// policy, straight to fulfilment.
func (st *step) route(r *Request, it *Item) error {
	if it.Catalog.Approval.Policy == ApprovalNone || it.Catalog.Approval.Policy == "" {
		if err := st.item(r, it, ItemSkipApproval, "approved"); err != nil {
			return err
		}
		return st.fulfil(r, it)
	}
	if len(it.Approvers) == 0 {
		return lifecycle.Invalid("lines", "item %s (%s) has no approver besides the requester and the person it is for", it.ID, it.Catalog.ID)
	}
	if p := r.panel(it); p.Shortfall() > 0 {
		return lifecycle.Invalid("lines", "item %s (%s) needs %d approvals and has %d approvers", it.ID, it.Catalog.ID, p.Needed(), len(p.Eligible()))
	}
	return st.item(r, it, ItemAskApproval, "approval_requested", "approvers", strings.Join(it.Approvers, ","))
}
