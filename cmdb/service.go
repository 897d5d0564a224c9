package cmdb

import (
	"context"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Config configures a [Service].
type Config struct {
	// Store keeps the CIs. Required.
	Store Store
	// Classes is the class tree; nil is [DefaultClasses].
	Classes *Classes
	// ServiceClass is the class (with its subclasses) of the business
	// services impact analysis reports; "" is ClassBusinessService.
	ServiceClass string
	// Types are relationship types the host adds to [BuiltinTypes].
	Types []RelType
	// RetireInUse lets a [Retire] with a Reason through while CIs in
	// service depend on the CI; by default it is refused.
	RetireInUse bool
	// Changes, when set, puts CIs in production under change control: a
	// command that changes an operational CI ([Update] and the status
	// commands) must name, in its Change field, a change being
	// implemented on that CI, or it is refused with a
	// *[ChangeRequiredError]; a named change is checked on any CI. Nil
	// lets every change through, naming a change or not.
	Changes Changes
	// Notifier is told every stored change; nil discards.
	Notifier lifecycle.Notifier
	// IDs draws CI IDs; nil draws random "CI..." IDs.
	IDs lifecycle.IDFunc
	// Clock is the time; nil is the system clock.
	Clock lifecycle.Clock
	// Interceptors see every operation (see [lifecycle.Interceptor]).
	Interceptors []lifecycle.Interceptor
	// Access is the access policy applied after Interceptors; nil is
	// [AccessRules].
	Access *lifecycle.AccessPolicy
}

// Service runs configuration management over a Store: each change of a
// CI, its relationships included, is one stored version through the
// process kernel. It is safe for concurrent use.
type Service struct {
	store        Store
	classes      *Classes
	serviceClass string
	types        *types
	retireInUse  bool
	changes      Changes
	clock        lifecycle.Clock
	ids          lifecycle.IDFunc
	kernel       lifecycle.Kernel[*CI]
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, lifecycle.Invalid("store", "required")
	}
	t, err := newTypes(cfg.Types)
	if err != nil {
		return nil, err
	}
	s := &Service{store: cfg.Store, classes: cfg.Classes, serviceClass: cfg.ServiceClass, types: t, retireInUse: cfg.RetireInUse,
		changes: cfg.Changes, clock: lifecycle.ClockOrSystem(cfg.Clock), ids: cfg.IDs}
	if s.classes == nil {
		s.classes = DefaultClasses()
	}
	if s.serviceClass == "" {
		s.serviceClass = ClassBusinessService
	}
	if err := s.classes.check(s.serviceClass); err != nil {
		return nil, lifecycle.Invalid("service_class", "%v", err)
	}
	if s.ids == nil {
		s.ids = lifecycle.RandomIDs("CI")
	}
	s.kernel = lifecycle.Kernel[*CI]{
		Process: Process, Store: cfg.Store, Notifier: lifecycle.NotifierOrDiscard(cfg.Notifier),
		Version: func(c *CI) int64 { return c.Version },
		Detach: func(c *CI) (*CI, []lifecycle.Record, []lifecycle.Entry) {
			stored := *c
			stored.History = nil
			return &stored, c.History, nil
		},
		Interceptors: lifecycle.Guarded(cfg.Interceptors, cfg.Access, AccessRules()),
		ID:           func(c *CI) string { return c.ID },
		Clone:        (*CI).Clone,
		Last:         func(c *CI) lifecycle.Record { return lifecycle.LastRecord(c.History) },
	}
	return s, nil
}

// NewCI is what [Service.Create] records a CI with.
type NewCI struct {
	Class       string            `json:"class"`            // required: a class of the tree
	Name        string            `json:"name"`             // required
	Status      Status            `json:"status,omitempty"` // "" is planned; a CI may be recorded in any status but retired
	Criticality Criticality       `json:"criticality,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Group       string            `json:"group,omitempty"`
	Tenant      string            `json:"tenant,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
}

// Create records a new CI and returns it as stored.
func (s *Service) Create(ctx context.Context, actor lifecycle.Actor, n NewCI) (*CI, error) {
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	if err := s.classes.check(strings.TrimSpace(n.Class)); err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(n.Name) == "":
		return nil, lifecycle.Invalid("name", "required")
	case n.Criticality != "" && n.Criticality.Rank() == 0:
		return nil, lifecycle.Invalid("criticality", "unknown criticality %q", n.Criticality)
	case n.Status != "" && (!n.Status.Valid() || n.Status == StatusRetired):
		return nil, lifecycle.Invalid("status", "a CI is recorded planned, installed or in service, not %q", n.Status)
	}
	id := s.ids()
	return s.kernel.CreateEvent(ctx, actor, eventCreate, func(context.Context, *lifecycle.ReadSet) (*CI, []lifecycle.Notification, error) {
		now := s.clock.Now()
		c := &CI{ID: id, Version: 1, Class: strings.TrimSpace(n.Class), Name: strings.TrimSpace(n.Name), Status: n.Status,
			Criticality: n.Criticality, Owner: n.Owner, Group: n.Group, Tenant: lifecycle.TenantFor(actor, n.Tenant),
			Attributes: n.Attributes, CreatedAt: now, UpdatedAt: now}
		if c.Status == "" {
			c.Status = machine.Initial()
		}
		d := lifecycle.Delta{Actor: actor, Now: now, Event: eventCreate}
		d.Diff("class", "", c.Class)
		d.Diff("name", "", c.Name)
		d.Diff(lifecycle.FieldState, "", string(c.Status))
		d.Emit("created")
		c.History = []lifecycle.Record{d.Record(1, string(c.Status))}
		return c, d.Notifications(Process, c.ID, 1, string(c.Status), c.Snapshot()), nil
	})
}

// Do applies cmd to the CI it names, by actor, and returns the CI as
// stored. Unpinned (Version 0), a concurrent change is met by running it
// again on the CI as it then is.
func (s *Service) Do(ctx context.Context, actor lifecycle.Actor, cmd Command) (*CI, error) {
	if err := lifecycle.CheckCommand(actor, cmd); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if strings.TrimSpace(id) == "" {
		return nil, lifecycle.Invalid("id", "required")
	}
	update := func() (*CI, error) {
		return s.kernel.UpdateEvent(ctx, actor, id, version, func(*CI) string { return cmd.event() }, func(ctx context.Context, x *CI, reads *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
			r := &rules{s: s, reads: reads, Delta: lifecycle.Delta{Actor: actor, Now: s.clock.Now(), Event: cmd.event(), From: string(x.Status)}}
			c := x.Clone()
			if err := s.controlled(ctx, r, c, cmd); err != nil {
				return nil, err
			}
			if err := cmd.apply(ctx, r, c); err != nil {
				return nil, err
			}
			c.Version++
			c.UpdatedAt = r.Now
			c.History = append(c.History, r.Record(c.Version, string(c.Status)))
			*x = *c
			return r.Notifications(Process, x.ID, x.Version, string(x.Status), x.Snapshot()), nil
		})
	}
	return lifecycle.Settled(ctx, version, update)
}

// Get returns the stored CI, or an error matching lifecycle.ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (*CI, error) { return s.store.Get(ctx, id) }

// GetAs is Get within actor's scope: a CI outside it is not found.
func (s *Service) GetAs(ctx context.Context, actor lifecycle.Actor, id string) (*CI, error) {
	return s.kernel.GetAs(ctx, actor, id)
}

// List returns a page of the CIs matching f.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	for _, st := range f.Statuses {
		if !st.Valid() {
			_, err := lifecycle.ParseEnum("statuses", statuses, string(st))
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

// History pages through CI id's history records.
func (s *Service) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	return s.store.History(ctx, id, after, limit)
}

// Types returns the registered relationship types, built-ins first.
func (s *Service) Types() []RelType {
	out := make([]RelType, len(s.types.names))
	for i, n := range s.types.names {
		out[i] = s.types.byName[n]
	}
	return out
}

// eventCreate is the event of a CI's first history record.
const eventCreate = "create"

// Events returns the events of a CI's history records: "create", then one
// per [Command].
func Events() []string {
	out := []string{eventCreate}
	for _, c := range Commands() {
		out = append(out, c.event())
	}
	return out
}

// EventOf returns the event of the history record cmd writes; "" for nil.
func EventOf(cmd Command) string {
	if lifecycle.NilCommand(cmd) != nil {
		return ""
	}
	return cmd.event()
}

// AccessRules returns the default access rules: one per event of
// [Events], letting any actor but [lifecycle.System] fire it. A host
// narrows them by building its own [lifecycle.AccessPolicy] (for example
// to let only a CI's support group retire it). Each call returns a new
// slice.
func AccessRules() []lifecycle.Rule {
	anyone := lifecycle.Rule{Anyone: true}
	var rules []lifecycle.Rule
	for _, ev := range Events() {
		rules = append(rules, anyone.For(Process, ev))
	}
	return slices.Clip(rules)
}
