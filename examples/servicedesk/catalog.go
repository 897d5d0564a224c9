package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/sla"
)

// directory is the policy file's answer to the catalogue items' approval
// policies: who a person's manager is, and who a group's members are.
// It is a request.Directory.
type directory struct {
	// Managers maps a person to their manager.
	Managers map[string]string `json:"managers,omitempty"`
	// Groups maps an approval group to its members.
	Groups map[string][]string `json:"groups,omitempty"`
}

// Manager returns person's manager, or an error matching
// lifecycle.ErrNotFound when the policy names none.
func (d directory) Manager(_ context.Context, person string) (string, error) {
	if m := strings.TrimSpace(d.Managers[person]); m != "" {
		return m, nil
	}
	return "", fmt.Errorf("the directory names no manager for %s: %w", lifecycle.Clip(person), lifecycle.ErrNotFound)
}

// Members returns the members of group, or an error matching
// lifecycle.ErrNotFound when the policy has no such group.
func (d directory) Members(_ context.Context, group string) ([]string, error) {
	ms, ok := d.Groups[group]
	if !ok {
		return nil, fmt.Errorf("the directory has no group %s: %w", lifecycle.Clip(group), lifecycle.ErrNotFound)
	}
	return ms, nil
}

// newCatalog registers the policy's catalogue items, in order. The first
// item the catalogue refuses, or that names an agreement for its process
// that the desk does not apply, fails start-up, named by its position and
// ID with the field at fault.
func newCatalog(p policy, agreements []*sla.Agreement) (*request.Catalog, error) {
	c := request.NewCatalog()
	for i, item := range p.Catalog {
		for j, id := range item.Agreements {
			if !slices.ContainsFunc(agreements, func(a *sla.Agreement) bool {
				return a.ID == id && (a.Process == request.ProcessItem || a.Process == request.ProcessTask)
			}) {
				return nil, fmt.Errorf("policy catalog[%d] (%q): %w", i, item.ID,
					lifecycle.Invalid(fmt.Sprintf("agreements[%d]", j), "%q is not an agreement of service requests", id))
			}
		}
		if _, err := c.Register(item); err != nil {
			return nil, fmt.Errorf("policy catalog[%d] (%q): %w", i, item.ID, err)
		}
	}
	return c, nil
}

// catalogRoutes registers the catalogue endpoints.
func (d *desk) catalogRoutes(a *api) {
	a.handleFunc("GET /catalog", d.listCatalog)
	a.handleFunc("GET /catalog/{id}", get(d, func(_ context.Context, id string) (*request.CatalogItem, error) {
		item, err := d.catalog.Item(id)
		return &item, err
	}))
}

// listCatalog answers GET /catalog?category=: the items that take orders,
// at their current version, by category, then name.
func (d *desk) listCatalog(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "category")
	categories := q.list("category")
	writeList(d, w, r, q, func(context.Context) ([]request.CatalogItem, string, error) {
		var out []request.CatalogItem
		for _, item := range d.catalog.Items() {
			if !item.Retired && (len(categories) == 0 || containsFold(categories, item.Category)) {
				out = append(out, item)
			}
		}
		return out, "", nil
	})
}

// containsFold reports whether list holds s, ignoring case.
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
