package lifecycle

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Relation is how an actor stands to a record: a [Rule] may let an actor
// in one of these relations fire an event. Relations are read from the
// record as it is before the change (as the change leaves it, for a
// creation), in its process-neutral view ([Snapshot]).
type Relation string

// The relations a [Rule] can name.
const (
	// RelationAssignee: the actor is the record's assignee.
	RelationAssignee Relation = "assignee"
	// RelationGroupMember: the actor is a member of the record's
	// assignment group, as the policy's [Membership] says.
	RelationGroupMember Relation = "group_member"
	// RelationCaller: the actor is the record's caller or requester
	// ([Snapshot].Caller).
	RelationCaller Relation = "caller"
	// RelationOwner: the actor is the record's owner ([Snapshot].Owner),
	// as a service's owner is.
	RelationOwner Relation = "owner"
)

// Membership tells which groups an actor belongs to: the host's
// directory. It is asked only by rules that name
// [RelationGroupMember].
type Membership interface {
	IsMember(ctx context.Context, actor Actor, group string) (bool, error)
}

// MembershipFunc is a [Membership] as a function.
type MembershipFunc func(ctx context.Context, actor Actor, group string) (bool, error)

// IsMember calls f.
func (f MembershipFunc) IsMember(ctx context.Context, actor Actor, group string) (bool, error) {
	return f(ctx, actor, group)
}

// Rule says who may make one kind of change: fire an event of a process
// ("incident" "accept_major"), or change some fields of its records
// whatever the event. An actor may when the rule lets Anyone, or the actor
// holds any of Roles or stands in any of Relations to the record; a rule
// with none of these lets nobody. [System] may only when the rule says
// System, whatever else it says. A change that several rules guard needs
// each of them to let it.
//
// A rule without Fields is an event rule: it is asked before the command
// runs, on the record as stored (see [EventChecker]), except on a
// creation when it names Relations, which are read from the record the
// creation builds. A rule with Fields is asked once the command applied.
type Rule struct {
	// Name names the rule in refusals; "" names it after Process and
	// Event ("incident.accept_major").
	Name string `json:"name,omitempty"`
	// Process is the process whose records the rule guards. Required.
	Process string `json:"process"`
	// Event is the event it guards (the history record's event); ""
	// guards every event of the process (with Fields: every change of
	// those fields).
	Event string `json:"event,omitempty"`
	// Fields, when set, narrows the rule to changes that touch any of
	// them ([FieldChange].Field, such as "root_cause"; a field ending
	// in "." is a prefix: "attributes.").
	Fields []string `json:"fields,omitempty"`
	// Roles let any actor holding one of them.
	Roles []string `json:"roles,omitempty"`
	// Relations let any actor in one of them to the record.
	Relations []Relation `json:"relations,omitempty"`
	// Anyone lets every actor but [System].
	Anyone bool `json:"anyone,omitempty"`
	// System lets [System], the library's own follow-up actor: the events
	// it fires on its own (an auto-close, a reaction to another process).
	// A rule without it refuses System.
	System bool `json:"system,omitempty"`
}

// For returns r guarding event of process: the processes' default rules
// are built with it.
func (r Rule) For(process, event string) Rule {
	r.Process, r.Event = process, event
	return r
}

// early reports whether r is asked about op before op's command runs.
func (r Rule) early(op Operation) bool {
	return len(r.Fields) == 0 && (op.Before != nil || len(r.Relations) == 0)
}

// name is the rule's name in refusals.
func (r Rule) name() string {
	if r.Name != "" {
		return r.Name
	}
	if r.Event == "" {
		return r.Process + ".*"
	}
	return r.Process + "." + r.Event
}

// guards reports whether the rule applies to op.
func (r Rule) guards(op Operation) bool {
	if r.Event == EventRead || r.Process != op.Process || r.Event != "" && r.Event != op.Event {
		return false
	}
	if len(r.Fields) == 0 {
		return true
	}
	return slices.ContainsFunc(op.Change.Changes, func(c FieldChange) bool {
		return slices.ContainsFunc(r.Fields, func(f string) bool {
			return c.Field == f || strings.HasSuffix(f, ".") && strings.HasPrefix(c.Field, f)
		})
	})
}

// lets reports whether r lets op's actor make op's change.
func (r Rule) lets(ctx context.Context, m Membership, op Operation) (bool, error) {
	if op.Actor.IsSystem() {
		return r.System, nil
	}
	if r.Anyone || slices.ContainsFunc(r.Roles, op.Actor.HasRole) {
		return true, nil
	}
	rec := op.BeforeView
	if op.Before == nil {
		rec = op.AfterView
	}
	for _, rel := range r.Relations {
		switch rel {
		case RelationAssignee:
			if rec.Assignee != "" && rec.Assignee == op.Actor.ID {
				return true, nil
			}
		case RelationCaller:
			if rec.Caller != "" && rec.Caller == op.Actor.ID {
				return true, nil
			}
		case RelationOwner:
			if rec.Owner != "" && rec.Owner == op.Actor.ID {
				return true, nil
			}
		case RelationGroupMember:
			if rec.Group == "" {
				continue
			}
			if m == nil {
				if slices.Contains(op.Actor.Groups, rec.Group) {
					return true, nil
				}
				continue
			}
			ok, err := m.IsMember(ctx, op.Actor, rec.Group)
			if err != nil || ok {
				return ok, err
			}
		}
	}
	return false, nil
}

// who says whom r lets, for a refusal.
func (r Rule) who() string {
	var parts []string
	if r.Anyone {
		parts = append(parts, "anyone")
	}
	for _, role := range r.Roles {
		parts = append(parts, "role "+`"`+role+`"`)
	}
	for _, rel := range r.Relations {
		parts = append(parts, "the record's "+strings.ReplaceAll(string(rel), "_", " "))
	}
	if r.System {
		parts = append(parts, "System")
	}
	if len(parts) == 0 {
		return "nobody"
	}
	return strings.Join(parts, " or ")
}

// AccessPolicy is an access policy as data: the rules that guard the
// processes' changes, and the directory that relation rules ask. It is
// an [Interceptor]: give it to a Service's Config.Interceptors. A change
// no rule guards is let through.
//
// Each process offers its default rules (incident.AccessRules and the
// like), which its Service applies when its Config names no policy; a
// host extends or replaces them by building a policy of its own.
//
// The zero AccessPolicy lets everything.
type AccessPolicy struct {
	// Rules guard changes, in order; the first that refuses names the
	// refusal. A rule whose Event is [EventRead] guards reads instead:
	// see [AccessPolicy.Scope].
	Rules []Rule
	// Members answers the change rules that name [RelationGroupMember];
	// nil reads the actor's Groups.
	Members Membership
	// Tenants keeps tenants apart: an actor reads, changes and creates
	// only records of its own tenants ([Actor].Tenants; an actor with
	// none, only the records with no tenant). Without it, only an actor
	// that names tenants is limited to them. [System] is limited only
	// when it acts in a tenant ([Actor.In]), as every follow-up does.
	Tenants bool
}

// EventRead is the event of the [Rule]s that guard reads: an actor that
// holds one of such a rule's Roles reads every record of its process (in
// its tenants); any other actor reads only the records it stands in one
// of the rule's Relations to (its groups being its [Actor].Groups).
const EventRead = "read"

// Scope is the scope of actor's reads and commands in process: its
// tenants when the policy keeps them apart, narrowed by the process's
// first [EventRead] rule when the actor holds none of its roles.
func (p *AccessPolicy) Scope(_ context.Context, process string, actor Actor) (Scope, error) {
	var s Scope
	switch {
	case actor.IsSystem() && len(actor.Tenants) > 0:
		return s.Within(actor.Tenants), nil
	case actor.IsSystem():
		return s, nil
	case p.Tenants:
		s = s.Within(ActorTenants(actor))
	case len(actor.Tenants) > 0:
		s = s.Within(actor.Tenants)
	}
	for _, r := range p.Rules {
		if r.Process != process || r.Event != EventRead {
			continue
		}
		if !slices.ContainsFunc(r.Roles, actor.HasRole) {
			s.Party = &Party{Actor: actor.ID, Groups: slices.Clone(actor.Groups), Relations: slices.Clone(r.Relations)}
		}
		break
	}
	return s, nil
}

// CheckEvent lets op through, before its command runs, unless an event
// rule that guards it refuses its actor: then it is a *[ForbiddenError]
// naming the rule.
func (p *AccessPolicy) CheckEvent(ctx context.Context, op Operation) error {
	return p.check(ctx, op, func(r Rule) bool { return r.early(op) })
}

// Check lets op through unless a rule that guards it refuses its actor:
// then it is a *[ForbiddenError] naming the rule. The event rules that
// [AccessPolicy.CheckEvent] asked about op already are not asked again.
func (p *AccessPolicy) Check(ctx context.Context, op Operation) error {
	return p.check(ctx, op, func(r Rule) bool { return !op.EventChecked || !r.early(op) })
}

// check asks the rules that guard op and that ask picks.
func (p *AccessPolicy) check(ctx context.Context, op Operation, ask func(Rule) bool) error {
	for _, r := range p.Rules {
		if !r.guards(op) || !ask(r) {
			continue
		}
		ok, err := r.lets(ctx, p.Members, op)
		if err != nil {
			return err
		}
		if !ok {
			return &ForbiddenError{Actor: op.Actor.ID, Action: strings.TrimSpace(op.Event + " " + op.Process + " " + op.ID), Rule: r.name(), Reason: "rule " + r.name() + " lets only " + r.who()}
		}
	}
	return nil
}

var _ EventChecker = (*AccessPolicy)(nil)

// Guarded returns the interceptors of a process's kernel: interceptors,
// then access, or, when access is nil, a policy of the process's default
// rules. Every process's Service (and the [Portfolio]) builds its kernel
// with it, so that a zero Config applies the defaults.
func Guarded(interceptors []Interceptor, access *AccessPolicy, defaults []Rule) []Interceptor {
	if access == nil {
		access = &AccessPolicy{Rules: defaults}
	}
	return append(slices.Clone(interceptors), access)
}

// Done does nothing: the policy only checks.
func (*AccessPolicy) Done(context.Context, Operation, error, time.Duration) {}
