// Package cmdbwire adapts configuration management to the processes that
// use it: each process declares the small interface it needs (incident,
// change and problem ask the CMDB; cmdb asks change enablement), none
// imports another, and this package, on top of them all, is the wiring a
// host writes once. The demo and the service desk share it.
//
//	cis, _ := cmdb.New(cmdb.Config{Store: ...})
//	incidents, _ := incident.New(incident.Config{Store: ..., ConfigItems: cmdbwire.Incidents{CMDB: cis}})
//	changes, _ := change.New(change.Config{Store: ..., Relations: cis, ConfigItems: cmdbwire.Changes{CMDB: cis}})
//	problems, _ := problem.New(problem.Config{Store: ..., Dependencies: cmdbwire.Problems{CMDB: cis}})
//
// and, for the production rule, cmdb.Config.Changes:
// cmdbwire.ChangeControl{Changes: changeStore}, which reads the change
// Store (or the change Service) and so can be built before either
// service.
package cmdbwire

import (
	"context"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// ImpactOf is the default reading of a business service's criticality as
// an impact of the default 3 × 3 priority matrix: critical and high
// services are impact 1 (widest), medium 2, low 3; none says nothing (0).
func ImpactOf(c cmdb.Criticality) lifecycle.Impact {
	switch c {
	case cmdb.CriticalityCritical, cmdb.CriticalityHigh:
		return 1
	case cmdb.CriticalityMedium:
		return 2
	case cmdb.CriticalityLow:
		return 3
	}
	return 0
}

// services returns the business services a failure of cis affects, read
// through impact, each with its own criticality.
func services(ctx context.Context, cis *cmdb.Service, from []string) ([]cmdb.Affected, error) {
	im, err := cis.Impact(ctx, cmdb.ImpactQuery{From: from})
	if err != nil {
		return nil, err
	}
	return im.Services, nil
}

// Incidents is a CMDB as incident management asks it
// (incident.ConfigItems).
type Incidents struct {
	CMDB *cmdb.Service
	// Impact reads a service's criticality as an impact; nil is ImpactOf.
	Impact func(cmdb.Criticality) lifecycle.Impact
}

var _ incident.ConfigItems = Incidents{}

// AffectedServices returns the business services a failure of ci
// affects, upstream through the CMDB's relationships, sorted by ID.
func (a Incidents) AffectedServices(ctx context.Context, ci string) ([]incident.AffectedService, error) {
	svcs, err := services(ctx, a.CMDB, []string{ci})
	if err != nil {
		return nil, err
	}
	impact := impactFunc(a.Impact)
	out := make([]incident.AffectedService, len(svcs))
	for i, s := range svcs {
		out[i] = incident.AffectedService{ID: s.ID, Impact: impact(s.Criticality)}
	}
	slices.SortFunc(out, func(x, y incident.AffectedService) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// Changes is a CMDB as change enablement asks it: the services a change's
// items affect (change.ConfigItems) and the items related to one
// (change.Relations, which *cmdb.Service also satisfies itself).
type Changes struct {
	CMDB *cmdb.Service
	// Impact reads a service's criticality as an impact; nil is ImpactOf.
	Impact func(cmdb.Criticality) lifecycle.Impact
}

var (
	_ change.ConfigItems = Changes{}
	_ change.Relations   = Changes{}
	_ change.Relations   = (*cmdb.Service)(nil)
)

// AffectedServices returns the business services a failure of any of cis
// affects, sorted by ID.
func (a Changes) AffectedServices(ctx context.Context, cis []string) ([]change.AffectedService, error) {
	svcs, err := services(ctx, a.CMDB, cis)
	if err != nil {
		return nil, err
	}
	impact := impactFunc(a.Impact)
	out := make([]change.AffectedService, len(svcs))
	for i, s := range svcs {
		out[i] = change.AffectedService{ID: s.ID, Impact: impact(s.Criticality)}
	}
	slices.SortFunc(out, func(x, y change.AffectedService) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// RelatedCIs returns the CIs one relationship away from ci, either way.
func (a Changes) RelatedCIs(ctx context.Context, ci string) ([]string, error) {
	return a.CMDB.RelatedCIs(ctx, ci)
}

// Problems is a CMDB as known-error search asks it
// (problem.Dependencies).
type Problems struct {
	CMDB *cmdb.Service
}

var _ problem.Dependencies = Problems{}

// DependsOn returns the CIs ci depends on, downstream through the CMDB's
// relationships to cmdb.DefaultDepth, sorted.
func (a Problems) DependsOn(ctx context.Context, ci string) ([]string, error) {
	deps, err := a.CMDB.Dependencies(ctx, cmdb.ImpactQuery{From: []string{ci}})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(deps.CIs))
	for i, d := range deps.CIs {
		out[i] = d.ID
	}
	slices.Sort(out)
	return out, nil
}

// ChangeReader reads a change: a change.Store, or a *change.Service.
type ChangeReader interface {
	Get(ctx context.Context, id string) (*change.Change, error)
}

var (
	_ ChangeReader = change.Store(nil)
	_ ChangeReader = (*change.Service)(nil)
)

// ChangeControl is change enablement as the CMDB's production rule asks
// it (cmdb.Changes).
type ChangeControl struct {
	Changes ChangeReader
}

var _ cmdb.Changes = ChangeControl{}

// Implementing reports whether change id is in implement and lists ci
// among its configuration items. An unknown change matches
// lifecycle.ErrNotFound.
func (a ChangeControl) Implementing(ctx context.Context, id, ci string) (bool, error) {
	c, err := a.Changes.Get(ctx, id)
	if err != nil {
		return false, err
	}
	return c.State == change.StateImplement && slices.Contains(c.ConfigItems, ci), nil
}

func impactFunc(f func(cmdb.Criticality) lifecycle.Impact) func(cmdb.Criticality) lifecycle.Impact {
	if f == nil {
		return ImpactOf
	}
	return f
}
