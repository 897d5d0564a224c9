package cmdb

import (
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Class is one class of the host's class tree: "linux_server" under
// "server" under "hardware". A CI's class says what it is; a query for a
// class matches its subclasses too ([Classes.Is]).
type Class struct {
	Name   string // unique; required
	Parent string // the class it specialises; "" for a root
}

// The classes of [DefaultClasses].
const (
	ClassBusinessService = "business_service"
	ClassApplication     = "application"
	ClassDatabase        = "database"
	ClassHardware        = "hardware"
	ClassServer          = "server"
	ClassVM              = "vm"
	ClassNetworkDevice   = "network_device"
)

// Classes is a checked class tree. The zero Classes holds no class; build
// one with [NewClasses]. It is immutable and safe for concurrent use.
type Classes struct {
	parent map[string]string
	names  []string
}

// NewClasses checks classes and returns their tree: every name set and
// unique, every parent one of the classes, and no class its own ancestor.
// A bad tree is a *lifecycle.ValidationError naming "classes".
func NewClasses(classes ...Class) (*Classes, error) {
	t := &Classes{parent: map[string]string{}}
	for _, c := range classes {
		name := strings.TrimSpace(c.Name)
		if name == "" {
			return nil, lifecycle.Invalid("classes", "a class needs a name")
		}
		if _, dup := t.parent[name]; dup {
			return nil, lifecycle.Invalid("classes", "class %q is defined twice", name)
		}
		t.parent[name] = strings.TrimSpace(c.Parent)
		t.names = append(t.names, name)
	}
	for _, name := range t.names {
		seen := map[string]bool{}
		for c := name; c != ""; c = t.parent[c] {
			if seen[c] {
				return nil, lifecycle.Invalid("classes", "class %q is its own ancestor", name)
			}
			seen[c] = true
			if _, ok := t.parent[c]; !ok {
				return nil, lifecycle.Invalid("classes", "class %q has parent %q, which is not a class", name, c)
			}
		}
	}
	slices.Sort(t.names)
	return t, nil
}

// DefaultClasses returns the class tree a [Service] uses when its Config
// names none: business service, application, database, and hardware with
// server, VM and network device under it.
func DefaultClasses() *Classes {
	t, err := NewClasses(
		Class{Name: ClassBusinessService}, Class{Name: ClassApplication}, Class{Name: ClassDatabase},
		Class{Name: ClassHardware}, Class{Name: ClassServer, Parent: ClassHardware},
		Class{Name: ClassVM, Parent: ClassHardware}, Class{Name: ClassNetworkDevice, Parent: ClassHardware},
	)
	if err != nil {
		panic(err)
	}
	return t
}

// Names returns the classes' names, sorted.
func (t *Classes) Names() []string { return slices.Clone(t.names) }

// Has reports whether class is in the tree.
func (t *Classes) Has(class string) bool {
	_, ok := t.parent[class]
	return ok
}

// Is reports whether class is ancestor or one of its subclasses.
func (t *Classes) Is(class, ancestor string) bool {
	for c := class; c != ""; c = t.parent[c] {
		if c == ancestor {
			return true
		}
		if _, ok := t.parent[c]; !ok {
			return false
		}
	}
	return false
}

// check returns the *lifecycle.ValidationError naming "class" of a class
// the tree does not hold.
func (t *Classes) check(class string) error {
	if !t.Has(class) {
		return lifecycle.Invalid("class", "unknown class %q (classes: %s)", class, strings.Join(t.names, ", "))
	}
	return nil
}

// Flow says which way impact flows along a relationship type.
type Flow string

// The flows.
const (
	// FlowUp: the parent depends on the child; a failing child affects
	// its parent. "[app] depends on [db]", "[vm] runs on [host]".
	FlowUp Flow = "up"
	// FlowDown: the child depends on the parent; a failing parent affects
	// its child. "[rack] contains [server]".
	FlowDown Flow = "down"
	// FlowBoth: either end failing affects the other. "[switch-1]
	// connects to [switch-2]".
	FlowBoth Flow = "both"
)

// RelType is a relationship type: its name, as a relationship's Type, the
// name of its reverse as read from the child, and its [Flow].
type RelType struct {
	Name    string // "depends_on"; unique, required
	Reverse string // "used_by": how the child reads it
	Flow    Flow   // which way impact flows; required
}

// The built-in relationship types.
const (
	TypeDependsOn  = "depends_on"  // reverse used_by; the parent depends on the child
	TypeRunsOn     = "runs_on"     // reverse hosts; the parent runs on the child
	TypeContains   = "contains"    // reverse contained_by; the child depends on its container
	TypeConnectsTo = "connects_to" // reverse connects_to; a link, affecting both ends
)

// BuiltinTypes returns the built-in relationship types: depends on / used
// by, runs on / hosts, contains / contained by, connects to.
func BuiltinTypes() []RelType {
	return []RelType{
		{Name: TypeDependsOn, Reverse: "used_by", Flow: FlowUp},
		{Name: TypeRunsOn, Reverse: "hosts", Flow: FlowUp},
		{Name: TypeContains, Reverse: "contained_by", Flow: FlowDown},
		{Name: TypeConnectsTo, Reverse: TypeConnectsTo, Flow: FlowBoth},
	}
}

// types is a checked registry of relationship types.
type types struct {
	byName map[string]RelType
	names  []string
}

// newTypes checks the built-in types and extra together.
func newTypes(extra []RelType) (*types, error) {
	r := &types{byName: map[string]RelType{}}
	for i, t := range append(BuiltinTypes(), extra...) {
		t.Name = strings.TrimSpace(t.Name)
		switch {
		case t.Name == "":
			return nil, lifecycle.Invalid("types", "type %d has no name", i)
		case r.byName[t.Name].Name != "":
			return nil, lifecycle.Invalid("types", "type %q is defined twice", t.Name)
		case t.Flow != FlowUp && t.Flow != FlowDown && t.Flow != FlowBoth:
			return nil, lifecycle.Invalid("types", "type %q has flow %q (valid: up, down, both)", t.Name, t.Flow)
		}
		r.byName[t.Name] = t
		r.names = append(r.names, t.Name)
	}
	return r, nil
}

// get returns type name, or the *lifecycle.ValidationError naming "type"
// of an unknown one.
func (r *types) get(name string) (RelType, error) {
	t, ok := r.byName[name]
	if !ok {
		return RelType{}, lifecycle.Invalid("type", "unknown relationship type %q (types: %s)", name, strings.Join(r.names, ", "))
	}
	return t, nil
}

// walk returns the walk along which impact flows (upstream) from the
// CIs from, or, with reverse, the walk to what they depend on.
func (r *types) walk(from []string, depth int, reverse bool) Walk {
	w := Walk{From: from, Depth: depth}
	for _, name := range r.names {
		t := r.byName[name]
		up, down := t.Flow != FlowDown, t.Flow != FlowUp
		if reverse {
			up, down = down, up
		}
		if up {
			w.Up = append(w.Up, name)
		}
		if down {
			w.Down = append(w.Down, name)
		}
	}
	return w
}
