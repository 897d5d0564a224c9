package cmdb

import (
	"context"
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// Depth limits of an [ImpactQuery].
const (
	DefaultDepth = 10
	MaxDepth     = 50
)

// ImpactQuery asks what CIs From affect (or, for [Service.Dependencies],
// depend on), at most Depth steps away (0: DefaultDepth).
type ImpactQuery struct {
	From  []string `json:"from"`
	Depth int      `json:"depth,omitempty"`
}

// Affected is one CI an impact analysis reaches: each once, at its
// depth, with one shortest path from a source to it: of the shortest
// paths, the one whose CI before it has the smallest ID, and so on back
// to the source.
type Affected struct {
	Reach
	Path []string `json:"path"` // the source first, this CI last
	// Highest is the highest criticality among the CIs of all its
	// shortest paths, itself included.
	Highest Criticality `json:"highest,omitempty"`
}

// Impact is the result of an impact analysis.
type Impact struct {
	CIs      []Affected `json:"cis"`      // every CI reached but the sources, by depth then ID
	Services []Affected `json:"services"` // the business services among them, by depth then ID
}

// Impact returns what a failure of q.From affects upstream: the CIs
// their impact flows to, and the business services among them. Unknown
// sources are an error matching lifecycle.ErrNotFound.
func (s *Service) Impact(ctx context.Context, q ImpactQuery) (*Impact, error) {
	return s.analyse(ctx, q, false)
}

// Dependencies returns everything q.From depends on: the walk of
// [Service.Impact] against the flow.
func (s *Service) Dependencies(ctx context.Context, q ImpactQuery) (*Impact, error) {
	return s.analyse(ctx, q, true)
}

// AffectedServices returns the IDs of the business services a failure of
// ci affects, sorted: what incident management records on an incident.
func (s *Service) AffectedServices(ctx context.Context, ci string) ([]string, error) {
	im, err := s.Impact(ctx, ImpactQuery{From: []string{ci}})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, a := range im.Services {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	return ids, nil
}

// RelatedCIs returns the IDs of the CIs one relationship away from ci,
// either way, sorted: what change conflict detection also checks.
func (s *Service) RelatedCIs(ctx context.Context, ci string) ([]string, error) {
	rels, err := s.store.Related(ctx, []string{ci})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rels {
		switch ci {
		case r.Parent:
			ids = append(ids, r.Child)
		case r.Child:
			ids = append(ids, r.Parent)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

func (s *Service) analyse(ctx context.Context, q ImpactQuery, reverse bool) (*Impact, error) {
	depth := q.Depth
	switch {
	case len(q.From) == 0:
		return nil, lifecycle.Invalid("from", "at least one CI is required")
	case depth < 0 || depth > MaxDepth:
		return nil, lifecycle.Invalid("depth", "%d is not between 1 and %d", depth, MaxDepth)
	case depth == 0:
		depth = DefaultDepth
	}
	from := slices.Clone(q.From)
	slices.Sort(from)
	from = slices.Compact(from)
	reached, err := s.store.Walk(ctx, s.types.walk(from, depth, reverse))
	if err != nil {
		return nil, err
	}
	return s.impact(from, reached)
}

// impact builds the analysis from a walk's reaches.
func (s *Service) impact(from []string, reached []Reach) (*Impact, error) {
	byID := make(map[string]*Affected, len(reached))
	out := &Impact{CIs: make([]Affected, 0, len(reached))}
	for _, r := range reached {
		a := &Affected{Reach: r, Highest: r.Criticality}
		if r.Depth == 0 {
			a.Path = []string{r.ID}
		} else {
			for _, v := range r.Via {
				if p, ok := byID[v]; ok {
					a.Highest = highest(a.Highest, p.Highest)
				}
			}
			if p, ok := byID[r.Via[0]]; ok {
				a.Path = append(slices.Clip(p.Path), r.ID)
			}
		}
		byID[r.ID] = a
	}
	for _, id := range from {
		if _, ok := byID[id]; !ok {
			return nil, lifecycle.NotFound(Process, id)
		}
	}
	for _, r := range reached {
		if r.Depth == 0 {
			continue
		}
		a := *byID[r.ID]
		out.CIs = append(out.CIs, a)
		if s.classes.Is(a.Class, s.serviceClass) {
			out.Services = append(out.Services, a)
		}
	}
	return out, nil
}
