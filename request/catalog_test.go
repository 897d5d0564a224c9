package request_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
)

func TestRegisterVersions(t *testing.T) {
	var c request.Catalog // the zero value is ready
	kit := starterKit()
	v1, err := c.Register(kit)
	require.NoError(t, err)
	assert.Equal(t, 1, v1.Version)
	want1 := starterKit()
	want1.Version = 1
	assert.Equal(t, want1, v1)

	kit.Name = "New starter kit (2027)"
	kit.Variables[0].Choices = append(kit.Variables[0].Choices, "tablet")
	v2, err := c.Register(kit)
	require.NoError(t, err)
	assert.Equal(t, 2, v2.Version)
	assert.Equal(t, "New starter kit (2027)", v2.Name)

	current, err := c.Item(kit.ID)
	require.NoError(t, err)
	assert.Equal(t, v2, current)
	old, err := c.ItemVersion(kit.ID, 1)
	require.NoError(t, err)
	assert.Equal(t, want1, old, "version 1 stays as it was registered")
	again, err := c.ItemVersion(kit.ID, 2)
	require.NoError(t, err)
	assert.Equal(t, v2, again)

	for _, v := range []int{0, -1, 3} {
		_, err := c.ItemVersion(kit.ID, v)
		assert.ErrorIs(t, err, lifecycle.ErrNotFound, "version %d", v)
	}
}

func TestRegisterCopies(t *testing.T) {
	c := request.NewCatalog()
	kit := starterKit()
	got, err := c.Register(kit)
	require.NoError(t, err)
	want := starterKit()
	want.Version = 1

	// Change the registered value and the returned one, in every slice and
	// pointer they hold.
	for _, it := range []*request.CatalogItem{&kit, &got} {
		scribble(it)
	}
	for _, read := range []func() (request.CatalogItem, error){
		func() (request.CatalogItem, error) { return c.Item(want.ID) },
		func() (request.CatalogItem, error) { return c.ItemVersion(want.ID, 1) },
		func() (request.CatalogItem, error) { return c.Orderable(want.ID) },
	} {
		it, err := read()
		require.NoError(t, err)
		assert.Equal(t, want, it, "the catalogue holds its own copy")
		scribble(&it)
	}
	items := c.Items()
	scribble(&items[0])
	assert.Equal(t, []request.CatalogItem{want}, c.Items(), "Items returns copies")
}

// scribble changes every field of it that shares memory with a copy.
func scribble(it *request.CatalogItem) {
	it.Variables[0].Choices[0] = "scribbled"
	*it.Variables[4].Min = -99
	*it.Variables[4].Max = 99
	it.Variables[1].Name = "scribbled"
	it.Plan.Stages[0].Name = "scribbled"
	it.Plan.Stages[0].Tasks[1].Group = "scribbled"
	it.Plan.Stages[0].Tasks[0].When.Equals[0] = "scribbled"
	it.Plan.Stages[1].Tasks[0].When.Variable = "scribbled"
	it.Agreements[0] = "scribbled"
}

func TestClone(t *testing.T) {
	kit := starterKit()
	clone := kit.Clone()
	assert.Equal(t, kit, clone)
	scribble(&clone)
	assert.Equal(t, starterKit(), kit, "the clone shares no memory with the original")

	var zero request.CatalogItem
	assert.Equal(t, zero, zero.Clone(), "nil slices stay nil")
	empty := request.CatalogItem{Variables: []request.Variable{}, Plan: request.Plan{Stages: []request.Stage{{Tasks: []request.TaskDef{}}}}, Agreements: []string{}}
	assert.Equal(t, empty, empty.Clone(), "empty slices stay empty")
}

func TestRegisterPinnedVersion(t *testing.T) {
	c := request.NewCatalog()
	kit := starterKit()
	_, err := c.Register(kit)
	require.NoError(t, err)

	// Two edits of version 1: the first wins, the second is refused.
	first, err := c.Item(kit.ID)
	require.NoError(t, err)
	second := first.Clone()
	first.Name = "First edit"
	second.Name = "Second edit"
	v2, err := c.Register(first)
	require.NoError(t, err)
	assert.Equal(t, 2, v2.Version)
	_, err = c.Register(second)
	assert.ErrorIs(t, err, lifecycle.ErrConflict)
	cur, err := c.Item(kit.ID)
	require.NoError(t, err)
	assert.Equal(t, v2, cur, "a refused registration stores nothing")

	// A version ahead of the current one, or on an ID the catalogue does
	// not hold, is refused too.
	for _, it := range []request.CatalogItem{func() request.CatalogItem { x := v2.Clone(); x.Version = 3; return x }(),
		func() request.CatalogItem { x := starterKit(); x.ID = "other"; x.Version = 1; return x }()} {
		_, err := c.Register(it)
		assert.ErrorIs(t, err, lifecycle.ErrConflict, "%s at version %d", it.ID, it.Version)
	}
	_, err = c.Item("other")
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)

	// Version zero registers over whatever is current.
	_, err = c.Register(second.Clone())
	require.ErrorIs(t, err, lifecycle.ErrConflict) // second still says version 1
	second.Version = 0
	v3, err := c.Register(second)
	require.NoError(t, err)
	assert.Equal(t, 3, v3.Version)
	assert.Equal(t, "Second edit", v3.Name)
}

func TestRegisterRefusesInvalid(t *testing.T) {
	c := request.NewCatalog()
	kit := starterKit()
	kit.Variables[3].Pattern = "[A-Z"
	_, err := c.Register(kit)
	ve := lifecycletest.CheckInvalid(t, err, "variables[3].pattern")
	assert.Contains(t, err.Error(), "new-starter-kit", "the error names the item")
	assert.NotContains(t, ve.Reason, "new-starter-kit")
	_, err = c.Item(kit.ID)
	assert.ErrorIs(t, err, lifecycle.ErrNotFound, "nothing is stored")

	v1, err := c.Register(starterKit())
	require.NoError(t, err)
	_, err = c.Register(kit)
	lifecycletest.CheckInvalid(t, err, "variables[3].pattern")
	cur, err := c.Item(kit.ID)
	require.NoError(t, err)
	assert.Equal(t, v1, cur, "the current version stays")
}

func TestUnknownItem(t *testing.T) {
	c := request.NewCatalog()
	_, err := c.Register(starterKit())
	require.NoError(t, err)
	calls := map[string]error{
		"Item":        func() error { _, err := c.Item("laptop"); return err }(),
		"ItemVersion": func() error { _, err := c.ItemVersion("laptop", 1); return err }(),
		"Orderable":   func() error { _, err := c.Orderable("laptop"); return err }(),
		"Retire":      c.Retire("laptop"),
	}
	for name, err := range calls {
		assert.ErrorIs(t, err, lifecycle.ErrNotFound, name)
		assert.ErrorContains(t, err, "laptop", name)
	}
	var zero request.Catalog
	_, err = zero.Item("laptop")
	assert.ErrorIs(t, err, lifecycle.ErrNotFound, "on the zero catalogue")
	assert.ErrorIs(t, zero.Retire("laptop"), lifecycle.ErrNotFound, "on the zero catalogue")
	assert.Empty(t, zero.Items())
}

func TestRetire(t *testing.T) {
	c := request.NewCatalog()
	kit := starterKit()
	_, err := c.Register(kit)
	require.NoError(t, err)
	kit.Name = "Version 2"
	v2, err := c.Register(kit)
	require.NoError(t, err)
	got, err := c.Orderable(kit.ID)
	require.NoError(t, err)
	assert.Equal(t, v2, got, "orders take the current version")

	require.NoError(t, c.Retire(kit.ID))
	_, err = c.Orderable(kit.ID)
	assert.ErrorIs(t, err, request.ErrRetired)
	ve := lifecycletest.CheckInvalid(t, err, "item")
	assert.Contains(t, ve.Reason, "new-starter-kit")
	assert.False(t, errors.Is(err, lifecycle.ErrNotFound))

	// Placed orders read their versions on.
	for v := 1; v <= 2; v++ {
		it, err := c.ItemVersion(kit.ID, v)
		require.NoError(t, err, "version %d", v)
		assert.True(t, it.Retired, "version %d is marked retired", v)
		assert.Equal(t, v, it.Version)
	}
	cur, err := c.Item(kit.ID)
	require.NoError(t, err)
	assert.True(t, cur.Retired)
	assert.Equal(t, "Version 2", cur.Name)
	assert.NoError(t, c.Retire(kit.ID), "retiring twice does nothing")
	_, err = c.Orderable(kit.ID)
	assert.ErrorIs(t, err, request.ErrRetired)

	// An edit of the retired item keeps it retired; a definition that is
	// not retired reinstates it.
	cur.Description = "Edited while retired"
	v3, err := c.Register(cur)
	require.NoError(t, err)
	assert.True(t, v3.Retired)
	_, err = c.Orderable(kit.ID)
	assert.ErrorIs(t, err, request.ErrRetired)
	v3.Retired = false
	v4, err := c.Register(v3)
	require.NoError(t, err)
	assert.Equal(t, 4, v4.Version)
	assert.False(t, v4.Retired)
	got, err = c.Orderable(kit.ID)
	require.NoError(t, err)
	assert.Equal(t, v4, got)
	old, err := c.ItemVersion(kit.ID, 1)
	require.NoError(t, err)
	assert.False(t, old.Retired, "reinstating applies to every version")
}

func TestRegisterRetired(t *testing.T) {
	c := request.NewCatalog()
	kit := starterKit()
	kit.Retired = true
	got, err := c.Register(kit)
	require.NoError(t, err)
	assert.True(t, got.Retired)
	_, err = c.Orderable(kit.ID)
	assert.ErrorIs(t, err, request.ErrRetired)
}

func TestItems(t *testing.T) {
	c := request.NewCatalog()
	assert.Empty(t, c.Items())
	add := func(id, category, name string) {
		it := starterKit()
		it.ID, it.Category, it.Name = id, category, name
		_, err := c.Register(it)
		require.NoError(t, err)
	}
	add("printer", "Hardware", "Printer")
	add("laptop", "Hardware", "Laptop")
	add("starter", "Onboarding", "New starter kit")
	add("share", "Access", "Finance share")
	add("mouse-b", "Hardware", "Mouse")
	add("mouse-a", "Hardware", "Mouse")
	add("laptop", "Hardware", "Laptop, 2027") // a second version, renamed
	require.NoError(t, c.Retire("printer"))

	var got []string
	for _, it := range c.Items() {
		got = append(got, fmt.Sprintf("%s/%s/%s v%d retired=%t", it.Category, it.Name, it.ID, it.Version, it.Retired))
	}
	assert.Equal(t, []string{
		"Access/Finance share/share v1 retired=false",
		"Hardware/Laptop, 2027/laptop v2 retired=false",
		"Hardware/Mouse/mouse-a v1 retired=false",
		"Hardware/Mouse/mouse-b v1 retired=false",
		"Hardware/Printer/printer v1 retired=true",
		"Onboarding/New starter kit/starter v1 retired=false",
	}, got)
}

// TestCatalogConcurrent registers, retires and reads one catalogue from
// several goroutines (run with -race): every registration gets its own
// version, none is lost.
func TestCatalogConcurrent(t *testing.T) {
	const writers, each = 8, 25
	c := request.NewCatalog()
	versions := make(chan int, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				it := starterKit()
				it.Description = fmt.Sprintf("writer %d, edit %d", w, i)
				got, err := c.Register(it)
				if !assert.NoError(t, err) {
					return
				}
				versions <- got.Version
				if _, err := c.Register(func() request.CatalogItem { x := starterKit(); x.ID = fmt.Sprintf("own-%d", w); return x }()); !assert.NoError(t, err) {
					return
				}
				assert.NoError(t, c.Retire(fmt.Sprintf("own-%d", w)))
			}
		})
		wg.Go(func() {
			for range each {
				for _, it := range c.Items() {
					_, err := c.ItemVersion(it.ID, it.Version)
					assert.NoError(t, err)
				}
			}
		})
	}
	wg.Wait()
	close(versions)
	var got []int
	for v := range versions {
		got = append(got, v)
	}
	slices.Sort(got)
	want := make([]int, writers*each)
	for i := range want {
		want[i] = i + 1
	}
	assert.Equal(t, want, got, "every registration has its own version")
	cur, err := c.Item(starterKit().ID)
	require.NoError(t, err)
	assert.Equal(t, writers*each, cur.Version)
	assert.Len(t, c.Items(), writers+1)
}
