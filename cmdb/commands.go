package cmdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Command is an operation on a stored CI: one of [Commands]. The set is
// closed; a pointer to a command does what the command does.
type Command interface {
	target() (id string, version int64)
	event() string
	apply(ctx context.Context, r *rules, x *CI) error
}

// Commands returns one zero value of every command.
func Commands() []Command {
	return []Command{Update{}, Install{}, Operate{}, Maintain{}, Degrade{}, Restore{}, Retire{}, Relate{}, Unrelate{}}
}

// rules is one command being applied: the service's registries, the read
// set the cross-CI rules record into, and the change's delta.
type rules struct {
	s     *Service
	reads *lifecycle.ReadSet
	lifecycle.Delta
}

// inGuard is the key of the guard every write that adds or removes a
// relationship to child takes, and that retiring child reads first.
func inGuard(child string) string { return "in/" + child }

// Update changes a CI's details; empty fields keep theirs, Attributes
// replaces the attributes when not nil.
type Update struct {
	ID          string            `json:"id"`
	Version     int64             `json:"version,omitempty"`
	Name        string            `json:"name,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Group       string            `json:"group,omitempty"`
	Criticality Criticality       `json:"criticality,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	Change      string            `json:"change,omitempty"` // the change it is made through (see Config.Changes)
}

func (c Update) target() (string, int64) { return c.ID, c.Version }
func (Update) event() string             { return "update" }
func (c Update) apply(_ context.Context, r *rules, x *CI) error {
	if c.Criticality != "" && c.Criticality.Rank() == 0 {
		return lifecycle.Invalid("criticality", "unknown criticality %q", c.Criticality)
	}
	set := func(field string, dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			r.Diff(field, *dst, v)
			*dst = v
		}
	}
	set("name", &x.Name, c.Name)
	set("owner", &x.Owner, c.Owner)
	set(lifecycle.FieldGroup, &x.Group, c.Group)
	if c.Criticality != "" {
		r.Diff("criticality", string(x.Criticality), string(c.Criticality))
		x.Criticality = c.Criticality
	}
	if c.Attributes != nil {
		for k, v := range c.Attributes {
			r.Diff("attributes."+k, x.Attributes[k], v)
		}
		for k, v := range x.Attributes {
			if _, ok := c.Attributes[k]; !ok {
				r.Diff("attributes."+k, v, "")
			}
		}
		x.Attributes = c.Attributes
	}
	r.Emit("updated")
	return nil
}

// move fires ev on x's status machine.
func move(r *rules, x *CI, ev Event) error {
	to, err := machine.Fire(x.ID, x.Status, ev, struct{}{})
	if err != nil {
		return err
	}
	r.Diff(lifecycle.FieldState, string(x.Status), string(to))
	x.Status = to
	r.Emit(string(ev))
	return nil
}

// Install records a planned CI as installed.
type Install struct {
	ID      string `json:"id"`
	Version int64  `json:"version,omitempty"`
	Change  string `json:"change,omitempty"` // the change it is made through (see Config.Changes)
}

func (c Install) target() (string, int64)                      { return c.ID, c.Version }
func (Install) event() string                                  { return string(EventInstall) }
func (Install) apply(_ context.Context, r *rules, x *CI) error { return move(r, x, EventInstall) }

// Operate puts an installed CI in service. It is refused while the CI
// depends on a retired CI (one whose impact reaches it in one step),
// with a *lifecycle.TransitionError whose Reason is a
// *[RetiredDependencyError].
type Operate struct {
	ID      string `json:"id"`
	Version int64  `json:"version,omitempty"`
	Change  string `json:"change,omitempty"` // the change it is made through (see Config.Changes)
}

func (c Operate) target() (string, int64) { return c.ID, c.Version }
func (Operate) event() string             { return string(EventOperate) }
func (Operate) apply(ctx context.Context, r *rules, x *CI) error {
	if _, ok := machine.Target(x.Status, EventOperate); !ok {
		return move(r, x, EventOperate)
	}
	deps, err := r.s.adjacent(ctx, x, r.reads, true)
	if err != nil {
		return err
	}
	var retired []string
	for _, d := range deps {
		if d.Status == StatusRetired {
			retired = append(retired, d.ID)
		}
	}
	if len(retired) > 0 {
		return machine.Refuse(x.ID, x.Status, EventOperate, &RetiredDependencyError{CI: x.ID, Retired: retired})
	}
	return move(r, x, EventOperate)
}

// ErrRetiredDependency is matched by a *[RetiredDependencyError].
var ErrRetiredDependency = errors.New("depends on a retired CI")

// RetiredDependencyError reports retired CIs that a CI being put in
// service depends on.
type RetiredDependencyError struct {
	CI      string
	Retired []string // sorted
}

// Error renders "<ci> depends on retired <retired>".
func (e *RetiredDependencyError) Error() string {
	return fmt.Sprintf("%s depends on retired %s", e.CI, strings.Join(e.Retired, ", "))
}

// Is reports whether target is ErrRetiredDependency.
func (e *RetiredDependencyError) Is(target error) bool { return target == ErrRetiredDependency }

// Maintain takes a CI in service under maintenance.
type Maintain struct {
	ID      string `json:"id"`
	Version int64  `json:"version,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Change  string `json:"change,omitempty"` // the change it is made through (see Config.Changes)
}

func (c Maintain) target() (string, int64) { return c.ID, c.Version }
func (Maintain) event() string             { return string(EventMaintain) }
func (c Maintain) apply(_ context.Context, r *rules, x *CI) error {
	r.Note = c.Reason
	return move(r, x, EventMaintain)
}

// Degrade records that a CI in service is not fully working.
type Degrade struct {
	ID      string `json:"id"`
	Version int64  `json:"version,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Change  string `json:"change,omitempty"` // the change it is made through (see Config.Changes)
}

func (c Degrade) target() (string, int64) { return c.ID, c.Version }
func (Degrade) event() string             { return string(EventDegrade) }
func (c Degrade) apply(_ context.Context, r *rules, x *CI) error {
	r.Note = c.Reason
	return move(r, x, EventDegrade)
}

// Restore returns a CI under maintenance or degraded to operational.
type Restore struct {
	ID      string `json:"id"`
	Version int64  `json:"version,omitempty"`
	Change  string `json:"change,omitempty"` // the change it is made through (see Config.Changes)
}

func (c Restore) target() (string, int64)                      { return c.ID, c.Version }
func (Restore) event() string                                  { return string(EventRestore) }
func (Restore) apply(_ context.Context, r *rules, x *CI) error { return move(r, x, EventRestore) }

// Retire takes a CI out of service for good. It is refused while CIs in
// service depend on it (the CIs its impact flows to, one step away),
// with a *lifecycle.TransitionError whose Reason is an *[InUseError];
// when Config.RetireInUse allows it, a Reason lets it through.
type Retire struct {
	ID      string `json:"id"`
	Version int64  `json:"version,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Change  string `json:"change,omitempty"` // the change it is made through (see Config.Changes)
}

func (c Retire) target() (string, int64) { return c.ID, c.Version }
func (Retire) event() string             { return string(EventRetire) }
func (c Retire) apply(ctx context.Context, r *rules, x *CI) error {
	if _, ok := machine.Target(x.Status, EventRetire); !ok {
		return move(r, x, EventRetire)
	}
	in, err := r.s.dependents(ctx, x, r.reads)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.Reason)
	if len(in) > 0 && !(r.s.retireInUse && reason != "") {
		return machine.Refuse(x.ID, x.Status, EventRetire, &InUseError{CI: x.ID, Dependents: in})
	}
	r.Note = reason
	return move(r, x, EventRetire)
}

// ErrInUse is matched by an *[InUseError].
var ErrInUse = errors.New("in use")

// InUseError reports CIs in service that depend on a CI being retired.
type InUseError struct {
	CI         string
	Dependents []string // sorted
}

// Error renders "<ci> is in use by <dependents>".
func (e *InUseError) Error() string {
	return fmt.Sprintf("%s is in use by %s", e.CI, strings.Join(e.Dependents, ", "))
}

// Is reports whether target is ErrInUse.
func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// Relate adds the relationship "[ID] Type [Child]". The type must be
// registered, the child another existing CI of the same tenant, neither
// retired, and the relationship new; each refusal is a
// *lifecycle.ValidationError and stores nothing.
type Relate struct {
	ID      string `json:"id"` // the parent
	Version int64  `json:"version,omitempty"`
	Type    string `json:"type"`
	Child   string `json:"child"`
}

func (c Relate) target() (string, int64) { return c.ID, c.Version }
func (Relate) event() string             { return "relate" }
func (c Relate) apply(ctx context.Context, r *rules, x *CI) error {
	typ, err := r.s.types.get(strings.TrimSpace(c.Type))
	if err != nil {
		return err
	}
	child := strings.TrimSpace(c.Child)
	switch {
	case child == "":
		return lifecycle.Invalid("child", "required")
	case child == x.ID:
		return lifecycle.Invalid("child", "a CI never relates to itself")
	case x.Status == StatusRetired:
		return lifecycle.Invalid("id", "CI %s is retired", x.ID)
	}
	if _, dup := x.Relationship(typ.Name, child); dup {
		return lifecycle.Invalid("relationship", "%s %s %s exists already", x.ID, typ.Name, child)
	}
	if err := r.reads.TakeGuard(ctx, r.s.store, inGuard(child)); err != nil {
		return err
	}
	k, err := r.s.store.Get(ctx, child)
	if errors.Is(err, lifecycle.ErrNotFound) || err == nil && k.Tenant != x.Tenant {
		return lifecycle.Invalid("child", "CI %s does not exist", child)
	}
	if err != nil {
		return err
	}
	r.reads.Record(k.ID, k.Version)
	if k.Status == StatusRetired {
		return lifecycle.Invalid("child", "CI %s is retired", child)
	}
	rel := Relationship{Parent: x.ID, Type: typ.Name, Child: child, By: r.Actor.ID, At: r.Now}
	x.Relationships = append(x.Relationships, rel)
	slices.SortFunc(x.Relationships, func(a, b Relationship) int { return strings.Compare(a.Key(), b.Key()) })
	r.Diff("relationships."+typ.Name+"."+child, "", "added")
	r.Emit("related", "type", typ.Name, "child", child)
	return nil
}

// Unrelate removes the relationship "[ID] Type [Child]", which must exist.
type Unrelate struct {
	ID      string `json:"id"`
	Version int64  `json:"version,omitempty"`
	Type    string `json:"type"`
	Child   string `json:"child"`
	Reason  string `json:"reason,omitempty"`
}

func (c Unrelate) target() (string, int64) { return c.ID, c.Version }
func (Unrelate) event() string             { return "unrelate" }
func (c Unrelate) apply(ctx context.Context, r *rules, x *CI) error {
	typ, child := strings.TrimSpace(c.Type), strings.TrimSpace(c.Child)
	if _, ok := x.Relationship(typ, child); !ok {
		return lifecycle.Invalid("relationship", "%s has no relationship %s to %q", x.ID, typ, child)
	}
	if err := r.reads.TakeGuard(ctx, r.s.store, inGuard(child)); err != nil {
		return err
	}
	x.Relationships = slices.DeleteFunc(x.Relationships, func(rel Relationship) bool { return rel.Type == typ && rel.Child == child })
	r.Note = c.Reason
	r.Diff("relationships."+typ+"."+child, "added", "")
	r.Emit("unrelated", "type", typ, "child", child)
	return nil
}

// dependents returns the CIs in service that x's impact reaches in one
// step, sorted, recording what it read (see [Service.adjacent]).
func (s *Service) dependents(ctx context.Context, x *CI, reads *lifecycle.ReadSet) ([]string, error) {
	cis, err := s.adjacent(ctx, x, reads, false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range cis {
		if d.Status.InService() {
			out = append(out, d.ID)
		}
	}
	return out, nil
}

// adjacent returns the CIs one step from x along the flow of impact
// (against it with reverse: the CIs x depends on), sorted by ID,
// recording what it read: the guard of x's incoming relationships first,
// then each CI at the version seen (0 for one that does not exist, which
// it leaves out).
func (s *Service) adjacent(ctx context.Context, x *CI, reads *lifecycle.ReadSet, reverse bool) ([]*CI, error) {
	if err := reads.TakeGuard(ctx, s.store, inGuard(x.ID)); err != nil {
		return nil, err
	}
	rels, err := s.store.Related(ctx, []string{x.ID})
	if err != nil {
		return nil, err
	}
	w := s.types.walk(nil, 1, reverse)
	var ids []string
	for _, rel := range append(rels, x.Relationships...) {
		up, down := w.Steps(rel.Type)
		switch {
		case up && rel.Child == x.ID && rel.Parent != x.ID:
			ids = append(ids, rel.Parent)
		case down && rel.Parent == x.ID:
			ids = append(ids, rel.Child)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out []*CI
	for _, id := range ids {
		d, err := s.store.Get(ctx, id)
		if errors.Is(err, lifecycle.ErrNotFound) {
			reads.Record(id, 0)
			continue
		}
		if err != nil {
			return nil, err
		}
		reads.Record(d.ID, d.Version)
		out = append(out, d)
	}
	return out, nil
}

// Changes is what the production rule (Config.Changes) asks of change
// enablement. The host adapts its change service to it; cmdb does not
// import change.
type Changes interface {
	// Implementing reports whether change is being implemented and
	// lists ci among its configuration items. An unknown change is an
	// error matching lifecycle.ErrNotFound. It must be safe for
	// concurrent use.
	Implementing(ctx context.Context, change, ci string) (bool, error)
}

// A controlledCommand changes a CI under the production rule: it names
// the change it is made through.
type controlledCommand interface{ changeRef() string }

func (c Update) changeRef() string   { return c.Change }
func (c Install) changeRef() string  { return c.Change }
func (c Operate) changeRef() string  { return c.Change }
func (c Maintain) changeRef() string { return c.Change }
func (c Degrade) changeRef() string  { return c.Change }
func (c Restore) changeRef() string  { return c.Change }
func (c Retire) changeRef() string   { return c.Change }

// controlled applies the production rule to cmd on x: with
// Config.Changes, an operational CI changes only through a change being
// implemented on it, and a named change must be one on any CI. The change
// named is recorded in the history record as the field "change".
func (s *Service) controlled(ctx context.Context, r *rules, x *CI, cmd Command) error {
	g, ok := cmd.(controlledCommand)
	if !ok {
		return nil
	}
	ref := strings.TrimSpace(g.changeRef())
	if s.changes != nil {
		switch {
		case ref == "" && x.Status == StatusOperational:
			return &ChangeRequiredError{CI: x.ID}
		case ref != "":
			ok, err := s.changes.Implementing(ctx, ref, x.ID)
			if err != nil && !errors.Is(err, lifecycle.ErrNotFound) {
				return err
			}
			if !ok {
				return &ChangeRequiredError{CI: x.ID, Change: ref}
			}
		}
	}
	r.Diff("change", "", ref)
	return nil
}

// ErrChangeRequired is matched by a *[ChangeRequiredError].
var ErrChangeRequired = errors.New("change required")

// ChangeRequiredError refuses a command on a CI under the production rule
// (Config.Changes): it names no change while the CI is operational, or it
// names one that is not being implemented on the CI. It matches
// [ErrChangeRequired] and, as a problem with the command's input,
// lifecycle.ErrValidation.
type ChangeRequiredError struct {
	CI     string
	Change string // the change named; "" when none was
}

// Error renders why the command was refused.
func (e *ChangeRequiredError) Error() string {
	if e.Change == "" {
		return fmt.Sprintf("%s is in production: name the change in implementation it changes through", e.CI)
	}
	return fmt.Sprintf("%s changes only through a change in implementation on it, and %s is not one", e.CI, e.Change)
}

// Is reports whether target is ErrChangeRequired or lifecycle.ErrValidation.
func (e *ChangeRequiredError) Is(target error) bool {
	return target == ErrChangeRequired || target == lifecycle.ErrValidation
}
