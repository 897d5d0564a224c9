package lifecycle

import (
	"context"
	"slices"
	"strings"
)

// Scope is the part of a process's records an actor may read and change,
// as data, so that a Store applies it in its query (a WHERE clause, an
// index) rather than by loading records and filtering them. A record is
// in the scope when it passes each limit the scope sets. The zero Scope
// sets none: it holds every record.
//
// A record outside an actor's scope does not exist for that actor: reads
// and commands answer [ErrNotFound], as they would for an ID nobody
// holds.
type Scope struct {
	// None holds no record at all, whatever the other limits say.
	None bool `json:"none,omitempty"`
	// Tenants, when set, holds only the records whose tenant is one of
	// them; the tenant "" stands for the records that carry none.
	Tenants []string `json:"tenants,omitempty"`
	// Party, when set, holds only the records that Party.Actor stands in
	// one of Party.Relations to.
	Party *Party `json:"party,omitempty"`
}

// Party is a [Scope]'s limit to the records an actor stands in a
// relation to: "a caller sees only their own incidents", "an agent sees
// their groups' queue".
type Party struct {
	// Actor is the actor's ID, compared with the records' assignee,
	// caller and owner.
	Actor string `json:"actor"`
	// Groups are the actor's groups, compared with the records'
	// assignment group for [RelationGroupMember].
	Groups []string `json:"groups,omitempty"`
	// Relations are the relations that admit a record; a Party with none
	// admits no record.
	Relations []Relation `json:"relations"`
}

// Everything reports whether s sets no limit.
func (s Scope) Everything() bool { return !s.None && s.Tenants == nil && s.Party == nil }

// Empty reports whether s can hold no record: None, or a Party with no
// relation, or with group membership only and no group.
func (s Scope) Empty() bool {
	if s.None {
		return true
	}
	if s.Party == nil {
		return false
	}
	for _, r := range s.Party.Relations {
		switch r {
		case RelationAssignee, RelationCaller, RelationOwner:
			if s.Party.Actor != "" {
				return false
			}
		case RelationGroupMember:
			if len(s.Party.Groups) > 0 {
				return false
			}
		}
	}
	return true
}

// Holds reports whether the record viewed as v is in s.
func (s Scope) Holds(v Snapshot) bool {
	if s.None || s.Tenants != nil && !slices.Contains(s.Tenants, v.Tenant) {
		return false
	}
	return s.Party == nil || s.Party.admits(v)
}

// admits reports whether p's actor stands in one of p's relations to v.
func (p *Party) admits(v Snapshot) bool {
	for _, r := range p.Relations {
		switch r {
		case RelationAssignee:
			if p.Actor != "" && v.Assignee == p.Actor {
				return true
			}
		case RelationCaller:
			if p.Actor != "" && v.Caller == p.Actor {
				return true
			}
		case RelationOwner:
			if p.Actor != "" && v.Owner == p.Actor {
				return true
			}
		case RelationGroupMember:
			if v.Group != "" && slices.Contains(p.Groups, v.Group) {
				return true
			}
		}
	}
	return false
}

// Within returns s narrowed to the tenants in tenants ("" standing for
// the records with no tenant): with no Tenants, s holds those tenants'
// records; with some, only those also in tenants; when none are left, s
// holds nothing.
func (s Scope) Within(tenants []string) Scope {
	if s.Tenants == nil {
		s.Tenants = slices.Clone(tenants)
	} else {
		s.Tenants = slices.DeleteFunc(slices.Clone(s.Tenants), func(t string) bool { return !slices.Contains(tenants, t) })
	}
	if len(s.Tenants) == 0 {
		s.None = true
	}
	return s
}

// Scoper gives the scope of an actor's reads and commands in one process:
// [AccessPolicy] is one. A Kernel takes the scope from the first of its
// interceptors that is a Scoper.
type Scoper interface {
	Scope(ctx context.Context, process string, actor Actor) (Scope, error)
}

// TenantFor is the tenant of a record actor creates, asking for tenant:
// tenant, or the actor's only tenant when it asks for none and acts in
// exactly one.
func TenantFor(actor Actor, tenant string) string {
	tenant = strings.TrimSpace(tenant)
	if tenant == "" && len(actor.Tenants) == 1 {
		return actor.Tenants[0]
	}
	return tenant
}

// ActorTenants are the tenants actor acts in, for a [Scope]: its Tenants,
// or the records with no tenant ("") for an actor that names none.
func ActorTenants(actor Actor) []string {
	if len(actor.Tenants) == 0 {
		return []string{""}
	}
	return slices.Clone(actor.Tenants)
}

// GetAs returns record id as actor may read it: the record, or
// [ErrNotFound] when it is outside actor's scope ([Kernel.Scope]) as when
// nobody holds the ID.
func (k *Kernel[T]) GetAs(ctx context.Context, actor Actor, id string) (T, error) {
	var zero T
	scope, err := k.Scope(ctx, actor)
	if err != nil {
		return zero, err
	}
	x, err := k.Store.Get(ctx, id)
	if err != nil {
		return zero, err
	}
	return Visible(scope, k.Process, id, x)
}

// ReadAs returns read's result once actor may see record id
// ([Kernel.GetAs]): read is a read of the record that carries no check of
// its own, such as a page of its history or journal, or its export.
// Outside actor's scope it is the same [ErrNotFound] as for an ID nobody
// holds, and read is not called. A record's tenant never changes, so the
// check holds for the read that follows it.
func ReadAs[T, R any](ctx context.Context, k *Kernel[T], actor Actor, id string, read func(context.Context) (R, error)) (R, error) {
	if _, err := k.GetAs(ctx, actor, id); err != nil {
		var zero R
		return zero, err
	}
	return read(ctx)
}

// Visible returns x when it is in scope, or the same [ErrNotFound] as for
// an ID nobody holds, so that a record outside the scope does not
// reveal that it exists.
func Visible[T any](scope Scope, process, id string, x T) (T, error) {
	if scope.Everything() || scope.Holds(view(x)) {
		return x, nil
	}
	var zero T
	return zero, NotFound(process, id)
}

// Scope is actor's scope in the kernel's process: the scope the first of
// its interceptors that is a [Scoper] gives. With none, an actor that
// names its tenants acts only in them, and any other acts on every
// record.
func (k *Kernel[T]) Scope(ctx context.Context, actor Actor) (Scope, error) {
	for _, i := range k.Interceptors {
		if s, ok := i.(Scoper); ok {
			return s.Scope(ctx, k.Process, actor)
		}
	}
	if len(actor.Tenants) > 0 {
		return Scope{}.Within(actor.Tenants), nil
	}
	return Scope{}, nil
}

// Narrow sets *scope to actor's scope ([Kernel.Scope]) when the access
// policy limits what actor reads, and leaves it as it is otherwise: the
// scoped reads of a Service (ListAs, ...) narrow their filters with it.
func (k *Kernel[T]) Narrow(ctx context.Context, actor Actor, scope *Scope) error {
	s, err := k.Scope(ctx, actor)
	if err != nil {
		return err
	}
	if !s.Everything() {
		*scope = s
	}
	return nil
}

// Reacting is who reacts to ev on behalf of a reactor configured to act
// as actor (the zero Actor meaning [System]): that actor in the tenant
// of ev's record, so that a reaction never reaches another tenant's
// records.
func Reacting(actor Actor, ev Notification) Actor {
	if actor.ID == "" {
		actor = System
	}
	return actor.In(ev.Snapshot.Tenant)
}
