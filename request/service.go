package request

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Directory answers the approval policies: who a person's manager is, and
// who a group's members are. The host supplies it.
type Directory interface {
	Manager(ctx context.Context, person string) (string, error)
	Members(ctx context.Context, group string) ([]string, error)
}

// Incidents is what an order raised from an incident asks of incident
// management: to resolve the incident as fulfilled by the request, linked
// to it. incident.Service satisfies it; neither package imports the
// other, the host wires them in [Config]. It must be idempotent.
type Incidents interface {
	ResolveForRequest(ctx context.Context, actor lifecycle.Actor, incidentID, requestID string) error
}

// Config configures a [Service].
type Config struct {
	// Store keeps the requests. Required.
	Store Store
	// Catalog holds the items that can be ordered. Required.
	Catalog *Catalog
	// Directory names the approvers of the items whose approval policy
	// is the manager or a group; nil refuses to order such items.
	Directory Directory
	// Incidents resolves the incident an order is raised from
	// ([Order].Incident); nil refuses such orders.
	Incidents Incidents
	// Notifier is told every stored change; nil discards.
	Notifier lifecycle.Notifier
	// IDs draws request IDs; nil draws random "REQ..." IDs.
	IDs lifecycle.IDFunc
	// Clock is the time; nil is the system clock.
	Clock lifecycle.Clock
	// Interceptors see every operation (see [lifecycle.Interceptor]).
	Interceptors []lifecycle.Interceptor
	// Access is the access policy the Service applies after
	// Interceptors; nil is the default rules ([AccessRules]), a zero
	// policy lets every actor fire every event.
	Access *lifecycle.AccessPolicy
}

// Service runs service request fulfilment over a Store: orders, approvals,
// fulfilment tasks and the roll-up, each change one stored version of the
// request through the process kernel.
type Service struct {
	store   Store
	catalog *Catalog
	dir     Directory
	inc     Incidents
	clock   lifecycle.Clock
	ids     lifecycle.IDFunc
	kernel  lifecycle.Kernel[*Request]
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, lifecycle.Invalid("store", "required")
	case cfg.Catalog == nil:
		return nil, lifecycle.Invalid("catalog", "required")
	}
	s := &Service{store: cfg.Store, catalog: cfg.Catalog, dir: cfg.Directory, inc: cfg.Incidents, clock: lifecycle.ClockOrSystem(cfg.Clock), ids: cfg.IDs}
	if s.ids == nil {
		s.ids = lifecycle.RandomIDs("REQ")
	}
	s.kernel = lifecycle.Kernel[*Request]{
		Process: ProcessRequest, Store: cfg.Store, Notifier: lifecycle.NotifierOrDiscard(cfg.Notifier),
		Version: func(r *Request) int64 { return r.Version },
		Detach: func(r *Request) (*Request, []lifecycle.Record, []lifecycle.Entry) {
			stored := *r
			stored.History = nil
			return &stored, r.History, nil
		},
		Interceptors: lifecycle.Guarded(cfg.Interceptors, cfg.Access, AccessRules()),
		ID:           func(r *Request) string { return r.ID },
		Clone:        (*Request).Clone,
		Last:         func(r *Request) lifecycle.Record { return lifecycle.LastRecord(r.History) },
	}
	return s, nil
}

// Order places o for actor: each line's catalogue item must be orderable
// (known and not retired) and its values must pass the item's variables;
// the approvers come from the item's approval policy. A refused line is a
// *lifecycle.ValidationError naming its field as the order's JSON does:
// "lines[0].item" for an unknown or retired item (the latter also
// matching [ErrRetired]), "lines[0].values.start" for a variable's
// value. The request is
// stored with its items submitted and sent on (see [NewRequest]).
// Anything refused stores nothing.
func (s *Service) Order(ctx context.Context, actor lifecycle.Actor, o Order) (*Request, error) {
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	if len(o.Lines) == 0 {
		return nil, lifecycle.Invalid("lines", "an order needs at least one item")
	}
	forWhom := strings.TrimSpace(o.RequestedFor)
	if forWhom == "" {
		forWhom = actor.ID
	}
	var lines []Ordered
	for i, l := range o.Lines {
		item, err := s.catalog.Orderable(strings.TrimSpace(l.Item))
		if errors.Is(err, lifecycle.ErrNotFound) {
			return nil, lifecycle.Invalid(fmt.Sprintf("lines[%d].item", i), "no catalogue item %q", l.Item)
		}
		if err != nil {
			return nil, atLine(i, err)
		}
		values, err := item.CheckValues(l.Values)
		if err != nil {
			return nil, atLine(i, err)
		}
		approvers, err := s.approvers(ctx, item.Approval, actor.ID, forWhom)
		if err != nil {
			return nil, lifecycle.Invalid(fmt.Sprintf("lines[%d]", i), "%s: %v", item.ID, err)
		}
		lines = append(lines, Ordered{Catalog: item, Values: values, Approvers: approvers})
	}
	if strings.TrimSpace(o.Incident) != "" && s.inc == nil {
		return nil, &lifecycle.ConfigError{Setting: "Config.Incidents", Reason: "an order names the incident it is raised from"}
	}
	id := s.ids()
	r, err := s.kernel.CreateEvent(ctx, actor, eventOrder, func(context.Context, *lifecycle.ReadSet) (*Request, []lifecycle.Notification, error) {
		return NewRequest(actor, s.clock.Now(), id, o, lines)
	})
	if r == nil || r.Incident == "" {
		return r, err
	}
	// The incident becomes the request: resolved, and linked to it, in
	// the request's tenant.
	if ferr := s.inc.ResolveForRequest(ctx, actor.In(r.Tenant), r.Incident, r.ID); ferr != nil {
		err = errors.Join(err, &lifecycle.FollowUpError{Process: ProcessRequest, Record: r.ID, Target: r.Incident, Err: ferr})
	}
	return r, err
}

// atLine names the field of err, a refusal of line i of an order, as the
// order's JSON does: "lines[i].item" for the item, and
// "lines[i].values.<name>" for a variable's value. The error is the one
// Orderable or CheckValues has just made, so its field is set in place,
// keeping what else it matches ([ErrRetired]).
func atLine(i int, err error) error {
	var ve *lifecycle.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	f := ve.Field
	if name, ok := strings.CutPrefix(f, "variables."); ok {
		f = "values." + name
	}
	ve.Field = fmt.Sprintf("lines[%d].%s", i, f)
	return err
}

// approvers returns who decides under policy a, without the requester nor
// the person the request is for.
func (s *Service) approvers(ctx context.Context, a Approval, requester, forWhom string) ([]string, error) {
	var names []string
	switch a.Policy {
	case ApprovalManager:
		if s.dir == nil {
			return nil, &lifecycle.ConfigError{Setting: "Config.Directory", Reason: "an item needs the manager's approval"}
		}
		m, err := s.dir.Manager(ctx, forWhom)
		if err != nil {
			return nil, err
		}
		names = []string{m}
	case ApprovalGroup:
		if s.dir == nil {
			return nil, &lifecycle.ConfigError{Setting: "Config.Directory", Reason: "an item needs a group's approval"}
		}
		ms, err := s.dir.Members(ctx, a.Group)
		if err != nil {
			return nil, err
		}
		names = ms
	default:
		return nil, nil
	}
	var out []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" && n != requester && n != forWhom && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Do applies cmd to the request it names, by actor, and returns the
// request as stored. A concurrent change is met by running it again on
// the request as it then is, unless cmd pins a version.
func (s *Service) Do(ctx context.Context, actor lifecycle.Actor, cmd Command) (*Request, error) {
	if err := lifecycle.CheckCommand(actor, cmd); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if strings.TrimSpace(id) == "" {
		return nil, lifecycle.Invalid("id", "required")
	}
	update := func() (*Request, error) {
		return s.kernel.UpdateEvent(ctx, actor, id, version, func(*Request) string { return cmd.event() }, func(_ context.Context, r *Request, _ *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
			return r.Apply(actor, s.clock.Now(), cmd)
		})
	}
	return lifecycle.Settled(ctx, version, update)
}

// Get returns the stored request, or an error matching
// lifecycle.ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (*Request, error) { return s.store.Get(ctx, id) }

// GetAs is Get within actor's scope: a request outside it is not found.
func (s *Service) GetAs(ctx context.Context, actor lifecycle.Actor, id string) (*Request, error) {
	return s.kernel.GetAs(ctx, actor, id)
}

// List returns a page of the requests matching f.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	for _, st := range f.States {
		if !st.Valid() {
			_, err := lifecycle.ParseEnum("states", requestStates, string(st))
			return Page{}, err
		}
	}
	return s.store.List(ctx, f)
}

// ListAs is List within actor's scope.
func (s *Service) ListAs(ctx context.Context, actor lifecycle.Actor, f Filter) (Page, error) {
	if err := s.kernel.Narrow(ctx, actor, &f.Scope); err != nil {
		return Page{}, err
	}
	return s.List(ctx, f)
}

// History pages through request id's history records.
func (s *Service) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	return s.store.History(ctx, id, after, limit)
}
