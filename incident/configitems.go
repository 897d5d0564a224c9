package incident

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// ConfigItems is what incident management asks of configuration
// management: the business services a failure of a configuration item
// affects. The host adapts its CMDB to it (the examples module adapts
// *cmdb.Service); incident does not import cmdb.
type ConfigItems interface {
	// AffectedServices returns the business services a failure of ci
	// affects, each once. An unknown ci is an error matching
	// lifecycle.ErrNotFound. It must be safe for concurrent use.
	AffectedServices(ctx context.Context, ci string) ([]AffectedService, error)
}

// AffectedService is a business service an incident's configuration item
// affects, in incident management's terms.
type AffectedService struct {
	// ID identifies the service; required.
	ID string `json:"id"`
	// Impact is how widely a failure of the service affects the business
	// (1 widest, a row of the priority matrix); 0 says nothing. Under
	// [Rules].ImpactFromServices the widest impact among an incident's
	// services raises the incident's.
	Impact lifecycle.Impact `json:"impact,omitempty"`
}

// fieldAffectedServices is the history field of Incident.AffectedServices:
// the service IDs, comma-separated.
const fieldAffectedServices = "affected_services"

// serviceIDs returns the IDs of svcs trimmed, sorted and without
// duplicates (nil for none), or a *lifecycle.ValidationError for a blank
// one.
func serviceIDs(svcs []AffectedService) ([]string, error) {
	var ids []string
	for _, s := range svcs {
		id := strings.TrimSpace(s.ID)
		if id == "" {
			return nil, lifecycle.Invalid(fieldAffectedServices, "an affected service needs an ID")
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// serviceImpact returns impact raised to the widest impact among svcs
// when r.ImpactFromServices is set (a smaller level is wider), and impact
// itself otherwise. A service's impact outside the matrix is a
// *lifecycle.ValidationError.
func (r Rules) serviceImpact(impact lifecycle.Impact, svcs []AffectedService) (lifecycle.Impact, error) {
	if !r.ImpactFromServices {
		return impact, nil
	}
	for _, s := range svcs {
		switch {
		case s.Impact == 0:
		case s.Impact < 0 || int(s.Impact) > r.Matrix.Impacts():
			return 0, lifecycle.Invalid(fieldAffectedServices, "service %s has impact %d, outside the matrix's 1 to %d",
				s.ID, s.Impact, r.Matrix.Impacts())
		case s.Impact < impact:
			impact = s.Impact
		}
	}
	return impact, nil
}

// affect sets x's affected services to ids, recording the change.
func affect(x *Incident, st *step, ids []string) bool {
	old, now := strings.Join(x.AffectedServices, ","), strings.Join(ids, ",")
	if old == now {
		return false
	}
	st.Diff(fieldAffectedServices, old, now)
	x.AffectedServices = ids
	return true
}

// affected asks Config.ConfigItems for the services a failure of ci
// affects. An unknown ci is a *lifecycle.ValidationError naming
// "config_item": it is the command's input.
func (s *Service) affected(ctx context.Context, ci string) ([]AffectedService, error) {
	svcs, err := s.cis.AffectedServices(ctx, ci)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return nil, lifecycle.Invalid(fieldConfigItem, "configuration item %q is not known to configuration management", ci)
	}
	if err != nil {
		return nil, err
	}
	return slices.Clone(svcs), nil
}

// A reader is a command whose rules need what the pure layer cannot
// read, here the services its configuration item affects: the Service
// calls read, when Config.ConfigItems is set and the incident's machine
// has the command's event from its state, and applies the command read
// returns.
type reader interface {
	read(ctx context.Context, s *Service, x *Incident) (Command, error)
}

// read fills AffectedServices from Config.ConfigItems when the update
// changes the configuration item, and empties it otherwise.
func (c Update) read(ctx context.Context, s *Service, x *Incident) (Command, error) {
	c.AffectedServices = nil
	if c.ConfigItem == nil || *c.ConfigItem == x.ConfigItem || *c.ConfigItem == "" {
		return c, nil
	}
	var err error
	c.AffectedServices, err = s.affected(ctx, *c.ConfigItem)
	return c, err
}
