package request

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/itsmkit/itsm/lifecycle"
)

// ErrRetired reports an order of a retired catalogue item. The error that
// carries it is also a *lifecycle.ValidationError for the field "item",
// so it matches [lifecycle.ErrValidation] too.
var ErrRetired = errors.New("catalogue item retired")

// CatalogItem is a catalogue item: a service a requester can order, with
// the questions the order asks ([Variable]s), who approves it
// ([Approval]), the work that fulfils it ([Plan]) and the SLA agreements
// that measure it. A [Catalog] holds every version of every item; an
// order keeps the version it was placed at.
//
// A CatalogItem is a value: [CatalogItem.Clone] gives a copy that shares
// no memory with it.
type CatalogItem struct {
	// ID identifies the item in the catalogue, e.g. "new-starter-kit".
	// Required.
	ID string `json:"id"`
	// Name is the item as requesters see it, e.g. "New starter kit".
	// Required.
	Name string `json:"name"`
	// Category groups items for browsing, e.g. "Onboarding". Required.
	Category string `json:"category"`
	// Description says what the requester gets.
	Description string `json:"description,omitempty"`
	// Version is set by the [Catalog]: 1 at the first registration of
	// the ID, one more at each registration after. It is zero on an item
	// not yet registered.
	Version int `json:"version"`
	// Variables are the questions the item asks its requester, in the
	// order they are asked.
	Variables []Variable `json:"variables,omitempty"`
	// Approval says who approves an order. Its Policy is required.
	Approval Approval `json:"approval"`
	// Plan is the work that fulfils an order.
	Plan Plan `json:"plan"`
	// Agreements are the IDs of the SLA agreements (of the sla package)
	// that apply to the item's orders: the snapshots of its requested
	// items and their tasks carry them, and an agreement's conditions ask
	// [Applies].
	Agreements []string `json:"agreements,omitempty"`
	// Retired reports that the item takes no new orders. The [Catalog]
	// sets it on every version of a retired item.
	Retired bool `json:"retired,omitempty"`
}

// Clone returns a deep copy of item.
func (item CatalogItem) Clone() CatalogItem {
	if item.Variables != nil {
		vars := make([]Variable, len(item.Variables))
		for i, v := range item.Variables {
			vars[i] = v.clone()
		}
		item.Variables = vars
	}
	item.Plan = item.Plan.clone()
	item.Agreements = slices.Clone(item.Agreements)
	return item
}

// UnmarshalJSON decodes an item as its fields' JSON names say. A
// document with an unknown variable type, approval policy or decision is
// a *lifecycle.ValidationError, and item is left as it was: nothing is
// decoded half-way. Decoding does not validate the definition:
// [Catalog.Register] does.
func (item *CatalogItem) UnmarshalJSON(b []byte) error {
	type plain CatalogItem // without this method
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*item = CatalogItem(v)
	return nil
}

// Validate reports the first problem with the definition as a
// *lifecycle.ValidationError naming the field as a client spells it:
// "id", "name" and "category" when missing; any text longer than
// lifecycle's limits allow (an ID [lifecycle.MaxIDLength], a name, label
// or group [lifecycle.MaxNameLength], a choice, default or pattern
// [lifecycle.MaxValueLength], the description [lifecycle.MaxTextLength]);
// a negative "version"; a variable's bad name, type, choice, rule or
// default ("variables[2].pattern", a name listed twice at the second
// "variables[3].name"); the approval policy (see [Approval.Validate]); the
// plan's stages and tasks ("plan.stages[0].tasks[1].group", a condition's
// "plan.stages[1].tasks[0].when.variable"); and a blank or repeated
// agreement ("agreements[0]").
func (item CatalogItem) Validate() error {
	if err := checkText("id", item.ID, lifecycle.MaxIDLength, true); err != nil {
		return err
	}
	if err := checkText("name", item.Name, lifecycle.MaxNameLength, true); err != nil {
		return err
	}
	if err := checkText("category", item.Category, lifecycle.MaxNameLength, true); err != nil {
		return err
	}
	if err := checkText("description", item.Description, lifecycle.MaxTextLength, false); err != nil {
		return err
	}
	if item.Version < 0 {
		return lifecycle.Invalid("version", "%d is negative", item.Version)
	}
	for i, v := range item.Variables {
		at := "variables[" + strconv.Itoa(i) + "]"
		if err := v.validate(at); err != nil {
			return err
		}
		if slices.ContainsFunc(item.Variables[:i], func(w Variable) bool { return w.Name == v.Name }) {
			return lifecycle.Invalid(at+".name", "the variable %q is named twice", v.Name)
		}
	}
	if err := item.Approval.Validate(); err != nil {
		return err
	}
	if err := item.Plan.validate(item.Variables); err != nil {
		return err
	}
	for i, id := range item.Agreements {
		at := "agreements[" + strconv.Itoa(i) + "]"
		if err := checkText(at, id, lifecycle.MaxIDLength, true); err != nil {
			return err
		}
		if strings.Contains(id, ",") {
			return lifecycle.Invalid(at, "%q: an agreement ID holds no comma", id)
		}
		if slices.Contains(item.Agreements[:i], id) {
			return lifecycle.Invalid(at, "the agreement %q is listed twice", id)
		}
	}
	return nil
}

// checkText refuses s for field when it is longer than limit characters
// or, when required, blank.
func checkText(field, s string, limit int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return lifecycle.Invalid(field, "a value is required")
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return lifecycle.Invalid(field, "%d characters, longer than the %d allowed: %q", n, limit, s)
	}
	return nil
}

// Catalog is the service catalogue: every version of every catalogue
// item that the host has registered. It lives in memory; the host fills
// it at start-up (from code or its own storage) and changes it as its
// offer changes. The zero value is an empty catalogue, ready to use. A
// Catalog is safe for concurrent use and must not be copied after first
// use.
//
// Every item goes in and out as a copy: changing an item passed to or
// returned by the catalogue never changes what it holds.
type Catalog struct {
	mu      sync.RWMutex
	entries map[string]*entry
}

// entry holds one item ID's versions, the first at index 0.
type entry struct {
	versions []CatalogItem
	retired  bool
}

// item returns a copy of the version at index i, marked retired when the
// entry is.
func (e *entry) item(i int) CatalogItem {
	it := e.versions[i].Clone()
	it.Retired = e.retired
	return it
}

// current returns a copy of the current version.
func (e *entry) current() CatalogItem { return e.item(len(e.versions) - 1) }

// NewCatalog returns an empty catalogue.
func NewCatalog() *Catalog { return &Catalog{} }

// Register validates item ([CatalogItem.Validate]) and stores it as the
// item's new current version: version 1 for an ID the catalogue does not
// hold, one more than the current version for one it does. It returns
// the stored item, with its Version set.
//
// A zero item.Version registers over whatever version is current. A
// non-zero one is the version the definition was read at ([Catalog.Item]
// then edited): when it is not the current version (another edit was
// registered first), Register refuses with an error matching
// [lifecycle.ErrConflict], so that two edits of one version never
// silently replace each other.
//
// The item's Retired says whether the ID takes new orders after it:
// registering a retired definition retires the item, and registering one
// that is not retired reinstates a retired item.
//
// A definition that does not validate is a *lifecycle.ValidationError
// (wrapped with the item's ID), and nothing is stored.
func (c *Catalog) Register(item CatalogItem) (CatalogItem, error) {
	if err := item.Validate(); err != nil {
		return CatalogItem{}, fmt.Errorf("catalogue item %s: %w", lifecycle.Clip(item.ID), err)
	}
	item = item.Clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[item.ID]
	current := 0
	if e != nil {
		current = len(e.versions)
	}
	if item.Version != 0 && item.Version != current {
		return CatalogItem{}, lifecycle.Conflict("catalogue item", item.ID, int64(item.Version), int64(current))
	}
	if e == nil {
		if c.entries == nil {
			c.entries = map[string]*entry{}
		}
		e = &entry{}
		c.entries[item.ID] = e
	}
	item.Version = current + 1
	e.retired = item.Retired
	item.Retired = false // the entry holds it, for every version
	e.versions = append(e.versions, item)
	return e.current(), nil
}

// Retire stops new orders of every version of the item with this ID;
// orders already placed go on at their version. Retiring a retired item
// does nothing. An unknown ID is an error matching [lifecycle.ErrNotFound].
func (c *Catalog) Retire(id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.entry(id)
	if err != nil {
		return err
	}
	e.retired = true
	return nil
}

// Item returns the current version of the item with this ID, retired or
// not. An unknown ID is an error matching [lifecycle.ErrNotFound].
func (c *Catalog) Item(id string) (CatalogItem, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, err := c.entry(id)
	if err != nil {
		return CatalogItem{}, err
	}
	return e.current(), nil
}

// ItemVersion returns the given version of the item with this ID, as it
// was registered (with Retired set while the item is retired): the
// definition an order placed at that version follows. An unknown ID or
// version is an error matching [lifecycle.ErrNotFound].
func (c *Catalog) ItemVersion(id string, version int) (CatalogItem, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, err := c.entry(id)
	if err != nil {
		return CatalogItem{}, err
	}
	if version < 1 || version > len(e.versions) {
		return CatalogItem{}, fmt.Errorf("catalogue item %s version %d: %w", lifecycle.Clip(id), version, lifecycle.ErrNotFound)
	}
	return e.item(version - 1), nil
}

// Orderable returns the current version of the item with this ID, the
// version a new order takes. An unknown ID is an error matching
// [lifecycle.ErrNotFound]; a retired item is a *lifecycle.ValidationError
// for the field "item" that also matches [ErrRetired].
func (c *Catalog) Orderable(id string) (CatalogItem, error) {
	item, err := c.Item(id)
	if err != nil {
		return CatalogItem{}, err
	}
	if item.Retired {
		return CatalogItem{}, retiredError{&lifecycle.ValidationError{
			Field:  "item",
			Reason: fmt.Sprintf("the catalogue item %s (version %d) is retired and takes no new orders", item.ID, item.Version),
		}}
	}
	return item, nil
}

// Items returns the current version of every item, retired ones included
// (a shop front leaves out those whose Retired is set), by category, then
// name, then ID.
func (c *Catalog) Items() []CatalogItem {
	c.mu.RLock()
	items := make([]CatalogItem, 0, len(c.entries))
	for _, e := range c.entries {
		items = append(items, e.current())
	}
	c.mu.RUnlock()
	slices.SortFunc(items, func(a, b CatalogItem) int {
		return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return items
}

// entry returns the entry of id, or an error matching
// [lifecycle.ErrNotFound]. The caller holds c.mu.
func (c *Catalog) entry(id string) (*entry, error) {
	e := c.entries[id]
	if e == nil {
		return nil, lifecycle.NotFound("catalogue item", lifecycle.Clip(id))
	}
	return e, nil
}

// retiredError is the *lifecycle.ValidationError of an order of a retired
// item, which also matches [ErrRetired].
type retiredError struct{ *lifecycle.ValidationError }

// Is reports whether target is ErrRetired.
func (e retiredError) Is(target error) bool { return target == ErrRetired }

// Unwrap returns the validation error.
func (e retiredError) Unwrap() error { return e.ValidationError }
