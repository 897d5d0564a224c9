// Package registry is a fixture of the registry helpers' tests: A, B and E
// have a target method (E on a pointer receiver), and so has the generic
// G; c has one too but is unexported, D has none, and F, with one, is
// declared in a test file.
package registry

type (
	A        struct{ ID string }
	B        struct{ ID string }
	c        struct{ id string }
	D        struct{ ID string }
	E        struct{ ID string }
	G[T any] struct{ V T }
)

func (x A) target() string    { return x.ID }
func (x B) target() string    { return x.ID }
func (x c) target() string    { return x.id }
func (x D) other() string     { return x.ID }
func (x *E) target() string   { return x.ID }
func (x G[T]) target() string { return "" }
